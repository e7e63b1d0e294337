/**
 * Composition of a running node: data directory → store, blob store, keys, ledger node, HTTP API.
 * `startDaemon` returns a handle whose `stop` flushes pending entries and closes everything.
 */
import { availableParallelism } from 'node:os';
import { publicKeyFromSeed, toHex } from '@liuhen/core';
import { describeAction } from '@liuhen/governance';
import { BlobStore, LedgerStore } from '@liuhen/store';
import pino, { type Logger } from 'pino';
import {
  loadConfig,
  loadGenesis,
  loadTokens,
  type NodeConfig,
  paths,
  unlockNodeSeed,
  unlockOperatorSeeds,
} from './data-dir.ts';
import { NodeGovernance } from './governance.ts';
import { createApi } from './http/server.ts';
import { LedgerNode } from './ledger-node.ts';
import type { Replication } from './replication.ts';

export const VERSION = '0.1.0';

export interface Daemon {
  node: LedgerNode;
  api: Awaited<ReturnType<typeof createApi>>;
  url: string;
  logger: Logger;
  /** Present when the config has a p2p section. */
  replication: Replication | undefined;
  stop(): Promise<void>;
}

export async function startDaemon(options: {
  dataDir: string;
  passphrase: string;
  overrides?: Partial<NodeConfig>;
  logger?: Logger;
}): Promise<Daemon> {
  const config = loadConfig(options.dataDir, options.overrides);
  const logger = options.logger ?? pino({ level: config.logLevel, base: { org: config.org } });
  const { genesis, networkId } = loadGenesis(options.dataDir);
  const nodeSeed = unlockNodeSeed(options.dataDir, options.passphrase);
  const operatorSeeds = unlockOperatorSeeds(options.dataDir, options.passphrase);
  const store = await LedgerStore.open(paths(options.dataDir).db);
  const blobs = new BlobStore(paths(options.dataDir).blobs);
  let node: LedgerNode;
  // Set once replication runs; the node's own blocks are gossiped from then on.
  let replication: Replication | undefined;
  let governance: NodeGovernance;
  try {
    // The genesis folded with the stored governance actions (governance.ts).
    governance = await NodeGovernance.open({
      store,
      genesis,
      networkId,
      self: { org: config.org, key: publicKeyFromSeed(nodeSeed) },
    });
    governance.onApplied(({ signed, position }) =>
      logger.info(
        {
          seq: position.seq,
          hash: toHex(position.hash),
          type: signed.action.type,
          change: describeAction(signed.action),
        },
        'governance action applied',
      ),
    );
    node = await LedgerNode.open({
      store,
      genesis,
      networkId,
      governance,
      org: config.org,
      nodeSeed,
      maxPending: config.maxPending,
      // Serve many clients at disk speed, and check signatures on every core.
      cutWhenIdle: true,
      verifyThreads: availableParallelism(),
      onBlock: (block, ms) => {
        logger.debug(
          { height: block.header.height, size: block.header.size, entries: block.envelopes.length, ms },
          'block committed',
        );
        replication?.publish(block);
      },
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  if (config.p2p !== undefined) {
    try {
      // Loaded only when needed: libp2p is a large import.
      const { startReplication } = await import('./replication.ts');
      replication = await startReplication({
        dataDir: options.dataDir,
        config: config.p2p,
        org: config.org,
        genesis,
        networkId,
        nodeSeed,
        store,
        logger,
        governance,
      });
    } catch (error) {
      await node.close();
      throw error;
    }
  }
  const signing = node.signingVerdict();
  if (signing !== undefined)
    logger.warn({ code: signing.code, reason: signing.reason }, 'this node cannot sign blocks now');
  const api = await createApi({
    replication,
    node,
    blobs,
    tokens: loadTokens(options.dataDir),
    operatorSeeds,
    logger,
    maxBlobBytes: config.maxBlobBytes,
    version: VERSION,
  });
  const address = await api.listen({ host: config.host, port: config.port });
  logger.info(
    {
      url: address,
      size: node.committedSize,
      height: node.height,
      governance: governance.seq,
      governanceHead: toHex(governance.head.hash),
    },
    'node started',
  );
  let stopping: Promise<void> | undefined;
  return {
    node,
    api,
    url: address,
    logger,
    replication,
    stop: () => {
      stopping ??= (async () => {
        await api.close();
        // Own blocks still pending are committed (and gossiped) before the host goes.
        await node.flush();
        await replication?.stop();
        await node.close();
        logger.info({ size: node.committedSize }, 'node stopped');
      })();
      return stopping;
    },
  };
}
