/**
 * `envelopeBatches`, the read API for whole-log readers: verification reads every envelope.
 */
import type { SignedEntry } from '@liuhen/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerStore } from '../src/index.ts';
import { LogBuilder, makeEntry, party, tempDir } from './fixtures.ts';

let dir: { path: string; remove: () => Promise<void> };
let store: LedgerStore;

beforeEach(async () => {
  dir = await tempDir('long-scans');
  store = await LedgerStore.open(dir.path);
});

afterEach(async () => {
  await store.close();
  await dir.remove();
});

async function commitLog(log: LogBuilder, sizes: readonly number[]): Promise<SignedEntry[]> {
  const all: SignedEntry[] = [];
  for (const size of sizes) {
    const from = log.state.frontier.size;
    const signed = Array.from({ length: size }, (_, i) =>
      makeEntry(log.party, from + i, { object: `pipe:${(from + i) % 7}` }),
    );
    await store.commitBlock(log.cut(signed).write);
    all.push(...signed);
  }
  return all;
}

describe('envelopeBatches', () => {
  it('streams [from, to) in log order, in bounded batches of plain arrays', async () => {
    const contractor = await commitLog(new LogBuilder(party('contractor')), [1000, 1000, 600]);
    await commitLog(new LogBuilder(party('supervisor')), [50]);
    const batches: Array<Array<{ index: number; envelope: Uint8Array }>> = [];
    for await (const batch of store.envelopeBatches('contractor', 5, 2500)) batches.push(batch);
    expect(batches.length).toBeGreaterThan(2);
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(256);
    const records = batches.flat();
    expect(records.map((r) => r.index)).toEqual(Array.from({ length: 2495 }, (_, i) => 5 + i));
    for (const { index, envelope } of records) {
      expect(Buffer.isBuffer(envelope)).toBe(false);
      expect(envelope).toEqual((contractor[index] as SignedEntry).envelope);
    }
  });

  it('yields nothing for an unknown org or an empty range', async () => {
    await commitLog(new LogBuilder(party('contractor')), [10]);
    const read = async (org: string, from: number, to: number) => {
      const out: number[] = [];
      for await (const batch of store.envelopeBatches(org, from, to)) out.push(...batch.map((r) => r.index));
      return out;
    };
    expect(await read('nobody', 0, 10)).toEqual([]);
    expect(await read('contractor', 4, 4)).toEqual([]);
    expect(await read('contractor', 8, 100)).toEqual([8, 9]);
  });

  it('stops cleanly when the reader stops after the first batch, a read still under way', async () => {
    await commitLog(new LogBuilder(party('contractor')), [1000, 1000, 600]);
    for await (const batch of store.envelopeBatches('contractor', 0, 2600)) {
      expect(batch[0]?.index).toBe(0);
      break;
    }
    // The generator's cleanup waited for the read it had requested and closed its iterator.
    await store.close();
    store = await LedgerStore.open(dir.path);
  });
});
