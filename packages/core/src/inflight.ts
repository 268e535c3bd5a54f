/**
 * Batches written to the current link that the transport has not yet confirmed. When a link dies,
 * what it never accepted can be sent again (client) or reported (peer) instead of vanishing.
 */
import type { Batch } from './send-queue.js';

/** No batch in flight: an idle connection holds no array of its own (bench "memory per idle connection"). */
const NONE: Batch[] = Object.freeze([]) as unknown as Batch[];

type WriteCallback = (error?: Error | null) => void;

/**
 * A link confirms its writes in order (`Link.write`: callbacks run in write order), so a success
 * always confirms the oldest batch still in flight, and one callback serves every write to a link:
 * no closure and no entry object per write (bench "tcp RTT"). A callback may run synchronously,
 * inside `Link.write()`: the batch is tracked before the write starts.
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

/**
 * The write callback of one link's batches. The first error ends confirmations: the link failed,
 * the write it reports never left, and nothing written after it can have left either.
 */
function confirmer(batches: Batch[]): WriteCallback {
  let failed = false;
  return (error) => {
    if (failed) return;
    if (error !== undefined && error !== null) failed = true;
    else batches.shift();
  };
}
