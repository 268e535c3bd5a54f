/**
 * The one control line @proj itself puts on the wire: a server that refuses a connection (at
 * `maxConnections`, or rejected by `authenticate`) writes it before closing, so the client learns
 * why instead of seeing a bare close. A plain NDJSON peer simply receives an ordinary JSON object.
 */
import { ErrorCode } from './errors.js';
import { encodeLine } from './ndjson-encoder.js';

/** Key that marks a control object. */
export const CONTROL_KEY = '$proj';

/** The refusal line a full server sends before closing. */
export const REFUSED_LINE = refusalLine(ErrorCode.MAX_CONNECTIONS, 'server is at its maximum number of connections');

/** A refusal line: `{"$proj":"refused","code":…,"reason":…}`. */
export function refusalLine(code: string, reason: string): string {
  return encodeLine({ [CONTROL_KEY]: 'refused', code, reason });
}

/** True when `value` is the refusal control object. */
export function isRefusal(value: unknown): value is { code: string; reason: string } {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[CONTROL_KEY] === 'refused';
}
