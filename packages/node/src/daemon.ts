/**
 * Composition of a running node: data directory → store, blob store, keys, ledger node, HTTP API.
 * `startDaemon` returns a handle whose `stop` flushes pending entries and closes everything.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { LiuhenError, publicKeyFromSeed, toHex } from '@liuhen/core';
import { describeAction } from '@liuhen/governance';
import { BlobStore, LedgerStore } from '@liuhen/store';
import pino, { type Logger } from 'pino';
import {
  loadConfig,
  loadGenesis,
  loadTokens,
  type NodeConfig,
  paths,
  unlockEncryptionKeys,
  unlockNodeSeed,
  unlockOperatorSeeds,
} from './data-dir.ts';
import { NodeGovernance } from './governance.ts';
import { createApi } from './http/server.ts';
import { LedgerNode } from './ledger-node.ts';
import { NodeMetrics } from './metrics.ts';
import type { Replication } from './replication.ts';

export const VERSION = '0.1.0';

/**
 * Written by `liuhen-node restore` into the data directory it fills: the node was restored from a
 * backup, so its own org's log may end before what it had acknowledged (and peers replicated)
 * after the backup. Removed once the daemon has fetched that tail (recoverOwnLog).
 */
export const RESTORE_MARKER = 'restored.json';

/** Log levels pino knows; anything else in config or --log-level is a configuration error. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Never written to the log, whatever a caller passes: bearer tokens in request headers, and any
 * field named like a secret (one or two levels down). Nothing in the node logs these on purpose;
 * this is the guard against a future `logger.info({ request })` or `{ err }` carrying one.
 */
export const LOG_REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'token',
  '*.token',
  'tokens',
  'passphrase',
  '*.passphrase',
  'seed',
  '*.seed',
  'nodeSeed',
  'operatorSeeds',
  'psk',
  '*.psk',
  'secret',
  '*.secret',
  'encryptionKeys',
  '*.encryptionKeys',
];

/** The daemon's logger: JSON lines on stdout (or `destination`), secrets redacted. */
export function createLogger(options: {
  level: string;
  org: string;
  destination?: pino.DestinationStream;
}): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(options.level))
    throw new LiuhenError(
      'CONFIG_INVALID',
      `log level "${options.level}" is not one of ${LOG_LEVELS.join(', ')}`,
    );
  const settings = {
    level: options.level,
    base: { org: options.org },
    redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

export interface Daemon {
  node: LedgerNode;
  /** The node's own Prometheus registry, served at GET /metrics. */
  metrics: NodeMetrics;
  api: Awaited<ReturnType<typeof createApi>>;
  url: string;
  logger: Logger;
  /** Present when the config has a p2p section. */
  replication: Replication | undefined;
  stop(): Promise<void>;
}

/** How long a restored node waits to recover its own log from peers before it gives up. */
export const DEFAULT_RECOVERY_TIMEOUT_MS = 600_000;

export async function startDaemon(options: {
  dataDir: string;
  passphrase: string;
  overrides?: Partial<NodeConfig>;
  logger?: Logger;
  /** A restored node's bound on recovering its own log (recoverOwnLog); default 10 minutes. */
  recoveryTimeoutMs?: number;
}): Promise<Daemon> {
  const config = loadConfig(options.dataDir, options.overrides);
  const logger = options.logger ?? createLogger({ level: config.logLevel, org: config.org });
  const metrics = new NodeMetrics({ org: config.org });
  const restoreMarker = join(options.dataDir, RESTORE_MARKER);
  const restored = existsSync(restoreMarker);
  const { genesis, networkId } = loadGenesis(options.dataDir);
  const nodeSeed = unlockNodeSeed(options.dataDir, options.passphrase);
  const operatorSeeds = unlockOperatorSeeds(options.dataDir, options.passphrase);
  const store = await LedgerStore.open(paths(options.dataDir).db);
  const blobs = new BlobStore(paths(options.dataDir).blobs);
  let node: LedgerNode;
  // Set once replication runs; the node's own blocks are gossiped from then on.
  let replication: Replication | undefined;
  let governance: NodeGovernance;
  const startReplicationNow = async (recoverOwnLog: boolean) => {
    if (config.p2p === undefined) return undefined;
    // Loaded only when needed: libp2p is a large import.
    const { startReplication } = await import('./replication.ts');
    return startReplication({
      dataDir: options.dataDir,
      config: config.p2p,
      org: config.org,
      genesis,
      networkId,
      nodeSeed,
      store,
      logger,
      governance,
      recoverOwnLog,
    });
  };
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
    if (restored && config.p2p !== undefined) {
      // Before the ledger node opens: it must not cut a block at a position the lost tail holds.
      replication = await startReplicationNow(true);
      await recoverOwnLog(
        replication as Replication,
        store,
        config.org,
        restoreMarker,
        logger,
        options.recoveryTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUT_MS,
      );
    } else if (restored) {
      logger.warn(
        { marker: restoreMarker },
        'restored from a backup with no p2p section: nothing to fetch the rest of the log from; appending continues from the backup',
      );
      rmSync(restoreMarker, { force: true });
    }
    node = await LedgerNode.open({
      store,
      genesis,
      networkId,
      governance,
      org: config.org,
      nodeSeed,
      maxPending: config.maxPending,
      // Alone, serve many clients at disk speed (a block per commit). Replicating, cut on the
      // genesis block interval instead: every block costs each other node a verification, a
      // commit and gossip, and idle cutting made ten nodes cut ~20 blocks/s each of one entry.
      // Check signatures on every core.
      cutWhenIdle: config.p2p === undefined,
      verifyThreads: availableParallelism(),
      onBlock: (block, ms) => {
        metrics.blockCommitted(block, ms);
        logger.debug(
          { height: block.header.height, size: block.header.size, entries: block.envelopes.length, ms },
          'block committed',
        );
        replication?.publish(block);
      },
    });
  } catch (error) {
    await replication?.stop().catch(() => undefined);
    await store.close();
    throw error;
  }
  if (config.p2p !== undefined && replication === undefined) {
    try {
      replication = await startReplicationNow(false);
    } catch (error) {
      await node.close();
      throw error;
    }
  }
  if (replication !== undefined) watchReplication(replication, metrics);
  const running = replication;
  metrics.watch({
    ownOrg: config.org,
    ownSize: () => node.committedSize,
    storeBytes: () => store.approximateSize(),
    blobDir: paths(options.dataDir).blobs,
    ...(running === undefined
      ? {}
      : {
          peers: () => running.peers().length,
          orgs: () => running.orgs(),
          fraudProofs: () => running.fraudProofs().length,
        }),
  });
  const signing = node.signingVerdict();
  if (signing !== undefined)
    logger.warn({ code: signing.code, reason: signing.reason }, 'this node cannot sign blocks now');
  const api = await createApi({
    replication,
    node,
    blobs,
    tokens: loadTokens(options.dataDir),
    operatorSeeds,
    // Sealed sections: the org's X25519 secrets open them, the node key signs grants and read audits.
    access: { encryptionKeys: unlockEncryptionKeys(options.dataDir, options.passphrase), nodeSeed },
    logger,
    maxBlobBytes: config.maxBlobBytes,
    version: VERSION,
    metrics,
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
    metrics,
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

/** Replication events that feed the metrics (metrics.ts). */
function watchReplication(replication: Replication, metrics: NodeMetrics): void {
  const events = replication.replicator;
  events.addEventListener('cosignature', (evt) => {
    const { detail } = evt as CustomEvent<{ checkpoint: string; witness: string }>;
    metrics.cosignatureStored(detail.checkpoint, detail.witness);
  });
  events.addEventListener('accepted', (evt) => {
    const { detail } = evt as CustomEvent<{ org: string }>;
    metrics.replicaBlocks.inc({ log: detail.org });
  });
  // Every misbehaviour is data from a member that failed verification (its log line is throttled).
  metrics.countPeerFaults(events);
  metrics.countPeerFaults(replication.blobs.service);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How often a restored node asks its peers for heads while it recovers its own log. */
const RECOVERY_ROUND_MS = 500;

/**
 * A node restored from a backup fetches from its peers the part of its own org's log that it
 * cut after the backup was taken (they replicated it, and cosigned it): otherwise it would cut
 * new blocks at heights its peers already hold with other content, which every peer proves to be
 * an equivocation and freezes the org. Heads are exchanged with every connected peer each round;
 * a longer own log seen there is synced (verified like any replica); it is done once at least
 * one peer answered and no peer shows more of the own log than the store holds. The API is not
 * served before. After `timeoutMs` it fails with RECOVERY_TIMEOUT and leaves the marker: every
 * block fetched so far was committed whole and verified, so the next start goes on from there
 * (docs/operations.md, "Back up and restore").
 */
async function recoverOwnLog(
  replication: Replication,
  store: LedgerStore,
  org: string,
  marker: string,
  logger: Logger,
  timeoutMs: number,
): Promise<void> {
  const restoredSize = (await store.logHead(org))?.header.size ?? 0;
  let restoredFrom: unknown;
  try {
    restoredFrom = JSON.parse(readFileSync(marker, 'utf8'));
  } catch {
    // Only informative: what `restore` recorded. Its presence is what matters.
    restoredFrom = null;
  }
  logger.warn(
    { size: restoredSize, marker: restoredFrom },
    "restored from a backup: fetching the rest of this org's log from peers before appending",
  );
  const deadline = Date.now() + timeoutMs;
  let lastNotice = Date.now();
  let everAnswered = false;
  for (;;) {
    let answered = 0;
    for (const peer of replication.host.node.getPeers()) {
      try {
        // Empty: the peer holds no log, or an exchange with it (on connect) is still in flight
        // and this call did not wait for it. Only heads this call ingested confirm anything.
        if ((await replication.replicator.exchangeHeads(peer)).length > 0) answered++;
      } catch (err) {
        logger.debug({ peer: peer.toString(), err }, 'heads exchange failed during recovery');
      }
    }
    const held = (await store.logHead(org))?.header.size ?? 0;
    const best = await replication.replicator.bestKnownSize(org);
    if (answered > 0 && best <= held && !replication.replicator.syncing().includes(org)) {
      replication.store.acceptOwnBlocks = false;
      rmSync(marker, { force: true });
      logger.info(
        { restoredSize, size: held, fetched: held - restoredSize, peers: answered },
        'own log recovered from peers',
      );
      return;
    }
    everAnswered ||= answered > 0;
    if (Date.now() > deadline)
      throw new LiuhenError(
        'RECOVERY_TIMEOUT',
        `restored from a backup, this node ${everAnswered ? `was still fetching its own log from peers (holds ${held} entries, a peer shows ${best})` : 'found no peer holding logs to fetch the rest of its own log from'} after ${Math.round(timeoutMs / 1000)} s. Nothing was appended and ${marker} is kept: start it again once a peer that replicated this org is reachable (p2p.bootstrap, the swarm key, the peers running), with a longer --recovery-timeout if the tail is large; if no peer ever will be, delete ${marker} to append from where the backup ends (entries acknowledged after the backup are then lost)`,
      );
    if (Date.now() - lastNotice > 10_000) {
      lastNotice = Date.now();
      logger.warn(
        { size: held, bestKnown: best, peers: answered },
        answered === 0 ? 'waiting for a peer to recover the own log from' : 'recovering the own log',
      );
    }
    await sleep(RECOVERY_ROUND_MS);
  }
}
