/**
 * The store snapshot behind the online backup: taken while blocks keep being committed, it holds
 * exactly the blocks committed before it started (never half a block, never a later one), and
 * restores into a store that reads the same; a damaged or cut-short snapshot restores nothing.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { failureCodeAsync, type SignedEntry } from '@liuhen/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSnapshot, LedgerStore, restoreSnapshot } from '../src/index.ts';
import { LogBuilder, makeEntry, party, tempDir } from './fixtures.ts';

const contractor = party('contractor');

let dir: { path: string; remove: () => Promise<void> };
let store: LedgerStore;

beforeEach(async () => {
  dir = await tempDir('snapshot');
  store = await LedgerStore.open(join(dir.path, 'live'));
});

afterEach(async () => {
  await store.close();
  await dir.remove();
});

async function commit(log: LogBuilder, size: number): Promise<SignedEntry[]> {
  const signed = Array.from({ length: size }, (_, i) => {
    const n = log.state.frontier.size + i;
    return makeEntry(log.party, n, { object: `pipe:${log.party.org}-${n % 5}` });
  });
  await store.commitBlock(log.cut(signed).write);
  return signed;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  // Odd-sized pieces: record boundaries never line up with chunk boundaries.
  for (let at = 0; at < bytes.length; at += 997) yield bytes.subarray(at, at + 997);
}

describe('store snapshot', () => {
  it('is the store between two commits, while commits continue', async () => {
    const log = new LogBuilder(contractor);
    for (let i = 0; i < 20; i++) await commit(log, 7);
    const before = (await store.logHead('contractor'))?.header;
    const snapshot = store.snapshot();
    // The first chunk pins the snapshot; the commits below land after it.
    const first = await snapshot.next();
    const later: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) later.push(commit(log, 5));
    const rest: Uint8Array[] = [first.value as Uint8Array];
    for await (const chunk of snapshot) rest.push(chunk);
    await Promise.all(later);
    const bytes = new Uint8Array(Buffer.concat(rest));
    expect((await checkSnapshot(once(bytes))).records).toBeGreaterThan(140);

    const target = join(dir.path, 'restored');
    const summary = await restoreSnapshot(target, once(bytes));
    expect(existsSync(`${target}.restoring`)).toBe(false);
    const restored = await LedgerStore.open(target);
    try {
      const head = (await restored.logHead('contractor'))?.header;
      expect(head?.text).toBe(before?.text);
      expect(await restored.entryCount()).toBe(140);
      // Byte for byte the same records as a snapshot of the restored store.
      const again = await collect(restored.snapshot());
      expect(again).toEqual(bytes);
      expect((await checkSnapshot(once(again))).sha256).toBe(summary.sha256);
    } finally {
      await restored.close();
    }
    expect((await store.logHead('contractor'))?.header.size).toBe(190);
  });

  it('a damaged, cut-short or trailing-bytes snapshot restores nothing', async () => {
    const log = new LogBuilder(contractor);
    for (let i = 0; i < 5; i++) await commit(log, 4);
    const bytes = await collect(store.snapshot());
    const flipped = bytes.slice();
    flipped[100] = (flipped[100] as number) ^ 0x01;
    const cases = {
      flipped,
      truncated: bytes.subarray(0, bytes.length - 10),
      trailing: new Uint8Array(Buffer.concat([bytes, Uint8Array.of(0)])),
      foreign: new TextEncoder().encode('not a snapshot at all, but long enough'),
    };
    for (const [name, damaged] of Object.entries(cases)) {
      const target = join(dir.path, name);
      expect(await failureCodeAsync(restoreSnapshot(target, once(damaged))), name).toBe('STORE_CORRUPT');
      expect(existsSync(target), name).toBe(false);
      expect(existsSync(`${target}.restoring`), name).toBe(false);
    }
  });

  it('never restores over an existing database', async () => {
    const bytes = await collect(store.snapshot());
    expect(await failureCodeAsync(restoreSnapshot(join(dir.path, 'live'), once(bytes)))).toBe(
      'CONFIG_INVALID',
    );
  });
});
