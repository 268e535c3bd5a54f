// Minimal `events` for core's browser build: what reconnect-core and backoff use (on, once,
// emit, removeListener), with Node's rule that an unhandled 'error' throws.
export function EventEmitter() {
  this._events = new Map();
}
EventEmitter.prototype.on = EventEmitter.prototype.addListener = function (name, fn) {
  if (!this._events) this._events = new Map();
  const list = this._events.get(name);
  if (list) list.push(fn);
  else this._events.set(name, [fn]);
  return this;
};
EventEmitter.prototype.once = function (name, fn) {
  const wrapper = (...args) => {
    this.removeListener(name, wrapper);
    fn.apply(this, args);
  };
  wrapper.listener = fn;
  return this.on(name, wrapper);
};
EventEmitter.prototype.removeListener = EventEmitter.prototype.off = function (name, fn) {
  const list = this._events && this._events.get(name);
  if (!list) return this;
  const i = list.findIndex((l) => l === fn || l.listener === fn);
  if (i !== -1) list.splice(i, 1);
  if (list.length === 0) this._events.delete(name);
  return this;
};
EventEmitter.prototype.removeAllListeners = function (name) {
  if (!this._events) return this;
  if (name === undefined) this._events.clear();
  else this._events.delete(name);
  return this;
};
EventEmitter.prototype.listenerCount = function (name) {
  const list = this._events && this._events.get(name);
  return list ? list.length : 0;
};
EventEmitter.prototype.emit = function (name, ...args) {
  const list = this._events && this._events.get(name);
  if (!list || list.length === 0) {
    if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error: ${String(args[0])}`);
    return false;
  }
  for (const fn of list.slice()) fn.apply(this, args);
  return true;
};
EventEmitter.EventEmitter = EventEmitter;
export default EventEmitter;
