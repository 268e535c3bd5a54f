/**
 * The message corpora every framing benchmark runs on: deterministic (seeded), generated once
 * per process, in two shapes — small ticks (~40 B) and ~1 KiB nested messages with non-ASCII
 * text — as values, as pre-split lines, as one NDJSON buffer, and cut into fixed-size chunks
 * (cuts land anywhere, inside multi-byte characters included).
 */

/** Message shapes. */
export type Shape = 'small' | 'medium';

/** One corpus in every form the benchmarks need. */
export interface Corpus {
  shape: Shape;
  values: unknown[];
  /** The NDJSON lines without their newline: the reference's input. */
  lines: string[];
  /** All lines joined with `\n` (a trailing one included), as UTF-8. */
  bytes: Buffer;
  /** Mean bytes per line, newline included. */
  meanLineBytes: number;
}

/** The small message of the issue: `{"type":"tick","good":1234,"seq":N}`. */
export function tick(seq: number): { type: 'tick'; good: number; seq: number } {
  return { type: 'tick', good: 1234, seq };
}

/** Mulberry32: a small seeded PRNG, so every run and every process sees the same corpus. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Zoë Ångström', 'José Núñez', 'Søren Kierkegård', '李小龍', 'Ørjan Bjørndalen', 'Françoise Dorléac', 'Jürgen Müller', 'Наталья Гончарова'];
const CITIES = ['Zürich', 'Malmö', 'São Paulo', '東京', 'Kraków', 'Düsseldorf', 'Reykjavík', 'Москва'];
const TITLES = ['Crème brûlée — 200 g', 'Smørrebrød deluxe', '抹茶ラテ（大）', 'Gruyère affiné 12 mois', 'Pierogi z kapustą', 'Café au lait ☕', 'Čevapčići', 'Пельмени домашние'];
const NOTES = ['Livraison après 18 h, sonnez deux fois. Merci ! 🙂', 'Bitte beim Nachbarn abgeben — Grüße aus Köln.', '配達前にお電話ください。よろしくお願いします。', 'Fragile: ne pas empiler ⚠︎ — naïve façade, piñata inside.'];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

/** A nested message of about 1 KiB (UTF-8) with non-ASCII text. */
export function mediumMessage(seq: number, random: () => number): unknown {
  const items = [];
  for (let i = 0; i < 6; i++) {
    items.push({ sku: `SKU-${(random() * 1e8).toFixed(0).padStart(8, '0')}`, title: pick(random, TITLES), qty: 1 + Math.floor(random() * 9), price: Math.round(random() * 10_000) / 100, tags: ['bio', 'frais', 'été'].slice(0, 1 + Math.floor(random() * 3)) });
  }
  return {
    type: 'order',
    seq,
    id: `ord_${seq.toString(36)}_${Math.floor(random() * 1e9).toString(36)}`,
    createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    customer: { name: pick(random, NAMES), address: { city: pick(random, CITIES), zip: String(10_000 + Math.floor(random() * 89_999)) }, vip: random() < 0.2 },
    items,
    total: Math.round(random() * 100_000) / 100,
    currency: 'EUR',
    note: pick(random, NOTES),
    flags: { gift: random() < 0.3, express: random() < 0.5, retries: null },
  };
}

/** Builds a corpus of about `targetBytes` bytes of NDJSON. */
export function buildCorpus(shape: Shape, targetBytes: number): Corpus {
  const random = seededRandom(shape === 'small' ? 1 : 2);
  const values: unknown[] = [];
  const lines: string[] = [];
  let bytes = 0;
  for (let seq = 0; bytes < targetBytes; seq++) {
    const value = shape === 'small' ? tick(seq) : mediumMessage(seq, random);
    const line = JSON.stringify(value);
    values.push(value);
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
  }
  const buffer = Buffer.from(lines.join('\n') + '\n', 'utf8');
  return { shape, values, lines, bytes: buffer, meanLineBytes: buffer.length / lines.length };
}

/** Cuts `bytes` into views of `size` bytes (the last one shorter). No copy: chunks share the buffer. */
export function chunk(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, Math.min(at + size, bytes.length)));
  return chunks;
}
