// The polyfill first: libp2p needs Promise.withResolvers on Node 20 (see polyfill.ts).
import './polyfill.ts';

// Re-exported so users of this package need no direct gossipsub/libp2p imports for the basics.
export {
  type Message as GossipMessage,
  type TopicValidatorFn,
  TopicValidatorResult,
} from '@libp2p/gossipsub';
export type { Connection, PeerId, Stream } from '@libp2p/interface';
export { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
export * from './bootstrap.ts';
export * from './errors.ts';
export * from './frame-stream.ts';
export * from './frames.ts';
export * from './gater.ts';
export * from './host.ts';
export * from './identity.ts';
export * from './peer-slots.ts';
export * from './pnet.ts';
export * from './replication/blobs.ts';
export * from './replication/first-witnessed.ts';
export * from './replication/governance.ts';
export * from './replication/messages.ts';
export * from './replication/read-ahead.ts';
export * from './replication/replica-store.ts';
export * from './replication/replicator.ts';
export * from './replication/verifiers.ts';
