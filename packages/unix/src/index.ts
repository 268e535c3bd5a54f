export { unix, type UnixOptions } from './unix.js';
