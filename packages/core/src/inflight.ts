/**
 * Batches written to the current link that the transport has not yet confirmed. When a link dies,
 * what it never accepted can be sent again (client) or reported (peer) instead of vanishing.
 */
import type { Batch } from './send-queue.js';

type WriteCallback = (error?: Error | null) => void;

/**
 * A link hands its writes over in order, so the writes it confirms are always the oldest ones:
 * a success confirms the oldest batch still in flight, and one callback serves every write to a
 * link (no closure and no entry object per write, bench "tcp RTT"). An error confirms nothing.
 * Errors may come before the successes of earlier writes (`ws` reports a send after close on the
 * next tick, while frames sent before it still drain), but a link never confirms a write made
 * after one it failed. A callback may run synchronously, inside `Link.write()`: the batch is
 * tracked before the write starts.
 */
export class Inflight {
  #writes: LinkWrites | undefined;
  /** The callback of the current link's writes, made by its first write. */
  #onWritten: WriteCallback | undefined;

  /**
   * Tracks a batch about to be written; returns the callback to hand to `Link.write`. With
   * `hold` (`holdBytes` > 0), confirmed batches are kept too, up to `holdBytes` in all, until
   * {@link Inflight.release}: a server may yet refuse the connection and discard them.
   */
  track(batch: Batch, holdBytes = 0): WriteCallback {
    if (this.#onWritten === undefined) {
      const writes: LinkWrites = { pending: [], held: holdBytes > 0 ? [] : undefined, heldBytes: 0, holdBytes, lapsedMessages: 0, lapsedBytes: 0 };
      this.#writes = writes;
      this.#onWritten = confirmer(writes);
    }
    this.#writes!.pending.push(batch);
    return this.#onWritten;
  }

  /**
   * The last batch written that is still tracked (unconfirmed, or confirmed and kept), if any:
   * batches are confirmed oldest first, so a link close that gives it back gives back every
   * tracked batch written before it too, and one that does not, none of them.
   */
  get newest(): Batch | undefined {
    const writes = this.#writes;
    if (writes === undefined) return undefined;
    return writes.pending.at(-1) ?? writes.held?.at(-1);
  }

  /** Stops keeping confirmed batches: the connection is proven (see {@link Inflight.track}). */
  release(): void {
    const writes = this.#writes;
    if (writes === undefined) return;
    writes.held = undefined;
    writes.lapsedMessages = 0;
    writes.lapsedBytes = 0;
  }

  /**
   * What the link never confirmed (`pending`), the confirmed batches kept (`held`, older), each
   * oldest first, and what was confirmed while held but not kept, past the bound (`lapsed`);
   * starts afresh for the next link.
   */
  takeWritten(): Written {
    const writes = this.#writes;
    this.#writes = undefined;
    // A late callback of the dead link reaches the arrays it captured, never the next link's.
    this.#onWritten = undefined;
    if (writes === undefined) return nothingWritten();
    return { held: writes.held ?? [], pending: writes.pending.slice(), lapsed: { messages: writes.lapsedMessages, bytes: writes.lapsedBytes } };
  }
}

/** What a link that was never written to was given. */
export function nothingWritten(): Written {
  return { held: [], pending: [], lapsed: { messages: 0, bytes: 0 } };
}

/** What one link was given, by {@link Inflight.takeWritten}. */
export interface Written {
  held: Batch[];
  pending: Batch[];
  lapsed: { messages: number; bytes: number };
}

/** One link's batches: written and not yet confirmed; confirmed and kept while held. */
interface LinkWrites {
  readonly pending: Batch[];
  /** Confirmed batches kept until released; `undefined` when not holding (released, or over `holdBytes`). */
  held: Batch[] | undefined;
  heldBytes: number;
  readonly holdBytes: number;
  /** What was confirmed past `holdBytes` before a release, counted, not kept (non-zero: over the bound). */
  lapsedMessages: number;
  lapsedBytes: number;
}

/** The write callback of one link's batches: each success confirms the oldest; an error leaves them all. */
function confirmer(writes: LinkWrites): WriteCallback {
  return (error) => {
    if (error !== undefined && error !== null) return;
    const batch = writes.pending.shift();
    if (batch === undefined) return;
    const held = writes.held;
    if (held === undefined) {
      if (writes.lapsedMessages > 0) {
        writes.lapsedMessages += batch.messages;
        writes.lapsedBytes += batch.bytes;
      }
      return;
    }
    writes.heldBytes += batch.bytes;
    if (writes.heldBytes <= writes.holdBytes) {
      held.push(batch);
      return;
    }
    // Past the bound, keeping them would grow memory with every send: they are only counted,
    // so that a refusal still reports them dropped.
    writes.held = undefined;
    for (const kept of [...held, batch]) {
      writes.lapsedMessages += kept.messages;
      writes.lapsedBytes += kept.bytes;
    }
  };
}
