/**
 * Replication of a running node (DESIGN §5): the libp2p host of `@liuhen/net` (the org node key
 * as identity, the network's PSK, only genesis members admitted), a `Replicator` over the node's
 * `NodeReplicaStore`, and publication of the node's own blocks. Started by the daemon when the
 * data directory's config has a `p2p` section.
 */

import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { type Block, equalBytes, LiuhenError } from '@liuhen/core';
import type { Genesis } from '@liuhen/governance';
import {
  createHost,
  type Host,
  nodeKeyOfPeer,
  Replicator,
  type ReplicatorEventMap,
  replicationTopics,
} from '@liuhen/net';
import type { LedgerStore } from '@liuhen/store';
import type { Logger } from 'pino';
import { type P2pConfig, paths } from './data-dir.ts';
import { NodeReplicaStore, type OrgReplicationState } from './replica-store.ts';

export interface PeerInfo {
  peerId: string;
  /** The member org whose node key the peer is, if any. */
  org: string | undefined;
  addrs: string[];
}

export interface FraudProofInfo {
  org: string;
  first: string;
  second: string;
}

export interface Replication {
  readonly host: Host;
  readonly replicator: Replicator;
  readonly store: NodeReplicaStore;
  /** Listen addresses, each with /p2p/<peer id>. */
  addrs(): string[];
  peers(): PeerInfo[];
  orgs(): Promise<Record<string, OrgReplicationState>>;
  fraudProofs(): FraudProofInfo[];
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

export async function startReplication(options: {
  dataDir: string;
  config: P2pConfig;
  org: string;
  genesis: Genesis;
  networkId: Uint8Array;
  nodeSeed: Uint8Array;
  store: LedgerStore;
  logger: Logger;
}): Promise<Replication> {
  const { config, genesis, logger } = options;
  if (typeof config.pskFile !== 'string' || config.pskFile === '')
    throw new LiuhenError('CONFIG_INVALID', 'config: p2p.pskFile is missing');
  const pskPath = isAbsolute(config.pskFile) ? config.pskFile : join(options.dataDir, config.pskFile);
  let psk: string;
  try {
    psk = readFileSync(pskPath, 'utf8');
  } catch (cause) {
    throw new LiuhenError('CONFIG_INVALID', `cannot read the swarm key ${pskPath}`, { cause });
  }
  const store = await NodeReplicaStore.open({
    store: options.store,
    genesis,
    ownOrg: options.org,
    cosignaturesFile: paths(options.dataDir).cosignatures,
    fraudProofsFile: paths(options.dataDir).fraudProofs,
  });
  const topics = replicationTopics(options.networkId);
  let host: Host;
  try {
    host = await createHost({
      seed: options.nodeSeed,
      listen: listenAddrs(config.listen),
      psk,
      members: genesis.orgs.map((o) => o.nodeKey),
      bootstrap: config.bootstrap ?? genesis.orgs.flatMap((o) => o.bootstrap),
      scoredTopics: [topics.blocks, topics.cosignatures, topics.fraudProofs],
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
    ...(config.antiEntropyMs === undefined ? {} : { antiEntropyMs: config.antiEntropyMs }),
  });
  replicator.addEventListener('fraud', (evt) => {
    const { detail } = evt as ReplicatorEventMap['fraud'];
    logger.warn({ of: detail.org }, 'fraud proof: org log frozen');
  });
  replicator.addEventListener('accepted', (evt) => {
    const { detail } = evt as ReplicatorEventMap['accepted'];
    logger.debug({ of: detail.org, size: detail.header.size }, 'replica block accepted');
  });
  replicator.addEventListener('sync-failed', (evt) => {
    const { detail } = evt as ReplicatorEventMap['sync-failed'];
    logger.debug({ of: detail.org, peer: detail.peer, err: detail.error }, 'sync failed');
  });
  try {
    await replicator.start();
  } catch (error) {
    await host.stop();
    await store.close();
    throw error;
  }
  const orgByPeer = new Map<string, string>();
  const addrs = () => host.multiaddrs().map((a) => a.toString());
  logger.info({ addrs: addrs(), peerId: host.peerId.toString() }, 'p2p listening');
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
          const org = raw && genesis.orgs.find((o) => equalBytes(o.nodeKey, raw))?.id;
          if (org !== undefined) orgByPeer.set(id, org);
        }
        return {
          peerId: id,
          org: orgByPeer.get(id),
          addrs: host.node.getConnections(peer).map((c) => c.remoteAddr.toString()),
        };
      });
    },
    orgs: () => store.orgStates(),
    fraudProofs: () =>
      store
        .fraudProofs()
        .map(({ org, proof }) => ({ org, first: proof.first.text, second: proof.second.text })),
    publish(block) {
      if (stopping) return;
      replicator.publish(block).catch((err) => logger.warn({ err }, 'block gossip failed'));
    },
    stop() {
      stopping ??= (async () => {
        await replicator.stop();
        await host.stop();
        await store.close();
      })();
      return stopping;
    },
  };
}
