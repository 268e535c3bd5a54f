/**
 * Property-based tests of NDJSON framing: whatever the values and wherever the chunk boundaries
 * fall (inside multi-byte characters, inside `\r\n`, inside surrogate pairs for string input),
 * the decoder yields exactly the encoded sequence. Plus a model-based test of the send queue.
 *
 * Run counts: PROPERTY_RUNS (default 10,000) for the main property, half of it for each
 * variant. Set PROPERTY_RUNS to go further locally; FC_SEED replays a failure.
 */
import { deepStrictEqual } from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ProjError } from './errors.js';
import { NdjsonDecoder } from './ndjson-decoder.js';
import { encodeLine } from './ndjson-encoder.js';
import { SendQueue, type Batch } from './send-queue.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 10_000);
const VARIANT_RUNS = Math.max(100, Math.floor(RUNS / 2));
const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
/** Runs counted by every property (reported at the end and asserted: the CI minimum is part of the spec). */
const ran: Record<string, number> = {};

function params(name: string, numRuns: number): fc.Parameters<unknown> {
  ran[name] = 0;
  return { numRuns, ...seed };
}

type Event = { value: unknown } | { error: string; line: number };

function decodeWith(maxLineBytes?: number): { decoder: NdjsonDecoder; events: Event[] } {
  const events: Event[] = [];
  const decoder = new NdjsonDecoder({
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
    onValue: (value) => events.push({ value }),
    onError: (error: ProjError) => events.push({ error: error.code, line: error.details.line ?? -1 }),
  });
  return { decoder, events };
}

/** Any JSON value, strings over the whole code point range (lone surrogates included: JSON escapes them). */
const jsonValue = fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 });
const jsonValues = fc.array(jsonValue, { maxLength: 8 });

/** Raw cut choices: `[biased, n]` picks an "interesting" position when biased, any position otherwise. */
const cutChoices = fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 24 });
/** Sometimes feed the whole input one unit at a time. */
const everyUnit = fc.boolean();

/** Byte offsets that cut inside a multi-byte character, or between a CR and its LF. */
function interestingByteCuts(buf: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < buf.length; i++) {
    if ((buf[i]! & 0xc0) === 0x80 || (buf[i - 1] === 13 && buf[i] === 10)) out.push(i);
  }
  return out;
}

/** UTF-16 offsets that cut a surrogate pair, or between a CR and its LF. */
function interestingTextCuts(s: string): number[] {
  const out: number[] = [];
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0xdc00 && c <= 0xdfff && isHigh(s.charCodeAt(i - 1))) || (s[i - 1] === '\r' && s[i] === '\n')) out.push(i);
  }
  return out;
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** Sorted, distinct cut offsets in (0, length). */
function cutsFor(length: number, interesting: number[], choices: Array<[boolean, number]>, all: boolean): number[] {
  if (length <= 1) return [];
  if (all) return Array.from({ length: length - 1 }, (_, i) => i + 1);
  const cuts = new Set<number>();
  for (const [biased, n] of choices) {
    if (biased && interesting.length > 0) cuts.add(interesting[n % interesting.length]!);
    else cuts.add(1 + (n % (length - 1)));
  }
  return [...cuts].sort((a, b) => a - b);
}

/** Coverage counters: a property that claims to split inside characters must actually do so. */
const coverage = { midCharacter: 0, insideCrLf: 0, insideSurrogatePair: 0, oneUnitAtATime: 0, asciiChunks: 0, asciiAfterAscii: 0, asciiAfterBytes: 0, bytesAfterAscii: 0 };

function noteByteCuts(buf: Uint8Array, cuts: number[]): void {
  if (cuts.some((c) => (buf[c]! & 0xc0) === 0x80)) coverage.midCharacter++;
  if (cuts.some((c) => buf[c - 1] === 13 && buf[c] === 10)) coverage.insideCrLf++;
}

function pushBytes(decoder: NdjsonDecoder, buf: Uint8Array, cuts: number[]): void {
  let from = 0;
  for (const cut of [...cuts, buf.length]) {
    decoder.push(buf.subarray(from, cut));
    from = cut;
  }
}

function pushText(decoder: NdjsonDecoder, text: string, cuts: number[]): void {
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    decoder.push(text.slice(from, cut));
    from = cut;
  }
}

/** What each line should produce, given the limit: the model the decoder is held to. */
function expectedEvents(lines: Array<{ content: string; crlf: boolean }>, maxLineBytes = Infinity): Event[] {
  const out: Event[] = [];
  lines.forEach(({ content }, i) => {
    const line = i + 1;
    if (Buffer.byteLength(content) > maxLineBytes) out.push({ error: ErrorCode.LINE_TOO_LONG, line });
    else if (/^[ \t\r]*$/.test(content)) return;
    else {
      try {
        out.push({ value: JSON.parse(content) });
      } catch {
        out.push({ error: ErrorCode.MALFORMED_LINE, line });
      }
    }
  });
  return out;
}

const wire = (lines: Array<{ content: string; crlf: boolean }>): string => lines.map((l) => l.content + (l.crlf ? '\r\n' : '\n')).join('');
const valueLines = (values: unknown[], crlf: (i: number) => boolean) => values.map((v, i) => ({ content: encodeLine(v).slice(0, -1), crlf: crlf(i) }));

describe('NdjsonDecoder (property-based)', () => {
  it(`decodes arbitrary JSON values cut at arbitrary byte boundaries to exactly the encoded sequence (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(jsonValues, cutChoices, everyUnit, (values, choices, all) => {
        ran.bytes!++;
        const buf = Buffer.from(values.map((v) => encodeLine(v)).join(''));
        const cuts = cutsFor(buf.length, interestingByteCuts(buf), choices, all && buf.length < 2048);
        noteByteCuts(buf, cuts);
        if (all && buf.length < 2048) coverage.oneUnitAtATime++;
        const { decoder, events } = decodeWith();
        pushBytes(decoder, buf, cuts);
        decoder.flush();
        deepStrictEqual(events, values.map((v) => ({ value: JSON.parse(encodeLine(v)) })));
        deepStrictEqual(decoder.bufferedBytes, 0);
      }),
      params('bytes', RUNS),
    );
  });

  it('decodes CRLF-terminated lines (mixed with LF) cut anywhere, inside \\r\\n included', () => {
    fc.assert(
      fc.property(jsonValues, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), cutChoices, everyUnit, (values, crlf, choices, all) => {
        ran.crlf!++;
        const lines = valueLines(values, (i) => crlf[i]!);
        const buf = Buffer.from(wire(lines));
        const cuts = cutsFor(buf.length, interestingByteCuts(buf), choices, all && buf.length < 2048);
        noteByteCuts(buf, cuts);
        const { decoder, events } = decodeWith();
        pushBytes(decoder, buf, cuts);
        decoder.flush();
        deepStrictEqual(events, expectedEvents(lines));
      }),
      params('crlf', VARIANT_RUNS),
    );
  });

  it('decodes string chunks cut at any UTF-16 offset, inside surrogate pairs included', () => {
    fc.assert(
      fc.property(jsonValues, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), cutChoices, everyUnit, (values, crlf, choices, all) => {
        ran.strings!++;
        const lines = valueLines(values, (i) => crlf[i]!);
        const text = wire(lines);
        const interesting = interestingTextCuts(text);
        const cuts = cutsFor(text.length, interesting, choices, all && text.length < 2048);
        if (cuts.some((c) => interesting.includes(c) && text[c] !== '\n')) coverage.insideSurrogatePair++;
        const { decoder, events } = decodeWith();
        pushText(decoder, text, cuts);
        decoder.flush();
        deepStrictEqual(events, expectedEvents(lines));
      }),
      params('strings', VARIANT_RUNS),
    );
  });

  it('decodes a stream mixing string and byte chunks (switching kind at character boundaries)', () => {
    fc.assert(
      fc.property(jsonValues, fc.array(fc.tuple(fc.nat(), fc.boolean(), cutChoices), { maxLength: 6 }), (values, segments) => {
        ran.mixed!++;
        const lines = valueLines(values, (i) => i % 2 === 1);
        const codePoints = Array.from(wire(lines));
        // Segment boundaries in code point space; each segment goes in as text or as bytes, itself cut anywhere.
        const bounds = [...new Set(segments.map(([n]) => (codePoints.length === 0 ? 0 : n % codePoints.length)))].sort((a, b) => a - b);
        const { decoder, events } = decodeWith();
        let from = 0;
        [...bounds, codePoints.length].forEach((to, k) => {
          const piece = codePoints.slice(from, to).join('');
          from = to;
          if (piece === '') return;
          const [, asText, choices] = segments[k] ?? [0, true, []];
          if (asText) pushText(decoder, piece, cutsFor(piece.length, interestingTextCuts(piece), choices, false));
          else {
            const buf = Buffer.from(piece);
            pushBytes(decoder, buf, cutsFor(buf.length, interestingByteCuts(buf), choices, false));
          }
        });
        decoder.flush();
        deepStrictEqual(events, expectedEvents(lines));
      }),
      params('mixed', VARIANT_RUNS),
    );
  });

  /** Blank, whitespace-only, malformed and valid lines, any terminator: the full line model with line numbers. */
  const anyLine = fc.oneof(
    { weight: 4, arbitrary: jsonValue.map((v) => encodeLine(v).slice(0, -1)) },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t', ' \t ', '\r', ' \r') },
    { weight: 1, arbitrary: fc.constantFrom('{bad', 'nul', '[1,]', '"unterminated', '\u0000', '\u0000\u0000\u0000', '{"a":"\u0001"}', '} {', '1 2') },
  );

  it('skips blank and whitespace-only lines, reports malformed ones with their line number, cut anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyLine, fc.boolean()), { maxLength: 12 }), cutChoices, (spec, choices) => {
        ran.blankAndMalformed!++;
        const lines = spec.map(([content, crlf]) => ({ content, crlf }));
        const buf = Buffer.from(wire(lines));
        const { decoder, events } = decodeWith();
        pushBytes(decoder, buf, cutsFor(buf.length, interestingByteCuts(buf), choices, false));
        decoder.flush();
        deepStrictEqual(events, expectedEvents(lines));
        deepStrictEqual(decoder.stats.lines, lines.length);
      }),
      params('blankAndMalformed', VARIANT_RUNS),
    );
  });

  it('enforces maxLineBytes exactly in UTF-8 bytes (terminator excluded), whatever the chunking and input kind', () => {
    const shortValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.integer(), fc.array(fc.nat(99), { maxLength: 6 }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.tuple(shortValue, fc.boolean()), { maxLength: 10 }), cutChoices, fc.boolean(), (max, spec, choices, asText) => {
        ran.maxLineBytes!++;
        const lines = spec.map(([v, crlf]) => ({ content: encodeLine(v).slice(0, -1), crlf }));
        const text = wire(lines);
        const { decoder, events } = decodeWith(max);
        if (asText) pushText(decoder, text, cutsFor(text.length, interestingTextCuts(text), choices, false));
        else {
          const buf = Buffer.from(text);
          pushBytes(decoder, buf, cutsFor(buf.length, interestingByteCuts(buf), choices, false));
        }
        decoder.flush();
        deepStrictEqual(events, expectedEvents(lines, max));
        deepStrictEqual(decoder.bufferedBytes, 0);
      }),
      params('maxLineBytes', VARIANT_RUNS),
    );
  });

  it('decodes long byte chunks alike, all-ASCII ones (their complete lines decoded in one piece) mixed with non-ASCII and short ones, limits included', () => {
    const asciiValue = fc.jsonValue({ stringUnit: 'grapheme-ascii', maxDepth: 2 });
    const longLine = fc.oneof(
      { weight: 3, arbitrary: asciiValue.map((v) => encodeLine(v).slice(0, -1)) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 100, maxLength: 700 }).map((s) => JSON.stringify({ s })) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => JSON.stringify(s)) },
      { weight: 1, arbitrary: fc.constantFrom('', ' \r', '{bad', '1 2', 'x'.repeat(300)) },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(longLine, fc.boolean()), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 40 }),
        fc.option(fc.integer({ min: 20, max: 800 }), { nil: undefined }),
        (spec, sizes, max) => {
          ran.longChunks!++;
          const lines = spec.map(([content, crlf]) => ({ content, crlf }));
          const buf = Buffer.from(wire(lines));
          const cuts: number[] = [];
          for (let at = 0, k = 0; ; k++) {
            at += sizes[k % sizes.length]!;
            if (at >= buf.length) break;
            cuts.push(at);
          }
          const pieces = [0, ...cuts].map((from, k) => buf.subarray(from, cuts[k] ?? buf.length));
          const asciiText = pieces.map((piece) => piece.length >= 256 && piece.every((b) => b < 0x80));
          if (asciiText.includes(true)) coverage.asciiChunks++;
          // Which route holds the line between pieces (limits aside): an all-ASCII piece goes to
          // text unless bytes are held; text held across a piece without LF continues in bytes.
          let held = 'none' as 'none' | 'text' | 'bytes';
          const seen = { textToText: false, textToBytes: false, bytesToAscii: false };
          for (const [k, piece] of pieces.entries()) {
            const first = piece.indexOf(10);
            if (asciiText[k] && held !== 'bytes') {
              if (held === 'text' && first !== -1) seen.textToText = true;
              held = piece.at(-1) === 10 ? 'none' : first === -1 && held === 'text' ? 'bytes' : 'text';
              continue;
            }
            if (held === 'text' && first !== -1) seen.textToBytes = true;
            if (held === 'bytes' && asciiText[k] && piece.lastIndexOf(10) > first && first !== -1) seen.bytesToAscii = true;
            held = piece.at(-1) === 10 ? 'none' : 'bytes';
          }
          if (seen.textToText) coverage.asciiAfterAscii++;
          if (seen.textToBytes) coverage.bytesAfterAscii++;
          if (seen.bytesToAscii) coverage.asciiAfterBytes++;
          const { decoder, events } = decodeWith(max);
          pushBytes(decoder, buf, cuts);
          decoder.flush();
          deepStrictEqual(events, expectedEvents(lines, max));
          deepStrictEqual(decoder.bufferedBytes, 0);
          deepStrictEqual(decoder.stats.bytesIn, buf.length);
        },
      ),
      params('longChunks', VARIANT_RUNS),
    );
  });

  it('decodes a last line without its newline on flush(), cut anywhere', () => {
    fc.assert(
      fc.property(fc.array(jsonValue, { minLength: 1, maxLength: 6 }), cutChoices, (values, choices) => {
        ran.unterminated!++;
        const buf = Buffer.from(values.map((v) => encodeLine(v)).join('').slice(0, -1));
        const { decoder, events } = decodeWith();
        pushBytes(decoder, buf, cutsFor(buf.length, interestingByteCuts(buf), choices, false));
        decoder.flush();
        deepStrictEqual(events, values.map((v) => ({ value: JSON.parse(encodeLine(v)) })));
      }),
      params('unterminated', VARIANT_RUNS),
    );
  });

  it('ran the advertised number of cases and covered the splits it claims to', () => {
    // Runs in file order, after the properties above (vitest runs the tests of a file sequentially).
    expect(ran.bytes).toBe(RUNS);
    expect(ran.bytes).toBeGreaterThanOrEqual(Math.min(RUNS, 10_000));
    const total = Object.values(ran).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(RUNS + 7 * VARIANT_RUNS);
    // The biased cuts make these common; a generator change that silently lost them fails here.
    expect(coverage.midCharacter).toBeGreaterThan(RUNS / 10);
    expect(coverage.insideCrLf).toBeGreaterThan(VARIANT_RUNS / 10);
    expect(coverage.insideSurrogatePair).toBeGreaterThan(VARIANT_RUNS / 20);
    expect(coverage.oneUnitAtATime).toBeGreaterThan(RUNS / 10);
    expect(coverage.asciiChunks).toBeGreaterThan(VARIANT_RUNS / 10);
    expect(coverage.asciiAfterAscii).toBeGreaterThan(VARIANT_RUNS / 100);
    expect(coverage.asciiAfterBytes).toBeGreaterThan(VARIANT_RUNS / 100);
    expect(coverage.bytesAfterAscii).toBeGreaterThan(VARIANT_RUNS / 100);
    console.info(`[ndjson-property] cases run: ${JSON.stringify(ran)} (total ${total}); coverage: ${JSON.stringify(coverage)}`);
  });
});

// ---------------------------------------------------------------------------------------------
// SendQueue: a model-based (stateful) property. The model is a plain array of entries; the real
// queue must agree with it after every command, whatever the sequence.

interface QueueModel {
  /** Entries in order; each carries the lines it stands for (a batch requeued under reject is one entry of many lines). */
  entries: Array<{ lines: string[]; bytes: number }>;
  /** Batches taken and not yet requeued or settled, oldest first. */
  taken: Array<{ batch: Batch; lines: string[] }>;
  maxMessages: number;
  maxBytes: number;
  policy: 'reject' | 'drop-oldest';
  /** Lines reported dropped (drop-oldest) so far. */
  droppedMessages: number;
}

interface QueueReal {
  queue: SendQueue;
  droppedMessages: number;
}

const msgs = (m: QueueModel): number => m.entries.reduce((a, e) => a + e.lines.length, 0);
const bytesOf = (m: QueueModel): number => m.entries.reduce((a, e) => a + e.bytes, 0);

// Bytes are not read after every command: a read measures the queue, and the lines a queue has
// not measured yet (several of them, joined when measured) are a state of their own to cover.
function checkAgrees(m: QueueModel, r: QueueReal): void {
  deepStrictEqual(r.queue.length, msgs(m));
  deepStrictEqual(r.droppedMessages, m.droppedMessages);
}

class BytesCommand implements fc.Command<QueueModel, QueueReal> {
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    deepStrictEqual(r.queue.bytes, bytesOf(m));
    checkAgrees(m, r);
  }
  toString(): string {
    return 'bytes';
  }
}

/** `atLeast()` answers exactly, measuring (and joining) only the lines the bounds cannot decide. */
class AtLeastCommand implements fc.Command<QueueModel, QueueReal> {
  constructor(readonly threshold: number) {}
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    deepStrictEqual(r.queue.atLeast(this.threshold), bytesOf(m) >= this.threshold);
    checkAgrees(m, r);
  }
  toString(): string {
    return `atLeast(${this.threshold})`;
  }
}

class PushCommand implements fc.Command<QueueModel, QueueReal> {
  constructor(readonly line: string) {}
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    const size = Buffer.byteLength(this.line);
    const fits = msgs(m) + 1 <= m.maxMessages && bytesOf(m) + size <= m.maxBytes;
    if (!fits && (m.policy === 'reject' || size > m.maxBytes)) {
      let thrown: unknown;
      try {
        r.queue.push(this.line);
      } catch (err) {
        thrown = err;
      }
      deepStrictEqual((thrown as ProjError | undefined)?.code, ErrorCode.QUEUE_FULL);
    } else {
      let droppedNow = 0;
      while (m.entries.length > 0 && (msgs(m) + 1 > m.maxMessages || bytesOf(m) + size > m.maxBytes)) droppedNow += m.entries.shift()!.lines.length;
      m.entries.push({ lines: [this.line], bytes: size });
      m.droppedMessages += droppedNow;
      const dropped = r.queue.push(this.line);
      deepStrictEqual(dropped?.messages ?? 0, droppedNow);
      if (dropped !== undefined) deepStrictEqual(dropped.error.code, ErrorCode.DROPPED);
      r.droppedMessages += dropped?.messages ?? 0;
    }
    checkAgrees(m, r);
  }
  toString(): string {
    return `push(${JSON.stringify(this.line)})`;
  }
}

class TakeCommand implements fc.Command<QueueModel, QueueReal> {
  check(m: Readonly<QueueModel>): boolean {
    return m.entries.length > 0;
  }
  run(m: QueueModel, r: QueueReal): void {
    const lines = m.entries.flatMap((e) => e.lines);
    const bytes = bytesOf(m);
    m.entries = [];
    const batch = r.queue.take();
    // One write carries every queued line, in order, nothing more.
    deepStrictEqual(batch.data, lines.join(''));
    deepStrictEqual(batch.messages, lines.length);
    deepStrictEqual(batch.bytes, bytes);
    m.taken.push({ batch, lines });
    checkAgrees(m, r);
  }
  toString(): string {
    return 'take()';
  }
}

/** The link died: every batch written since the last settle and not confirmed goes back to the front. */
class RequeueCommand implements fc.Command<QueueModel, QueueReal> {
  constructor(readonly confirmedPrefix: number) {}
  check(m: Readonly<QueueModel>): boolean {
    return m.taken.length > 0;
  }
  run(m: QueueModel, r: QueueReal): void {
    const keep = this.confirmedPrefix % (m.taken.length + 1);
    const unconfirmed = m.taken.slice(keep);
    m.taken = [];
    // Under drop-oldest a batch goes back as its lines, so that making room drops no more than it must.
    const back = unconfirmed.flatMap((t) =>
      m.policy === 'drop-oldest' && t.lines.length > 1 ? t.lines.map((line) => ({ lines: [line], bytes: Buffer.byteLength(line) })) : [{ lines: t.lines, bytes: t.batch.bytes }],
    );
    m.entries = [...back, ...m.entries];
    r.queue.requeue(unconfirmed.map((t) => t.batch));
    checkAgrees(m, r);
  }
  toString(): string {
    return `requeue(confirmed prefix ${this.confirmedPrefix})`;
  }
}

class ClearCommand implements fc.Command<QueueModel, QueueReal> {
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    const expected = { messages: msgs(m), bytes: bytesOf(m) };
    m.entries = [];
    deepStrictEqual(r.queue.clear(), expected);
    checkAgrees(m, r);
  }
  toString(): string {
    return 'clear()';
  }
}

describe('SendQueue (model-based)', () => {
  it('agrees with a plain-array model under any sequence of push, take, requeue, clear, bytes and atLeast, for both overflow policies', () => {
    const line = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('é', '😀', 'x'.repeat(40))).map((s) => encodeLine(s));
    const commands = fc.commands(
      [
        line.map((l) => new PushCommand(l)),
        fc.constant(new TakeCommand()),
        fc.nat().map((n) => new RequeueCommand(n)),
        fc.constant(new ClearCommand()),
        fc.constant(new BytesCommand()),
        fc.integer({ min: 0, max: 240 }).map((n) => new AtLeastCommand(n)),
      ],
      { maxCommands: 60 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 4, max: 200 }), fc.constantFrom('reject' as const, 'drop-oldest' as const), commands, (maxMessages, maxBytes, policy, cmds) => {
        ran.sendQueue = (ran.sendQueue ?? 0) + 1;
        const model: QueueModel = { entries: [], taken: [], maxMessages, maxBytes, policy, droppedMessages: 0 };
        const real: QueueReal = { queue: new SendQueue({ maxQueueMessages: maxMessages, maxQueueBytes: maxBytes, overflow: policy }), droppedMessages: 0 };
        fc.modelRun(() => ({ model, real }), cmds);
      }),
      { numRuns: VARIANT_RUNS, ...seed },
    );
  });
});
