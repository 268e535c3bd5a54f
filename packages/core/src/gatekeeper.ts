/**
 * The server's authentication gate: a connection is held outside the registry, with reading
 * paused, until the `authenticate` hook admits it — from the transport's handshake (WebSocket
 * upgrade headers, TLS peer certificate) or from its first message — or until it is rejected,
 * throws, or runs out of time.
 */
import { ErrorCode, ProjError, checkNumber } from './errors.js';
import type { Peer } from './peer.js';

/** What the `authenticate` hook sees. */
export interface AuthRequest {
  /** Transport name (`tcp`, `unix`, `ws`). */
  transport: string;
  /** The remote end as the transport describes it. */
  remoteAddress: string;
  /** What the transport learned while connecting: WebSocket `{ url, headers }`, TLS `{ authorized, peerCertificate, … }`; `{}` for plain tcp/unix. */
  handshake: Readonly<Record<string, unknown>>;
  /** The connection's first message, with `authenticateOn: 'first-message'` (the handler does not receive it). */
  message?: unknown;
}

/**
 * Decides whether a connection may enter. `true` or an object admits it (the object's own
 * properties are copied into `peer.data`); `false` rejects it. A throw or a rejection rejects it too.
 */
export type Authenticate = (request: AuthRequest) => boolean | Record<string, unknown> | Promise<boolean | Record<string, unknown>>;

/** Authentication options of `serve()`. */
export interface AuthOptions {
  /** The hook; without it every connection is admitted at once. @default undefined */
  authenticate?: Authenticate;
  /** What the hook decides on: the transport `handshake`, or the connection's `first-message`. @default 'handshake' */
  authenticateOn?: 'handshake' | 'first-message';
  /** ms the hook (and, with `first-message`, the peer's first message) may take before the connection is rejected. @default 10000 */
  authTimeout?: number;
}

interface Pending {
  timer: ReturnType<typeof setTimeout>;
  started: boolean;
  /** Messages decoded from the same chunk as the first one, before reading paused: delivered after admission, in order. */
  buffered: unknown[];
}

/** Callbacks into the server. */
export interface GateHooks {
  admit(peer: Peer, buffered: unknown[]): void;
  reject(peer: Peer, error: ProjError): void;
}

export class Gatekeeper {
  readonly #authenticate: Authenticate;
  readonly #on: 'handshake' | 'first-message';
  readonly #timeout: number;
  readonly #hooks: GateHooks;
  #pending = new Map<Peer, Pending>();

  constructor(authenticate: Authenticate, options: AuthOptions, hooks: GateHooks) {
    this.#authenticate = authenticate;
    this.#on = options.authenticateOn ?? 'handshake';
    this.#timeout = options.authTimeout ?? 10_000;
    checkNumber('authTimeout', this.#timeout, 1);
    if (this.#on !== 'handshake' && this.#on !== 'first-message') {
      throw new ProjError(ErrorCode.INVALID_OPTION, `authenticateOn must be 'handshake' or 'first-message', got ${String(this.#on)}`);
    }
    this.#hooks = hooks;
  }

  /** Connections waiting for a decision. */
  get size(): number {
    return this.#pending.size;
  }

  /** Starts the gate for a new peer. */
  enter(peer: Peer): void {
    const timer = setTimeout(() => this.#decide(peer, new ProjError(ErrorCode.UNAUTHORIZED, `authentication of ${peer.remoteAddress} timed out after ${this.#timeout} ms`)), this.#timeout);
    this.#pending.set(peer, { timer, started: false, buffered: [] });
    if (this.#on === 'handshake') this.#run(peer, { transport: peer.transport, remoteAddress: peer.remoteAddress, handshake: peer.handshake });
  }

  /** Routes a message of a peer still at the gate; returns false when the peer is not at the gate. */
  message(peer: Peer, value: unknown): boolean {
    const pending = this.#pending.get(peer);
    if (pending === undefined) return false;
    if (this.#on === 'first-message' && !pending.started) this.#run(peer, { transport: peer.transport, remoteAddress: peer.remoteAddress, handshake: peer.handshake, message: value });
    else pending.buffered.push(value);
    return true;
  }

  /** Forgets a peer that closed while at the gate; returns whether it was there. */
  leave(peer: Peer): boolean {
    const pending = this.#pending.get(peer);
    if (pending === undefined) return false;
    clearTimeout(pending.timer);
    this.#pending.delete(peer);
    return true;
  }

  /** Peers still at the gate (for shutdown). */
  peers(): Peer[] {
    return [...this.#pending.keys()];
  }

  #run(peer: Peer, request: AuthRequest): void {
    this.#pending.get(peer)!.started = true;
    peer.holdReading();
    let verdict: ReturnType<Authenticate>;
    try {
      verdict = this.#authenticate(request);
    } catch (cause) {
      this.#decide(peer, new ProjError(ErrorCode.UNAUTHORIZED, `authenticate threw for ${peer.remoteAddress}`, { cause }));
      return;
    }
    Promise.resolve(verdict).then(
      (result) => this.#decide(peer, result === false || result === null || result === undefined ? new ProjError(ErrorCode.UNAUTHORIZED, `${peer.remoteAddress} was rejected by authenticate`) : result),
      (cause: unknown) => this.#decide(peer, new ProjError(ErrorCode.UNAUTHORIZED, `authenticate rejected for ${peer.remoteAddress}`, { cause })),
    );
  }

  #decide(peer: Peer, outcome: true | Record<string, unknown> | ProjError): void {
    const pending = this.#pending.get(peer);
    if (pending === undefined) return; // decided already, or the peer left
    this.leave(peer);
    if (outcome instanceof ProjError) {
      this.#hooks.reject(peer, outcome);
      return;
    }
    if (typeof outcome === 'object') {
      // defineProperty, not assignment: an own `__proto__` key must stay data, not set a prototype.
      for (const key of Object.keys(outcome)) Object.defineProperty(peer.data, key, { value: outcome[key], enumerable: true, writable: true, configurable: true });
    }
    if (pending.started) peer.releaseReading();
    this.#hooks.admit(peer, pending.buffered);
  }
}
