/**
 * Batches written to the current link that the transport has not yet confirmed. When a link dies,
 * what it never accepted can be sent again (client) or reported (peer) instead of vanishing.
 */
import type { Batch } from './send-queue.js';

interface InflightBatch extends Batch {
  confirmed: boolean;
}

/** No batch in flight: an idle connection holds no array of its own (bench "memory per idle connection"). */
const NONE: InflightBatch[] = Object.freeze([]) as unknown as InflightBatch[];

export class Inflight {
  #batches: InflightBatch[] = NONE;

  /** Tracks a batch; returns the write callback to hand to `Link.write`. */
  track(batch: Batch): (error?: Error | null) => void {
    // Not `{ ...batch, confirmed: false }`: V8 takes a slow path for a spread followed by a new
    // property (~0.9 µs here), which was a tenth of a loopback round trip (bench/RESULTS.md).
    const entry: InflightBatch = { data: batch.data, bytes: batch.bytes, messages: batch.messages, confirmed: false };
    if (this.#batches === NONE) this.#batches = [];
    const batches = this.#batches;
    batches.push(entry);
    return (error) => {
      // An error leaves the batch unconfirmed: `takeUnconfirmed()` hands it back at close.
      if (error !== undefined && error !== null) return;
      entry.confirmed = true;
      while (batches.length > 0 && batches[0]!.confirmed) batches.shift();
    };
  }

  /** Everything not confirmed, oldest first; starts afresh for the next link. */
  takeUnconfirmed(): Batch[] {
    const unconfirmed = this.#batches.filter((b) => !b.confirmed).map(({ data, bytes, messages }) => ({ data, bytes, messages }));
    this.#batches = NONE;
    return unconfirmed;
  }
}
