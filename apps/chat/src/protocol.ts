/**
 * The chat protocol: plain JSON values, one per line, so a person can speak it with `nc`.
 *
 * Client → server: `{"join":"alice"}` (first), then `{"say":"hi"}` (or just `"hi"`),
 * `{"who":true}`, `{"leave":true}`.
 * Server → client: `{"welcome":…}`, `{"from":"bob","text":"hi"}`, `{"joined":"bob"}`,
 * `{"left":"bob","reason":"idle"}`, `{"users":[…]}`, `{"bye":"alice"}`, `{"error":"…"}`.
 */

/** Longest user name, in characters. */
export const MAX_NAME_LENGTH = 24;
/** Longest chat line, in characters. */
export const MAX_TEXT_LENGTH = 2000;

/** Why a user left the room. */
export type LeaveReason = 'left' | 'idle' | 'disconnected';

/** Reply to a successful join. */
export interface Welcome {
  welcome: string;
  /** Everyone else in the room. */
  users: string[];
  /** ms of silence after which the server disconnects a user (0: never). */
  idleTimeout: number;
}

/** What the server sends. */
export type ServerMessage =
  | Welcome
  | { from: string; text: string }
  | { joined: string }
  | { left: string; reason: LeaveReason }
  | { users: string[] }
  | { bye: string }
  | { error: string };

/** What a client asks, once parsed. */
export type ClientRequest =
  | { kind: 'join'; name: string }
  | { kind: 'say'; text: string }
  | { kind: 'who' }
  | { kind: 'leave' }
  | { kind: 'invalid'; error: string };

const NAME = /^[\p{L}\p{N}_.-]+$/u;

/** A name error, or `undefined` when `name` is acceptable. */
export function checkName(name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return `a name has 1 to ${MAX_NAME_LENGTH} characters`;
  if (!NAME.test(name)) return 'a name uses letters, digits, "_", "." and "-" only';
  return undefined;
}

/** Reads one incoming value as a request; anything else is `invalid`, with a hint for `nc` users. */
export function parseRequest(value: unknown): ClientRequest {
  if (typeof value === 'string') return sayOrInvalid(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const message = value as Record<string, unknown>;
    if (typeof message.join === 'string') return { kind: 'join', name: message.join.trim() };
    if (typeof message.say === 'string') return sayOrInvalid(message.say);
    if (message.who !== undefined) return { kind: 'who' };
    if (message.leave !== undefined) return { kind: 'leave' };
  }
  return { kind: 'invalid', error: 'unknown message: send {"join":"name"}, then {"say":"text"} (or just "text"), {"who":true} or {"leave":true}' };
}

function sayOrInvalid(text: string): ClientRequest {
  if (text.trim().length === 0) return { kind: 'invalid', error: 'nothing to say' };
  if (text.length > MAX_TEXT_LENGTH) return { kind: 'invalid', error: `a message has at most ${MAX_TEXT_LENGTH} characters` };
  return { kind: 'say', text };
}
