/**
 * The one control line @proj itself puts on the wire: a server at `maxConnections` writes it
 * before closing, so the client learns why instead of seeing a bare close. A plain NDJSON peer
 * simply receives it as an ordinary JSON object.
 */
import { ErrorCode } from './errors.js';
import { encodeLine } from './ndjson-encoder.js';

/** Key that marks a control object. */
export const CONTROL_KEY = '$proj';

/** The refusal line a full server sends before closing. */
export const REFUSED_LINE = encodeLine({ [CONTROL_KEY]: 'refused', code: ErrorCode.MAX_CONNECTIONS, reason: 'server is at its maximum number of connections' });

/** True when `value` is the refusal control object. */
export function isRefusal(value: unknown): value is { code: string; reason: string } {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[CONTROL_KEY] === 'refused';
}
