/**
 * The dashboard feed: what the server pushes to a page (and what a page or a demo client says
 * first). Shared by the server and the page script; types and tiny guards only, no runtime deps.
 */

/** A connection in the registry, as a page shows it. */
export interface PeerRow {
  id: string;
  transport: string;
  remote: string;
  /** What the client said it is (`{"hello":"tcp-client"}`), if it did. */
  name?: string;
  /** `dashboard` for pages watching the feed. */
  role: 'client' | 'dashboard';
  /** ms since the connection was accepted. */
  age: number;
  messagesIn: number;
  messagesOut: number;
}

/** Something that happened, for the event list. */
export interface FeedEvent {
  /** Unique within one server run (`boot`). */
  seq: number;
  /** ms since the epoch. */
  at: number;
  kind: 'connect' | 'reconnect' | 'disconnect' | 'malformed' | 'page';
  transport: string;
  text: string;
}

/** Application messages per second (in + out, the feed itself excluded), sampled periodically. */
export interface RateSample {
  at: number;
  perSecond: number;
}

/** Sent once to a page that starts watching: who it is and the recent past. */
export interface HelloFeed {
  type: 'hello';
  /** Identifies this server run: events are unique per boot. */
  boot: string;
  /** The page's own peer id. */
  you: string;
  /** Where the service listens: `ws://…/ws`, `tcp://…`, `unix:…`. */
  addresses: string[];
  events: FeedEvent[];
  rates: RateSample[];
}

/** Sent to every page each sampling interval. */
export interface SnapshotFeed {
  type: 'snapshot';
  peers: PeerRow[];
  rate: RateSample;
  /** Application messages handled since the server started. */
  total: number;
}

/** Sent to every page as it happens. */
export interface EventFeed {
  type: 'event';
  boot: string;
  event: FeedEvent;
}

/** Anything the server sends to a page. */
export type Feed = HelloFeed | SnapshotFeed | EventFeed;

/** A page's first message: it wants the feed. */
export const WATCH = { watch: 'dashboard' } as const;

/** A demo client's message on every connection: its name and how it got here. */
export interface Hello {
  hello: string;
  /** Connections this client has opened, this one included. */
  connection: number;
  /** Failed attempts before this connection. */
  retries: number;
  /** The longest backoff delay it waited before this connection, in ms. */
  longestDelay: number;
}

/** True for a page's `{ watch: 'dashboard' }`. */
export function isWatch(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { watch?: unknown }).watch === 'dashboard';
}

/** True for a demo client's {@link Hello}. */
export function isHello(value: unknown): value is Hello {
  return typeof value === 'object' && value !== null && typeof (value as Hello).hello === 'string';
}
