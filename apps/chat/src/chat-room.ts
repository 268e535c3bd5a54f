/**
 * The chat room: one message handler for every transport, and the room's state (who is in).
 * Broadcasts go through each server's connection registry; a room may span several servers
 * (a TCP one and a WebSocket one, say), and a user on one talks with users on the other.
 */
import { TypedEmitter, type DisconnectInfo, type MessageHandler, type Peer, type Server } from '@proj/core';
import { checkName, parseRequest, type LeaveReason, type ServerMessage } from './protocol.js';

/** What happens in a room, for a server to print. */
export interface ChatRoomEvents {
  joined: (name: string, peer: Peer) => void;
  said: (name: string, text: string) => void;
  left: (name: string, reason: LeaveReason, peer: Peer) => void;
  /** A peer sent something the room could not use (including lines that are not JSON). */
  rejected: (peer: Peer, error: string) => void;
}

/** Options of a {@link ChatRoom}. */
export interface ChatRoomOptions {
  /** The servers' `idleTimeout`, in ms, told to users when they join (0: never). @default 0 */
  idleTimeout?: number;
}

/** Per-peer state, kept in `peer.data` (the registry's metadata slot). */
interface Member {
  name?: string;
  leaving?: boolean;
}

/** A room: pass {@link ChatRoom.handle} to `serve()`, then {@link ChatRoom.attach} the server. */
export class ChatRoom extends TypedEmitter<ChatRoomEvents> {
  readonly #servers = new Set<Server>();
  readonly #users = new Map<string, Peer>();
  readonly #idleTimeout: number;

  constructor(options: ChatRoomOptions = {}) {
    super();
    this.#idleTimeout = options.idleTimeout ?? 0;
  }

  /** Names in the room, in joining order. */
  get users(): string[] {
    return [...this.#users.keys()];
  }

  /** The message handler: the same code whatever the transport. */
  readonly handle: MessageHandler = (message, peer) => {
    const member = peer.data as Member;
    const request = parseRequest(message);
    if (request.kind === 'invalid') return this.#reject(peer, request.error);
    if (request.kind === 'join') return this.#join(peer, member, request.name);
    if (member.name === undefined) return this.#reject(peer, 'join first: {"join":"your name"}');
    if (request.kind === 'say') {
      this.#broadcast({ from: member.name, text: request.text }, peer);
      this.emit('said', member.name, request.text);
    } else if (request.kind === 'who') {
      send(peer, { users: this.users });
    } else {
      member.leaving = true;
      send(peer, { bye: member.name });
      void peer.end();
    }
  };

  /** Follows a server's disconnects (to announce who left) and its malformed lines (to tell the sender). */
  attach(server: Server): void {
    this.#servers.add(server);
    server.on('disconnect', (peer, info) => this.#onDisconnect(peer, info));
    server.on('malformed', (error, peer) => this.#reject(peer, `that line is not JSON (${error.code}): try {"say":"hello"}`));
    server.on('close', () => this.#servers.delete(server));
  }

  #join(peer: Peer, member: Member, name: string): void {
    if (member.name !== undefined) return this.#reject(peer, `you are already in the room as ${member.name}`);
    const invalid = checkName(name);
    if (invalid !== undefined) return this.#reject(peer, invalid);
    if (this.#users.has(name)) return this.#reject(peer, `the name ${name} is taken`);
    send(peer, { welcome: name, users: this.users, idleTimeout: this.#idleTimeout });
    member.name = name;
    this.#users.set(name, peer);
    this.#broadcast({ joined: name }, peer);
    this.emit('joined', name, peer);
  }

  #onDisconnect(peer: Peer, info: DisconnectInfo): void {
    const member = peer.data as Member;
    if (member.name === undefined || this.#users.get(member.name) !== peer) return;
    this.#users.delete(member.name);
    const reason: LeaveReason = member.leaving === true ? 'left' : info.reason === 'idle-timeout' ? 'idle' : 'disconnected';
    this.#broadcast({ left: member.name, reason }, peer);
    this.emit('left', member.name, reason, peer);
  }

  #reject(peer: Peer, error: string): void {
    send(peer, { error });
    this.emit('rejected', peer, error);
  }

  /** To every member on every server but `except`: `server.broadcast(msg, { except, filter })`. */
  #broadcast(message: ServerMessage, except: Peer): void {
    for (const server of this.#servers) {
      server.broadcast(message, { except, filter: (peer) => (peer.data as Member).name !== undefined });
    }
  }
}

/** Sends unless the peer has already gone (a reply racing a disconnect is not an error). */
function send(peer: Peer, message: ServerMessage): void {
  if (peer.state === 'open') peer.send(message);
}
