/**
 * Async iteration over a channel's messages (`for await (const msg of channel)`), with a
 * backlog the channel watches to pause the link when the consumer falls behind.
 */

/** Called when the consumer pulls, so the channel can resume a paused link. */
type OnPull = (iterator: MessageIterator) => void;
type OnReturn = (iterator: MessageIterator) => void;

export class MessageIterator implements AsyncIterableIterator<unknown> {
  #buffer: unknown[] = [];
  #head = 0;
  #waiter: ((result: IteratorResult<unknown>) => void) | undefined;
  #done = false;
  readonly #onPull: OnPull;
  readonly #onReturn: OnReturn;

  constructor(onPull: OnPull, onReturn: OnReturn) {
    this.#onPull = onPull;
    this.#onReturn = onReturn;
  }

  /** Messages received and not yet consumed. */
  get backlog(): number {
    return this.#buffer.length - this.#head;
  }

  /** Delivers one message (called by the channel). */
  push(value: unknown): void {
    if (this.#done) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter({ value, done: false });
      return;
    }
    this.#buffer.push(value);
  }

  /** Ends iteration once the backlog is consumed (called by the channel when it closes). */
  finish(): void {
    this.#done = true;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.backlog > 0) {
      const value = this.#buffer[this.#head];
      this.#buffer[this.#head++] = undefined;
      if (this.#head === this.#buffer.length) {
        this.#buffer = [];
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
        this.#buffer = this.#buffer.slice(this.#head);
        this.#head = 0;
      }
      this.#onPull(this);
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    this.#onPull(this);
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    this.#buffer = [];
    this.#head = 0;
    this.finish();
    this.#onReturn(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
