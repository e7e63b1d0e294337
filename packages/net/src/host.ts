/**
 * A Liuhen libp2p host (DESIGN §5): TCP, the private-network PSK (pnet), noise, yamux, identify and
 * gossipsub, admitting only member node keys, and keeping itself connected to its bootstrap
 * peers. The libp2p identity is the org node key (see identity.ts).
 */
import './polyfill.ts';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type GossipSub, type GossipsubOpts, gossipsub, type TopicValidatorFn } from '@libp2p/gossipsub';
import type { TopicScoreParams } from '@libp2p/gossipsub/score';
import { type Identify, identify } from '@libp2p/identify';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { type BackoffOptions, BootstrapDialer, parseBootstrap } from './bootstrap.ts';
import { STREAM_WINDOW_BYTES } from './frame-stream.ts';
import { type Membership, MembershipGate } from './gater.ts';
import { fastGossipMessageId } from './gossip-message-id.ts';
import { privateKeyFromSeed } from './identity.ts';
import { pregrowPnetMemory, pskBytes } from './pnet.ts';

export interface HostServices extends Record<string, unknown> {
  identify: Identify;
  pubsub: GossipSub;
}

export type HostNode = Libp2p<HostServices>;

export interface HostOptions {
  /** The org node key's 32-byte Ed25519 seed: the host's libp2p identity. */
  readonly seed: Uint8Array;
  /** Listen multiaddrs (default `/ip4/127.0.0.1/tcp/0`). */
  readonly listen?: readonly string[];
  /** The network's swarm key file (text or bytes). */
  readonly psk: string | Uint8Array;
  /** Member node keys (raw 32-byte Ed25519) or a predicate; replace later via `host.membership`. */
  readonly members: Membership;
  /** Multiaddrs with `/p2p/<peer id>` to stay connected to; this host's own entry is skipped. */
  readonly bootstrap?: Iterable<string | Multiaddr>;
  readonly backoff?: BackoffOptions;
  /**
   * Topics with peer scoring: an invalid (Reject) message on them costs its sender score, and a
   * peer below the graylist threshold is ignored. Other topics still validate but do not score.
   */
  readonly scoredTopics?: readonly string[];
  /** Topic validators installed at start (more via `host.setTopicValidator`). */
  readonly validators?: Readonly<Record<string, TopicValidatorFn>>;
  /** Largest gossip message accepted (gossipsub's `maxInboundDataLength`, default 4 MiB). */
  readonly maxGossipBytes?: number;
}

export interface Host {
  readonly node: HostNode;
  readonly pubsub: GossipSub;
  readonly peerId: PeerId;
  /** This host's raw node public key. */
  readonly nodeKey: Uint8Array;
  readonly membership: MembershipGate;
  /** Listening addresses, each ending in `/p2p/<peer id>` (dialable as bootstrap entries). */
  multiaddrs(): Multiaddr[];
  /** Installs (or with `undefined` removes) the validator of `topic`. */
  setTopicValidator(topic: string, validator: TopicValidatorFn | undefined): void;
  /** The gossipsub score this host gives `peer` (0 when unknown). */
  peerScore(peer: PeerId): number;
  /**
   * Records one offence of `peer` outside gossip (a malformed request, a lying sync response):
   * it lowers the peer's gossipsub score through the application-specific term (P5), exactly as
   * an invalid gossip message does through P4, so one score judges the peer's whole behaviour.
   */
  penalise(peer: PeerId): void;
  /** The decayed count of `peer`'s offences recorded with `penalise`. */
  offences(peer: PeerId): number;
  stop(): Promise<void>;
}

/**
 * Topic scoring for a low-rate ledger network: no penalty for quiet mesh peers (P3, P3b off),
 * a small reward for time in mesh and first deliveries, and a heavy, slowly decaying penalty for
 * invalid messages (P4 is quadratic: 1 invalid message → −10, 3 → −90, below the −80 graylist).
 */
export const LEDGER_TOPIC_SCORE: Partial<TopicScoreParams> = {
  topicWeight: 1,
  timeInMeshWeight: 0.001,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 3_600,
  firstMessageDeliveriesWeight: 0.5,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99,
};

/**
 * The gossip mesh of a small, fully connected member network. A node publishes its own messages to
 * every connected member (gossipsub's flood publishing), so the mesh only relays to members it
 * could not reach directly; each relay is another copy every node receives, decrypts and
 * deduplicates. Gossipsub's defaults (D = 6, up to 12) are made for large open networks: in ten
 * nodes each message then arrived about six times per node, and the network stack's work per copy
 * (protobuf, yamux frame and window update, noise, pnet, TCP write) was most of a node's CPU. Three
 * mesh peers still give every node several relay paths.
 */
export const LEDGER_MESH_DEGREE = { D: 3, Dlo: 2, Dhi: 5, Dout: 1, Dscore: 2 } as const;

/**
 * Offences recorded with `Host.penalise`, per peer id, decaying like invalid gossip deliveries
 * (×0.99 per second) and scored the same way: quadratic, weight −10 (1 offence → −10, 3 → −90,
 * below the −80 graylist). Only admitted members can offend, so the map is bounded by membership.
 */
const OFFENCE_DECAY_PER_SECOND = 0.99;
const OFFENCE_WEIGHT = 10;

class Offences {
  readonly #counts = new Map<string, { value: number; at: number }>();

  add(id: string): void {
    this.#counts.set(id, { value: this.get(id) + 1, at: Date.now() });
  }

  get(id: string): number {
    const entry = this.#counts.get(id);
    if (entry === undefined) return 0;
    const value = entry.value * OFFENCE_DECAY_PER_SECOND ** ((Date.now() - entry.at) / 1000);
    if (value >= 0.1) return value;
    this.#counts.delete(id);
    return 0;
  }

  /** Gossipsub's P5 term (multiplied by `appSpecificWeight`). */
  score(id: string): number {
    const value = this.get(id);
    return -(value * value);
  }
}

function gossipOptions(options: HostOptions, offences: Offences): Partial<GossipsubOpts> {
  const topics: Record<string, Partial<TopicScoreParams>> = {};
  for (const topic of options.scoredTopics ?? []) topics[topic] = { ...LEDGER_TOPIC_SCORE };
  return {
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    doPX: false,
    maxInboundDataLength: options.maxGossipBytes ?? 4 * 1024 * 1024,
    // Copies of a message already seen are dropped before their signature is verified again.
    fastMsgIdFn: fastGossipMessageId,
    ...LEDGER_MESH_DEGREE,
    scoreParams: {
      // Members are known by key; several may share an IP (NAT, one test machine).
      IPColocationFactorWeight: 0,
      appSpecificScore: (id) => offences.score(id),
      appSpecificWeight: OFFENCE_WEIGHT,
      // createPeerScoreParams fills each topic's omitted fields with the defaults.
      topics: topics as Record<string, TopicScoreParams>,
    },
  };
}

export async function createHost(options: HostOptions): Promise<Host> {
  // Before any pnet connection can exist (see pnet.ts).
  pregrowPnetMemory();
  const privateKey = await privateKeyFromSeed(options.seed);
  const nodeKey = privateKey.publicKey.raw;
  const membership = new MembershipGate(options.members, nodeKey);
  const targets = parseBootstrap(options.bootstrap ?? []);
  const psk = pskBytes(options.psk);
  const offences = new Offences();

  const node = await createLibp2p<HostServices>({
    privateKey,
    addresses: { listen: [...(options.listen ?? ['/ip4/127.0.0.1/tcp/0'])] },
    transports: [tcp()],
    connectionProtector: preSharedKey({ psk }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: STREAM_WINDOW_BYTES } })],
    connectionGater: membership.gater,
    services: {
      identify: identify(),
      pubsub: gossipsub(gossipOptions(options, offences)),
    },
  });
  membership.attach(node);
  const pubsub = node.services.pubsub;
  for (const [topic, validator] of Object.entries(options.validators ?? {}))
    pubsub.topicValidators.set(topic, validator);

  const dialer = new BootstrapDialer(node, targets, options.backoff);
  dialer.start();

  let stopping: Promise<void> | undefined;
  return {
    node,
    pubsub,
    peerId: node.peerId,
    nodeKey,
    membership,
    multiaddrs: () => node.getMultiaddrs(),
    setTopicValidator(topic, validator) {
      if (validator === undefined) pubsub.topicValidators.delete(topic);
      else pubsub.topicValidators.set(topic, validator);
    },
    peerScore(peer) {
      // `score` is public at run time but not in GossipSub's exported type.
      const score = (pubsub as unknown as { score?: { score(id: string): number } }).score;
      return typeof score?.score === 'function' ? score.score(peer.toString()) : 0;
    },
    penalise(peer) {
      offences.add(peer.toString());
    },
    offences(peer) {
      return offences.get(peer.toString());
    },
    stop() {
      stopping ??= (async () => {
        await dialer.stop();
        await node.stop();
      })();
      return stopping;
    },
  };
}
