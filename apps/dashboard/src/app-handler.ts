/**
 * The dashboard server's one message handler, the same on tcp, unix and ws: pages ask for the
 * feed, demo clients say hello, and every other message is echoed back and counted.
 */
import type { MessageHandler } from '@proj/core';
import { isHello, isWatch } from './feed.js';
import type { Monitor } from './monitor.js';

/** Creates the handler, reporting to `monitor`. */
export function appHandler(monitor: Monitor): MessageHandler {
  return (message, peer) => {
    if (isWatch(message)) return monitor.watch(peer);
    if (isHello(message)) return monitor.hello(peer, message);
    peer.send({ echo: message });
    monitor.count(2);
  };
}
