/**
 * verifyStore over a real LevelDB store of two blocks (1,100 and 300 entries, so the first
 * block's entries go to the workers as several batches), each case on its own copy damaged
 * through LevelDB itself. Every finding must name what is damaged, whichever batch and worker
 * the entry went to, and the index audit (stored tables read while the workers verify) must
 * catch a missing, an extra and a wrong index record. A verify worker that crashes or exits
 * fails the verification with a typed error instead of leaving it waiting.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  buildEntry,
  cutBlock,
  emptyLogState,
  generateKeyPair,
  isLiuhenError,
  type LogState,
  type SignedEntry,
  signEntry,
} from '@liuhen/core';
import { encodeGenesis, networkId } from '@liuhen/governance';
import { indexRecord, LedgerStore } from '@liuhen/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRecord, openRawDb, type RawDb } from '../../../test/helpers/raw-level.ts';
import { type VerifyReport, VerifyWorkerPool, verifyStore } from '../src/verify-store.ts';
import { packEnvelopes } from '../src/verify-worker.ts';
import { jointBody, SEGMENT, T0, testGenesis } from './fixtures.ts';

const ORG = 'contractor';
const BLOCKS = [1_100, 300];

const nodeKey = generateKeyPair();
const operator = generateKeyPair();
const genesis = testGenesis([{ id: ORG, nodeKey: nodeKey.publicKey }]);
const network = networkId(encodeGenesis(genesis));

let scratch: string;
let template: string;
/** Every entry in log order, with the height of its block. */
const entries: Array<{ signed: SignedEntry; height: number }> = [];
let copies = 0;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'liuhen-verify-store-'));
  template = join(scratch, 'template');
  const store = await LedgerStore.open(template);
  let state: LogState = emptyLogState();
  for (const [b, size] of BLOCKS.entries()) {
    const signed = Array.from({ length: size }, (_, i) =>
      signEntry(
        buildEntry({
          network,
          org: ORG,
          object: `${SEGMENT}-${(entries.length + i) % 13}`,
          kind: 'construction.joint-made',
          time: T0 + entries.length + i,
          signer: operator.publicKey,
          role: 'QI',
          body: jointBody(entries.length + i),
        }),
        operator.seed,
      ),
    );
    const cut = cutBlock(
      state,
      signed.map((s) => s.envelope),
      { network, org: ORG, seed: nodeKey.seed, time: T0 + b, governance: { seq: 0, hash: network } },
    );
    await store.commitBlock({
      header: cut.block.header,
      envelopes: cut.block.envelopes,
      entries: signed.map((s) => indexRecord(s.id, s.entry)),
      nodes: cut.nodes,
    });
    state = cut.state;
    for (const s of signed) entries.push({ signed: s, height: cut.block.header.height });
  }
  await store.close();
}, 120_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Verifies a copy of the template store after `damage` has edited it through LevelDB. */
async function verifyCopy(damage?: (db: RawDb) => Promise<void>): Promise<VerifyReport> {
  const path = join(scratch, `copy-${++copies}`);
  cpSync(template, path, { recursive: true });
  if (damage) {
    const db = await openRawDb(path);
    try {
      await damage(db);
    } finally {
      await db.close();
    }
  }
  const store = await LedgerStore.open(path);
  try {
    return await verifyStore({ store, genesis, networkId: network, threads: 2 });
  } finally {
    await store.close();
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function envelopeRecord(db: RawDb, index: number) {
  const envelope = (entries[index] as (typeof entries)[number]).signed.envelope;
  return findRecord(db, (value) => sameBytes(value, envelope));
}

/** The first record of one table (keys start with its one-letter prefix). */
function firstOf(db: RawDb, prefix: string) {
  return findRecord(db, (_value, key) => key[0] === prefix.charCodeAt(0));
}

describe('verifyStore', () => {
  it('finds an intact store clean', async () => {
    const report = await verifyCopy();
    expect(report).toMatchObject({ ok: true, entries: 1_400, blocks: 2, findings: [] });
  });

  it('names damaged entries by index and block, in whichever batch they were verified', async () => {
    // 700 is in the first block's second batch, 1,250 in the second block.
    const damaged = [3, 700, 1_250];
    const report = await verifyCopy(async (db) => {
      for (const index of damaged) {
        const { key, value } = await envelopeRecord(db, index);
        const forged = Uint8Array.from(value);
        forged[forged.length - 10] = (forged[forged.length - 10] as number) ^ 0x55;
        await db.put(key, forged);
      }
    });
    expect(report.ok).toBe(false);
    expect(report.findings.filter((f) => f.kind === 'entry').map((f) => [f.index, f.height, f.code])).toEqual(
      damaged.map((index) => [index, entries[index]?.height, 'SIGNATURE_INVALID']),
    );
    for (const height of [1, 2])
      expect(report.findings).toContainEqual(
        expect.objectContaining({ kind: 'block', height, code: 'BLOCK_ROOT_MISMATCH' }),
      );
  });

  it('names a missing envelope and its block', async () => {
    const report = await verifyCopy(async (db) => {
      await db.del((await envelopeRecord(db, 900)).key);
    });
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'log', index: 900, message: 'entry 900 is missing' }),
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'block', height: 1, code: 'BLOCK_MALFORMED' }),
    );
  });

  it('names each derived table with a missing, an extra or a wrong record, and nothing else', async () => {
    const report = await verifyCopy(async (db) => {
      // Missing: a kind posting.
      await db.del((await firstOf(db, 'K')).key);
      // Extra: a time posting under a sequence number no entry has.
      const time = await firstOf(db, 'T');
      const extra = Uint8Array.from(time.key);
      extra[extra.length - 1] = 0xff;
      await db.put(extra, time.value);
      // Wrong: two id records that point at each other's entries.
      const first = await firstOf(db, 'I');
      const second = await findRecord(db, (_v, key) => key[0] === 0x49 && !sameBytes(key, first.key));
      await db.put(first.key, second.value);
      await db.put(second.key, first.value);
      // Wrong: a stored Merkle node.
      const node = await firstOf(db, 'M');
      const altered = Uint8Array.from(node.value);
      altered[0] = (altered[0] as number) ^ 1;
      await db.put(node.key, altered);
    });
    expect(report.findings).toEqual(
      ['id index', 'kind index', 'time index', 'stored Merkle node'].map((table) => ({
        kind: 'index',
        code: 'STORE_CORRUPT',
        message: `the ${table} table does not match the verified logs`,
      })),
    );
    expect(report.entries).toBe(1_400);
  });
});

describe('verify workers that stop', () => {
  /** A worker script that takes tasks and, on the first, does `onTask`. */
  function workerScript(name: string, onTask: string): URL {
    const path = join(scratch, `${name}.mjs`);
    writeFileSync(
      path,
      `import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { ${onTask} });\n`,
    );
    return pathToFileURL(path);
  }

  const task = (seq: number) => ({
    seq,
    network,
    org: ORG,
    orgNo: 0,
    firstIndex: 0,
    maxEntryBytes: genesis.parameters.maxEntryBytes,
    ...packEnvelopes([(entries[seq] as (typeof entries)[number]).signed.envelope]),
  });

  for (const [name, onTask, cause] of [
    ['throws', "throw new Error('a bug in the worker')", /verify worker 0 failed: a bug in the worker/],
    ['exits', 'process.exit(3)', /verify worker 0 exited with code 3/],
  ] as const) {
    it(`rejects the batches in hand and every later one when a worker ${name}`, async () => {
      const pool = new VerifyWorkerPool(1, workerScript(name, onTask));
      try {
        const outcomes = await Promise.allSettled([pool.run(task(0)), pool.run(task(1))]);
        for (const outcome of outcomes) {
          expect(outcome.status).toBe('rejected');
          const reason = (outcome as PromiseRejectedResult).reason;
          expect(isLiuhenError(reason, 'VERIFY_WORKER_FAILED')).toBe(true);
          expect(reason.message).toMatch(cause);
        }
        await expect(pool.run(task(2))).rejects.toBe(pool.failure);
      } finally {
        await pool.close();
      }
    });
  }

  it('lets a worker closed on purpose go without a failure', async () => {
    const pool = new VerifyWorkerPool(2);
    const result = await pool.run(task(0));
    expect(result.failures).toEqual([]);
    // The entry's id, object, kind, signer and time records, for the main thread to digest.
    expect(result.records.ends.length).toBe(5);
    await pool.close();
    expect(pool.failure).toBeUndefined();
  });
});
