/**
 * Bytes on disk per entry for a realistic mix: three org logs, objects with chains of entries
 * (one parent each), 500-entry blocks. The benchmark measures this precisely at a million
 * entries; here the bound is loose so the test stays deterministic.
 */
import type { SignedEntry } from '@liuhen/core';
import { expect, it } from 'vitest';
import { LedgerStore } from '../src/index.ts';
import { LogBuilder, makeEntry, party, tempDir } from './fixtures.ts';

const ENTRIES = 20_000;
const BLOCK = 500;
const CHAIN = 10;

it(`stores ${ENTRIES} entries within 2.5× their envelope bytes`, async () => {
  const dir = await tempDir('space');
  const store = await LedgerStore.open(dir.path);
  try {
    const logs = ['contractor', 'supervisor', 'testing-lab'].map((org) => new LogBuilder(party(org)));
    const last = new Map<string, Uint8Array>();
    let envelopeBytes = 0;
    for (let n = 0; n < ENTRIES; n += BLOCK) {
      const log = logs[(n / BLOCK) % logs.length] as LogBuilder;
      const signed: SignedEntry[] = [];
      for (let i = n; i < n + BLOCK; i++) {
        // Objects advance in chains of CHAIN entries, each naming the previous one.
        const object = `pipe:DN600-2024-${String(Math.floor(i / CHAIN)).padStart(6, '0')}`;
        const parent = last.get(object);
        const entry = makeEntry(log.party, i, { object, parents: parent ? [parent] : [] });
        last.set(object, entry.id);
        envelopeBytes += entry.envelope.length;
        signed.push(entry);
      }
      await store.commitBlock(log.cut(signed).write);
    }
    await store.compact();
    const bytes = await store.approximateSize();
    const meanEnvelope = envelopeBytes / ENTRIES;
    const ratio = bytes / ENTRIES / meanEnvelope;
    console.log(
      `space: ${ENTRIES} entries, mean envelope ${meanEnvelope.toFixed(0)} B, ` +
        `${(bytes / ENTRIES).toFixed(0)} B/entry on disk = ${ratio.toFixed(2)}× the envelope`,
    );
    expect(await store.entryCount()).toBe(ENTRIES);
    expect(ratio).toBeLessThan(2.5);
  } finally {
    await store.close();
    await dir.remove();
  }
});
