/**
 * A small typed event emitter that runs anywhere (Node and browsers).
 * Unlike Node's EventEmitter, no event name is special: an unhandled event is simply dropped,
 * so a peer's bad input can never crash the process through a missing `'error'` listener.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

/** Constrains an interface of events to listener signatures: `Events extends EventMap<Events>`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventMap<Events> = { [K in keyof Events]: (...args: any[]) => void };

/** Typed `on` / `once` / `off` / `emit`. Listener exceptions propagate to the emitter's caller. */
export class TypedEmitter<Events extends EventMap<Events>> {
  /** Type-level only (no runtime value): lets helpers infer the event map of an emitter. */
  declare readonly eventTypes?: Events;
  // Created with the first listener: most peers of a large server never get one, and an empty
  // Map costs ~180 B per emitter (bench/RESULTS.md, memory per idle connection).
  #listeners: Map<keyof Events, Listener[]> | undefined;

  /** Adds a listener. */
  on<E extends keyof Events>(event: E, listener: Events[E]): this {
    const listeners = (this.#listeners ??= new Map());
    const list = listeners.get(event);
    if (list === undefined) listeners.set(event, [listener]);
    else list.push(listener);
    return this;
  }

  /** Adds a listener that runs at most once. */
  once<E extends keyof Events>(event: E, listener: Events[E]): this {
    const wrapper = ((...args: Parameters<Events[E]>) => {
      this.off(event, wrapper);
      listener(...args);
    }) as Events[E];
    return this.on(event, wrapper);
  }

  /** Removes a listener added with `on` (or the wrapper `once` added). */
  off<E extends keyof Events>(event: E, listener: Events[E]): this {
    const list = this.#listeners?.get(event);
    if (list === undefined) return this;
    const i = list.indexOf(listener);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.#listeners!.delete(event);
    return this;
  }

  /** Removes every listener, or every listener of one event. */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.#listeners = undefined;
    else this.#listeners?.delete(event);
    return this;
  }

  /** Number of listeners for `event`. */
  listenerCount(event: keyof Events): number {
    return this.#listeners?.get(event)?.length ?? 0;
  }

  /**
   * {@link TypedEmitter.emit} for a one-argument event, without the rest-argument array and its
   * spread: the per-message path. Returns false when there was no listener.
   */
  protected emitOne<E extends keyof Events>(event: E, arg: Parameters<Events[E]>[0]): boolean {
    const list = this.#listeners?.get(event);
    if (list === undefined) return false;
    if (list.length === 1) {
      list[0]!(arg);
      return true;
    }
    for (const listener of list.slice()) listener(arg);
    return true;
  }

  /** Calls every listener of `event` in order. Returns false when there was none. */
  protected emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): boolean {
    const list = this.#listeners?.get(event);
    if (list === undefined) return false;
    if (list.length === 1) {
      list[0]!(...args);
      return true;
    }
    for (const listener of list.slice()) listener(...args);
    return true;
  }
}
