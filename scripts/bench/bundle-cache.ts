/**
 * The trace suite's bundles, built once and cached under `.bench/` as binary bundles: writing a
 * 2,000-entry scenario object into cosigned logs takes ~30 s here, verifying its bundle a few.
 * The cache is keyed by a digest of the sources that shape a bundle (core, governance, trace,
 * the pipe profile and its scenario generator, this suite), so a change to any of them rebuilds.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bundle, decodeBundle, encodeBundle } from '../../packages/trace/src/index.ts';
import { BENCH_DIR } from './node-fixture.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = [
  'packages/core/src',
  'packages/governance/src',
  'packages/trace/src',
  'packages/trace/test/scenario-ledger.ts',
  'packages/profile-pipe/src',
  'scripts/bench/trace.ts',
  'scripts/bench/bundle-cache.ts',
];
const PREFIX = 'trace-bundles-';

/** A bundle to measure, with the times the suite verifies and replays it at. */
export interface BundleFixture {
  readonly bundle: Bundle;
  readonly asOf: number;
  /** The time T of replay.at. */
  readonly at: number;
}

function sourceFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => sourceFiles(join(path, name)));
}

function sourceDigest(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap((source) => sourceFiles(join(ROOT, source)))) {
    hash.update(file.slice(ROOT.length)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The fixture `name` from the cache, or built by `build`, then stored; caches of other source
 * digests are removed.
 */
export async function cachedBundle(
  name: string,
  build: () => Promise<BundleFixture>,
  log: (line: string) => void,
): Promise<BundleFixture> {
  const digest = sourceDigest();
  const dir = join(BENCH_DIR, `${PREFIX}${digest}`);
  const [bundlePath, metaPath] = [join(dir, `${name}.bundle`), join(dir, `${name}.json`)];
  if (existsSync(metaPath)) {
    const { asOf, at } = JSON.parse(readFileSync(metaPath, 'utf8')) as { asOf: number; at: number };
    return { bundle: decodeBundle(readFileSync(bundlePath)), asOf, at };
  }
  const started = performance.now();
  const fixture = await build();
  mkdirSync(dir, { recursive: true });
  for (const stale of readdirSync(BENCH_DIR).filter((d) => d.startsWith(PREFIX) && !dir.endsWith(d)))
    rmSync(join(BENCH_DIR, stale), { recursive: true, force: true });
  writeFileSync(bundlePath, encodeBundle(fixture.bundle));
  // The metadata last: its presence marks a complete entry.
  writeFileSync(metaPath, `${JSON.stringify({ asOf: fixture.asOf, at: fixture.at })}\n`);
  log(
    `built the ${name} bundle in ${((performance.now() - started) / 1000).toFixed(1)} s (cached in ${dir})`,
  );
  return fixture;
}
