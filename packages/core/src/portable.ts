/** Everything core exports that runs anywhere (Node and browsers). */
// Contracts
export type { Link, LinkCloseInfo, LinkHandlers, Listener, Transport } from './transport.js';
export { ErrorCode, ProjError, isProjError, checkNumber, type ProjErrorDetails } from './errors.js';
export { TypedEmitter, type EventMap } from './typed-emitter.js';
export { memory, createLinkPair, type MemoryLinkOptions } from './memory-transport.js';
export { hasServerIdentity, type TlsOptions } from './tls-options.js';
export { tlsHandshake, type TlsHandshake, type PeerCertificateInfo, type TlsSocketLike } from './tls-handshake.js';
export { DuplexLink, wrapStreamError, type DuplexLike, type DuplexLinkOptions } from './duplex-link.js';
export { formatAddress, socketAddress, type AddressedSocket } from './address.js';

// Framing
export { NdjsonDecoder, DEFAULT_MAX_LINE_BYTES, type NdjsonDecoderOptions, type DecoderStats } from './ndjson-decoder.js';
export { encodeLine, encodeLines } from './ndjson-encoder.js';
export { utf8ByteLength } from './utf8.js';

// Reconnect
export { createReconnectPolicy, type ReconnectPolicy, type ReconnectPolicyOptions, type BackoffStrategy, type Jitter } from './reconnect-policy.js';
export { ReconnectEngine, type ReconnectEngineOptions, type ReconnectEngineEvents } from './reconnect-engine.js';

// Channels, registry, client and server
export { Channel, type ChannelEvents, type ChannelOptions, type ChannelStats, type ConnectionState, type DisconnectInfo, type DisconnectReason } from './channel.js';
export type { OverflowPolicy, SendQueueLimits, DroppedInfo } from './send-queue.js';
export { Peer, type PeerEvents } from './peer.js';
export { ConnectionRegistry, type RegistryOptions, type BroadcastOptions, type BroadcastResult } from './connection-registry.js';
export { Client, connect, type ClientOptions, type ClientEvents, type ConnectInfo, type ReconnectingInfo } from './client.js';
export type { AuthRequest, Authenticate, AuthOptions } from './gatekeeper.js';
export { Server, serve, type ServeOptions, type ServerEvents, type ServerStats, type MessageHandler } from './server.js';
export { diagnosticChannels } from './diagnostics.js';
