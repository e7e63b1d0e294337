/**
 * Damage on disk. A real daemon builds a store in two runs (so the LevelDB directory holds both a
 * table file, .ldb, with the first run's blocks and a write-ahead log, .log, with the second's),
 * then stops. Each case damages its own copy of the data directory — bytes flipped in the
 * LevelDB files, in a blob file, records rewritten through LevelDB itself — and runs
 * `liuhen-node verify`. It must exit 1 and name what is damaged (entry index, block height,
 * blob hash), or report a clean storage error, and never say ok; never a crash or a stack trace.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBase64, fromHex, parseBlockHeader, toHex, utf8 } from '@liuhen/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  cliAsync,
  type PreparedNode,
  prepareNode,
  removeDir,
  startNode,
  stopAll,
} from '../scripts/lib/node-process.ts';
import { type Ack, type FoundEntry, request, type Status } from './helpers/http.ts';
import { findRecord, openRawDb } from './helpers/raw-level.ts';
import { jointRecord, laneSegment } from './helpers/records.ts';

const ORG = 'contractor';
/** Blocks per run, entries per block. */
const BLOCKS = 8;
const PER_BLOCK = 10;

interface Built {
  ack: Ack;
  run: 1 | 2;
  envelope: Uint8Array;
  /** The signed checkpoint note of the entry's block. */
  checkpoint: string;
}

let prepared: PreparedNode;
let scratch: string;
const entries: Built[] = [];
let blobHash: string;
let totalEntries: number;
let totalBlocks: number;
let copies = 0;

interface Report {
  ok: boolean;
  entries: number;
  blocks: number;
  blobs: number;
  findings: Array<{
    kind: string;
    org?: string;
    index?: number;
    height?: number;
    blob?: string;
    code: string;
    message: string;
  }>;
}

beforeAll(async () => {
  prepared = prepareNode(ORG, [{ name: 'li-wei', roles: ['QI'] }]);
  scratch = mkdtempSync(join(tmpdir(), 'liuhen-corruption-'));
  const token = prepared.tokens['li-wei'] as string;
  for (const run of [1, 2] as const) {
    const node = await startNode(prepared.dir);
    if (run === 1) {
      const photo = new TextEncoder().encode('JPEG stand-in: trench bottom at chainage 0+024. '.repeat(100));
      const up = await request<{ sha256: string }>(node.url, '/v1/blobs', {
        token,
        contentType: 'application/octet-stream',
        body: photo,
      });
      blobHash = up.json.sha256;
    }
    for (let b = 0; b < BLOCKS; b++) {
      // Concurrent appends share a block: about PER_BLOCK entries each.
      const acks = await Promise.all(
        Array.from({ length: PER_BLOCK }, async (_, i) => {
          const response = await request<Ack>(node.url, '/v1/entries', {
            token,
            body: {
              object: laneSegment(`run-${run}`, i % 3),
              kind: 'construction.joint-made',
              role: 'QI',
              body: jointRecord(b * PER_BLOCK + i),
            },
          });
          expect(response.status).toBe(201);
          return response.json;
        }),
      );
      for (const ack of acks) {
        const found = await request<FoundEntry>(node.url, `/v1/entries/${ack.id}?proof=1`, { token });
        entries.push({
          ack,
          run,
          envelope: fromBase64(found.json.envelope),
          checkpoint: found.json.proof?.checkpoint as string,
        });
      }
    }
    const status = await request<Status>(node.url, '/v1/status', { token });
    totalEntries = status.json.log.size;
    totalBlocks = status.json.log.height;
    expect(await node.stop('SIGTERM')).toBe(0);
  }
  entries.sort((a, b) => a.ack.index - b.ack.index);
  // The layout the cases rely on: the first run's blocks in a table, the second's in the log.
  const files = readdirSync(join(prepared.dir, 'db'));
  expect(files.filter((f) => f.endsWith('.ldb')).length).toBeGreaterThan(0);
  expect(files.filter((f) => f.endsWith('.log')).length).toBe(1);
}, 180_000);

afterAll(async () => {
  await stopAll();
  if (prepared) removeDir(prepared.dir);
  if (scratch) removeDir(scratch);
});

/** A fresh copy of the built data directory; the original is never opened again. */
function copy(): string {
  const dir = join(scratch, `copy-${++copies}`);
  cpSync(prepared.dir, dir, { recursive: true });
  return dir;
}

function dbFiles(dir: string, extension: '.ldb' | '.log'): string[] {
  return readdirSync(join(dir, 'db'))
    .filter((f) => f.endsWith(extension))
    .map((f) => join(dir, 'db', f));
}

/** The file and offset where `needle` occurs exactly once among `files`. */
function locate(files: string[], needle: Uint8Array): { file: string; offset: number } {
  const hits: Array<{ file: string; offset: number }> = [];
  for (const file of files) {
    const bytes = readFileSync(file);
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1))
      hits.push({ file, offset: at });
  }
  if (hits.length !== 1) throw new Error(`expected the bytes once, found them ${hits.length} times`);
  return hits[0] as { file: string; offset: number };
}

function flip(file: string, offset: number, mask = 0x55): void {
  const bytes = readFileSync(file);
  bytes[offset] = (bytes[offset] as number) ^ mask;
  writeFileSync(file, bytes);
}

/** Where an entry's signature bytes sit in the LevelDB files of `dir` (a middle slice: unique). */
function signatureIn(dir: string, entry: Built, extension: '.ldb' | '.log') {
  const signature = entry.envelope.subarray(entry.envelope.length - 64);
  return locate(dbFiles(dir, extension), signature.subarray(16, 48));
}

async function verify(dir: string): Promise<Report> {
  const result = await cliAsync(['verify', '--data-dir', dir, '--json', '--threads', '1']);
  expect(result.stderr, 'verify wrote to stderr').toBe('');
  expect(result.stdout).not.toMatch(/store verifies clean/);
  const report = JSON.parse(result.stdout) as Report;
  expect(result.status, JSON.stringify(report.findings, null, 1)).toBe(1);
  expect(report.ok).toBe(false);
  expect(report.findings.length).toBeGreaterThan(0);
  return report;
}

const heightOf = (entry: Built) => entry.ack.height;
const middle = (run: 1 | 2, n = 0) =>
  entries.filter((e) => e.run === run)[Math.floor(BLOCKS / 2) * PER_BLOCK + n] as Built;

describe('the undamaged store', () => {
  it('verifies clean', async () => {
    const result = await cliAsync(['verify', '--data-dir', copy(), '--json', '--threads', '1']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      entries: totalEntries,
      blocks: totalBlocks,
      blobs: 1,
      findings: [],
    });
  });
});

describe('bytes flipped in the LevelDB files', () => {
  it('in entries stored in a table file (.ldb): each damaged entry is named by index', async () => {
    const dir = copy();
    const damaged = [entries.find((e) => e.run === 1) as Built, middle(1, 3), middle(1, 4 * PER_BLOCK - 8)];
    for (const entry of damaged) {
      const { file, offset } = signatureIn(dir, entry, '.ldb');
      flip(file, offset + 5);
    }
    const report = await verify(dir);
    const named = report.findings.filter((f) => f.kind === 'entry');
    expect(named.map((f) => [f.index, f.height, f.code])).toEqual(
      damaged.map((e) => [e.ack.index, heightOf(e), 'SIGNATURE_INVALID']),
    );
    // The damaged leaves no longer give the signed roots.
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        kind: 'block',
        height: heightOf(damaged[0] as Built),
        code: 'BLOCK_ROOT_MISMATCH',
      }),
    );
  });

  it("in a block header's signature stored in a table file: the block is named", async () => {
    const dir = copy();
    const entry = middle(1);
    const note = entry.checkpoint;
    // The org's signature line: "— <origin> <base64 of key hash and signature>".
    const signature = note.trimEnd().split('\n').at(-1)?.split(' ').at(-1) as string;
    const { file, offset } = locate(dbFiles(dir, '.ldb'), utf8(signature.slice(12, 40)));
    // Another base64 character at the same place: the note still parses, the signature fails.
    const bytes = readFileSync(file);
    bytes[offset + 4] = bytes[offset + 4] === 0x41 ? 0x42 : 0x41;
    writeFileSync(file, bytes);
    const report = await verify(dir);
    expect(report.findings).toEqual([
      expect.objectContaining({
        kind: 'block',
        org: ORG,
        height: heightOf(entry),
        code: 'SIGNATURE_INVALID',
      }),
    ]);
  });

  it("in a table file's footer: a clean storage error", async () => {
    const dir = copy();
    for (const file of dbFiles(dir, '.ldb')) {
      const size = readFileSync(file).length;
      flip(file, size - 3); // inside the 8-byte magic number
    }
    const report = await verify(dir);
    expect(report.findings).toEqual([
      {
        kind: 'storage',
        code: 'STORE_CORRUPT',
        message: expect.stringMatching(/Corruption: .*bad magic number/),
      },
    ]);
  });

  // LevelDB recovers its write-ahead log by dropping records that fail their checksum, with the
  // rest of their 32 KiB block, and says so only in its info log; the store reads that log at
  // open and refuses, so a damaged tail cannot reopen as a shorter, consistent-looking store.
  for (const [where, pick] of [
    ['an early record', () => entries.find((e) => e.run === 2) as Built],
    ['the last record', () => entries.at(-1) as Built],
  ] as const) {
    it(`in ${where} of the write-ahead log (.log): a clean storage error`, async () => {
      const dir = copy();
      const { file, offset } = signatureIn(dir, pick(), '.log');
      flip(file, offset + 5);
      const report = await verify(dir);
      expect(report.findings).toEqual([
        {
          kind: 'storage',
          code: 'STORE_CORRUPT',
          message: expect.stringMatching(/cannot be opened: .*dropped damaged records/),
        },
      ]);
    });
  }

  it('in the MANIFEST: a clean storage error', async () => {
    const dir = copy();
    const manifest = readdirSync(join(dir, 'db')).find((f) => f.startsWith('MANIFEST-')) as string;
    flip(join(dir, 'db', manifest), 20);
    const report = await verify(dir);
    expect(report.findings).toEqual([
      {
        kind: 'storage',
        code: 'STORE_CORRUPT',
        message: expect.stringMatching(/cannot be opened: .*Corruption/),
      },
    ]);
  });

  it('also fails in the human-readable output, naming the entry', () => {
    const dir = copy();
    const entry = middle(1, 1);
    const { file, offset } = signatureIn(dir, entry, '.ldb');
    flip(file, offset + 7);
    const result = cli(['verify', '--data-dir', dir, '--threads', '1']);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^FAILED: \d+ problem\(s\)/);
    expect(result.stdout).toMatch(
      new RegExp(`SIGNATURE_INVALID {2}entry ${ORG} entry ${entry.ack.index} block ${heightOf(entry)}:`),
    );
    expect(result.stdout).not.toMatch(/^ok/m);
  });
});

describe('damage in a blob file', () => {
  it('names the blob', async () => {
    const dir = copy();
    flip(join(dir, 'blobs', blobHash.slice(0, 2), blobHash), 100);
    const report = await verify(dir);
    expect(report.findings).toEqual([
      { kind: 'blob', blob: blobHash, code: 'BLOB_CORRUPT', message: expect.stringContaining(blobHash) },
    ]);
  });
});

describe('records rewritten through LevelDB itself', () => {
  it('a stored header, its time changed: that block is named, and the link to it breaks', async () => {
    const dir = copy();
    const entry = middle(1);
    const height = heightOf(entry);
    const db = await openRawDb(join(dir, 'db'));
    try {
      const text = (value: Uint8Array) => Buffer.from(value).toString('utf8');
      const { key, value } = await findRecord(
        db,
        (v) => text(v).startsWith(`liuhen/`) && text(v).includes(`\nheight ${height}\n`),
      );
      const header = parseBlockHeader(text(value));
      expect(header.height).toBe(height);
      const forged = text(value).replace(`\ntime ${header.time}\n`, `\ntime ${header.time + 1}\n`);
      expect(forged).not.toBe(text(value));
      await db.put(key, utf8(forged));
    } finally {
      await db.close();
    }
    const report = await verify(dir);
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'block', height, code: 'SIGNATURE_INVALID' }),
      expect.objectContaining({ kind: 'block', height: height + 1, code: 'BLOCK_CHAIN_BROKEN' }),
    ]);
  });

  it('a stored envelope, its body changed: the entry and its block are named', async () => {
    const dir = copy();
    const entry = middle(2, 2);
    const db = await openRawDb(join(dir, 'db'));
    try {
      const { key, value } = await findRecord(db, (v) => Buffer.from(v).equals(Buffer.from(entry.envelope)));
      const forged = Buffer.from(
        Buffer.from(value).toString('latin1').replace('rubber-ring', 'rubber-rinG'),
        'latin1',
      );
      expect(forged.equals(Buffer.from(value))).toBe(false);
      await db.put(key, new Uint8Array(forged));
    } finally {
      await db.close();
    }
    const report = await verify(dir);
    expect(report.findings[0]).toEqual(
      expect.objectContaining({
        kind: 'entry',
        index: entry.ack.index,
        height: heightOf(entry),
        code: 'SIGNATURE_INVALID',
      }),
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'block', height: heightOf(entry), code: 'BLOCK_ROOT_MISMATCH' }),
    );
  });

  it('a stored envelope, deleted: the missing entry is named', async () => {
    const dir = copy();
    // An entry with a later one in its block, so the gap shows inside the block.
    const at = entries.findIndex(
      (e, i) => e.run === 1 && i > 40 && entries[i + 1]?.ack.height === e.ack.height,
    );
    const entry = entries[at] as Built;
    const db = await openRawDb(join(dir, 'db'));
    try {
      const { key } = await findRecord(db, (v) => Buffer.from(v).equals(Buffer.from(entry.envelope)));
      await db.del(key);
    } finally {
      await db.close();
    }
    const report = await verify(dir);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        kind: 'log',
        index: entry.ack.index,
        message: `entry ${entry.ack.index} is missing`,
      }),
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'block', height: heightOf(entry), code: 'BLOCK_MALFORMED' }),
    );
  });

  // The id table loses an entry (as a flipped byte in its key would do): GET /v1/entries/{id}
  // would answer 404 for an acknowledged entry and the duplicate guard would miss it, though the
  // log itself is intact. verify audits the derived tables against the verified logs.
  it('an id-table record renamed: the id index is named', async () => {
    const dir = copy();
    const entry = middle(1, 5);
    const id = fromHex(entry.ack.id);
    const db = await openRawDb(join(dir, 'db'));
    try {
      const { key, value } = await findRecord(
        db,
        (_v, k) => k.length === 33 && k[0] === 0x49 && Buffer.from(k.subarray(1)).equals(Buffer.from(id)),
      );
      const renamed = Uint8Array.from(key);
      renamed[10] = (renamed[10] as number) ^ 0x55;
      await db.del(key);
      await db.put(renamed, value);
    } finally {
      await db.close();
    }
    expect(toHex(id)).toBe(entry.ack.id);
    const report = await verify(dir);
    expect(report.findings).toEqual([
      { kind: 'index', code: 'STORE_CORRUPT', message: expect.stringContaining('the id index table') },
    ]);
  });
});
