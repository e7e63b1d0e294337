import {
  equalBytes,
  failureCodeAsync,
  leafHash,
  MemoryMerkleTree,
  type SignedEntry,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '@liuhen/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerStore } from '../src/index.ts';
import { LogBuilder, makeEntry, party, tempDir } from './fixtures.ts';

const contractor = party('contractor');
const supervisor = party('supervisor');

let dir: { path: string; remove: () => Promise<void> };
let store: LedgerStore;

beforeEach(async () => {
  dir = await tempDir('ledger');
  store = await LedgerStore.open(dir.path);
});

afterEach(async () => {
  await store.close();
  await dir.remove();
});

/** Commits `sizes` blocks of independent entries to one log; returns the entries in log order. */
async function commitLog(
  log: LogBuilder,
  sizes: readonly number[],
  tree?: MemoryMerkleTree,
): Promise<SignedEntry[]> {
  const all: SignedEntry[] = [];
  for (const size of sizes) {
    const signed = Array.from({ length: size }, (_, i) => {
      const n = log.state.frontier.size + i;
      return makeEntry(log.party, n, { object: `pipe:${log.party.org}-${n}` });
    });
    await store.commitBlock(log.cut(signed).write);
    for (const s of signed) tree?.append(leafHash(s.envelope));
    all.push(...signed);
  }
  return all;
}

describe('Merkle proofs', () => {
  it('equal MemoryMerkleTree proofs for every size and verify against stored roots', async () => {
    const log = new LogBuilder(contractor);
    const tree = new MemoryMerkleTree();
    await commitLog(log, [1, 2, 3, 7, 16, 1, 33, 64, 5, 20], tree);
    const n = tree.size;
    expect(n).toBe(152);
    for (let size = 1; size <= n; size++) {
      const root = tree.root(size);
      for (const index of new Set([
        0,
        size - 1,
        Math.floor(size / 2),
        (size * 7) % size,
        (size * 13 + 5) % size,
      ])) {
        const proof = await store.inclusionProof('contractor', index, size);
        expect(proof).toEqual(tree.inclusionProof(index, size));
        const envelope = (await store.envelope('contractor', index)) as Uint8Array;
        verifyInclusion(leafHash(envelope), index, size, proof, root);
      }
      for (const size1 of new Set([0, 1, size - 1, Math.floor(size / 3), size])) {
        const proof = await store.consistencyProof('contractor', size1, size);
        expect(proof).toEqual(tree.consistencyProof(size1, size));
        verifyConsistency(size1, size, proof, tree.root(size1), root);
      }
    }
    for await (const header of store.headers('contractor')) {
      expect(header.root).toEqual(tree.root(header.size));
    }
  });

  it('refuses sizes beyond the stored log and bad indices', async () => {
    await commitLog(new LogBuilder(contractor), [4]);
    expect(await failureCodeAsync(store.inclusionProof('contractor', 0, 5))).toBe('RANGE_INVALID');
    expect(await failureCodeAsync(store.inclusionProof('contractor', 4, 4))).toBe('RANGE_INVALID');
    expect(await failureCodeAsync(store.consistencyProof('contractor', 3, 5))).toBe('RANGE_INVALID');
    expect(await failureCodeAsync(store.inclusionProof('nobody', 0, 1))).toBe('RANGE_INVALID');
    expect(await store.consistencyProof('nobody', 0, 0)).toEqual([]);
  });
});

describe('logs and headers', () => {
  it('reopens, resumes from the stored frontier and appends', async () => {
    const log = new LogBuilder(contractor);
    const tree = new MemoryMerkleTree();
    await commitLog(log, [3, 5, 11], tree);
    await store.close();
    store = await LedgerStore.open(dir.path);

    const head = await store.logHead('contractor');
    expect(head?.header.size).toBe(19);
    expect(head?.frontier.root()).toEqual(head?.header.root);
    expect(head?.header.text).toBe(log.state.header?.text);

    // A restarted node continues from what the store holds, not from memory.
    const resumed = new LogBuilder(contractor);
    resumed.state = head as NonNullable<typeof head>;
    await commitLog(resumed, [6], tree);
    expect((await store.logHead('contractor'))?.header.height).toBe(4);
    expect(await store.inclusionProof('contractor', 20, 25)).toEqual(tree.inclusionProof(20, 25));
    expect(await store.consistencyProof('contractor', 19, 25)).toEqual(tree.consistencyProof(19, 25));
    expect(await store.entryCount()).toBe(25);
  });

  it('finds headers by height and by covered index, and streams envelopes by range', async () => {
    const entries = await commitLog(new LogBuilder(contractor), [3, 1, 5]);
    expect((await store.header('contractor', 2))?.size).toBe(4);
    expect(await store.header('contractor', 4)).toBeUndefined();
    expect(await store.header('nobody', 1)).toBeUndefined();
    const covering = await Promise.all([0, 2, 3, 4, 8].map((i) => store.headerCovering('contractor', i)));
    expect(covering.map((h) => h?.height)).toEqual([1, 1, 2, 3, 3]);
    expect(await store.headerCovering('contractor', 9)).toBeUndefined();
    const heights = [];
    for await (const header of store.headers('contractor')) heights.push(header.height);
    expect(heights).toEqual([1, 2, 3]);

    const streamed = [];
    for await (const item of store.envelopes('contractor', 2, 7)) streamed.push(item);
    expect(streamed.map((s) => s.index)).toEqual([2, 3, 4, 5, 6]);
    expect(streamed.map((s) => s.envelope)).toEqual(entries.slice(2, 7).map((e) => e.envelope));
    const tail = [];
    for await (const item of store.envelopes('contractor', 7, 100)) tail.push(item.index);
    expect(tail).toEqual([7, 8]);
    expect(await store.envelope('contractor', 9)).toBeUndefined();
    expect(await store.locate((entries[4] as SignedEntry).id)).toEqual({ org: 'contractor', index: 4 });
  });

  it('answers concurrent lookups, which share one read, each with its own location', async () => {
    const entries = await commitLog(new LogBuilder(contractor), [4, 3]);
    const unknown = new Uint8Array(32).fill(0xee);
    const ids = [...entries.map((e) => e.id), unknown, ...entries.map((e) => e.id).reverse()];
    const found = await Promise.all(ids.map((id) => store.locate(id)));
    expect(found.map((at) => at?.index)).toEqual([0, 1, 2, 3, 4, 5, 6, undefined, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('keeps the logs of several orgs apart', async () => {
    const a = new LogBuilder(supervisor);
    const b = new LogBuilder(contractor);
    const treeA = new MemoryMerkleTree();
    const treeB = new MemoryMerkleTree();
    await commitLog(a, [2], treeA);
    await commitLog(b, [5], treeB);
    await commitLog(a, [3], treeA);
    expect(await store.orgs()).toEqual(['contractor', 'supervisor']);
    expect(await store.entryCount()).toBe(10);
    expect(await store.inclusionProof('supervisor', 1, 5)).toEqual(treeA.inclusionProof(1, 5));
    expect(await store.inclusionProof('contractor', 1, 5)).toEqual(treeB.inclusionProof(1, 5));
    await store.close();
    store = await LedgerStore.open(dir.path);
    expect(await store.orgs()).toEqual(['contractor', 'supervisor']);
    expect((await store.logHead('supervisor'))?.frontier.root()).toEqual(treeA.root());
  });
});

describe('commitBlock refuses, writing nothing,', () => {
  /** A builder continuing the contractor's stored log. */
  async function resumed(): Promise<LogBuilder> {
    const log = new LogBuilder(contractor);
    log.state = (await store.logHead('contractor')) as NonNullable<typeof log.state>;
    return log;
  }

  async function unchanged(check: () => Promise<void>): Promise<void> {
    const before = {
      count: await store.entryCount(),
      head: (await store.logHead('contractor'))?.header.text,
    };
    await check();
    expect(await store.entryCount()).toBe(before.count);
    expect((await store.logHead('contractor'))?.header.text).toBe(before.head);
  }

  it('a block that does not follow the stored head', async () => {
    const log = new LogBuilder(contractor);
    await commitLog(log, [2]);
    const skipped = log.cut([makeEntry(contractor, 2, { object: 'x' })]);
    const signed = [makeEntry(contractor, 3, { object: 'pipe:late', kind: 'late.kind' })];
    const ahead = log.cut(signed);
    await unchanged(async () => {
      expect(await failureCodeAsync(store.commitBlock(ahead.write))).toBe('BLOCK_CHAIN_BROKEN');
    });
    expect(await store.envelope('contractor', 3)).toBeUndefined();
    expect(await store.locate((signed[0] as SignedEntry).id)).toBeUndefined();
    expect(await store.byKind('late.kind')).toEqual([]);
    expect(await store.objectHeads('pipe:late')).toEqual([]);
    // A new org must start at height 1.
    const stranger = new LogBuilder(supervisor);
    stranger.cut([makeEntry(supervisor, 0, { object: 'y' })]);
    const second = stranger.cut([makeEntry(supervisor, 1, { object: 'y' })]);
    expect(await failureCodeAsync(store.commitBlock(second.write))).toBe('BLOCK_CHAIN_BROKEN');
    expect(await store.orgs()).toEqual(['contractor']);
    // The skipped block still commits, then the one after it.
    await store.commitBlock(skipped.write);
    await store.commitBlock(ahead.write);
    expect(await store.entryCount()).toBe(4);
  });

  it('a replayed block, wrong nodes, mismatched records and duplicate entries', async () => {
    const log = new LogBuilder(contractor);
    const first = await commitLog(log, [3]);
    const signed = [makeEntry(contractor, 3, { object: 'a' }), makeEntry(contractor, 4, { object: 'b' })];
    const next = log.cut(signed);
    await unchanged(async () => {
      const replay = new LogBuilder(contractor).cut(first);
      expect(await failureCodeAsync(store.commitBlock(replay.write))).toBe('BLOCK_CHAIN_BROKEN');
      const wrongNode = next.nodes.map((node, i) => (i === 1 ? { ...node, hash: new Uint8Array(32) } : node));
      expect(await failureCodeAsync(store.commitBlock({ ...next.write, nodes: wrongNode }))).toBe(
        'BLOCK_MALFORMED',
      );
      expect(await failureCodeAsync(store.commitBlock({ ...next.write, nodes: next.nodes.slice(1) }))).toBe(
        'BLOCK_MALFORMED',
      );
      const fewer = { ...next.write, entries: next.write.entries.slice(1) };
      expect(await failureCodeAsync(store.commitBlock(fewer))).toBe('BLOCK_MALFORMED');
      const badObject = next.write.entries.map((e) => ({ ...e, object: 'a\0b' }));
      expect(await failureCodeAsync(store.commitBlock({ ...next.write, entries: badObject }))).toBe(
        'BLOCK_MALFORMED',
      );
      // The same entry again, in correctly chained and rooted blocks.
      const dup = (await resumed()).cut([first[0] as SignedEntry]);
      expect(await failureCodeAsync(store.commitBlock(dup.write))).toBe('ENTRY_DUPLICATE');
      const twice = (await resumed()).cut([signed[0] as SignedEntry, signed[0] as SignedEntry]);
      expect(await failureCodeAsync(store.commitBlock(twice.write))).toBe('ENTRY_DUPLICATE');
    });
    await store.commitBlock(next.write);
    expect(await store.entryCount()).toBe(5);
  });

  it('a block whose nodes do not give the header root', async () => {
    const log = new LogBuilder(contractor);
    await commitLog(log, [1]);
    const a = log.cut([makeEntry(contractor, 1, { object: 'a' })]);
    const forged = (await resumed()).cut([makeEntry(contractor, 99, { object: 'b' })]);
    await unchanged(async () => {
      // a's header with the (self-consistent) nodes of a different leaf.
      expect(await failureCodeAsync(store.commitBlock({ ...a.write, nodes: forged.nodes }))).toBe(
        'BLOCK_ROOT_MISMATCH',
      );
    });
  });
});

describe('indexes', () => {
  it('object entries and heads follow parents through a fork and a merge', async () => {
    const c = new LogBuilder(contractor);
    const s = new LogBuilder(supervisor);
    const object = 'pipe:DN600-0001';
    const laid = makeEntry(contractor, 0, { object, kind: 'construction.pipe-laid' });
    await store.commitBlock(c.cut([laid]).write);
    expect(await store.objectHeads(object)).toEqual([laid.id]);

    // Two departments answer the same head concurrently: a fork.
    const welded = makeEntry(contractor, 1, { object, kind: 'construction.welded', parents: [laid.id] });
    const inspected = makeEntry(supervisor, 2, { object, kind: 'inspection.done', parents: [laid.id] });
    await store.commitBlock(c.cut([welded]).write);
    await store.commitBlock(s.cut([inspected]).write);
    const fork = [welded.id, inspected.id].sort((x, y) => (toHex(x) < toHex(y) ? -1 : 1));
    expect(await store.objectHeads(object)).toEqual(fork);

    // A merge names both heads; within one block, a later entry supersedes an earlier one.
    const merged = makeEntry(supervisor, 3, { object, kind: 'acceptance.signed', parents: fork });
    const noted = makeEntry(supervisor, 4, { object, kind: 'acceptance.noted', parents: [merged.id] });
    const unrelated = makeEntry(supervisor, 5, { object: 'pipe:DN600-0002' });
    await store.commitBlock(s.cut([merged, unrelated, noted]).write);
    expect(await store.objectHeads(object)).toEqual([noted.id]);
    expect(await store.objectHeads('pipe:DN600-0002')).toEqual([unrelated.id]);
    expect(await store.objectHeads('pipe:none')).toEqual([]);

    const trace = await store.objectEntries(object);
    expect(trace.map((t) => t.id)).toEqual([laid.id, welded.id, inspected.id, merged.id, noted.id]);
    expect(trace.map((t) => `${t.org}/${t.index}`)).toEqual([
      'contractor/0',
      'contractor/1',
      'supervisor/0',
      'supervisor/1',
      'supervisor/3',
    ]);
    // "pipe:DN600-0001" must not pick up the postings of a longer id that extends it.
    await store.commitBlock(s.cut([makeEntry(supervisor, 6, { object: `${object}0` })]).write);
    expect((await store.objectEntries(object)).length).toBe(5);
    expect(await store.objectEntries('pipe:none')).toEqual([]);
  });

  it('by kind, signer and time, in order, with pages', async () => {
    const c = new LogBuilder(contractor);
    const s = new LogBuilder(supervisor);
    const made: SignedEntry[] = [];
    for (let block = 0; block < 6; block++) {
      const log = block % 2 === 0 ? c : s;
      const signed = Array.from({ length: 5 }, (_, i) => {
        const n = block * 5 + i;
        // Claimed times out of commit order, with ties, to exercise the (time, seq) order.
        return makeEntry(log.party, n, {
          object: `pipe:${n % 7}`,
          kind: n % 3 === 0 ? 'test.pressure-passed' : 'construction.pipe-laid',
          time: 1_700_000_000_000 + ((n * 7) % 10) * 1000,
          signer: n % 4 === 0 ? supervisor : log.party,
        });
      });
      await store.commitBlock(log.cut(signed).write);
      made.push(...signed);
    }
    const ids = (list: readonly { id: Uint8Array }[]): string[] => list.map((e) => toHex(e.id));

    const pressure = made.filter((e) => e.entry.kind === 'test.pressure-passed');
    expect(ids(await store.byKind('test.pressure-passed'))).toEqual(ids(pressure));
    expect(await store.byKind('unknown.kind')).toEqual([]);
    const page1 = await store.byKind('test.pressure-passed', { limit: 4 });
    const page2 = await store.byKind('test.pressure-passed', {
      limit: 4,
      after: page1.at(-1)?.id as Uint8Array,
    });
    const page3 = await store.byKind('test.pressure-passed', {
      limit: 4,
      after: page2.at(-1)?.id as Uint8Array,
    });
    expect(ids([...page1, ...page2, ...page3])).toEqual(ids(pressure));
    expect(page3.length).toBe(2);

    const bySupervisor = made.filter((e) => equalBytes(e.entry.signer, supervisor.operatorKey));
    expect(ids(await store.bySigner(supervisor.operatorKey))).toEqual(ids(bySupervisor));
    const firstTwo = await store.bySigner(supervisor.operatorKey, { limit: 2 });
    expect(ids(firstTwo)).toEqual(ids(bySupervisor.slice(0, 2)));
    const rest = await store.bySigner(supervisor.operatorKey, { after: firstTwo[1]?.id as Uint8Array });
    expect(ids(rest)).toEqual(ids(bySupervisor.slice(2)));

    const from = 1_700_000_002_000;
    const to = 1_700_000_007_000;
    const inWindow = made
      .map((e, seq) => ({ e, seq }))
      .filter(({ e }) => e.entry.time >= from && e.entry.time < to)
      .sort((x, y) => x.e.entry.time - y.e.entry.time || x.seq - y.seq)
      .map(({ e }) => e);
    const window = await store.byTime(from, to);
    expect(ids(window)).toEqual(ids(inWindow));
    const timePage = await store.byTime(from, to, { limit: 3 });
    const timeRest = await store.byTime(from, to, { after: timePage[2]?.id as Uint8Array });
    expect(ids([...timePage, ...timeRest])).toEqual(ids(inWindow));

    expect(await failureCodeAsync(store.byKind('test.pressure-passed', { after: new Uint8Array(32) }))).toBe(
      'NOT_FOUND',
    );
    expect(await failureCodeAsync(store.byKind('test.pressure-passed', { limit: -1 }))).toBe('RANGE_INVALID');
    expect(await store.byKind('test.pressure-passed', { limit: 0 })).toEqual([]);
  });
});

describe('opening', () => {
  it('refuses a database that is not a Liuhen store, and one that is locked', async () => {
    expect(await failureCodeAsync(LedgerStore.open(dir.path))).toBe('STORE_UNAVAILABLE');
    const other = await tempDir('foreign');
    try {
      const { Level } = await import('level');
      const foreign = new Level(other.path);
      await foreign.put('hello', 'world');
      await foreign.close();
      expect(await failureCodeAsync(LedgerStore.open(other.path))).toBe('STORE_INCOMPATIBLE');
    } finally {
      await other.remove();
    }
  });

  it('reports STORE_UNAVAILABLE after close', async () => {
    await commitLog(new LogBuilder(contractor), [1]);
    await store.close();
    expect(await failureCodeAsync(store.envelope('contractor', 0))).toBe('STORE_UNAVAILABLE');
    expect(await failureCodeAsync(store.objectHeads('x'))).toBe('STORE_UNAVAILABLE');
    store = await LedgerStore.open(dir.path);
  });
});
