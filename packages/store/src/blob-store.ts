/**
 * Attachments, content-addressed: the blob with SHA-256 h is the file <dir>/<first two hex
 * digits of h>/<h in hex>. Blobs are streamed in both directions and never held in memory.
 *
 * A blob appears under its name only once it is complete and durable: it is written to a
 * temporary file in <dir> (the same file system, so the rename is atomic), fsynced, renamed,
 * and the directory fsynced so the rename itself survives a crash. Reads re-hash as they go,
 * so a file damaged on disk is never served as good.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { equalBytes, fromHex, HASH_SIZE, LiuhenError, toHex } from '@liuhen/core';

export interface PutOptions {
  /** Refuse (BLOB_TOO_LARGE) once more than this many bytes have arrived. */
  readonly maxBytes: number;
  /** Refuse (BLOB_HASH_MISMATCH) unless the content has this SHA-256. */
  readonly expectedSha256?: Uint8Array;
}

export interface StoredBlob {
  readonly sha256: Uint8Array;
  readonly size: number;
}

const TEMP_PREFIX = '.tmp-';
const SHARD = /^[0-9a-f]{2}$/;
const NAME = /^[0-9a-f]{64}$/;

function requireHash(sha256: Uint8Array): string {
  if (!(sha256 instanceof Uint8Array) || sha256.length !== HASH_SIZE) {
    throw new LiuhenError('REQUEST_INVALID', `a blob is named by a ${HASH_SIZE}-byte SHA-256`);
  }
  return toHex(sha256);
}

function storageError(error: unknown): LiuhenError {
  if (error instanceof LiuhenError) return error;
  return new LiuhenError('STORAGE_FAILED', (error as Error).message, { cause: error });
}

async function io<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw storageError(error);
  }
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ENOENT';
}

/** Makes a rename or a new directory entry durable. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, at, chunk.length - at);
    at += bytesWritten;
  }
}

async function* verifiedChunks(path: string, hex: string): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  } catch (error) {
    if (isMissing(error)) throw new LiuhenError('BLOB_NOT_FOUND', `no blob ${hex}`);
    throw storageError(error);
  }
  if (hash.digest('hex') !== hex)
    throw new LiuhenError('BLOB_CORRUPT', `blob ${hex} no longer matches its hash`);
}

export class BlobStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  #path(hex: string): string {
    return join(this.#dir, hex.slice(0, 2), hex);
  }

  /**
   * Streams `source` into the store, hashing as it goes. On any failure the temporary file is
   * removed and nothing is stored. Storing a blob that is already present replaces its file with
   * the identical, freshly verified content, which also repairs a damaged copy.
   */
  async put(source: AsyncIterable<Uint8Array> | Readable, options: PutOptions): Promise<StoredBlob> {
    const { maxBytes, expectedSha256 } = options;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new LiuhenError('REQUEST_INVALID', 'maxBytes must be a non-negative integer');
    }
    if (expectedSha256 !== undefined) requireHash(expectedSha256);
    const temp = join(this.#dir, `${TEMP_PREFIX}${randomUUID()}`);
    await io(mkdir(this.#dir, { recursive: true }));
    const handle = await io(open(temp, 'wx'));
    const hash = createHash('sha256');
    let size = 0;
    try {
      try {
        // Errors of the source itself (a client that hangs up) reach the caller as they are.
        for await (const chunk of source as AsyncIterable<unknown>) {
          if (!(chunk instanceof Uint8Array))
            throw new LiuhenError('REQUEST_INVALID', 'a blob is bytes, not text');
          size += chunk.length;
          if (size > maxBytes) throw new LiuhenError('BLOB_TOO_LARGE', `more than ${maxBytes} bytes`);
          hash.update(chunk);
          await io(writeAll(handle, chunk));
        }
        await io(handle.sync());
      } finally {
        await io(handle.close());
      }
      const sha256 = new Uint8Array(hash.digest());
      const hex = toHex(sha256);
      if (expectedSha256 !== undefined && !equalBytes(sha256, expectedSha256)) {
        throw new LiuhenError('BLOB_HASH_MISMATCH', `expected ${toHex(expectedSha256)}, received ${hex}`);
      }
      await this.#install(temp, hex);
      return { sha256, size };
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  async #install(temp: string, hex: string): Promise<void> {
    const shard = join(this.#dir, hex.slice(0, 2));
    const created = await io(mkdir(shard, { recursive: true }));
    if (created !== undefined) await io(syncDirectory(this.#dir));
    await io(rename(temp, this.#path(hex)));
    await io(syncDirectory(shard));
  }

  async has(sha256: Uint8Array): Promise<boolean> {
    const hex = requireHash(sha256);
    try {
      return (await stat(this.#path(hex))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw storageError(error);
    }
  }

  /**
   * The blob's bytes as a stream that fails with BLOB_NOT_FOUND if there is no such blob, and
   * with BLOB_CORRUPT at the end if the bytes read do not have the hash: a consumer must treat
   * the content as untrusted until the stream ends without error.
   */
  get(sha256: Uint8Array): Readable {
    const hex = requireHash(sha256);
    return Readable.from(verifiedChunks(this.#path(hex), hex), { objectMode: false });
  }

  /** Reads the whole blob; throws BLOB_NOT_FOUND or BLOB_CORRUPT. */
  async verify(sha256: Uint8Array): Promise<void> {
    const stream = this.get(sha256);
    stream.resume();
    await finished(stream);
  }

  /** The hashes of all stored blobs, one directory at a time, for a whole-store verification. */
  async *list(): AsyncIterable<Uint8Array> {
    let shards: string[];
    try {
      shards = (await readdir(this.#dir)).filter((name) => SHARD.test(name)).sort();
    } catch (error) {
      if (isMissing(error)) return;
      throw storageError(error);
    }
    for (const shard of shards) {
      const names = await io(readdir(join(this.#dir, shard)));
      for (const name of names.filter((n) => NAME.test(n) && n.startsWith(shard)).sort()) yield fromHex(name);
    }
  }
}
