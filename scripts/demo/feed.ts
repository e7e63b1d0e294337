/**
 * Feeding the project: each entry goes to the node of the department that signs it, through
 * POST /v1/signed-entries (pre-signed by the person's key, as a business system holding its
 * engineers' keys would), after its attachments (POST /v1/blobs).
 *
 * The network's clock follows the project (clock.mjs): the entries are taken in windows of at most
 * 12 h of recording time; each window moves every node's clock just past its last entry, and posts
 * the window's entries concurrently, each once its recording node holds the entries it cites (its
 * own or replicated). Before the clock moves on by a day or more, every entry posted so far must
 * be witnessed — cosigned by another member — as it would be on a real network, where a day
 * passes between a record and the next day's work: that wait is the cosign latency shown. A late recording is therefore judged on real cosignatures, not on a simulated time.
 */
import { createRequire } from 'node:module';
import type { Scenario } from '@liuhen/profile-pipe/scenario';
import type { Ack, Holdings, NodeApi } from './api.ts';
import type { Daemon } from './network.ts';
import type { DemoEntry, DemoProject } from './project.ts';

const WINDOW_MS = 12 * 3_600_000;
/** Witnessing is awaited before the clock passes the oldest unwitnessed claim by this much. */
const WITNESS_BEFORE_MS = 20 * 3_600_000;

export interface FeedNode {
  readonly org: string;
  readonly daemon: Daemon;
  readonly api: NodeApi;
  readonly holdings: Holdings;
}

export interface FeedResult {
  readonly acks: ReadonlyMap<string, Ack>;
  readonly entries: number;
  readonly blocks: number;
  /** Ack → first witness cosignature, ms, one sample per org and witnessing round. */
  readonly cosignMs: readonly number[];
  readonly seconds: number;
  readonly windows: number;
}

type Bar = {
  start(total: number, value: number, payload?: object): void;
  update(value: number, payload?: object): void;
  stop(): void;
};

function progressBar(): Bar | undefined {
  if (!process.stdout.isTTY) return undefined;
  // cli-progress is a dependency of the node CLI, resolved from there.
  const require = createRequire(new URL('../../apps/node/package.json', import.meta.url));
  const { SingleBar, Presets } = require('cli-progress') as {
    SingleBar: new (options: object, preset: object) => Bar;
    Presets: { shades_classic: object };
  };
  return new SingleBar(
    {
      format:
        '  {bar} {value}/{total} entries | {blocks} blocks | {date} | cosign p50 {p50} ms, p95 {p95} ms',
      hideCursor: true,
      barsize: 24,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export async function feed(
  project: DemoProject,
  scenario: Scenario,
  nodes: ReadonlyMap<string, FeedNode>,
  setClock: (ms: number) => Promise<void>,
  say: (line: string) => void,
): Promise<FeedResult> {
  const started = performance.now();
  const acks = new Map<string, Ack>();
  const posted = new Map<string, Promise<Ack>>();
  const uploaded = new Set<string>();
  const heights = new Map<string, number>();
  const cosignMs: number[] = [];
  /** Per org: the last acknowledged entry not yet seen witnessed, when it was acked, the oldest claim. */
  const unwitnessed = new Map<string, { id: string; index: number; ackedAt: number; oldestClaim: number }>();
  const bar = progressBar();
  const entries = project.entries;
  const blocks = () => [...heights.values()].reduce((a, b) => a + b, 0);
  const payload = (at: number) => ({
    blocks: blocks(),
    date: new Date(at).toISOString().slice(0, 10),
    p50: Math.round(quantile(cosignMs, 0.5)),
    p95: Math.round(quantile(cosignMs, 0.95)),
  });
  bar?.start(entries.length, 0, payload(entries[0]?.postAt ?? 0));
  let lastLine = 0;

  const postOne = async (e: DemoEntry): Promise<Ack> => {
    const node = nodes.get(e.org) as FeedNode;
    for (const dep of e.deps) {
      const ack = await (posted.get(dep) as Promise<Ack>);
      if (ack.org !== e.org) await node.holdings.has(ack.org, ack.index + 1);
    }
    for (const hex of e.attachments) {
      const key = `${e.org}/${hex}`;
      const bytes = scenario.blobs.get(hex);
      if (bytes === undefined || uploaded.has(key)) continue;
      uploaded.add(key);
      await node.api.putBlob(bytes);
    }
    const ack = await node.api.postSigned(e.envelope, e.id);
    acks.set(e.id, ack);
    heights.set(ack.org, Math.max(heights.get(ack.org) ?? 0, ack.height));
    // A cosignature of a checkpoint witnesses every entry below its size: the org's last entry
    // stands for all of them.
    const pending = unwitnessed.get(ack.org);
    const newest = pending === undefined || pending.index < ack.index;
    unwitnessed.set(ack.org, {
      id: newest ? e.id : pending.id,
      index: newest ? ack.index : pending.index,
      ackedAt: newest ? performance.now() : pending.ackedAt,
      oldestClaim: Math.min(pending?.oldestClaim ?? Number.POSITIVE_INFINITY, e.time),
    });
    return ack;
  };

  /**
   * Waits until each org's last posted entry is witnessed: its first cosignature fixes its
   * first-witnessed time. The other witnesses' cosignatures follow; they count for the witness
   * policy whenever they arrive.
   */
  const witnessAll = async () => {
    await Promise.all(
      [...unwitnessed].map(async ([org, pending]) => {
        const api = (nodes.get(org) as FeedNode).api;
        const deadline = performance.now() + 120_000;
        for (;;) {
          const found = await api.get<{ witness?: { cosignatures: unknown[] } }>(`/v1/entries/${pending.id}`);
          if ((found.witness?.cosignatures.length ?? 0) >= 1) break;
          if (performance.now() > deadline)
            throw new Error(`${org}'s entry ${pending.id.slice(0, 12)}… was not witnessed within 120 s`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        cosignMs.push(performance.now() - pending.ackedAt);
      }),
    );
    unwitnessed.clear();
  };

  let windows = 0;
  for (let i = 0; i < entries.length; ) {
    const first = entries[i] as DemoEntry;
    let j = i;
    while (j < entries.length && (entries[j] as DemoEntry).postAt <= first.postAt + WINDOW_MS) j++;
    const window = entries.slice(i, j);
    const clock = Math.max(...window.map((e) => e.postAt)) + 60_000;
    const oldest = Math.min(...[...unwitnessed.values()].map((u) => u.oldestClaim));
    if (clock - oldest > WITNESS_BEFORE_MS) await witnessAll();
    await setClock(clock);
    windows++;
    for (const e of window) posted.set(e.id, postOne(e));
    await Promise.all(window.map((e) => posted.get(e.id)));
    i = j;
    bar?.update(i, payload(clock));
    if (bar === undefined && (i === entries.length || performance.now() - lastLine > 10_000)) {
      lastLine = performance.now();
      const p = payload(clock);
      say(
        `  ${i}/${entries.length} entries | ${p.blocks} blocks | ${p.date} | cosign p50 ${p.p50} ms, p95 ${p.p95} ms`,
      );
    }
  }
  await witnessAll();
  bar?.update(entries.length, payload(entries.at(-1)?.postAt ?? 0));
  bar?.stop();
  return {
    acks,
    entries: acks.size,
    blocks: blocks(),
    cosignMs,
    seconds: (performance.now() - started) / 1000,
    windows,
  };
}
