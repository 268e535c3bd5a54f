// Minimal `util` for core's browser build: what backoff and precond use.
export function inherits(ctor, superCtor) {
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  Object.setPrototypeOf(ctor, superCtor);
}
export function format(template, ...args) {
  let i = 0;
  const text = String(template).replace(/%[sdj%]/g, (m) => (m === '%%' ? '%' : i < args.length ? String(args[i++]) : m));
  return [text, ...args.slice(i).map(String)].join(' ');
}
export default { inherits, format };
