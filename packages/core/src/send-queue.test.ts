import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { SendQueue, splitBatch, type Batch } from './send-queue.js';

const ascii = (n: number): string => 'a'.repeat(n - 1) + '\n';
const accented = (n: number): string => 'é'.repeat(n - 1) + '\n'; // 2 bytes per 'é'

describe('SendQueue', () => {
  it('counts exact UTF-8 bytes although lines are measured lazily', () => {
    const queue = new SendQueue();
    queue.push(ascii(10));
    queue.push(accented(10)); // 9 × 2 + 1
    queue.push('😀\n'); // 4 + 1
    expect(queue.bytes).toBe(10 + 19 + 5);
    expect(queue.take()).toEqual({ data: ascii(10) + accented(10) + '😀\n', bytes: 34, messages: 3 });
  });

  it('reports exact batch bytes from take() without a prior read of bytes', () => {
    const queue = new SendQueue();
    for (let i = 0; i < 100; i++) queue.push(accented(3));
    expect(queue.take().bytes).toBe(100 * 5);
  });

  it('answers atLeast() exactly at the threshold, ASCII or not', () => {
    const queue = new SendQueue();
    queue.push(accented(50)); // 99 bytes, 50 units
    expect(queue.atLeast(99)).toBe(true);
    expect(queue.atLeast(100)).toBe(false);
    queue.push(ascii(1));
    expect(queue.atLeast(100)).toBe(true);
  });

  it('bounds the queued bytes without measuring: surelyReaches() below, mayReach() above', () => {
    const queue = new SendQueue();
    queue.push(accented(50)); // 99 bytes, 50 units
    queue.push('😀\n'); // 5 bytes, 3 units
    // 104 bytes lie in [53, 159] units-based bounds.
    expect([queue.surelyReaches(53), queue.surelyReaches(54)]).toEqual([true, false]);
    expect([queue.mayReach(159), queue.mayReach(160)]).toEqual([true, false]);
    expect(queue.atLeast(104)).toBe(true); // measures
    // Measured bytes count exactly in both bounds from then on.
    expect([queue.surelyReaches(104), queue.surelyReaches(105), queue.mayReach(104), queue.mayReach(105)]).toEqual([true, false, true, false]);
  });

  it('rejects at maxQueueBytes counting multi-byte characters exactly', () => {
    const queue = new SendQueue({ maxQueueBytes: 100 });
    queue.push(accented(40)); // 79 bytes
    expect(() => queue.push(accented(12))).toThrow(expect.objectContaining({ code: ErrorCode.QUEUE_FULL })); // 23 more: 102
    queue.push(accented(11)); // 21 more: exactly 100
    expect(queue.bytes).toBe(100);
  });

  it('drops the oldest lazily measured lines with their exact sizes', () => {
    const queue = new SendQueue({ maxQueueBytes: 60, overflow: 'drop-oldest' });
    queue.push(accented(10)); // 19
    queue.push(accented(10)); // 19
    queue.push(accented(10)); // 19
    const dropped = queue.push(accented(10));
    expect(dropped).toMatchObject({ messages: 1, bytes: 19 });
    expect(queue.length).toBe(3);
    expect(queue.bytes).toBe(57);
  });

  it('keeps requeued batches first and exact', () => {
    const queue = new SendQueue();
    queue.push(accented(4));
    const batch = queue.take();
    queue.push(ascii(3));
    queue.requeue([batch]);
    expect(queue.bytes).toBe(7 + 3);
    expect(queue.take()).toEqual({ data: accented(4) + ascii(3), bytes: 10, messages: 2 });
  });

  it('tracks the batches it hands out until the link confirms them, and gives back the rest for requeue', () => {
    const queue = new SendQueue();
    expect(queue.takeWritten().pending).toEqual([]);
    queue.push('a\n');
    const a = queue.take();
    const written = queue.track(a);
    queue.push('b\n');
    const b = queue.take();
    expect(queue.track(b)).toBe(written); // one callback for every write to a link
    written(); // the oldest, a, is confirmed
    queue.push('c\n');
    const unconfirmed = queue.takeWritten().pending;
    expect(unconfirmed).toEqual([b]);
    queue.requeue(unconfirmed);
    expect(queue.take()).toEqual({ data: 'b\nc\n', bytes: 4, messages: 2 });
    expect(queue.takeWritten().pending).toEqual([]); // tracking started afresh
  });

  it('keeps every line, in order and exact, when measuring joins the lines it measured (reject)', () => {
    const queue = new SendQueue();
    queue.push(accented(4)); // 7
    const earlier = queue.take();
    queue.push(ascii(3));
    queue.push(accented(3)); // 5
    queue.requeue([earlier]); // an explicit entry first, then two implicit lines
    queue.push(ascii(2));
    expect(queue.atLeast(10)).toBe(true); // 7 bytes + 8 units: true without measuring
    expect(queue.atLeast(18)).toBe(false); // bounds [15, 31]: measures and joins, 7 + 3 + 5 + 2 = 17
    queue.push(accented(2)); // 3
    queue.push(ascii(4));
    expect(queue.bytes).toBe(24);
    expect(queue.length).toBe(6);
    expect(queue.take()).toEqual({ data: accented(4) + ascii(3) + accented(3) + ascii(2) + accented(2) + ascii(4), bytes: 24, messages: 6 });
    expect(queue.take()).toEqual({ data: '', bytes: 0, messages: 0 });
  });

  it('drops single lines after measuring under drop-oldest, never a measured group', () => {
    const queue = new SendQueue({ maxQueueBytes: 60, overflow: 'drop-oldest' });
    for (let i = 0; i < 3; i++) queue.push(accented(10)); // 19 each; the third push measures the first two
    expect(queue.bytes).toBe(57);
    const dropped = queue.push(accented(10));
    expect(dropped).toMatchObject({ messages: 1, bytes: 19 });
    expect(queue.length).toBe(3);
    expect(queue.take()).toEqual({ data: accented(10).repeat(3), bytes: 57, messages: 3 });
  });

  it('starts each batch empty after take() or clear(), whatever the last batch held', () => {
    const queue = new SendQueue({ maxQueueMessages: 3, overflow: 'drop-oldest' });
    const batches: string[] = [];
    queue.push('a\n');
    batches.push(queue.take().data); // one line
    queue.push('b\n');
    batches.push(queue.take().data);
    queue.push('c\n');
    queue.push('d\n');
    batches.push(queue.take().data); // two lines
    queue.push('e\n');
    batches.push(queue.take().data);
    for (const line of ['f\n', 'g\n', 'h\n', 'i\n']) queue.push(line); // drops f: the batch starts past its head
    batches.push(queue.take().data);
    queue.push('j\n');
    batches.push(queue.take().data);
    queue.push('k\n');
    expect(queue.clear()).toEqual({ messages: 1, bytes: 2 });
    queue.push('l\n');
    batches.push(queue.take().data);
    expect(batches).toEqual(['a\n', 'b\n', 'c\nd\n', 'e\n', 'g\nh\ni\n', 'j\n', 'l\n']);
    expect(queue.length).toBe(0);
  });
});

describe('SendQueue.requeue under drop-oldest', () => {
  it('drops a requeued batch line by line, no more than it must', () => {
    const queue = new SendQueue({ maxQueueMessages: 5, overflow: 'drop-oldest' });
    queue.requeue([{ data: ascii(5) + accented(6) + ascii(7) + ascii(8), bytes: 5 + 11 + 7 + 8, messages: 4 }]);
    expect(queue.push(ascii(9))).toBeUndefined(); // 5 messages: fits
    expect(queue.bytes).toBe(40);
    const dropped = queue.push(ascii(10));
    expect(dropped).toMatchObject({ messages: 1, bytes: 5 });
    expect(queue.push(ascii(3))).toMatchObject({ messages: 1, bytes: 11 });
    expect(queue.length).toBe(5);
    expect(queue.take()).toEqual({ data: ascii(7) + ascii(8) + ascii(9) + ascii(10) + ascii(3), bytes: 37, messages: 5 });
  });
});

describe('splitBatch', () => {
  const batchOf = (lines: string[]): Batch => ({ data: lines.join(''), bytes: Buffer.byteLength(lines.join('')), messages: lines.length });

  /** Checks what any split must hold, and returns the parts' byte sizes. */
  function checkSplit(lines: string[], limit: number): number[] {
    const batch = batchOf(lines);
    const parts = splitBatch(batch, limit);
    expect(parts.map((p) => p.data).join('')).toBe(batch.data);
    for (const part of parts) {
      expect(part.bytes).toBe(Buffer.byteLength(part.data));
      expect(part.messages).toBe(part.data.split('\n').length - 1);
      expect(part.data.endsWith('\n')).toBe(true);
      // Within the limit, unless the part is one line that alone exceeds it.
      if (part.bytes > limit) expect(part.messages).toBe(1);
    }
    expect(parts.reduce((n, p) => n + p.messages, 0)).toBe(batch.messages);
    return parts.map((p) => p.bytes);
  }

  it('returns a batch within the limit as it is', () => {
    const batch = batchOf([ascii(10), ascii(20)]);
    expect(splitBatch(batch, 30)).toEqual([batch]);
    expect(splitBatch(batch, 30)[0]).toBe(batch);
  });

  it('cuts at line ends, filling each part up to the limit', () => {
    expect(checkSplit(Array.from({ length: 10 }, () => ascii(10)), 35)).toEqual([30, 30, 30, 10]);
    expect(checkSplit([ascii(5), ascii(30), ascii(5), ascii(5)], 35)).toEqual([35, 10]);
  });

  it('counts bytes, not UTF-16 units, when the lines are not ASCII', () => {
    // 19 bytes per line in 10 units: a window of 40 units would hold 76 bytes.
    expect(checkSplit(Array.from({ length: 8 }, () => accented(10)), 40)).toEqual([38, 38, 38, 38]);
    expect(checkSplit(['😀😀😀\n', ascii(3), accented(4), '😀\n'], 14)).toEqual([13, 10, 5]);
  });

  it('sends a line bigger than the limit alone, and goes on after it', () => {
    expect(checkSplit([ascii(3), ascii(50), ascii(4), ascii(4)], 10)).toEqual([3, 50, 8]);
    expect(checkSplit([accented(40)], 10)).toEqual([79]);
  });

  it('holds every line exactly once over random mixes of sizes and limits', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const kinds = [ascii, accented, (n: number) => '😀'.repeat(Math.max(1, n >> 1)) + '\n'];
    for (let round = 0; round < 200; round++) {
      const lines = Array.from({ length: 1 + random(40) }, () => kinds[random(3)]!(1 + random(30)));
      checkSplit(lines, 1 + random(120));
    }
  });
});
