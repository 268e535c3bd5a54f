/** Helpers shared by this package's tests (not exported by the package). */
import type { Link, LinkCloseInfo, Listener } from '@proj/core';
import type { WebSocket } from 'ws';
import { ws, type WsOptions } from './index.js';

/** What a test sees of a link: the text received, each frame, and how it closed. */
export interface Attached {
  text: () => string;
  frames: Array<Uint8Array | string>;
  drains: () => number;
  closed: Promise<LinkCloseInfo>;
}

/** Attaches recording handlers to a link. */
export function attach(link: Link): Attached {
  const frames: Array<Uint8Array | string> = [];
  let drains = 0;
  let done!: (info: LinkCloseInfo) => void;
  const closed = new Promise<LinkCloseInfo>((resolve) => (done = resolve));
  link.attach({ onData: (chunk) => frames.push(chunk), onDrain: () => drains++, onClose: done });
  const decoder = new TextDecoder();
  return { frames, text: () => frames.map((f) => (typeof f === 'string' ? f : decoder.decode(f))).join(''), drains: () => drains, closed };
}

/** What {@link watchPings} sees: the pings a client got, and whether its server side is still open. */
export interface PingWatch {
  pings: () => number;
  open: () => boolean;
}

/** Counts the heartbeat pings `client` gets (`ws` answers them itself unless made with `autoPong: false`); attaches `link`, its server side. */
export function watchPings(client: WebSocket, link: Link): PingWatch {
  let pings = 0;
  client.on('ping', () => pings++);
  let open = true;
  void attach(link).closed.then(() => (open = false));
  return { pings: () => pings, open: () => open };
}

/** A standalone ws listener on a free port; accepted links are pushed to `links`. */
export async function listen(options: Partial<WsOptions> = {}): Promise<{ listener: Listener; links: Link[]; port: number }> {
  const links: Link[] = [];
  const listener = await ws({ port: 0, ...options }).listen((link) => links.push(link));
  return { listener, links, port: listener.port! };
}

/** Resolves with the first event `name` of `emitter`. */
export function once<T extends unknown[]>(emitter: { once(event: string, listener: (...args: T) => void): unknown }, name: string): Promise<T> {
  return new Promise((resolve) => emitter.once(name, (...args: T) => resolve(args)));
}
