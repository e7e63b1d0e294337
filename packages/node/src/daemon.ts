/**
 * Composition of a running node: data directory → store, blob store, keys, ledger node, HTTP API.
 * `startDaemon` returns a handle whose `stop` flushes pending entries and closes everything.
 */
import { availableParallelism } from 'node:os';
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
import { createApi } from './http/server.ts';
import { LedgerNode } from './ledger-node.ts';

export const VERSION = '0.1.0';

export interface Daemon {
  node: LedgerNode;
  api: Awaited<ReturnType<typeof createApi>>;
  url: string;
  logger: Logger;
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
  try {
    node = await LedgerNode.open({
      store,
      genesis,
      networkId,
      org: config.org,
      nodeSeed,
      maxPending: config.maxPending,
      // Serve many clients at disk speed, and check signatures on every core.
      cutWhenIdle: true,
      verifyThreads: availableParallelism(),
      onBlock: (block, ms) =>
        logger.debug(
          { height: block.header.height, size: block.header.size, entries: block.envelopes.length, ms },
          'block committed',
        ),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const api = await createApi({
    node,
    blobs,
    tokens: loadTokens(options.dataDir),
    operatorSeeds,
    logger,
    maxBlobBytes: config.maxBlobBytes,
    version: VERSION,
  });
  const address = await api.listen({ host: config.host, port: config.port });
  logger.info({ url: address, size: node.committedSize, height: node.height }, 'node started');
  let stopping: Promise<void> | undefined;
  return {
    node,
    api,
    url: address,
    logger,
    stop: () => {
      stopping ??= (async () => {
        await api.close();
        await node.close();
        logger.info({ size: node.committedSize }, 'node stopped');
      })();
      return stopping;
    },
  };
}
