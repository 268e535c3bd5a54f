/**
 * `closeInfo()`: maps a WebSocket close (code, reason, the error seen on the socket) to core's
 * {@link LinkCloseInfo}. Shared by the Node and the browser entries, so it imports core only.
 */
import { ErrorCode, ProjError, type LinkCloseInfo } from '@proj/core';

/** Normal closure: the peer called `close()` / `end()`. */
const NORMAL = 1000;
/** Going away: a server shutting down, a browser leaving the page. */
const GOING_AWAY = 1001;
/** A close frame without a status code: still a completed closing handshake. */
const NO_STATUS = 1005;
/** No close frame at all: the TCP connection dropped (the peer terminated, a network failure). */
const ABNORMAL = 1006;
/**
 * What a browser link's `destroy()` sends: a browser cannot abort a connection (no RST, no 1006
 * on demand) and may only send 1000 or 3000–4999. Read back as a reset, like a Node `terminate()`,
 * so the peer's disconnect reason is `remote-reset` whichever runtime destroyed the link.
 */
export const DESTROY_CODE = 4000;

/**
 * When this side's `ws` receiver rejects a frame it sends the peer a close frame and stops
 * reading, so its own `'close'` event reports 1006 even though the connection failed on a
 * protocol violation. These are the codes `ws` sends for its receiver errors (see ws `lib/receiver.js`).
 */
const RECEIVER_ERROR_CLOSE_CODES: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_INVALID_UTF8: 1007,
};

function receiverErrorCloseCode(cause: unknown): number | undefined {
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  return RECEIVER_ERROR_CLOSE_CODES[code] ?? 1002;
}

/**
 * 1000/1001/1005 are graceful. 1006 (unless this side's receiver failed on a protocol
 * violation) and {@link DESTROY_CODE} are resets: `PROJ_ERR_CONNECTION_RESET`. Every other code
 * is `PROJ_ERR_TRANSPORT` with `details.closeCode` and `details.reason`. `cause` is the socket
 * error observed, if any.
 */
export function closeInfo(code: number, reason: string, remoteAddress: string, cause?: unknown): LinkCloseInfo {
  if (code === NORMAL || code === GOING_AWAY || code === NO_STATUS) return { graceful: true };
  const withCause = cause === undefined ? {} : { cause };
  const sent = code === ABNORMAL ? receiverErrorCloseCode(cause) : undefined;
  if ((code === ABNORMAL && sent === undefined) || code === DESTROY_CODE) {
    const error = new ProjError(ErrorCode.CONNECTION_RESET, `connection to ${remoteAddress} reset (${code})`, { ...withCause, details: { closeCode: code } });
    return { graceful: false, error };
  }
  const closeCode = sent ?? code;
  const text = reason === '' && cause instanceof Error ? cause.message : reason;
  const message = `connection to ${remoteAddress} closed with code ${closeCode}${text === '' ? '' : `: ${text}`}`;
  return { graceful: false, error: new ProjError(ErrorCode.TRANSPORT, message, { ...withCause, details: { closeCode, reason: text } }) };
}
