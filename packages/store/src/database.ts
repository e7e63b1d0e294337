/**
 * The few LevelDB operations the store uses, with binary keys and values, and every failure
 * turned into a LiuhenError: callers above this file never see a `level` error.
 */

import { existsSync, readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ErrorCode, isLiuhenError, LiuhenError } from '@liuhen/core';
import { Level } from 'level';
import type { KeyRange } from './keys.ts';

export type Database = Level<Uint8Array, Uint8Array>;

export type Put = { type: 'put'; key: Uint8Array; value: Uint8Array };

/** classic-level has compactRange; the universal `level` typings leave it out. */
interface Compactable {
  compactRange(start: Uint8Array, end: Uint8Array): Promise<void>;
}

function storeError(error: unknown, code: ErrorCode = 'STORE_UNAVAILABLE'): LiuhenError {
  if (error instanceof LiuhenError) return error;
  const levelCode = (error as { code?: unknown } | undefined)?.code;
  const message = (error as Error | undefined)?.message;
  // LevelDB reports checksum and format failures as corruption: retrying cannot help. A full
  // disk gets its own code: the operator's remedy (free space) differs from any other I/O error.
  const mapped =
    levelCode === 'LEVEL_CORRUPTION'
      ? 'STORE_CORRUPT'
      : /No space left on device|ENOSPC/.test(message ?? '')
        ? 'STORE_FULL'
        : code;
  return new LiuhenError(mapped, message, { cause: error });
}

/**
 * classic-level hands out Buffers, whose `slice` aliases instead of copying; core copies hashes
 * with `slice`, and callers compare with plain arrays. A plain view over the same bytes fixes
 * both without a copy.
 */
export function plain(bytes: Uint8Array): Uint8Array;
export function plain(bytes: Uint8Array | undefined): Uint8Array | undefined;
export function plain(bytes: Uint8Array | undefined): Uint8Array | undefined {
  return bytes && new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function guard<T>(operation: () => Promise<T>, code?: ErrorCode): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw storeError(error, code);
  }
}

export async function openDatabase(path: string): Promise<Database> {
  const db: Database = new Level<Uint8Array, Uint8Array>(path, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    // LevelDB memory-maps every open table file, and each page a read touches then counts in
    // the process's resident memory, which so grows towards the size of the database. The open
    // tables bound it; the price is reopening tables once a store has more (197 at a million
    // entries). Measured there (docs/benchmarks.md), a 100-entry trace and the peak RSS under
    // reads: all open, 5.3 ms and 561 MB; 175, 6.5–7.7 ms and 474 MB; 100, 7.8–11.3 ms and 311 MB.
    // 175 keeps both within the node's targets (10 ms, 500 MB) at a million entries.
    maxOpenFiles: 175,
  });
  await guard(() => db.open());
  const damage = recoveryDamage(path);
  if (damage !== undefined) {
    await closeDatabase(db).catch(() => undefined);
    throw new LiuhenError('STORE_CORRUPT', `LevelDB dropped damaged records while recovering: ${damage}`);
  }
  return db;
}

/**
 * LevelDB recovers its write-ahead log by skipping records that fail their checksum and says so
 * only in its info log, which it starts afresh at every open. Without this check a damaged log
 * tail would silently reopen as a shorter, self-consistent store that had lost acknowledged
 * entries — and a node would then reuse their log indexes.
 */
function recoveryDamage(path: string): string | undefined {
  let log: string;
  try {
    log = readFileSync(join(path, 'LOG'), 'utf8');
  } catch {
    return undefined;
  }
  return log
    .split('\n')
    .find((line) => /corruption|dropping/i.test(line))
    ?.trim();
}

export function closeDatabase(db: Database): Promise<void> {
  return guard(() => db.close());
}

export function get(db: Database, key: Uint8Array): Promise<Uint8Array | undefined> {
  return guard(async () => plain(await db.get(key)));
}

export function getMany(db: Database, keys: Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
  // `level`'s typings predate abstract-level 2, which yields undefined for a missing key.
  return guard(async () =>
    ((await db.getMany(keys)) as (Uint8Array | undefined)[]).map((value) => plain(value)),
  );
}

/**
 * Point reads made in the same turn of the event loop, sent to LevelDB as one getMany. Each
 * read is a round trip through libuv's threadpool, and every append looks up its own id (and
 * often a parent) before it is queued; under load many appends arrive together.
 */
export class ReadBatcher {
  readonly #db: Database;
  #keys: Uint8Array[] = [];
  #waiting: Array<{ resolve: (value: Uint8Array | undefined) => void; reject: (error: unknown) => void }> =
    [];

  constructor(db: Database) {
    this.#db = db;
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#keys.length === 0) setImmediate(() => this.#flush());
      this.#keys.push(key);
      this.#waiting.push({ resolve, reject });
    });
  }

  #flush(): void {
    const keys = this.#keys;
    const waiting = this.#waiting;
    this.#keys = [];
    this.#waiting = [];
    getMany(this.#db, keys).then(
      (values) => {
        for (const [i, w] of waiting.entries()) w.resolve(values[i]);
      },
      (error) => {
        for (const w of waiting) w.reject(error);
      },
    );
  }
}

/**
 * Opt-in fault injection for the fault suite (test/faults/disk-full.test.ts), for machines where
 * no small file system can be mounted: while the file named by LIUHEN_STORE_FULL_FLAG exists,
 * every batch write fails as a full disk would (ENOSPC) before LevelDB sees it, and free space
 * reads as zero. Unset (always, outside tests), it costs one property read at start.
 */
const FULL_FLAG = process.env.LIUHEN_STORE_FULL_FLAG || undefined;

function injectedFull(): boolean {
  return FULL_FLAG !== undefined && existsSync(FULL_FLAG);
}

/**
 * After a failed write LevelDB's log writer is not to be trusted: a write cut short by a full
 * disk leaves a torn record in the write-ahead log, and the writer has already counted the bytes
 * it could not write, so the records it appends next are misaligned with the log's 32 KiB
 * blocks. At the next open LevelDB would drop them as damage — acknowledged blocks — and this
 * store would refuse to open (recoveryDamage). A failed write (or a background compaction that
 * failed, which LevelDB makes sticky) therefore marks the database, and the next write first
 * closes and reopens it: recovery then ends the log at the torn record (never acknowledged) and
 * starts a fresh one. Reopening needs room for LevelDB to turn the log into a table, so it waits
 * until the disk has that much free; until then writes fail with STORE_FULL and reads go on.
 */
const needsReopen = new WeakSet<Database>();
/** Free bytes wanted before a reopen: the log becomes a table of about its size, plus slack. */
const REOPEN_SLACK_BYTES = 1024 * 1024;

function freeBytes(path: string): number {
  if (injectedFull()) return 0;
  try {
    const fs = statfsSync(path);
    return fs.bavail * fs.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Bytes of LevelDB's write-ahead logs (NNNNNN.log; "LOG" is its info log). */
function walBytes(path: string): number {
  try {
    let total = 0;
    for (const name of readdirSync(path)) if (name.endsWith('.log')) total += statSync(join(path, name)).size;
    return total;
  } catch {
    return 0;
  }
}

async function reopen(db: Database): Promise<void> {
  const path = db.location;
  const wanted = 2 * walBytes(path) + REOPEN_SLACK_BYTES;
  const free = freeBytes(path);
  if (free < wanted)
    throw new LiuhenError('STORE_FULL', `${free} bytes free where the store is, ${wanted} needed to resume`);
  await guard(async () => {
    if (db.status === 'open') await db.close();
    await db.open();
  });
  const damage = recoveryDamage(path);
  if (damage !== undefined) {
    await closeDatabase(db).catch(() => undefined);
    throw new LiuhenError('STORE_CORRUPT', `LevelDB dropped damaged records while recovering: ${damage}`);
  }
  needsReopen.delete(db);
}

/**
 * The one durable write of a block: all of it or none of it, fsynced before it resolves. A
 * chained batch, because abstract-level's array form clones every operation with the batch
 * options and costs several times more per put.
 */
export async function writeBatch(db: Database, puts: readonly Put[]): Promise<void> {
  if (needsReopen.has(db)) await reopen(db);
  try {
    await guard(async () => {
      if (injectedFull())
        throw Object.assign(new Error(`IO error: ${db.location}: No space left on device (injected)`), {
          code: 'LEVEL_IO_ERROR',
        });
      const batch = db.batch();
      try {
        for (const { key, value } of puts) batch.put(key, value);
      } catch (error) {
        await batch.close();
        throw error;
      }
      await batch.write({ sync: true });
    }, 'STORAGE_FAILED');
  } catch (error) {
    if (!isLiuhenError(error, 'STORE_CORRUPT')) needsReopen.add(db);
    throw error;
  }
}

/**
 * Key/value pairs of a range, in key order (or reverse). The iterator reads ahead a bounded
 * number of bytes, so a scan of any length holds little in memory.
 */
const SCAN_BATCH = 256;

export async function* scan(
  db: Database,
  range: KeyRange,
  options: { limit?: number; reverse?: boolean } = {},
): AsyncGenerator<[Uint8Array, Uint8Array]> {
  const iterator = db.iterator({
    gte: range.gte,
    lt: range.lt,
    limit: options.limit ?? -1,
    reverse: options.reverse ?? false,
  });
  try {
    // Many records per native call: one call per record cost more than reading the records.
    for (;;) {
      const items = await guard(() => iterator.nextv(SCAN_BATCH));
      if (items.length === 0) return;
      for (const [key, value] of items) yield [plain(key), plain(value)];
    }
  } finally {
    await guard(() => iterator.close());
  }
}

/**
 * Records and bytes per native read of `scanBatches`: ~140 envelopes a call instead of the ~35
 * that classic-level's default, 16 KiB, allows. A 1 MiB read was no cheaper per record and, at a
 * million entries, left verification with ~200 MB more resident memory.
 */
const LONG_SCAN_BATCH = 256;
const LONG_SCAN_BYTES = 64 * 1024;

/**
 * The same records as `scan`, a native batch at a time, with the next batch requested before
 * this one is handed out: for long scans whose caller works on every record (the whole-store
 * audit, verification), so reading and that work overlap and no promise is made per record.
 * `scan` stays without the read-ahead, which would cost short range reads a native call each.
 *
 * The records are the binding's Buffers, not `plain` views: a caller that only reads them (the
 * audit hashes ~six per entry) saves two objects a record. One that hands them on wraps them
 * with `plain` (Buffer's `slice` aliases).
 */
export async function* scanBatches(
  db: Database,
  range: KeyRange,
): AsyncGenerator<Array<[Uint8Array, Uint8Array]>> {
  // Buffers straight from the binding: the `view` encoding would wrap each key and value in
  // one more object.
  const iterator = db.iterator<Uint8Array, Uint8Array>({
    gte: range.gte,
    lt: range.lt,
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    // classic-level's option; the universal `level` typings leave it out.
    highWaterMarkBytes: LONG_SCAN_BYTES,
  } as { gte: Uint8Array; lt: Uint8Array });
  const read = () => {
    const next = guard(() => iterator.nextv(LONG_SCAN_BATCH));
    // Handled here as well, so a failed read-ahead the caller never asks for is not an
    // unhandled rejection; a caller that does ask still gets the error.
    next.catch(() => undefined);
    return next;
  };
  let pending = read();
  try {
    for (;;) {
      const items = await pending;
      if (items.length === 0) return;
      pending = read();
      yield items;
    }
  } finally {
    await pending.catch(() => undefined);
    await guard(() => iterator.close());
  }
}

export async function compact(db: Database, range: KeyRange): Promise<void> {
  const compactable = db as unknown as Partial<Compactable>;
  if (typeof compactable.compactRange === 'function') {
    await guard(() => (compactable as Compactable).compactRange(range.gte, range.lt));
  }
}
