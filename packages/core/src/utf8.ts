/**
 * Portable UTF-8 helpers for the framing code. Core also runs in browsers, so nothing here
 * requires Node's `Buffer`; where `Buffer` exists it is used for decoding because it is the
 * fastest decoder Node has for ASCII; longer non-ASCII windows go to ICU, which is 2–5× faster.
 */

type BufferLike = Uint8Array & {
  toString(encoding: 'utf8' | 'latin1', start: number, end: number): string;
  utf8Slice?: (start: number, end: number) => string;
  latin1Slice?: (start: number, end: number) => string;
  subarray(start: number, end: number): BufferLike;
};
interface BufferStatics {
  prototype: BufferLike;
  isBuffer(value: unknown): boolean;
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): BufferLike;
  allocUnsafeSlow(size: number): BufferLike;
}

const NodeBuffer = (globalThis as { Buffer?: BufferStatics }).Buffer;

/** The parts of `node:buffer` used to decode long non-ASCII windows. */
interface BufferModule {
  isAscii(input: Uint8Array): boolean;
  isUtf8(input: Uint8Array): boolean;
  transcode(source: Uint8Array, fromEnc: 'utf8', toEnc: 'utf16le'): Uint8Array & { ucs2Slice?: (start: number, end: number) => string; toString(encoding: 'utf16le'): string };
}
// Loaded through process.getBuiltinModule rather than a static import, so the browser build has no
// `node:*` import. `transcode` is missing from Node builds without ICU: then V8's decoder does it all.
const bufferModule = (globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined)?.getBuiltinModule?.('node:buffer') as
  | Partial<BufferModule>
  | undefined;
const wide: BufferModule | undefined =
  NodeBuffer !== undefined && typeof bufferModule?.transcode === 'function' && typeof bufferModule.isAscii === 'function' && typeof bufferModule.isUtf8 === 'function'
    ? (bufferModule as BufferModule)
    : undefined;
/**
 * Non-ASCII windows of at least this many bytes are decoded by ICU rather than by V8's UTF-8
 * decoder, which costs about 3 ns per byte of accented or CJK text. Below it, ICU's call and the
 * validity scan cost more than they save. Measured per call on the bench's ~1 KiB messages
 * (V8 / ICU converter / ICU `transcode`): 128 B 0.43 / 0.40 / 1.7 µs; 1 KiB 3.1 / 1.9 / 2.6 µs;
 * 4 KiB 12.5 / 6.6 / 4.1 µs; 64 KiB 182 / 98 / 38 µs.
 */
const FAST_MIN_BYTES = 128;
/** From this many bytes on, ICU's `transcode` (UTF-16 into a buffer, then one copy into a string) beats its converter. */
const TRANSCODE_MIN_BYTES = 2048;
/**
 * ICU's converter, through `TextDecoder` in streaming mode (Node decodes non-streaming calls with
 * V8's decoder). It is only given complete, valid UTF-8, so no partial character is ever left
 * pending between calls. `ignoreBOM: true`: a BOM is kept, as `Buffer#toString` keeps it.
 */
const icuDecoder = wide === undefined ? undefined : new TextDecoder('utf-8', { ignoreBOM: true });
const STREAM = { stream: true } as const;
// `ignoreBOM: true` keeps a leading U+FEFF, as `Buffer#toString` does, so both paths decode alike.
const textDecoder = NodeBuffer === undefined ? new TextDecoder('utf-8', { ignoreBOM: true }) : undefined;
const textEncoder = new TextEncoder();
// `Buffer#utf8Slice` is what `toString('utf8', start, end)` calls after normalising its
// arguments; calling it directly saves that step, which shows in profiles at one call per chunk.
// Long-standing but undocumented, hence the feature test.
const hasUtf8Slice = typeof NodeBuffer?.prototype.utf8Slice === 'function';
// Same for `latin1Slice`: ASCII copied byte for byte, without even the ASCII scan of V8's UTF-8 decoder.
const hasLatin1Slice = typeof NodeBuffer?.prototype.latin1Slice === 'function';

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
 * `bytes[start, end)` as a string when the whole of `bytes` is ASCII, else undefined (always
 * undefined without Node's `Buffer`). The check takes the array as it is, without the view a
 * window would need: for a window that is most of a chunk, one call and one copy.
 */
export function asciiSlice(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (wide === undefined || !wide.isAscii(bytes)) return undefined;
  return latin1(asBuffer(NodeBuffer!, bytes), start, end);
}

/** `bytes` as a `Buffer`: itself, or a view of the same memory (no copy). */
function asBuffer(node: BufferStatics, bytes: Uint8Array): BufferLike {
  return node.isBuffer(bytes) ? (bytes as BufferLike) : node.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `buf[start, end)`, known to be ASCII, as a string: one byte per unit. */
function latin1(buf: BufferLike, start: number, end: number): string {
  return hasLatin1Slice ? buf.latin1Slice!(start, end) : buf.toString('latin1', start, end);
}

/**
 * Decodes `bytes[start, end)` as UTF-8; invalid sequences become U+FFFD and a BOM is kept.
 * Uses `Buffer` when present (no copy: a plain `Uint8Array` is wrapped), `TextDecoder` otherwise.
 * Expects integers with `0 <= start <= end <= bytes.length`; with Node's `Buffer`, a range outside
 * `bytes` throws `ERR_OUT_OF_RANGE` (it never reads the memory around the view).
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (NodeBuffer !== undefined) {
    const buf = asBuffer(NodeBuffer, bytes);
    if (end - start >= FAST_MIN_BYTES && wide !== undefined && start >= 0 && end <= bytes.length) {
      // A plain view: `Buffer#subarray` goes through the species constructor, ~110 ns a call.
      // Unlike subarray it does not clip to `bytes`: the range was checked just above.
      const window = new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
      if (wide.isAscii(window)) return latin1(buf, start, end);
      const text = decodeWide(wide, window);
      if (text !== undefined) return text;
    }
    return hasUtf8Slice ? buf.utf8Slice!(start, end) : buf.toString('utf8', start, end);
  }
  return textDecoder!.decode(bytes.subarray(start, end));
}

/**
 * Decodes non-ASCII UTF-8 with ICU. Returns undefined, leaving the window to V8's decoder, for
 * invalid UTF-8 where ICU could differ from `Buffer#toString`: a window ending inside a character
 * (its start would stay pending for the next call) and, for `transcode`, any invalid sequence.
 * The check is a SIMD scan (simdutf).
 */
function decodeWide(node: BufferModule, window: Uint8Array): string | undefined {
  if (window.length < TRANSCODE_MIN_BYTES) {
    // ICU's converter replaces invalid sequences as V8's decoder does (both follow WHATWG's
    // "maximal subpart" rule; utf8.test.ts holds every short invalid sequence to it). What it
    // must never do is keep the start of a character pending for the next call, which only a
    // window ending in a non-ASCII byte can leave: only those need the validity scan. Windows
    // end at a line's end, almost always an ASCII byte. With the plain view above, a ~949 B
    // line of the bench's corpus decodes in 1.20–1.25 µs instead of 1.27–1.38 µs.
    if (window[window.length - 1]! >= 0x80 && !node.isUtf8(window)) return undefined;
    return icuDecoder!.decode(window, STREAM);
  }
  if (!node.isUtf8(window)) return undefined;
  let utf16: ReturnType<BufferModule['transcode']>;
  try {
    utf16 = node.transcode(window, 'utf8', 'utf16le');
  } catch {
    return undefined; // ICU refused what simdutf accepted: not expected, but V8's decoder is always right
  }
  return utf16.ucs2Slice !== undefined ? utf16.ucs2Slice(0, utf16.length) : utf16.toString('utf16le');
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
