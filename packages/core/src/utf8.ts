/**
 * Portable UTF-8 helpers for the framing code. Core also runs in browsers, so nothing here
 * requires Node's `Buffer`; where `Buffer` exists it is used for decoding because it is the
 * fastest decoder Node has.
 */

type BufferLike = Uint8Array & { toString(encoding: 'utf8', start: number, end: number): string; utf8Slice?: (start: number, end: number) => string };
interface BufferStatics {
  prototype: BufferLike;
  isBuffer(value: unknown): boolean;
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): BufferLike;
  allocUnsafeSlow(size: number): BufferLike;
}

const NodeBuffer = (globalThis as { Buffer?: BufferStatics }).Buffer;
// `ignoreBOM: true` keeps a leading U+FEFF, as `Buffer#toString` does, so both paths decode alike.
const textDecoder = NodeBuffer === undefined ? new TextDecoder('utf-8', { ignoreBOM: true }) : undefined;
const textEncoder = new TextEncoder();
// `Buffer#utf8Slice` is what `toString('utf8', start, end)` calls after normalising its
// arguments; calling it directly saves that step, which shows in profiles at one call per chunk.
// Long-standing but undocumented, hence the feature test.
const hasUtf8Slice = typeof NodeBuffer?.prototype.utf8Slice === 'function';

/**
 * Number of bytes `str.slice(start, end)` takes in UTF-8. A lone surrogate counts 3 bytes:
 * it is written as U+FFFD by `TextEncoder` and `Buffer`. A surrogate pair cut by `end` counts
 * as a lone surrogate. No allocation; needs no `Buffer`.
 */
export function utf8ByteLength(str: string, start = 0, end: number = str.length): number {
  let i = start;
  while (i < end && str.charCodeAt(i) < 0x80) i++;
  let bytes = end - start;
  for (; i < end; i++) {
    const c = str.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = str.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // Two UTF-16 units, four bytes.
        bytes += 2;
        i++;
        continue;
      }
    }
    bytes += 2;
  }
  return bytes;
}

/**
 * Decodes `bytes[start, end)` as UTF-8; invalid sequences become U+FFFD and a BOM is kept.
 * Uses `Buffer` when present (no copy: a plain `Uint8Array` is wrapped), `TextDecoder` otherwise.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (NodeBuffer !== undefined) {
    const buf = NodeBuffer.isBuffer(bytes) ? (bytes as BufferLike) : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return hasUtf8Slice ? buf.utf8Slice!(start, end) : buf.toString('utf8', start, end);
  }
  return textDecoder!.decode(bytes.subarray(start, end));
}

/**
 * A new byte array of `size` bytes, for the caller to fill completely. A `Buffer` (outside
 * Node's shared pool, so it pins nothing else) when available, for {@link decodeUtf8} to use as is.
 */
export function allocBytes(size: number): Uint8Array {
  return NodeBuffer === undefined ? new Uint8Array(size) : NodeBuffer.allocUnsafeSlow(size);
}

/** Encodes `str` as UTF-8 into a new `Uint8Array` (lone surrogates become U+FFFD). */
export function encodeUtf8(str: string): Uint8Array {
  return textEncoder.encode(str);
}
