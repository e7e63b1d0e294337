/**
 * `pnpm bench [--quick] [--only PREFIX] [--out FILE]`: every benchmark result of the project,
 * measured in one run beside the raw bounds, as a table and optionally as JSON.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { coreSuite } from './bench/core.ts';
import type { BenchResult, Suite } from './bench/harness.ts';
import { nodeSuites } from './bench/node.ts';
import { replicationSuites } from './bench/replication.ts';
import { traceSuite } from './bench/trace.ts';

type Target =
  | { min: number }
  | { max: number }
  | { ratioOf: string; ratio: number }
  | { ratioOf: string; maxRatio: number };

/** The targets the issues set; a result without one is reported, not judged. */
const TARGETS: Record<string, Target> = {
  'core.entry.sign': { ratioOf: 'bound.sign', ratio: 0.7 },
  'core.entry.verify': { ratioOf: 'bound.verify', ratio: 0.8 },
  'append.durable': { min: 25_000 },
  'verify.all': { ratioOf: 'bound.verify.cores', ratio: 0.85 },
  'object.trace.p50': { max: 10 },
  'object.trace.scaling': { max: 1.5 },
  'http.append': { min: 5_000 },
  'http.append.p99': { max: 50 },
  'storage.bytesPerEntry': { ratioOf: 'storage.meanEntryBytes', maxRatio: 1.6 },
  'memory.rss.peak': { max: 500 },
  'sync.catchup': { min: 25_000 },
  'sync.catchup.rss': { max: 300 },
  'gossip.propagation.p99': { max: 250 },
  'bundle.verify.p50': { max: 50 },
  'replay.at.p50': { max: 100 },
};

const SUITES: Suite[] = [coreSuite, ...nodeSuites, ...replicationSuites, traceSuite];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const only = values.only;
const selected = (name: string) => only === undefined || name.startsWith(only);

const results = new Map<string, BenchResult>();
const runStarted = performance.now();
const suiteSeconds: string[] = [];
for (const suite of SUITES) {
  if (!suite.names.some(selected)) continue;
  const started = performance.now();
  for (const result of await suite.run({ quick: values.quick, results })) results.set(result.name, result);
  suiteSeconds.push(`${suite.names[0]} ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
// Wall time on stderr, with the load: closing notes quote it, and on a shared machine it varies.
console.error(
  `bench wall time ${((performance.now() - runStarted) / 1000).toFixed(1)} s` +
    ` (load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}${values.quick ? ', quick' : ''}): ` +
    suiteSeconds.join(', '),
);

function judge(name: string, value: number): { target: string; ratio: string; ok: string } {
  const target = TARGETS[name];
  if (target === undefined) return { target: '', ratio: '', ok: '' };
  if ('min' in target)
    return { target: `>= ${target.min}`, ratio: '', ok: value >= target.min ? 'yes' : 'NO' };
  if ('max' in target)
    return { target: `<= ${target.max}`, ratio: '', ok: value <= target.max ? 'yes' : 'NO' };
  const bound = results.get(target.ratioOf);
  const ratio = bound ? value / bound.value : Number.NaN;
  if ('maxRatio' in target)
    return {
      target: `<= ${target.maxRatio}x ${target.ratioOf}`,
      ratio: bound ? `${ratio.toFixed(2)}x` : '',
      ok: bound ? (ratio <= target.maxRatio ? 'yes' : 'NO') : '',
    };
  return {
    target: `>= ${Math.round(target.ratio * 100)}% of ${target.ratioOf}`,
    ratio: bound ? `${(ratio * 100).toFixed(1)}%` : '',
    ok: bound ? (ratio >= target.ratio ? 'yes' : 'NO') : '',
  };
}

const rows = [...results.values()]
  .filter((r) => selected(r.name) || r.name.startsWith('bound.'))
  .map((r) => {
    const { target, ratio, ok } = judge(r.name, r.value);
    const value = r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2);
    return [r.name, value, r.unit, target, ratio, ok];
  });
const header = ['result', 'value', 'unit', 'target', 'ratio', 'met'];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
const line = (cells: string[]) =>
  cells
    .map((cell, c) => (c === 1 ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number)))
    .join('  ');
console.log(
  `Liuhen benchmarks — ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`,
);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row as string[]));

if (values.out) {
  const json = { results: [...results.values()].map(({ name, value, unit }) => ({ name, value, unit })) };
  writeFileSync(values.out, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}
