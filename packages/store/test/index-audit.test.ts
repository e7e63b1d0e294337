import { leafHash, MerkleFrontier, type SignedEntry } from '@liuhen/core';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerStore } from '../src/index.ts';
import { LogBuilder, makeEntry, party, tempDir } from './fixtures.ts';

let dir: { path: string; remove: () => Promise<void> };
let store: LedgerStore;

beforeEach(async () => {
  dir = await tempDir('audit');
  store = await LedgerStore.open(dir.path);
});
afterEach(async () => {
  await store.close();
  await dir.remove();
});

/** Two orgs' logs committed in interleaved blocks; returns every entry with its org and index. */
async function build(): Promise<Array<{ org: string; index: number; signed: SignedEntry }>> {
  const logs = [new LogBuilder(party('contractor')), new LogBuilder(party('supervisor'))];
  const all: Array<{ org: string; index: number; signed: SignedEntry }> = [];
  for (const size of [3, 5, 1, 8]) {
    for (const log of logs) {
      const from = log.state.frontier.size;
      const signed = Array.from({ length: size }, (_, i) =>
        makeEntry(log.party, from + i, { object: `pipe:${(from + i) % 4}` }),
      );
      await store.commitBlock(log.cut(signed).write);
      for (const [i, s] of signed.entries()) all.push({ org: log.party.org, index: from + i, signed: s });
    }
  }
  return all;
}

/** What a verifier replaying the logs feeds the audit. */
function expected(all: Awaited<ReturnType<typeof build>>) {
  const audit = store.expectedIndexes();
  const frontiers = new Map<string, MerkleFrontier>();
  for (const { org, index, signed } of all) {
    const frontier = frontiers.get(org) ?? MerkleFrontier.empty();
    frontiers.set(org, frontier);
    audit.addNodes(org, frontier.append(leafHash(signed.envelope)));
    const { object, kind, signer, time } = signed.entry;
    audit.addEntry(org, index, { id: signed.id, object, kind, signer, time });
  }
  return audit;
}

async function rawEdit(edit: (db: Level<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
  await store.close();
  const db = new Level<Uint8Array, Uint8Array>(dir.path, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  await edit(db);
  await db.close();
  store = await LedgerStore.open(dir.path);
}

async function firstKey(
  db: Level<Uint8Array, Uint8Array>,
  prefix: string,
): Promise<[Uint8Array, Uint8Array]> {
  const p = prefix.charCodeAt(0);
  for await (const pair of db.iterator({ gte: Uint8Array.of(p), lt: Uint8Array.of(p + 1), limit: 1 }))
    return pair;
  throw new Error(`no ${prefix} record`);
}

describe('index audit', () => {
  it('finds nothing wrong in an intact store', async () => {
    const all = await build();
    expect(await store.auditIndexes(expected(all))).toEqual([]);
  });

  it('names the table of a renamed id record, a dropped posting, an altered node, an extra record', async () => {
    const all = await build();
    await rawEdit(async (db) => {
      const [idKey, idValue] = await firstKey(db, 'I');
      const renamed = idKey.slice();
      renamed[5] = (renamed[5] as number) ^ 1;
      await db.batch([
        { type: 'del', key: idKey },
        { type: 'put', key: renamed, value: idValue },
      ]);
      await db.del((await firstKey(db, 'K'))[0]);
      const [nodeKey, hash] = await firstKey(db, 'M');
      const altered = hash.slice();
      altered[0] = (altered[0] as number) ^ 1;
      await db.put(nodeKey, altered);
      const [timeKey, loc] = await firstKey(db, 'T');
      const extra = timeKey.slice();
      extra[extra.length - 1] = 0xff;
      await db.put(extra, loc);
    });
    expect(await store.auditIndexes(expected(all))).toEqual(['id', 'kind', 'time', 'merkle']);
  });

  it('catches a posting moved to another entry', async () => {
    const all = await build();
    await rawEdit(async (db) => {
      const [key, loc] = await firstKey(db, 'S');
      const moved = loc.slice();
      moved[moved.length - 1] = (moved[moved.length - 1] as number) ^ 1;
      await db.put(key, moved);
    });
    expect(await store.auditIndexes(expected(all))).toEqual(['signer']);
  });
});

describe('index audit of damaged keys', () => {
  it('names the table of a posting key too short to hold a sequence number, and of one missing', async () => {
    const all = await build();
    await rawEdit(async (db) => {
      await db.put(Uint8Array.of(0x54, 1, 2), Uint8Array.of(0, 1));
      await db.del((await firstKey(db, 'O'))[0]);
    });
    expect(await store.auditIndexes(expected(all))).toEqual(['object', 'time']);
  });
});

/** Every table the audit digests, in the order it reports them. */
const EVERY_TABLE = ['id', 'object', 'kind', 'signer', 'time', 'merkle'];

describe('index audit keys', () => {
  it('digests under a key of its own for each audit, so digests cannot be known in advance', async () => {
    const all = await build();
    expect(expected(all).digests.differences(expected(all).digests)).toEqual(EVERY_TABLE);
  });

  it('compares multisets: an entry fed twice more, whose digests cancel under XOR, does not pass', async () => {
    const all = await build();
    const first = all[0] as (typeof all)[number];
    // The Merkle nodes differ too: the verifier's frontier took the extra leaves.
    expect(await store.auditIndexes(expected([first, first, ...all]))).toEqual(EVERY_TABLE);
  });

  it('compares multisets: an entry fed three times in place of three others does not pass', async () => {
    const all = await build();
    // As many records as the store holds; the repeats leave one copy's digest under XOR.
    const [first, , , , ...rest] = all;
    const fed = [first, first, first, ...rest] as typeof all;
    expect(await store.auditIndexes(expected(fed))).toEqual(EVERY_TABLE);
  });
});
