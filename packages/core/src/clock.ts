/**
 * Timestamps kept as small integers: milliseconds since this module loaded. V8 boxes a class
 * field holding a number beyond the small-integer range (`Date.now()` is one) in a 16-byte heap
 * object; an offset from here stays unboxed for 24 days (bench "memory per idle connection":
 * three timestamps per connection).
 */
const BASE = Date.now();

/** Now, as an offset for {@link fromClock}. `Math.floor` returns a small integer where `-` would return a boxed double. */
export function clockNow(): number {
  return Math.floor(Date.now() - BASE);
}

/** An offset from {@link clockNow} as ms since the epoch. */
export function fromClock(offset: number): number {
  return BASE + offset;
}
