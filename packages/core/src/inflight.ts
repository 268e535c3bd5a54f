/**
 * Batches written to the current link that the transport has not yet confirmed. When a link dies,
 * what it never accepted can be sent again (client) or reported (peer) instead of vanishing.
 */
import type { Batch } from './send-queue.js';

/** No batch in flight: an idle connection holds no array of its own (bench "memory per idle connection"). */
const NONE: Batch[] = Object.freeze([]) as unknown as Batch[];

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
  #batches: Batch[] = NONE;
  /** The callback of the current link's writes, made by its first write. */
  #onWritten: WriteCallback | undefined;

  /** Tracks a batch about to be written; returns the callback to hand to `Link.write`. */
  track(batch: Batch): WriteCallback {
    if (this.#onWritten === undefined) {
      const batches: Batch[] = [];
      this.#batches = batches;
      this.#onWritten = confirmer(batches);
    }
    this.#batches.push(batch);
    return this.#onWritten;
  }

  /** Everything not confirmed, oldest first; starts afresh for the next link. */
  takeUnconfirmed(): Batch[] {
    const unconfirmed = this.#batches;
    this.#batches = NONE;
    // A late callback of the dead link reaches the array it captured, never the next link's.
    this.#onWritten = undefined;
    return unconfirmed === NONE ? [] : unconfirmed.slice();
  }
}

/** The write callback of one link's batches: each success confirms the oldest; an error leaves them all. */
function confirmer(batches: Batch[]): WriteCallback {
  return (error) => {
    if (error === undefined || error === null) batches.shift();
  };
}
