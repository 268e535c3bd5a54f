/**
 * Every error @proj reports is a {@link ProjError} with a stable string `code`.
 * Match on `code`, never on `message`. The codes are listed in `docs/errors.md`.
 */
export const ErrorCode = {
  /** An option failed validation at construction time. */
  INVALID_OPTION: 'PROJ_ERR_INVALID_OPTION',
  /** A client could not establish a link (refused, not found, handshake failed). `cause` is the native error. */
  CONNECT: 'PROJ_ERR_CONNECT',
  /** A server could not listen (address in use, permission denied). `cause` is the native error. */
  LISTEN: 'PROJ_ERR_LISTEN',
  /** An operation was cancelled through an `AbortSignal` or by `close()`. */
  ABORTED: 'PROJ_ERR_ABORTED',
  /** The peer reset the connection (TCP RST, WebSocket 1006). */
  CONNECTION_RESET: 'PROJ_ERR_CONNECTION_RESET',
  /** Any other transport failure on an established link. `cause` is the native error. */
  TRANSPORT: 'PROJ_ERR_TRANSPORT',
  /** A received line is not valid JSON. Carries `line` (1-based) and the connection. */
  MALFORMED_LINE: 'PROJ_ERR_MALFORMED_LINE',
  /** A received line exceeds `maxLineBytes`. Its bytes were discarded without being buffered. */
  LINE_TOO_LONG: 'PROJ_ERR_LINE_TOO_LONG',
  /** A value cannot be encoded as JSON (circular, BigInt, undefined, function). Nothing was written. */
  ENCODE: 'PROJ_ERR_ENCODE',
  /** The send queue is full (messages or bytes) and the overflow policy is `reject`. */
  QUEUE_FULL: 'PROJ_ERR_QUEUE_FULL',
  /** Messages queued for sending were discarded (overflow policy `drop-oldest`, or the channel closed with unsent data). */
  DROPPED: 'PROJ_ERR_DROPPED',
  /** The channel, client or server is closed. */
  CLOSED: 'PROJ_ERR_CLOSED',
  /** The server refused a connection because it holds `maxConnections` already. */
  MAX_CONNECTIONS: 'PROJ_ERR_MAX_CONNECTIONS',
  /** A connection saw no traffic for `idleTimeout` ms and was closed. */
  IDLE_TIMEOUT: 'PROJ_ERR_IDLE_TIMEOUT',
  /** No data arrived within `heartbeatTimeout` ms (a half-open or silent connection); it was destroyed. */
  HEARTBEAT_TIMEOUT: 'PROJ_ERR_HEARTBEAT_TIMEOUT',
  /** The server's `authenticate` hook rejected the connection, threw, or did not answer within `authTimeout` ms. */
  UNAUTHORIZED: 'PROJ_ERR_UNAUTHORIZED',
  /** The reconnect policy gave up (maximum attempts or time budget reached). */
  RECONNECT_FAILED: 'PROJ_ERR_RECONNECT_FAILED',
  /** A message handler threw or rejected. `cause` is what it threw. */
  HANDLER: 'PROJ_ERR_HANDLER',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Structured context attached to a {@link ProjError}. */
export interface ProjErrorDetails {
  /** 1-based line number on the connection, for framing errors. */
  line?: number;
  /** Identifier of the connection (peer id or client id) the error happened on. */
  connection?: string;
  /** Any further machine-readable detail. */
  [key: string]: unknown;
}

/** The one error class of @proj: a stable `code`, an optional native `cause`, and structured `details`. */
export class ProjError extends Error {
  override readonly name = 'ProjError';
  /** Stable, documented code: match on this. */
  readonly code: ErrorCode;
  /** Structured context (line number, connection id, limits). */
  readonly details: ProjErrorDetails;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ProjErrorDetails } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True when `err` is a {@link ProjError}, optionally with the given code. */
export function isProjError(err: unknown, code?: ErrorCode): err is ProjError {
  return err instanceof ProjError && (code === undefined || err.code === code);
}

/** Throws `PROJ_ERR_INVALID_OPTION` unless `value` is a finite number within [min, max] (or +Infinity when allowed). */
export function checkNumber(name: string, value: number, min: number, max = Infinity, allowInfinity = false): void {
  const ok = typeof value === 'number' && !Number.isNaN(value) && value >= min && value <= max && (allowInfinity || Number.isFinite(value));
  if (!ok) {
    throw new ProjError(ErrorCode.INVALID_OPTION, `${name} must be a number in [${min}, ${max}], got ${String(value)}`, { details: { option: name, value } });
  }
}
