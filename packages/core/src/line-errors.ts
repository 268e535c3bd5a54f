/**
 * The decoder's reports about bad lines: typed errors with the line number, the connection and
 * a short sample, and the blank-line test that decides whether a line that is not JSON is an
 * error at all.
 */
import { ErrorCode, ProjError } from './errors.js';

const CR = 13;
const SAMPLE_CHARS = 64;

/** `PROJ_ERR_MALFORMED_LINE` for a line JSON.parse refused (`cause`). */
export function malformedLine(line: string, lineNo: number, connection: string | undefined, cause: unknown): ProjError {
  const details = { line: lineNo, connection, sample: sampleOf(line) };
  return new ProjError(ErrorCode.MALFORMED_LINE, `line ${lineNo} is not valid JSON`, { cause, details });
}

/** `PROJ_ERR_LINE_TOO_LONG` for a line over `maxLineBytes`. */
export function lineTooLong(lineNo: number, maxLineBytes: number, connection: string | undefined): ProjError {
  const details = { line: lineNo, maxLineBytes, connection };
  return new ProjError(ErrorCode.LINE_TOO_LONG, `line ${lineNo} exceeds maxLineBytes (${maxLineBytes})`, { details });
}

/** JSON whitespace only (space, tab, CR; a line holds no LF). */
export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

/** First characters of a line for error details, without a final CR and without cutting a surrogate pair. */
function sampleOf(line: string): string {
  let end = Math.min(line.length, SAMPLE_CHARS);
  if (end === line.length && line.charCodeAt(end - 1) === CR) end--;
  else if (end === SAMPLE_CHARS) {
    const c = line.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--;
  }
  return line.slice(0, end);
}
