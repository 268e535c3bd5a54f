/** Waiting in the tour: on a condition, with a deadline so a broken step fails instead of hanging. */

/** Polls `predicate` every few ms until it holds; rejects after `ms` naming `what`. */
export async function until(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`the tour waited ${ms} ms for ${what}`);
    await pause(5);
  }
}

/** A pause so a person can follow the timeline; never used to synchronise. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
