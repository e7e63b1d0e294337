/**
 * Fixtures of the node benchmarks: a one-org network built in-process, node data directories a
 * real `liuhen-node` daemon can start on, signing in worker threads, and the large stores
 * (100,000 and 1,000,000 entries), built once and cached under `.bench/`.
 *
 * The root package depends on @liuhen/core only, so the other packages are imported by path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { cutBlock, generateKeyPair, type LogState, toHex } from '@liuhen/core';
import {
  appointmentBody,
  creditCodeCheckCharacter,
  DEFAULT_PARAMETERS,
  encodeGenesis,
  type Genesis,
  type NetworkParameters,
  nationalIdHash,
  networkId,
} from '../../packages/governance/src/index.ts';
import { initDataDir, LedgerNode, paths, saveTokens } from '../../packages/node/src/index.ts';
import { LedgerStore } from '../../packages/store/src/index.ts';
import { PASSPHRASE } from '../lib/node-process.ts';
import { chainSpec, type EntrySpec, entryKind, entryTime, FIRST_TIME } from './node-entries.ts';
import type { WorkerReply, WorkerTask } from './node-worker.ts';

export const ORG = 'contractor';
export const OPERATORS = 4;
/** Entries per object in the generated stores: every object's trace has this many entries. */
export const TRACE_LENGTH = 100;

export interface BenchNetwork {
  readonly org: string;
  readonly genesis: Genesis;
  readonly genesisBytes: Uint8Array;
  readonly networkId: Uint8Array;
  readonly nodeSeed: Uint8Array;
  readonly operatorSeeds: readonly Uint8Array[];
  readonly operatorKeys: readonly Uint8Array[];
  /** Node seeds of the other member orgs, which run no daemon until a benchmark starts one. */
  readonly witnessSeeds: Readonly<Record<string, Uint8Array>>;
}

/**
 * A network whose member is ORG, with OPERATORS QI operators (appointed by `appoint`), plus the
 * member orgs named in `witnesses`, each with a node key and nothing on its log.
 */
export function createNetwork(
  parameters: Partial<NetworkParameters> = {},
  witnesses: readonly string[] = [],
): BenchNetwork {
  const witnessKeys = witnesses.map((id) => ({ id, ...generateKeyPair() }));
  const node = generateKeyPair();
  const authority = generateKeyPair();
  const operators = Array.from({ length: OPERATORS }, () => generateKeyPair());
  const first17 = '91440300MA5FBENCH';
  const genesis: Genesis = {
    version: 1,
    name: 'liuhen-bench',
    profile: 'pipe/1',
    created: FIRST_TIME - 30 * 86_400_000,
    authorities: { keys: [authority.publicKey], threshold: 1 },
    orgs: [
      {
        id: ORG,
        name: 'Bench Contractor Co.',
        creditCode: first17 + creditCodeCheckCharacter(first17),
        nodeKey: node.publicKey,
        parties: ['contractor'],
        bootstrap: [],
      },
      ...witnessKeys.map(({ id, publicKey }, i) => {
        const first17 = `91440300MA5FBW${String(i).padStart(3, '0')}`;
        return {
          id,
          name: `Bench witness ${id}`,
          creditCode: first17 + creditCodeCheckCharacter(first17),
          nodeKey: publicKey,
          parties: ['supervision'] as Genesis['orgs'][number]['parties'],
          bootstrap: [],
        };
      }),
    ],
    parameters: { ...DEFAULT_PARAMETERS, ...parameters },
  };
  const genesisBytes = encodeGenesis(genesis);
  return {
    org: ORG,
    genesis,
    genesisBytes,
    networkId: networkId(genesisBytes),
    nodeSeed: node.seed,
    operatorSeeds: operators.map((o) => o.seed),
    operatorKeys: operators.map((o) => o.publicKey),
    witnessSeeds: Object.fromEntries(witnessKeys.map(({ id, seed }) => [id, seed])),
  };
}

/**
 * A LedgerNode over `store` configured as the daemon runs it (packages/node daemon.ts): blocks
 * cut as soon as the disk is free, envelopes opened on one worker thread per core.
 */
export function openNode(
  store: LedgerStore,
  net: Pick<BenchNetwork, 'org' | 'genesis' | 'networkId' | 'nodeSeed'>,
  options: { verifyThreads?: number } = {},
): Promise<LedgerNode> {
  return LedgerNode.open({
    store,
    genesis: net.genesis,
    networkId: net.networkId,
    org: net.org,
    nodeSeed: net.nodeSeed,
    cutWhenIdle: true,
    verifyThreads: options.verifyThreads ?? availableParallelism(),
  });
}

/** Appoints the network's operators on the org log, as `liuhen-node operator add` does. */
export async function appoint(node: LedgerNode, net: BenchNetwork): Promise<void> {
  await Promise.all(
    net.operatorKeys.map((operator, i) =>
      node.appendUnsigned(
        {
          object: `operator:${toHex(operator)}`,
          kind: 'org.operator-appointed',
          role: 'ORG',
          time: FIRST_TIME - 86_400_000,
          body: appointmentBody({
            operator,
            name: `qi-${i}`,
            roles: ['QI'],
            licence: `LIC-QI-${i}`,
            idHash: nationalIdHash(randomBytes(32), `unrecorded:qi-${i}`),
            validFrom: FIRST_TIME - 2 * 86_400_000,
            validUntil: FIRST_TIME + 5 * 365 * 86_400_000,
          }),
        },
        net.nodeSeed,
      ),
    ),
  );
}

/**
 * A node data directory for `net` (what `liuhen-node init` + `genesis create` + `operator add`
 * leave, keys sealed with the test passphrase), its operators appointed, and one API token for
 * reads and pre-signed appends. The operators' seeds stay with the caller, who pre-signs.
 */
export async function createDataDir(dir: string, net: BenchNetwork): Promise<{ token: string }> {
  initDataDir(dir, net.org, PASSPHRASE, net.nodeSeed);
  writeFileSync(paths(dir).genesis, net.genesisBytes);
  const token = randomBytes(24).toString('base64url');
  saveTokens(dir, [{ sha256: createHash('sha256').update(token).digest('hex'), name: 'bench' }]);
  const store = await LedgerStore.open(paths(dir).db);
  const node = await openNode(store, net);
  try {
    await appoint(node, net);
  } finally {
    await node.close();
  }
  return { token };
}

/** Worker threads (one per core) that sign entries and measure the raw verification bound. */
export class BenchPool {
  readonly size: number;
  readonly #workers: Worker[];
  readonly #waiting = new Map<number, (reply: WorkerReply) => void>();
  #seq = 0;

  constructor(size = availableParallelism()) {
    this.size = size;
    const entry = new URL('./node-worker-entry.mjs', import.meta.url);
    this.#workers = Array.from({ length: size }, () => {
      const worker = new Worker(entry);
      worker.on('message', (reply: WorkerReply) => {
        this.#waiting.get(reply.seq)?.(reply);
        this.#waiting.delete(reply.seq);
      });
      return worker;
    });
  }

  #run<T extends WorkerReply>(worker: number, task: WorkerTask): Promise<T> {
    return new Promise((resolve) => {
      this.#waiting.set(task.seq, resolve as (reply: WorkerReply) => void);
      (this.#workers[worker] as Worker).postMessage(task);
    });
  }

  /** Signs specs split evenly over the workers; results in spec order. */
  async sign(net: BenchNetwork, specs: EntrySpec[]): Promise<{ envelopes: Uint8Array[]; ids: Uint8Array[] }> {
    const chunk = Math.ceil(specs.length / this.size);
    const replies = await Promise.all(
      this.#workers.map((_, w) =>
        this.#run<Extract<WorkerReply, { type: 'sign' }>>(w, {
          type: 'sign',
          seq: this.#seq++,
          network: net.networkId,
          org: net.org,
          seeds: [...net.operatorSeeds],
          specs: specs.slice(w * chunk, (w + 1) * chunk),
        }),
      ),
    );
    return { envelopes: replies.flatMap((r) => r.envelopes), ids: replies.flatMap((r) => r.ids) };
  }

  /**
   * Signs `count` chained entries over `objects` segments (see chainSpec), in waves of `objects`
   * entries, since a wave's parents are the previous wave. `onWave` runs while the next signs.
   */
  async signChain(
    net: BenchNetwork,
    count: number,
    objects: number,
    onWave?: (wave: {
      first: number;
      specs: EntrySpec[];
      envelopes: Uint8Array[];
      ids: Uint8Array[];
    }) => Promise<void>,
  ): Promise<{ envelopes: Uint8Array[]; ids: Uint8Array[] }> {
    const ids: Uint8Array[] = [];
    const envelopes: Uint8Array[] = [];
    const keep = onWave === undefined;
    let pending: Promise<void> = Promise.resolve();
    for (let first = 0; first < count; first += objects) {
      const specs: EntrySpec[] = [];
      for (let n = first; n < Math.min(count, first + objects); n++) {
        specs.push(chainSpec(n, objects, net.operatorSeeds.length, (i) => ids[i] as Uint8Array));
      }
      const wave = await this.sign(net, specs);
      await pending;
      for (const [i, id] of wave.ids.entries()) ids[first + i] = id;
      if (keep) envelopes.push(...wave.envelopes);
      else pending = (onWave as NonNullable<typeof onWave>)({ first, specs, ...wave });
    }
    await pending;
    return { envelopes, ids };
  }

  /** Raw Ed25519 verifications per second, all workers at once for `ms`. */
  async verifyBound(ms: number): Promise<number> {
    const seed = generateKeyPair().seed;
    const startAt = Date.now() + 200;
    const replies = await Promise.all(
      this.#workers.map((_, w) =>
        this.#run<Extract<WorkerReply, { type: 'verify-bound' }>>(w, {
          type: 'verify-bound',
          seq: this.#seq++,
          seed,
          startAt,
          ms,
        }),
      ),
    );
    return replies.reduce((sum, r) => sum + r.count / r.seconds, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

/** Bump when the generated entries, the layout of the fixture or the store format change. */
const STORE_VERSION = 'v2';
export const BENCH_DIR = fileURLToPath(new URL('../../.bench/', import.meta.url));

export interface StoreMeta {
  version: string;
  /** Data directory; the LevelDB store is its `db/`. */
  dir: string;
  /** Entries in the store: the operator appointments plus the generated ones. */
  entries: number;
  generated: number;
  objects: number;
  blockEntries: number;
  meanEnvelopeBytes: number;
  buildSeconds: number;
  /** How the store was filled. */
  method: string;
  /** An API token of the data directory (reads, pre-signed appends). */
  token: string;
  /** Hex node seeds of the network's other member orgs (see createNetwork). */
  witnessSeeds?: Record<string, string>;
}

/**
 * A data directory holding `size` generated entries (plus the appointments): `size / 100`
 * pipe segments of 100 chained entries each, spread evenly over the whole log, committed in
 * blocks of the genesis' `blockMaxEntries` (1,000). Built once and cached under .bench/.
 */
export async function cachedStore(
  size: number,
  log: (line: string) => void,
  options: { witnesses?: readonly string[] } = {},
): Promise<StoreMeta> {
  const witnesses = options.witnesses ?? [];
  const kind = witnesses.length === 0 ? 'node-store' : `with-${witnesses.join('-')}`;
  const dir = join(BENCH_DIR, `${kind}-${STORE_VERSION}-${size}`);
  const metaPath = join(dir, 'bench-meta.json');
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as StoreMeta;
    if (meta.version === STORE_VERSION && meta.generated === size) return { ...meta, dir };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`building the ${size.toLocaleString('en-US')}-entry store in ${dir} (cached for later runs)…`);
  const started = performance.now();
  const net = createNetwork({}, witnesses);
  const { token } = await createDataDir(dir, net);
  const store = await LedgerStore.open(paths(dir).db);
  const pool = new BenchPool();
  const objects = size / TRACE_LENGTH;
  const blockEntries = net.genesis.parameters.blockMaxEntries;
  let envelopeBytes = 0;
  try {
    const head = await store.logHead(net.org);
    if (!head) throw new Error('the appointments were not committed');
    let state: LogState = { header: head.header, frontier: head.frontier };
    let lastReport = performance.now();
    // Blocks are cut with core's cutBlock and committed with store.commitBlock, exactly what
    // LedgerNode does per block, minus its per-entry validation (the entries are ours).
    await pool.signChain(net, size, objects, async ({ first, specs, envelopes, ids }) => {
      for (let b = 0; b < envelopes.length; b += blockEntries) {
        const batch = envelopes.slice(b, b + blockEntries);
        const cut = cutBlock(state, batch, {
          network: net.networkId,
          org: net.org,
          seed: net.nodeSeed,
          time: Date.now(),
          governance: { seq: 0, hash: net.networkId },
        });
        await store.commitBlock({
          header: cut.block.header,
          envelopes: batch,
          entries: batch.map((envelope, i) => {
            const spec = specs[b + i] as EntrySpec;
            envelopeBytes += envelope.length;
            return {
              id: ids[b + i] as Uint8Array,
              object: spec.object,
              kind: entryKind(spec.n),
              signer: net.operatorKeys[spec.operator] as Uint8Array,
              time: entryTime(spec.n),
              parents: spec.parent ? [spec.parent] : [],
            };
          }),
          nodes: cut.nodes,
        });
        state = cut.state;
      }
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        const done = first + envelopes.length;
        const seconds = (performance.now() - started) / 1000;
        log(`  ${done.toLocaleString('en-US')} entries in ${seconds.toFixed(0)} s`);
      }
    });
    log('  compacting…');
    await store.compact();
    const meta: StoreMeta = {
      version: STORE_VERSION,
      dir,
      entries: await store.entryCount(),
      generated: size,
      objects,
      blockEntries,
      meanEnvelopeBytes: envelopeBytes / size,
      buildSeconds: (performance.now() - started) / 1000,
      method: 'signed in worker threads; blocks cut with core cutBlock and written with store.commitBlock',
      token,
      witnessSeeds: Object.fromEntries(
        Object.entries(net.witnessSeeds).map(([id, seed]) => [id, toHex(seed)]),
      ),
    };
    writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
    log(`  built in ${meta.buildSeconds.toFixed(0)} s`);
    return meta;
  } finally {
    await pool.close();
    await store.close();
  }
}
