/**
 * Replication of a running node (DESIGN §5): the libp2p host of `@liuhen/net` (the org node key
 * as identity, the network's PSK, only members under the governance state admitted, less the orgs
 * of the operator's `p2p.denyPeers`), a `Replicator` over the node's `NodeReplicaStore`, and
 * publication of the node's own blocks. Started by the daemon when the data directory's config has
 * a `p2p` section.
 */

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join } from 'node:path';
import {
  type Block,
  encodeFraudProof,
  type FraudKind,
  LiuhenError,
  toBase64,
  verifyFraudProof,
} from '@liuhen/core';
import type { Genesis, GovernanceState } from '@liuhen/governance';
import {
  createHost,
  governanceTopic,
  type Host,
  isNetError,
  LATE_RECORDING_MS,
  lateRecording,
  nodeKeyFromPeerIdString,
  nodeKeyOfPeer,
  parseBootstrap,
  Replicator,
  type ReplicatorEventMap,
  replicationTopics,
} from '@liuhen/net';
import { BlobStore, type LedgerStore } from '@liuhen/store';
import type { Logger } from 'pino';
import { loadConfig, type P2pConfig, paths } from './data-dir.ts';
import { NodeGovernance } from './governance.ts';
import {
  GovernanceAdmission,
  type GovernanceNet,
  headerKeyResolver,
  startGovernanceNet,
} from './governance-net.ts';
import { type ReplicaBlobs, startReplicaBlobs } from './replica-blobs.ts';
import { NodeReplicaStore, type OrgReplicationState } from './replica-store.ts';
import { STORED_ENTRY_BYTES } from './stored-entry.ts';

export interface PeerInfo {
  peerId: string;
  /** The member org whose node key the peer is, if any. */
  org: string | undefined;
  addrs: string[];
  /** The gossipsub score this node gives the peer: below 0 after invalid messages or lies. */
  score: number;
}

export interface FraudProofInfo {
  org: string;
  /** Which equivocation the proof shows (core `verifyFraudProof`). */
  kind: FraudKind;
  /** The two checkpoint texts. */
  first: string;
  second: string;
  /** core's fraud-proof encoding (both signed notes and the prefix proof), base64: checkable offline. */
  proof: string;
}

/** How an entry was witnessed (DESIGN §4), as `GET /v1/entries/{id}` shows it. */
export interface WitnessInfo {
  /** The checkpoint of the entry's block. */
  checkpoint: { size: number; height: number } | null;
  /** The held cosignatures of that checkpoint, earliest first (timestamps in seconds). */
  cosignatures: Array<{ witness: string; timestamp: number }>;
  /** The earliest held cosignature over any checkpoint covering the entry, seconds; null if none yet. */
  firstWitnessed: number | null;
  firstWitnessedAt: string | null;
  /**
   * P-CONTEMPORANEOUS: first witnessed more than `lateRecordingThresholdMs` after the claimed time
   * (true also while unwitnessed once that much time has passed); null: not witnessed, not late yet.
   */
  lateRecording: boolean | null;
  /** First-witnessed time minus claimed time, ms; null while unknown. */
  lagMs: number | null;
  lateRecordingThresholdMs: number;
}

/** Per org, the replication view `/v1/status` shows: the held log plus what the network claims. */
export interface OrgStatus extends OrgReplicationState {
  /** The largest size of a validly signed header of the org seen from any peer (or held). */
  bestKnown: number;
  /** bestKnown − size: entries known to exist and not held yet. */
  lag: number;
  /** A sync of this org is running. */
  syncing: boolean;
}

export interface Replication {
  readonly host: Host;
  readonly replicator: Replicator;
  readonly store: NodeReplicaStore;
  /** Governance replication and the gater's governance-driven membership. */
  readonly governance: GovernanceNet;
  /** Attachments: served to peers, prefetched for replicated entries, fetched on demand. */
  readonly blobs: ReplicaBlobs;
  /** Listen addresses, each with /p2p/<peer id>. */
  addrs(): string[];
  peers(): PeerInfo[];
  /** Orgs whose node this one refuses by configuration (`p2p.denyPeers`). */
  denied(): string[];
  orgs(): Promise<Record<string, OrgStatus>>;
  fraudProofs(): FraudProofInfo[];
  /** Witnessing of the entry at `index` of `org`'s log, whose claimed time is `claimedMs`. */
  witness(org: string, index: number, claimedMs: number): Promise<WitnessInfo>;
  /** Gossips a block of this node's own org that the ledger node has committed. */
  publish(block: Block): void;
  stop(): Promise<void>;
}

/** The listen multiaddrs of a p2p config: a port number means 127.0.0.1 on that port. */
export function listenAddrs(listen: P2pConfig['listen']): string[] {
  if (listen === undefined) return ['/ip4/127.0.0.1/tcp/0'];
  const list = Array.isArray(listen) ? listen : [listen];
  return list.map((l) => (typeof l === 'number' ? `/ip4/127.0.0.1/tcp/${l}` : l));
}

/**
 * The orgs `p2p.denyPeers` names, each item an org id or a peer id, resolved against the governance
 * state: an org of the genesis or added since (removed ones too), or any node key an org ever had.
 * The org is denied, not the key, so every node key it has or is given later by `org.rotate-key`
 * is refused too (`deniesKey`). An operator can cut a member off (a misbehaving department pending
 * governance, a partition drill) without touching the genesis; a connection needs both ends'
 * consent, so denying on one side is enough, and restarting without the entry heals.
 */
export function resolveDenyPeers(list: unknown, state: GovernanceState, ownOrg: string): Set<string> {
  if (list === undefined) return new Set();
  if (!Array.isArray(list))
    throw new LiuhenError('CONFIG_INVALID', 'config: p2p.denyPeers must be a list of org ids or peer ids');
  const known = new Set(state.orgIds());
  const denied = new Set<string>();
  for (const item of list) {
    if (typeof item !== 'string')
      throw new LiuhenError('CONFIG_INVALID', `config: p2p.denyPeers: ${JSON.stringify(item)} is not text`);
    let org: string | undefined = known.has(item) ? item : undefined;
    if (org === undefined) {
      let key: Uint8Array;
      try {
        key = nodeKeyFromPeerIdString(item);
      } catch {
        throw new LiuhenError(
          'CONFIG_INVALID',
          `config: p2p.denyPeers: ${item} is neither an org nor a peer id`,
        );
      }
      org = state.nodeKeyRecord(key)?.org;
      if (org === undefined)
        throw new LiuhenError('CONFIG_INVALID', `config: p2p.denyPeers: ${item} is not a member's peer id`);
    }
    if (org === ownOrg)
      throw new LiuhenError('CONFIG_INVALID', `config: p2p.denyPeers names this node's own org ${ownOrg}`);
    denied.add(org);
  }
  return denied;
}

/** Is `key` a node key, at any time, of one of the `denied` orgs? Asked anew at each connection. */
export function deniesKey(state: GovernanceState, denied: ReadonlySet<string>, key: Uint8Array): boolean {
  if (denied.size === 0) return false;
  const org = state.nodeKeyRecord(key)?.org;
  return org !== undefined && denied.has(org);
}

/** A peer that misbehaves is logged at most this often (its score keeps counting every offence). */
const MISBEHAVIOUR_LOG_INTERVAL_MS = 10_000;

export async function startReplication(options: {
  dataDir: string;
  config: P2pConfig;
  org: string;
  genesis: Genesis;
  networkId: Uint8Array;
  nodeSeed: Uint8Array;
  store: LedgerStore;
  logger: Logger;
  /** The node's governance log (default: opened from `store`). */
  governance?: NodeGovernance;
  /** Largest attachment fetched from peers (default: the data directory's `maxBlobBytes`). */
  maxBlobBytes?: number;
  /** A restored node's own log is fetched from peers first (NodeReplicaStore `acceptOwnBlocks`). */
  recoverOwnLog?: boolean;
}): Promise<Replication> {
  const { config, genesis, logger } = options;
  if (typeof config.pskFile !== 'string' || config.pskFile === '')
    throw new LiuhenError('CONFIG_INVALID', 'config: p2p.pskFile is missing');
  const governance =
    options.governance ??
    (await NodeGovernance.open({ store: options.store, genesis, networkId: options.networkId }));
  const denied = resolveDenyPeers(
    (config as P2pConfig & { denyPeers?: unknown }).denyPeers,
    governance.state,
    options.org,
  );
  const isDenied = (key: Uint8Array) => deniesKey(governance.state, denied, key);
  // The gater admits the member node keys of the current governance state (governance-net.ts).
  const admission = await GovernanceAdmission.open(governance, options.store);
  let fetcher: GovernanceNet['replicator'] | undefined;
  const bootstrap = parseBootstrap(
    config.bootstrap ?? governance.state.orgsAt().flatMap((o) => o.bootstrap),
  ).filter((target) => {
    const key = nodeKeyOfPeer(target.peer);
    return key === undefined || !isDenied(key);
  });
  const pskPath = isAbsolute(config.pskFile) ? config.pskFile : join(options.dataDir, config.pskFile);
  let psk: string;
  try {
    psk = readFileSync(pskPath, 'utf8');
  } catch (cause) {
    throw new LiuhenError('CONFIG_INVALID', `cannot read the swarm key ${pskPath}`, { cause });
  }
  // Set once the host runs; blocks accepted before then have their attachments fetched on demand.
  let blobs: ReplicaBlobs | undefined;
  const store = await NodeReplicaStore.open({
    store: options.store,
    genesis,
    ownOrg: options.org,
    cosignaturesFile: paths(options.dataDir).cosignatures,
    fraudProofsFile: paths(options.dataDir).fraudProofs,
    governance,
    // A catching-up node verifies other orgs' entries on every core.
    verifyThreads: availableParallelism(),
    onAttachments: (org, attachments) => blobs?.prefetch(org, attachments),
    acceptOwnBlocks: options.recoverOwnLog ?? false,
  });
  const topics = replicationTopics(options.networkId);
  let host: Host;
  try {
    host = await createHost({
      seed: options.nodeSeed,
      listen: listenAddrs(config.listen),
      psk,
      members: (key) => admission.admits(key) && !isDenied(key),
      bootstrap: bootstrap.map((t) => t.address),
      scoredTopics: [
        topics.blocks,
        topics.cosignatures,
        topics.fraudProofs,
        governanceTopic(options.networkId),
      ],
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const replicator = new Replicator({
    host,
    store,
    network: options.networkId,
    orgKeys: store.orgKeys,
    witness: { name: options.org, seed: options.nodeSeed },
    headerKeys: headerKeyResolver(governance, () => fetcher),
    maxClockSkewMs: () => governance.state.parametersAt().maxClockSkewMs,
    maxEntryBytes: STORED_ENTRY_BYTES,
    ...(config.antiEntropyMs === undefined ? {} : { antiEntropyMs: config.antiEntropyMs }),
  });
  replicator.addEventListener('fraud', (evt) => {
    const { detail } = evt as ReplicatorEventMap['fraud'];
    logger.warn({ of: detail.org }, 'fraud proof: org log frozen');
  });
  replicator.addEventListener('cosignature', (evt) => {
    const { detail } = evt as ReplicatorEventMap['cosignature'];
    logger.debug({ of: detail.org, size: detail.size, by: detail.witness }, 'cosignature stored');
  });
  replicator.addEventListener('accepted', (evt) => {
    const { detail } = evt as ReplicatorEventMap['accepted'];
    logger.debug({ of: detail.org, size: detail.header.size }, 'replica block accepted');
  });
  replicator.addEventListener('sync-started', (evt) => {
    const { detail } = evt as ReplicatorEventMap['sync-started'];
    logger.info(
      { of: detail.org, peer: detail.peer, from: detail.fromSize, to: detail.toSize },
      'sync started',
    );
  });
  replicator.addEventListener('sync-finished', (evt) => {
    const { detail } = evt as ReplicatorEventMap['sync-finished'];
    logger.info({ of: detail.org, peer: detail.peer, blocks: detail.blocks, size: detail.size }, 'sync done');
  });
  replicator.addEventListener('sync-failed', (evt) => {
    const { detail } = evt as ReplicatorEventMap['sync-failed'];
    const code =
      isNetError(detail.error) || detail.error instanceof LiuhenError ? detail.error.code : undefined;
    logger.debug(
      { of: detail.org, peer: detail.peer, code, retryInMs: detail.retryInMs, err: detail.error },
      'sync failed',
    );
  });
  const lastLogged = new Map<string, number>();
  replicator.addEventListener('misbehaviour', (evt) => {
    const { detail } = evt as ReplicatorEventMap['misbehaviour'];
    const now = Date.now();
    if (now - (lastLogged.get(detail.peer) ?? 0) < MISBEHAVIOUR_LOG_INTERVAL_MS) return;
    lastLogged.set(detail.peer, now);
    logger.warn(
      { peer: detail.peer, code: detail.code, detail: detail.detail },
      'peer misbehaved: penalised',
    );
  });
  let governanceNet: GovernanceNet | undefined;
  try {
    await replicator.start();
    governanceNet = await startGovernanceNet({
      host,
      governance,
      admission,
      replicator,
      logger,
      ...(config.antiEntropyMs === undefined ? {} : { antiEntropyMs: config.antiEntropyMs }),
      setFetcher: (f) => {
        fetcher = f;
      },
    });
    blobs = await startReplicaBlobs({
      host,
      blobs: new BlobStore(paths(options.dataDir).blobs),
      maxBlobBytes: options.maxBlobBytes ?? loadConfig(options.dataDir).maxBlobBytes,
      orgKeys: store.orgKeys,
      syncing: () => replicator.syncing().length > 0,
      logger,
    });
  } catch (error) {
    await governanceNet?.stop().catch(() => undefined);
    await replicator.stop().catch(() => undefined);
    await host.stop();
    await store.close();
    throw error;
  }
  const replicaBlobs = blobs;
  const startedGovernance = governanceNet;
  const orgByPeer = new Map<string, string>();
  const addrs = () => host.multiaddrs().map((a) => a.toString());
  logger.info(
    { addrs: addrs(), peerId: host.peerId.toString(), denied: [...denied].sort() },
    'p2p listening',
  );
  let stopping: Promise<void> | undefined;
  return {
    host,
    replicator,
    store,
    addrs,
    peers() {
      return host.node.getPeers().map((peer) => {
        const id = peer.toString();
        if (!orgByPeer.has(id)) {
          const raw = nodeKeyOfPeer(peer);
          // Any key the org ever had: a rotated-out key within its window is still that org's.
          const org = raw && governance.state.nodeKeyRecord(raw)?.org;
          if (org !== undefined) orgByPeer.set(id, org);
        }
        return {
          peerId: id,
          org: orgByPeer.get(id),
          addrs: host.node.getConnections(peer).map((c) => c.remoteAddr.toString()),
          score: host.peerScore(peer),
        };
      });
    },
    denied: () => [...denied].sort(),
    async orgs() {
      const states = await store.orgStates();
      const syncing = new Set(replicator.syncing());
      const out: Record<string, OrgStatus> = {};
      for (const [org, state] of Object.entries(states)) {
        const bestKnown = Math.max(state.size, await replicator.bestKnownSize(org));
        out[org] = { ...state, bestKnown, lag: bestKnown - state.size, syncing: syncing.has(org) };
      }
      return out;
    },
    async witness(org, index, claimedMs) {
      const header = await options.store.headerCovering(org, index);
      const first = store.firstWitnessed(org, index);
      const verdict = lateRecording(claimedMs, first, Date.now());
      return {
        checkpoint: header === undefined ? null : { size: header.size, height: header.height },
        cosignatures: header === undefined ? [] : store.cosignaturesAt(org, header.text),
        firstWitnessed: first ?? null,
        firstWitnessedAt: first === undefined ? null : new Date(first * 1000).toISOString(),
        lateRecording: verdict.late ?? null,
        lagMs: verdict.lagMs ?? null,
        lateRecordingThresholdMs: LATE_RECORDING_MS,
      };
    },
    fraudProofs: () =>
      store.fraudProofs().map(({ org, proof }) => ({
        org,
        // Verified before it was stored; checked again here only to name its kind.
        kind: verifyFraudProof(proof, store.orgKeys.get(org) as Uint8Array),
        first: proof.first.text,
        second: proof.second.text,
        proof: toBase64(encodeFraudProof(proof)),
      })),
    publish(block) {
      if (stopping) return;
      replicator.publish(block).catch((err) => logger.warn({ err }, 'block gossip failed'));
    },
    governance: startedGovernance,
    blobs: replicaBlobs,
    stop() {
      stopping ??= (async () => {
        await replicaBlobs.stop();
        await startedGovernance.stop();
        await replicator.stop();
        await host.stop();
        await store.close();
      })();
      return stopping;
    },
  };
}
