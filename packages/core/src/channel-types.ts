/**
 * The vocabulary of a channel: why connections end, what is counted, which options and events
 * every channel (a server-side peer or a client) has.
 */
import type { ProjError } from './errors.js';
import type { DroppedInfo, SendQueueLimits } from './send-queue.js';

/** Why a connection ended. */
export type DisconnectReason =
  /** This side called `end()`. */
  | 'local-end'
  /** This side called `destroy()`. */
  | 'local-destroy'
  /** The peer closed in an orderly way (TCP FIN, WebSocket 1000). */
  | 'remote-end'
  /** The peer tore the connection down (TCP RST, WebSocket 1006). */
  | 'remote-reset'
  /** A transport error; see `error`. */
  | 'error'
  /** The server closed a connection that sent no message for `idleTimeout` ms. */
  | 'idle-timeout'
  /** Nothing arrived for `heartbeatTimeout` ms (a half-open or dead connection); `error.code` is `PROJ_ERR_HEARTBEAT_TIMEOUT`. */
  | 'heartbeat-timeout'
  /** The server refused the connection: `error.code` is `PROJ_ERR_MAX_CONNECTIONS` or `PROJ_ERR_UNAUTHORIZED`. */
  | 'refused'
  /** Closed because of a framing error while `closeOnMalformed` is set. */
  | 'malformed';

/** Payload of the `disconnect` event. */
export interface DisconnectInfo {
  reason: DisconnectReason;
  /** The error behind the disconnect, when there is one. */
  error?: ProjError;
}

/** Counters of one channel. Bytes are UTF-8 bytes on the wire, newlines included. */
export interface ChannelStats {
  /** Messages decoded from the peer. */
  messagesIn: number;
  /**
   * Messages handed to the transport. When a link closes, those of its writes the transport never
   * confirmed are taken back out before `disconnect` (a client sends them again; a peer reports them dropped).
   */
  messagesOut: number;
  /** Bytes received (for text frames: UTF-16 code units). */
  bytesIn: number;
  /** Bytes handed to the transport, less those of unconfirmed writes, as `messagesOut`. */
  bytesOut: number;
  /** Malformed or oversize lines received. */
  malformed: number;
  /** Messages discarded by an overflow policy or a close with unsent data (each reported by a `dropped` event). */
  dropped: number;
  /** Write calls made to the transport: one per coalesced batch, or per part of one cut to a link's `maxWriteBytes`. */
  writes: number;
}

/** Options every channel takes (client and server side). */
export interface ChannelOptions extends SendQueueLimits {
  /** Longest accepted incoming line, in bytes; longer lines are discarded and reported. @default 1048576 (1 MiB) */
  maxLineBytes?: number;
  /**
   * Queued bytes above which `send()` returns `false` (wait for `drain`). On links with
   * `asyncDelivery` (tcp, unix, ws, memory), sends that may fill it (a third of it in UTF-16
   * units, and 8 KiB at least) are written at once while the link takes them: with a
   * `highWaterMark` of 24 KiB or more, `false` then comes from the transport pushing back, or
   * from sends queued while it did, while disconnected or while closing. @default 65536 (64 KiB)
   */
  highWaterMark?: number;
  /** Messages waiting in an async iterator above which reading from the transport pauses. @default 1024 */
  readHighWaterMark?: number;
  /** Close the connection on a malformed or oversize line instead of reporting it and continuing. @default false */
  closeOnMalformed?: boolean;
  /**
   * Liveness for byte streams (tcp, unix): when nothing was sent for this many ms, a blank line
   * is written — every NDJSON reader skips blank lines, so plain peers are unaffected. 0 disables.
   * (WebSocket links use ping/pong instead: the `heartbeat` option of `@proj/ws`.) @default 0
   */
  heartbeatInterval?: number;
  /**
   * ms without receiving anything after which the connection is considered dead (half-open) and
   * destroyed with reason `heartbeat-timeout`. Set it only where the peer sends heartbeats of its
   * own (both ends @proj with `heartbeatInterval`), typically to 2–3 × the peer's interval: a
   * plain NDJSON peer that is merely quiet would otherwise be cut off. 0 disables. @default 0
   */
  heartbeatTimeout?: number;
}

/** Events every channel emits. */
export interface ChannelEvents {
  /** A message arrived (any JSON value, `null` included). */
  message: (value: unknown) => void;
  /** A malformed (`PROJ_ERR_MALFORMED_LINE`) or oversize (`PROJ_ERR_LINE_TOO_LONG`) line arrived. */
  malformed: (error: ProjError) => void;
  /** Queued messages were discarded; `error.code` is `PROJ_ERR_DROPPED`. */
  dropped: (info: DroppedInfo) => void;
  /** After `send()` returned `false`: the queue is below `highWaterMark` again. */
  drain: () => void;
  /** A connection ended. */
  disconnect: (info: DisconnectInfo) => void;
}
