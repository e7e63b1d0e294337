/**
 * Replication results (issue 4), between real `liuhen-node` daemons over libp2p on 127.0.0.1:
 *
 * - sync.catchup, sync.catchup.rss: a fresh node pulls and fully verifies a 200,000-entry log
 *   (20,000 quick) from one peer; entries per second from its "sync started" to its last "sync
 *   done" log line, and its peak RSS (VmHWM).
 * - gossip.propagation.p50/.p99, gossip.cosign.p99: ten nodes (five quick), each appending 20 entries/s
 *   through its HTTP API. For each acknowledged entry: the time from its acknowledgement (at the
 *   client) to the moment the last other node logged a block of that org covering it ("replica
 *   block accepted"), and to the moment the origin held a cosignature covering it from every
 *   other node ("cosignature stored"). Times come from the daemons' own JSON logs (pino's `time`,
 *   ms); all processes share this machine's clock.
 */

import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '@liuhen/core';
import { peerIdFromNodeKey } from '../../packages/net/src/identity.ts';
import { generateSwarmKey } from '../../packages/net/src/pnet.ts';
import { initDataDir, paths, saveTokens } from '../../packages/node/src/index.ts';
import { sampleBody, sampleSegment } from '../../packages/profile-pipe/src/scenario/samples.ts';
import {
  api,
  configureNode,
  PASSPHRASE,
  prepareNetwork,
  type RunningNetworkNode,
  removeDir,
  startNetworkNode,
  stopAll,
} from '../lib/node-process.ts';
import type { BenchResult, Suite } from './harness.ts';
import { cachedStore, ORG } from './node-fixture.ts';

function log(line: string): void {
  process.stderr.write(`[replication bench] ${line}\n`);
}

interface LogLine {
  time: number;
  msg: string;
  of?: string;
  size?: number;
  by?: string;
}

function logLines(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // A line cut by the process's exit.
    }
  }
  return lines;
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS' | 'RssAnon' | 'RssFile'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN);
}

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${ms / 1000} s`);
}

/** The 1-, 5- and 15-minute load averages, as /proc/loadavg shows them. */
function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** CPU time of another process (all its threads) in µs, from /proc/<pid>/stat. */
function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** The daemons' environment: debug logs (the lines timed here), and node options for profiling. */
function daemonEnv(): NodeJS.ProcessEnv {
  const options = process.env.BENCH_DAEMON_NODE_OPTIONS;
  return { LIUHEN_LOG_LEVEL: 'debug', ...(options ? { NODE_OPTIONS: options } : {}) };
}

/** `count` TCP ports on 127.0.0.1 free right now (held open together, so all differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const syncSuite: Suite = {
  names: ['sync.catchup', 'sync.catchup.rss'],
  async run({ quick }) {
    const size = quick ? 20_000 : 200_000;
    const source = await cachedStore(size, log, { witnesses: ['fresh'] });
    const freshSeed = fromHex(source.witnessSeeds?.fresh as string);
    // The source's p2p settings: written on every run, so the cached store needs none.
    const swarmKey = join(source.dir, 'swarm.key');
    writeFileSync(swarmKey, generateSwarmKey(), { mode: 0o600 });
    configureNode(source.dir, {
      p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], pskFile: 'swarm.key', bootstrap: [] },
    });
    const fresh = mkdtempSync(join(tmpdir(), 'liuhen-bench-fresh-'));
    try {
      initDataDir(fresh, 'fresh', PASSPHRASE, freshSeed);
      copyFileSync(paths(source.dir).genesis, paths(fresh).genesis);
      copyFileSync(swarmKey, join(fresh, 'swarm.key'));
      const token = randomBytes(24).toString('base64url');
      saveTokens(fresh, [{ sha256: createHash('sha256').update(token).digest('hex'), name: 'bench' }]);
      configureNode(fresh, {
        p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], pskFile: 'swarm.key', bootstrap: [] },
      });

      const origin = await startNetworkNode(source.dir, []);
      const node = await startNetworkNode(fresh, origin.p2pAddrs, { env: daemonEnv() });
      const pid = node.process.pid as number;
      let peak = 0;
      // What the resident memory was made of when it was largest (anonymous: heaps, buffers, WASM;
      // file-backed: code and LevelDB's mapped tables), sampled with the peak.
      let split = { rss: 0, anon: 0, file: 0 };
      await until(
        `the fresh node holding ${source.entries} entries`,
        async () => {
          peak = Math.max(peak, statusKb(pid, 'VmHWM'));
          const rss = statusKb(pid, 'VmRSS');
          if (rss > split.rss)
            split = { rss, anon: statusKb(pid, 'RssAnon'), file: statusKb(pid, 'RssFile') };
          const { json } = await api<{ orgs: Record<string, { size: number }> }>(
            node.url,
            token,
            'GET',
            '/v1/status',
          );
          return json.orgs[ORG]?.size === source.entries;
        },
        quick ? 300_000 : 1_800_000,
      );
      peak = Math.max(peak, statusKb(pid, 'VmHWM'));
      const lines = logLines(node.log()).filter((l) => l.of === ORG);
      const started = lines.find((l) => l.msg === 'sync started')?.time;
      const done = lines.filter((l) => l.msg === 'sync done').at(-1)?.time;
      if (started === undefined || done === undefined)
        throw new Error('no sync started/done lines in the log');
      const rate = source.entries / ((done - started) / 1000);
      const failed = lines.filter((l) => l.msg === 'sync failed');
      if (failed.length > 0) {
        log(
          `sync failed ${failed.length} times: ${[...new Set(failed.map((l) => (l as { code?: string }).code))].join(', ')}`,
        );
      }
      if (process.env.BENCH_KEEP_LOG) writeFileSync(process.env.BENCH_KEEP_LOG, node.log());
      log(
        `sync.catchup: ${source.entries.toLocaleString('en-US')} entries in ${((done - started) / 1000).toFixed(1)} s, ` +
          `${lines.filter((l) => l.msg === 'sync done').length} sync runs; VmHWM ${(peak / 1024).toFixed(0)} MiB; ` +
          `largest sampled RSS ${(split.rss / 1024).toFixed(0)} MiB: ${(split.anon / 1024).toFixed(0)} anonymous, ` +
          `${(split.file / 1024).toFixed(0)} file-backed`,
      );
      await node.stop();
      await origin.stop();
      return [
        { name: 'sync.catchup', value: rate, unit: 'entries/s' },
        { name: 'sync.catchup.rss', value: (peak * 1024) / 1e6, unit: 'MB' },
      ];
    } finally {
      await stopAll();
      removeDir(fresh);
    }
  },
};

const gossipSuite: Suite = {
  names: ['gossip.propagation.p50', 'gossip.propagation.p99', 'gossip.cosign.p99'],
  async run({ quick }) {
    // Quick mode runs five daemons: preparing and starting ten is most of the suite's time there.
    const count = quick ? 5 : 10;
    const perSecond = 20;
    const seconds = quick ? 5 : 20;
    const orgs = Array.from({ length: count }, (_, i) => `dept${i}`);
    log(`preparing ${count} nodes…`);
    const suiteStart = Date.now();
    const elapsed = () => `${((Date.now() - suiteStart) / 1000).toFixed(1)} s`;
    const network = await prepareNetwork(orgs);
    log(`${count} data directories ready after ${elapsed()}`);
    const running: RunningNetworkNode[] = [];
    try {
      // All at once, each listening on a port chosen here and bootstrapped to all the others (a
      // peer's address is known before it starts: its peer id is its node key), so that ten
      // start-ups overlap instead of queueing; a node dialled before it listens is dialled again.
      const ports = await freePorts(count);
      const p2pAddr = (i: number) =>
        `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${peerIdFromNodeKey(fromHex(network[i]?.nodeKey as string)).toString()}`;
      running.push(
        ...(await Promise.all(
          network.map((node, i) =>
            startNetworkNode(
              node.dir,
              network.flatMap((_, j) => (j === i ? [] : [p2pAddr(j)])),
              { p2p: { listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`] }, env: daemonEnv() },
            ),
          ),
        )),
      );
      const token = (i: number) => network[i]?.tokens.qi as string;
      await until(
        'every node connected to every other',
        async () => {
          for (const [i, r] of running.entries()) {
            const { json } = await api<{ peers: unknown[] }>(r.url, token(i), 'GET', '/v1/peers');
            if (json.peers.length < count - 1) return false;
          }
          return true;
        },
        120_000,
      );
      log(
        `${count} nodes connected after ${elapsed()}; each appends ${perSecond} entries/s for ${seconds} s`,
      );
      const loadAtStart = loadAverage();
      const pids = running.map((r) => r.process.pid as number);
      const cpuAtStart = pids.map(processCpuMicros);
      const windowStart = Date.now();
      const acks: Array<{ origin: number; index: number; at: number }> = [];
      const failures: string[] = [];
      const end = Date.now() + seconds * 1000;
      await Promise.all(
        running.map(async (r, i) => {
          let n = 0;
          const start = Date.now();
          const sends: Promise<void>[] = [];
          while (Date.now() < end) {
            const due = start + (n * 1000) / perSecond;
            if (due > Date.now()) await new Promise((res) => setTimeout(res, due - Date.now()));
            const k = n++;
            sends.push(
              api<{ index: number }>(r.url, token(i), 'POST', '/v1/entries', {
                // Each org on segments of its own: 1,000 segment numbers apart.
                object: sampleSegment(i * 1_000 + (k % 5)),
                kind: 'construction.joint-made',
                role: 'QI',
                time: Date.now(),
                body: sampleBody('construction.joint-made', k),
              }).then(({ status, json }) => {
                if (status === 201) acks.push({ origin: i, index: json.index, at: Date.now() });
                else failures.push(`HTTP ${status}`);
              }),
            );
          }
          await Promise.all(sends);
        }),
      );
      const loadAtEnd = loadAverage();
      log(`every append answered after ${elapsed()}`);
      // Let the last blocks and cosignatures travel before reading the logs.
      await new Promise((r) => setTimeout(r, 5_000));
      const logs = running.map((r) => logLines(r.log()));
      // CPU the ten daemons used from the start of the window until now (the last blocks and
      // cosignatures travelled), over the entries acknowledged: unlike latencies, this does not
      // depend on what else the machine runs. Over the window's length it is the cores the load
      // needs; beyond the machine's cores, queues grow and latencies with them.
      const cpuSeconds =
        pids.reduce((sum, pid, i) => sum + processCpuMicros(pid) - (cpuAtStart[i] as number), 0) / 1e6;
      log(
        `daemons' CPU ${cpuSeconds.toFixed(1)} s over ${((Date.now() - windowStart) / 1000).toFixed(1)} s ` +
          `(${((cpuSeconds * 1000) / Math.max(1, acks.length)).toFixed(1)} ms per acknowledged entry; ` +
          `${(cpuSeconds / seconds).toFixed(2)} cores per second of load)`,
      );
      // What the load was made of: blocks cut per origin, cosignatures each witness made.
      const blocks = logs.map((lines) => lines.filter((l) => l.msg === 'block committed'));
      const blockCount = blocks.reduce((n, b) => n + b.length, 0);
      const madeBy = logs.map(
        (lines, j) => lines.filter((l) => l.msg === 'cosignature stored' && l.by === orgs[j]).length,
      );
      log(
        `load average ${loadAtStart} at the start of the window, ${loadAtEnd} at its end; ` +
          `${blockCount} blocks cut (${(acks.length / Math.max(1, blockCount)).toFixed(1)} entries per block); ` +
          `${madeBy.reduce((a, b) => a + b, 0)} cosignatures made (per witness ${Math.min(...madeBy)}–${Math.max(...madeBy)})`,
      );
      const propagation: number[] = [];
      const cosign: number[] = [];
      let unseen = 0;
      let uncosigned = 0;
      for (const ack of acks) {
        const org = orgs[ack.origin] as string;
        let last = 0;
        for (const [j, lines] of logs.entries()) {
          if (j === ack.origin) continue;
          const seen = lines.find(
            (l) => l.msg === 'replica block accepted' && l.of === org && (l.size ?? 0) > ack.index,
          );
          if (seen === undefined) {
            last = Number.NaN;
            break;
          }
          last = Math.max(last, seen.time);
        }
        if (Number.isNaN(last)) unseen++;
        else propagation.push(Math.max(0, last - ack.at));
        const own = logs[ack.origin] as LogLine[];
        let cosigned = 0;
        for (const [j, witness] of orgs.entries()) {
          if (j === ack.origin) continue;
          const c = own.find(
            (l) =>
              l.msg === 'cosignature stored' && l.of === org && l.by === witness && (l.size ?? 0) > ack.index,
          );
          if (c === undefined) {
            cosigned = Number.NaN;
            break;
          }
          cosigned = Math.max(cosigned, c.time);
        }
        if (Number.isNaN(cosigned)) uncosigned++;
        else cosign.push(Math.max(0, cosigned - ack.at));
      }
      propagation.sort((a, b) => a - b);
      cosign.sort((a, b) => a - b);
      log(
        `gossip: ${acks.length} entries acknowledged (${failures.length} refused), ${unseen} not seen by every node, ` +
          `${uncosigned} not cosigned by every node; propagation p50 ${percentile(propagation, 50)} ms, ` +
          `p99 ${percentile(propagation, 99)} ms, max ${propagation.at(-1)} ms; ` +
          `cosign p50 ${percentile(cosign, 50)} ms, p99 ${percentile(cosign, 99)} ms`,
      );
      const results: BenchResult[] = [
        { name: 'gossip.propagation.p50', value: percentile(propagation, 50), unit: 'ms' },
        { name: 'gossip.propagation.p99', value: percentile(propagation, 99), unit: 'ms' },
      ];
      if (cosign.length > 0)
        results.push({ name: 'gossip.cosign.p99', value: percentile(cosign, 99), unit: 'ms' });
      // A profiled daemon writes its profile on a clean exit, not on stopAll's SIGKILL.
      if (process.env.BENCH_DAEMON_NODE_OPTIONS) await Promise.all(running.map((r) => r.stop()));
      return results;
    } finally {
      await stopAll();
      for (const node of network) removeDir(node.dir);
    }
  },
};

export const replicationSuites: Suite[] = [syncSuite, gossipSuite];
