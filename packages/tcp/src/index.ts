export { tcp, type TcpOptions } from './tcp.js';
