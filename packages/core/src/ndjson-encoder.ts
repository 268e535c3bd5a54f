/**
 * NDJSON encoding: one value, one line. Encoding happens entirely before anything is returned,
 * so a value JSON cannot carry never leaves half a line on the wire.
 */
import { ErrorCode, ProjError } from './errors.js';

/**
 * Returns `JSON.stringify(value) + '\n'`. The result is always exactly one line: JSON.stringify
 * escapes line breaks inside strings and adds no whitespace.
 *
 * @throws ProjError `PROJ_ERR_ENCODE` (with the native error as `cause`) for circular
 * structures, BigInt and throwing `toJSON` methods; also, without `cause`, for a top-level
 * `undefined`, function or symbol (where JSON.stringify returns `undefined`). Nothing is returned
 * then, so nothing partial can be written.
 */
export function encodeLine(value: unknown): string {
  return encode(value, undefined);
}

/**
 * Encodes several values into one string (for coalesced writes). All-or-nothing: throws, before
 * returning anything, if any value fails; the error's `details.index` says which one.
 *
 * @throws ProjError `PROJ_ERR_ENCODE`, as {@link encodeLine}.
 */
export function encodeLines(values: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += encode(values[i], i);
  return out;
}

function encode(value: unknown, index: number | undefined): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ProjError(ErrorCode.ENCODE, `cannot encode value as JSON: ${reason}`, { cause, details: details(value, index) });
  }
  // JSON.stringify returns undefined, rather than throwing, for undefined, functions and symbols.
  if (json === undefined) {
    throw new ProjError(ErrorCode.ENCODE, `cannot encode a value of type ${typeof value} as JSON`, { details: details(value, index) });
  }
  return json + '\n';
}

function details(value: unknown, index: number | undefined): { type: string; index?: number } {
  return index === undefined ? { type: typeof value } : { type: typeof value, index };
}
