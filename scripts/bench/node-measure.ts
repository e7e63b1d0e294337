/**
 * Shared pieces of the node suites: progress lines with the load average, CPU time of this
 * process and of others, scratch directories, and pre-signed entry chains.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { segment } from './node-entries.ts';
import { type BenchNetwork, BenchPool } from './node-fixture.ts';

/** Progress and diagnostics on stderr, with the 1-minute load average: the machine may be shared. */
export const log = (line: string) => console.error(`[node bench, load ${loadavg()[0]?.toFixed(1)}] ${line}`);
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * CPU time, user + system, of this process (all its threads) in µs. With the machine shared,
 * wall-clock rates depend on the load; CPU per entry does not, and gives the rate an idle
 * machine would reach: cores / CPU per entry.
 */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * CPU time of another process (all its threads) in µs, from /proc/<pid>/stat; given
 * "<pid>/task/<tid>", of one thread.
 */
export function processCpuMicros(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export const perCore = (cpuMicrosPerItem: number) => `${fmt(1e6 / cpuMicrosPerItem)}/s per core`;

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `liuhen-bench-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** `count` chained entries over `objects` segments, and one more on a segment of its own. */
export async function signEnvelopes(
  net: BenchNetwork,
  count: number,
  objects: number,
): Promise<{ envelopes: Uint8Array[]; warmUp: Uint8Array }> {
  const pool = new BenchPool();
  try {
    const started = performance.now();
    const { envelopes } = await pool.signChain(net, count, objects);
    const extra = await pool.sign(net, [
      // A segment of its own: the chains use segments 0 … objects − 1.
      { n: count, object: segment(objects), parent: undefined, operator: 0 },
    ]);
    log(`signed ${fmt(count)} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { envelopes, warmUp: extra.envelopes[0] as Uint8Array };
  } finally {
    await pool.close();
  }
}
