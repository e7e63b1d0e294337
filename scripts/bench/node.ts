/**
 * Node results: the append pipeline through a real daemon (in-process: append.ts), whole-store
 * verification against the all-core Ed25519 bound, object traces at 100,000 and 1,000,000
 * entries, bytes on disk per entry, and the resident memory of a daemon holding a million
 * entries. `--quick` uses stores of 50,000 and 5,000 entries and shorter loads, so that the whole
 * of `pnpm bench --quick` stays under two minutes here even with the machine shared.
 *
 * Each group is its own suite, so `--only append` (or http, verify, object, storage, memory)
 * runs just that part. The large stores are built once and cached under .bench/ (see
 * node-fixture.ts); docs/benchmarks.md describes the method and the latest results.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type LedgerNode,
  loadGenesis,
  paths,
  unlockNodeSeed,
  verifyStore,
} from '../../packages/node/src/index.ts';
import { LedgerStore } from '../../packages/store/src/index.ts';
import { PASSPHRASE, startNode } from '../lib/node-process.ts';
import { appendSuite } from './append.ts';
import type { Suite } from './harness.ts';
import { runLoad } from './http-load.ts';
import { segment } from './node-entries.ts';
import {
  BenchPool,
  cachedStore,
  createDataDir,
  createNetwork,
  openNode,
  type StoreMeta,
  TRACE_LENGTH,
} from './node-fixture.ts';
import { cpuMicros, fmt, log, perCore, processCpuMicros, signEnvelopes, tempDir } from './node-measure.ts';

/** The large store of a run and the one a tenth its size, for the trace scaling ratio. */
const storeSizes = (quick: boolean) =>
  quick ? { large: 50_000, small: 5_000 } : { large: 1_000_000, small: 100_000 };

/** Node options for the daemons started here (profiling), from BENCH_DAEMON_NODE_OPTIONS. */
function daemonNodeOptions(): NodeJS.ProcessEnv {
  const options = process.env.BENCH_DAEMON_NODE_OPTIONS;
  return options ? { NODE_OPTIONS: options } : {};
}

/** CPU µs of one raw Ed25519 verification (node:crypto, cached KeyObject, 420 bytes) here. */
function rawVerifyCpuMicros(): number {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(420, 7);
  const signature = sign(null, message, privateKey);
  const cpu = cpuMicros();
  let count = 0;
  while (cpuMicros() - cpu < 500_000) {
    for (let i = 0; i < 100; i++) verify(null, message, publicKey, signature);
    count += 100;
  }
  return (cpuMicros() - cpu) / count;
}

/** Store builds are shared by the suites of one run. */
const builds = new Map<number, Promise<StoreMeta>>();
function store(size: number): Promise<StoreMeta> {
  let build = builds.get(size);
  if (!build) {
    build = cachedStore(size, log);
    builds.set(size, build);
  }
  return build;
}

/**
 * http.append: a `liuhen-node start` child process; 32 keep-alive clients POST pre-signed CBOR
 * envelopes to /v1/signed-entries, each waiting for its 201 (the block is durable) before
 * sending the next.
 */
const httpSuite: Suite = {
  names: ['http.append', 'http.append.p99'],
  async run({ quick }) {
    const clients = 32;
    const objects = 2_000;
    const total = quick ? 10_000 : 120_000;
    const net = createNetwork();
    const { envelopes, warmUp } = await signEnvelopes(net, total, objects);
    const dir = tempDir('http');
    try {
      const { token } = await createDataDir(dir.path, net);
      // Debug level logs every block with its size and commit time. To profile the daemon, run
      // with BENCH_DAEMON_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=DIR'.
      const daemon = await startNode(dir.path, { LIUHEN_LOG_LEVEL: 'debug', ...daemonNodeOptions() });
      try {
        // One append first, so the daemon's verify threads are up before the clock starts.
        await runLoad({
          url: daemon.url,
          token,
          clients: 1,
          warmupMs: 0,
          measureMs: 60_000,
          expect: 201,
          next: (i) =>
            i === 0
              ? { method: 'POST', path: '/v1/signed-entries', body: warmUp, contentType: 'application/cbor' }
              : undefined,
        });
        const logged = daemon.log().length;
        const pid = daemon.process.pid as number;
        const cpu = { daemon: processCpuMicros(pid), client: cpuMicros() };
        const result = await runLoad({
          url: daemon.url,
          token,
          clients,
          warmupMs: quick ? 1_000 : 2_000,
          measureMs: quick ? 3_000 : 15_000,
          expect: 201,
          next: (i) =>
            i < envelopes.length
              ? {
                  method: 'POST',
                  path: '/v1/signed-entries',
                  body: envelopes[i] as Uint8Array,
                  contentType: 'application/cbor',
                }
              : undefined,
        });
        const daemonCpu = (processCpuMicros(pid) - cpu.daemon) / result.completed;
        const clientCpu = (cpuMicros() - cpu.client) / result.completed;
        const blocks = daemon
          .log()
          .slice(logged)
          .split('\n')
          .filter((line) => line.includes('"msg":"block committed"'))
          .map((line) => JSON.parse(line) as { entries: number; ms: number });
        const entriesPerBlock = blocks.reduce((sum, b) => sum + b.entries, 0) / blocks.length;
        const commitMs = blocks.reduce((sum, b) => sum + b.ms, 0) / blocks.length;
        log(
          `http.append: ${blocks.length} blocks of ${entriesPerBlock.toFixed(1)} entries on average, ` +
            `${commitMs.toFixed(1)} ms to cut and commit one; CPU per append ${daemonCpu.toFixed(0)} µs ` +
            `in the daemon (${perCore(daemonCpu)}), ${clientCpu.toFixed(0)} µs in the load generator`,
        );
        log(
          `http.append: ${fmt(result.ok)} appends in ${result.seconds.toFixed(1)} s, ${clients} clients, ` +
            `p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms` +
            (result.failed ? `, ${result.failed} failed (first: ${result.firstFailure})` : '') +
            (result.exhausted ? ' — ran out of pre-signed entries, window shortened' : ''),
        );
        if (result.ok === 0) throw new Error(`http.append: no append succeeded: ${result.firstFailure}`);
        return [
          { name: 'http.append', value: result.rate, unit: 'entries/s' },
          { name: 'http.append.p99', value: result.p99, unit: 'ms' },
        ];
      } finally {
        await daemon.stop();
      }
    } finally {
      dir.remove();
    }
  },
};

/** Bytes of the compacted LevelDB directory per entry, beside the mean envelope size. */
const storageSuite: Suite = {
  names: ['storage.bytesPerEntry', 'storage.meanEntryBytes'],
  async run({ quick }) {
    const meta = await store(storeSizes(quick).large);
    const ledger = await LedgerStore.open(paths(meta.dir).db);
    try {
      await ledger.compact();
      const bytes = await ledger.approximateSize();
      const entries = await ledger.entryCount();
      log(`storage: ${fmt(bytes)} bytes for ${fmt(entries)} entries after compaction`);
      return [
        { name: 'storage.bytesPerEntry', value: bytes / entries, unit: 'bytes' },
        { name: 'storage.meanEntryBytes', value: meta.meanEnvelopeBytes, unit: 'bytes' },
      ];
    } finally {
      await ledger.close();
    }
  },
};

async function openStoreNode(meta: StoreMeta): Promise<LedgerNode> {
  const { genesis, networkId } = loadGenesis(meta.dir);
  const ledger = await LedgerStore.open(paths(meta.dir).db);
  return openNode(ledger, {
    org: genesis.orgs[0]?.id as string,
    genesis,
    networkId,
    nodeSeed: unlockNodeSeed(meta.dir, PASSPHRASE),
  });
}

/**
 * object.trace: LedgerNode.trace (index lookup, envelope reads, each entry decoded and hashed
 * for its id, causal order; reads do not verify signatures again, see stored-entry.ts) of
 * random 100-entry segments, on the large store and on the one a tenth its size. Samples
 * alternate between the two stores, so a change in machine load during the run affects both
 * alike.
 */
const traceSuite: Suite = {
  names: ['object.trace.p50', 'object.trace.scaling'],
  async run({ quick }) {
    const sizes = storeSizes(quick);
    const samples = quick ? 100 : 300;
    const stores = [await store(sizes.small), await store(sizes.large)];
    const nodes = await Promise.all(stores.map(openStoreNode));
    try {
      let x = 12345;
      const times: number[][] = [[], []];
      const cpu = [0, 0];
      for (let i = 0; i < samples + 20; i++) {
        for (const [s, node] of nodes.entries()) {
          x = (x * 1103515245 + 12345) % 2 ** 31;
          const object = segment(x % (stores[s] as StoreMeta).objects);
          const started = performance.now();
          const startedCpu = cpuMicros();
          const trace = await node.trace(object);
          const ms = performance.now() - started;
          if (trace.length !== TRACE_LENGTH)
            throw new Error(`${object}: ${trace.length} entries, not ${TRACE_LENGTH}`);
          if (i >= 20) {
            (times[s] as number[]).push(ms);
            cpu[s] = (cpu[s] as number) + cpuMicros() - startedCpu;
          }
        }
      }
      const [small, large] = times.map((t, s) => {
        t.sort((a, b) => a - b);
        const p50 = t[Math.floor(t.length / 2)] as number;
        const p99 = t[Math.floor(t.length * 0.99)] as number;
        log(
          `object.trace at ${fmt((stores[s] as StoreMeta).entries)} entries: p50 ${p50.toFixed(2)} ms, ` +
            `p99 ${p99.toFixed(2)} ms (${samples} traces); CPU ${((cpu[s] as number) / samples / 1000).toFixed(2)} ms ` +
            'per trace over all threads',
        );
        return p50;
      }) as [number, number];
      return [
        { name: 'object.trace.p50', value: large, unit: 'ms' },
        { name: 'object.trace.scaling', value: large / small, unit: 'ratio' },
      ];
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  },
};

/** CPU time of this process's main thread in µs, from /proc (the verify workers are threads). */
function mainThreadCpuMicros(): number {
  return processCpuMicros(`${process.pid}/task/${process.pid}`);
}

/**
 * bound.verify.cores: raw node:crypto verification on one worker per core, all at once.
 * verify.all: verifyStore (headers, chain, every entry in workers, Merkle roots) over the
 * large store, measured right after the bound.
 */
const verifySuite: Suite = {
  names: ['bound.verify.cores', 'verify.all'],
  async run({ quick }) {
    const meta = await store(storeSizes(quick).large);
    const measureBound = async () => {
      const pool = new BenchPool();
      try {
        await pool.verifyBound(300);
        return await pool.verifyBound(quick ? 1_000 : 4_000);
      } finally {
        await pool.close();
      }
    };
    // The bound is taken before and after the verification and averaged, since the machine's
    // speed can drift over a long run.
    const before = await measureBound();
    const { genesis, networkId } = loadGenesis(meta.dir);
    const ledger = await LedgerStore.open(paths(meta.dir).db);
    try {
      const cpu = cpuMicros();
      const mainCpu = mainThreadCpuMicros();
      const report = await verifyStore({ store: ledger, genesis, networkId });
      const cpuPerEntry = (cpuMicros() - cpu) / report.entries;
      const mainPerEntry = (mainThreadCpuMicros() - mainCpu) / report.entries;
      const after = await measureBound();
      const raw = rawVerifyCpuMicros();
      log(
        `verify.all: CPU ${cpuPerEntry.toFixed(0)} µs per entry over all threads (${perCore(cpuPerEntry)}); ` +
          `a raw verification costs ${raw.toFixed(0)} µs (${perCore(raw)}), ` +
          `${((100 * raw) / cpuPerEntry).toFixed(0)}% of it: the ratio to the bound an idle machine would reach`,
      );
      log(
        `verify.all: of that CPU, ${mainPerEntry.toFixed(0)} µs per entry on the main thread (reads, Merkle ` +
          `frontier, stored index digests), ${(cpuPerEntry - mainPerEntry).toFixed(0)} µs on the others ` +
          '(verify workers, LevelDB reads, GC)',
      );
      const bound = (before + after) / 2;
      log(`bound.verify.cores: ${fmt(before)} ops/s before verify.all, ${fmt(after)} after`);
      if (!report.ok)
        throw new Error(`verify.all: the store does not verify: ${JSON.stringify(report.findings[0])}`);
      log(
        `verify.all: ${fmt(report.entries)} entries, ${report.blocks} blocks in ${report.seconds.toFixed(2)} s`,
      );
      return [
        { name: 'bound.verify.cores', value: bound, unit: 'ops/s' },
        { name: 'verify.all', value: report.entries / report.seconds, unit: 'entries/s' },
      ];
    } finally {
      await ledger.close();
    }
  },
};

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS' | 'RssAnon' | 'RssFile'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/**
 * memory.rss.peak: a daemon started on the large store's data directory serves object traces
 * and entries with inclusion proofs to 8 clients; its peak RSS (VmHWM) in MB (10^6 bytes).
 */
const memorySuite: Suite = {
  names: ['memory.rss.peak'],
  async run({ quick }) {
    const meta = await store(storeSizes(quick).large);
    const daemon = await startNode(meta.dir, daemonNodeOptions());
    const pid = daemon.process.pid as number;
    try {
      const atStart = statusKb(pid, 'VmHWM');
      // Entry ids to ask for proofs of: the first trace's entries.
      const first = await fetch(new URL(`/v1/objects/${encodeURIComponent(segment(0))}`, daemon.url), {
        headers: { authorization: `Bearer ${meta.token}` },
      });
      const ids = ((await first.json()) as { entries: Array<{ id: string }> }).entries.map((e) => e.id);
      let x = 777;
      const result = await runLoad({
        url: daemon.url,
        token: meta.token,
        clients: 8,
        warmupMs: 0,
        measureMs: quick ? 3_000 : 10_000,
        expect: 200,
        next: (i) => {
          x = (x * 1103515245 + 12345) % 2 ** 31;
          return i % 2 === 0
            ? { method: 'GET', path: `/v1/objects/${encodeURIComponent(segment(x % meta.objects))}` }
            : { method: 'GET', path: `/v1/entries/${ids[x % ids.length]}?proof=1` };
        },
      });
      const peak = statusKb(pid, 'VmHWM');
      const [anon, file] = [statusKb(pid, 'RssAnon'), statusKb(pid, 'RssFile')];
      log(
        `memory: daemon on ${fmt(meta.entries)} entries, VmHWM ${fmt(atStart / 1024)} MiB after start, ` +
          `${fmt(peak / 1024)} MiB after ${fmt(result.ok)} reads (${fmt(result.rate)}/s); resident now ` +
          `${fmt(anon / 1024)} MiB anonymous (heaps) + ${fmt(file / 1024)} MiB file-backed ` +
          '(mostly LevelDB tables mapped into memory)' +
          (result.failed ? `, ${result.failed} failed (first: ${result.firstFailure})` : ''),
      );
      return [{ name: 'memory.rss.peak', value: (peak * 1024) / 1e6, unit: 'MB' }];
    } finally {
      await daemon.stop();
    }
  },
};

export const nodeSuites: Suite[] = [
  appendSuite,
  httpSuite,
  storageSuite,
  traceSuite,
  verifySuite,
  memorySuite,
];
