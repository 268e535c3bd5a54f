/**
 * `ChatClient`: a chat user on a reconnecting `connect()` client. It joins on every connection
 * (so a server restart costs nothing but a moment), holds what the user says until it is in the
 * room, and stops for good when the name is refused, the user leaves, or the server kicks it
 * for idling.
 */
import { connect, TypedEmitter, type Client, type DisconnectReason, type Transport } from '@proj/core';
import type { LeaveReason, ServerMessage, Welcome } from './protocol.js';

/** Events of a {@link ChatClient}. */
export interface ChatClientEvents {
  /** In the room (again, after a reconnect). */
  welcome: (welcome: Welcome) => void;
  message: (from: string, text: string) => void;
  joined: (name: string) => void;
  left: (name: string, reason: LeaveReason) => void;
  users: (names: string[]) => void;
  /** The server refused something; before the first welcome, the client then closes. */
  problem: (error: string) => void;
  /** The connection dropped; the client reconnects and joins again unless it was kicked. */
  disconnected: (reason: DisconnectReason) => void;
  /** The next connection attempt is scheduled. */
  reconnecting: (attempt: number, delay: number) => void;
  /** The server disconnected us after `idleTimeout` ms of silence; the client closes. */
  kicked: (idleTimeout: number) => void;
  /** Closed for good. */
  close: () => void;
}

/** Options of a {@link ChatClient}. */
export interface ChatClientOptions {
  name: string;
  /** Largest reconnect delay, in ms. @default 5000 */
  maxDelay?: number;
  /** Messages held while not in the room; more are refused. @default 100 */
  maxPending?: number;
}

/** One chat user. */
export class ChatClient extends TypedEmitter<ChatClientEvents> {
  readonly name: string;
  readonly client: Client;
  #joined = false;
  #everJoined = false;
  #idleTimeout = 0;
  #lastSentAt = Date.now();
  readonly #pending: unknown[] = [];
  readonly #maxPending: number;

  constructor(transport: Transport, options: ChatClientOptions) {
    super();
    this.name = options.name;
    this.#maxPending = options.maxPending ?? 100;
    this.client = connect(transport, { reconnect: { initialDelay: 100, maxDelay: options.maxDelay ?? 5000 } });
    this.client.on('connect', () => this.#write({ join: this.name }));
    this.client.on('message', (value) => this.#onMessage(value as ServerMessage));
    this.client.on('disconnect', ({ reason }) => this.#onDisconnect(reason));
    this.client.on('reconnecting', ({ attempt, delay }) => this.emit('reconnecting', attempt, delay));
    this.client.on('close', () => this.emit('close'));
  }

  /** True while in the room. */
  get joined(): boolean {
    return this.#joined;
  }

  /** Says something to everyone else; held until the client is in the room. */
  say(text: string): void {
    this.#send({ say: text });
  }

  /** Asks who is in the room (answered by a `users` event). */
  who(): void {
    this.#send({ who: true });
  }

  /** Leaves the room (after getting in, if it is on its way: within `ms`) and closes. */
  async leave(ms = 2000): Promise<void> {
    await this.#inTheRoom(ms);
    if (this.#joined) this.#write({ leave: true });
    await this.client.end(); // queued lines (the leave included) go out before the connection ends
  }

  /** Closes; what is held for the room is sent first if the client gets in within `ms`. */
  async end(ms = 2000): Promise<void> {
    if (this.#pending.length > 0) await this.#inTheRoom(ms);
    await this.client.end();
  }

  /** Resolves once in the room, closed, or after `ms`. */
  #inTheRoom(ms: number): Promise<void> {
    if (this.#joined || this.client.state === 'closed' || this.client.state === 'failed') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('welcome', done).off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.on('welcome', done).on('close', done);
    });
  }

  #send(message: unknown): void {
    if (this.#joined) return this.#write(message);
    if (this.#pending.length >= this.#maxPending) {
      this.emit('problem', `not in the room yet and ${this.#maxPending} messages are already waiting`);
      return;
    }
    this.#pending.push(message);
  }

  #write(message: unknown): void {
    this.#lastSentAt = Date.now();
    this.client.send(message);
  }

  #onMessage(message: ServerMessage): void {
    if ('welcome' in message) {
      this.#joined = true;
      this.#everJoined = true;
      this.#idleTimeout = message.idleTimeout;
      this.emit('welcome', message);
      for (const held of this.#pending.splice(0)) this.#write(held);
    } else if ('from' in message) this.emit('message', message.from, message.text);
    else if ('joined' in message) this.emit('joined', message.joined);
    else if ('left' in message) this.emit('left', message.left, message.reason);
    else if ('users' in message) this.emit('users', message.users);
    else if ('error' in message) {
      this.emit('problem', message.error);
      // Refused before ever getting in (name taken or invalid): rejoining would fail the same way.
      if (!this.#everJoined) void this.client.end();
    }
  }

  #onDisconnect(reason: DisconnectReason): void {
    this.#joined = false;
    this.emit('disconnected', reason);
    // The registry's idle timeout closes gracefully, like a restart would; what tells them apart
    // is our own silence: at least idleTimeout ms since we last sent anything.
    const silent = Date.now() - this.#lastSentAt;
    if (reason === 'remote-end' && this.#idleTimeout > 0 && silent >= this.#idleTimeout) {
      this.emit('kicked', this.#idleTimeout);
      void this.client.end();
    }
  }
}
