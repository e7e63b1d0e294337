/**
 * A consistent copy of a whole store while its node keeps writing (the online backup,
 * docs/operations.md). LevelDB gives an iterator a snapshot taken synchronously when the
 * iterator is created, and every block and governance action is one atomic batch, so one
 * iterator over every key sees the store exactly as it was between two commits: never half a
 * block. The copy is a flat stream of key/value records, so it can travel over HTTP from a
 * running daemon (which holds LevelDB's lock) to the `backup` command, and is rebuilt into a
 * fresh LevelDB directory by `restoreSnapshot`.
 *
 * Format (all integers big-endian):
 *
 *   "LIUHEN-STORE-SNAPSHOT/1\n"
 *   record*      u32 key length (> 0), key, u32 value length, value
 *   trailer      u32 0, u64 record count, SHA-256 of every byte before the trailer's count
 *
 * The trailer makes a truncated or altered copy fail loudly (STORE_CORRUPT) at restore, before
 * the rebuilt database replaces anything.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { equalBytes, LiuhenError, toHex } from '@liuhen/core';
import { closeDatabase, type Database, openDatabase, type Put, scan, writeBatch } from './database.ts';
import { readU64, writeU32, writeU64 } from './integers.ts';
import { everything } from './keys.ts';

export const SNAPSHOT_MAGIC = new TextEncoder().encode('LIUHEN-STORE-SNAPSHOT/1\n');
/** Records are sent in chunks of about this many bytes: few writes, bounded memory. */
const CHUNK_BYTES = 1024 * 1024;
/** Bytes of records written to the rebuilt database per batch. */
const BATCH_BYTES = 8 * 1024 * 1024;
/** Larger than any key or value this store writes (entries are capped well below it). */
const MAX_RECORD_PART = 64 * 1024 * 1024;

export interface SnapshotSummary {
  records: number;
  /** SHA-256 of the snapshot up to its trailer's count, hex, as the trailer states it. */
  sha256: string;
}

/**
 * The snapshot of `db` as encoded chunks. The iterator, and so the snapshot, is created before
 * the first chunk is yielded: callers that must pin the moment (a backup that copies blobs after
 * it) call `next()` once before doing anything else.
 */
export async function* encodeSnapshot(db: Database): AsyncGenerator<Uint8Array> {
  const records = scan(db, everything);
  // Creating the iterator takes the snapshot; the generator body runs up to its first read.
  const first = records.next();
  const hash = createHash('sha256');
  let parts: Uint8Array[] = [SNAPSHOT_MAGIC];
  let bytes = SNAPSHOT_MAGIC.length;
  let count = 0;
  const flush = () => {
    const chunk = Buffer.concat(parts, bytes);
    hash.update(chunk);
    parts = [];
    bytes = 0;
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  };
  let next = await first;
  while (!next.done) {
    const [key, value] = next.value;
    const head = new Uint8Array(4);
    writeU32(head, 0, key.length);
    const mid = new Uint8Array(4);
    writeU32(mid, 0, value.length);
    parts.push(head, key, mid, value);
    bytes += 8 + key.length + value.length;
    count++;
    if (bytes >= CHUNK_BYTES) yield flush();
    next = await records.next();
  }
  const end = new Uint8Array(4);
  parts.push(end);
  bytes += 4;
  const tail = flush();
  const counted = new Uint8Array(8);
  writeU64(counted, 0, count);
  hash.update(counted);
  const trailer = new Uint8Array(tail.length + 8 + 32);
  trailer.set(tail, 0);
  trailer.set(counted, tail.length);
  trailer.set(hash.digest(), tail.length + 8);
  yield trailer;
}

/** Reads exactly `n` bytes at a time from a chunk stream. */
class ByteReader {
  readonly #chunks: AsyncIterator<Uint8Array>;
  #buffer: Uint8Array = new Uint8Array(0);
  #at = 0;
  readonly hash = createHash('sha256');

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#chunks = source[Symbol.asyncIterator]();
  }

  async read(n: number, hashed = true): Promise<Uint8Array> {
    while (this.#buffer.length - this.#at < n) {
      const next = await this.#chunks.next();
      if (next.done) throw new LiuhenError('STORE_CORRUPT', 'the snapshot ends before its trailer');
      const rest = this.#buffer.subarray(this.#at);
      const joined = new Uint8Array(rest.length + next.value.length);
      joined.set(rest, 0);
      joined.set(next.value, rest.length);
      this.#buffer = joined;
      this.#at = 0;
    }
    const out = this.#buffer.slice(this.#at, this.#at + n);
    this.#at += n;
    if (hashed) this.hash.update(out);
    return out;
  }

  async atEnd(): Promise<boolean> {
    if (this.#at < this.#buffer.length) return false;
    for (;;) {
      const next = await this.#chunks.next();
      if (next.done) return true;
      if (next.value.length > 0) {
        this.#buffer = next.value;
        this.#at = 0;
        return false;
      }
    }
  }
}

function u32(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
}

/**
 * The records of a snapshot stream, in order. The trailer is checked after the last record: a
 * consumer has seen every record before learning whether the whole is intact, so it must not
 * make them visible until the generator has finished without error (STORE_CORRUPT otherwise).
 */
export async function* decodeSnapshot(
  source: AsyncIterable<Uint8Array>,
  summary: { records?: number; sha256?: string } = {},
): AsyncGenerator<[Uint8Array, Uint8Array]> {
  const reader = new ByteReader(source);
  if (!equalBytes(await reader.read(SNAPSHOT_MAGIC.length), SNAPSHOT_MAGIC))
    throw new LiuhenError('STORE_CORRUPT', 'not a Liuhen store snapshot (format 1)');
  let count = 0;
  for (;;) {
    const keyLength = u32(await reader.read(4));
    if (keyLength === 0) break;
    if (keyLength > MAX_RECORD_PART) throw new LiuhenError('STORE_CORRUPT', 'a snapshot key is too long');
    const key = await reader.read(keyLength);
    const valueLength = u32(await reader.read(4));
    if (valueLength > MAX_RECORD_PART) throw new LiuhenError('STORE_CORRUPT', 'a snapshot value is too long');
    yield [key, await reader.read(valueLength)];
    count++;
  }
  const counted = await reader.read(8);
  const expected = await reader.read(32, false);
  const actual = new Uint8Array(reader.hash.digest());
  if (readU64(counted, 0) !== count || !equalBytes(expected, actual))
    throw new LiuhenError(
      'STORE_CORRUPT',
      `the snapshot does not match its trailer (${count} records read, ${readU64(counted, 0)} stated)`,
    );
  if (!(await reader.atEnd())) throw new LiuhenError('STORE_CORRUPT', 'bytes follow the snapshot trailer');
  summary.records = count;
  summary.sha256 = toHex(actual);
}

/** Reads a whole snapshot stream and checks its trailer; STORE_CORRUPT if it does not match. */
export async function checkSnapshot(source: AsyncIterable<Uint8Array>): Promise<SnapshotSummary> {
  const summary: { records?: number; sha256?: string } = {};
  for await (const _record of decodeSnapshot(source, summary)) {
    // Only the trailer's verdict matters here.
  }
  return summary as SnapshotSummary;
}

/**
 * Rebuilds a store from a snapshot stream into `path`, which must not exist or be empty. The
 * records go to `<path>.restoring` first and are moved into place only once the trailer's count
 * and hash match what arrived, so a damaged snapshot leaves nothing behind (STORE_CORRUPT).
 */
export async function restoreSnapshot(
  path: string,
  source: AsyncIterable<Uint8Array>,
): Promise<SnapshotSummary> {
  if (existsSync(path) && readdirSync(path).length > 0)
    throw new LiuhenError(
      'CONFIG_INVALID',
      `${path} already holds a database; restore into a fresh directory`,
    );
  const temp = `${path}.restoring`;
  await rm(temp, { recursive: true, force: true });
  let db: Database | undefined = await openDatabase(temp);
  try {
    const summary: { records?: number; sha256?: string } = {};
    let puts: Put[] = [];
    let bytes = 0;
    for await (const [key, value] of decodeSnapshot(source, summary)) {
      puts.push({ type: 'put', key, value });
      bytes += key.length + value.length;
      if (bytes >= BATCH_BYTES) {
        await writeBatch(db, puts);
        puts = [];
        bytes = 0;
      }
    }
    if (puts.length > 0) await writeBatch(db, puts);
    await closeDatabase(db);
    db = undefined;
    await rm(path, { recursive: true, force: true });
    await rename(temp, path);
    return summary as SnapshotSummary;
  } catch (error) {
    if (db !== undefined) await closeDatabase(db).catch(() => undefined);
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
