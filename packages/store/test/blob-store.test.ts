import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { failureCodeAsync, toHex } from '@liuhen/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore } from '../src/index.ts';
import { tempDir } from './fixtures.ts';

let dir: { path: string; remove: () => Promise<void> };
let blobs: BlobStore;

beforeEach(async () => {
  dir = await tempDir('blobs');
  blobs = new BlobStore(dir.path);
});

afterEach(async () => {
  await dir.remove();
});

/** `chunks` chunks of 64 KiB of deterministic bytes, generated lazily like a network upload. */
async function* upload(chunks: number, seed = 1): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < chunks; i++) {
    const chunk = new Uint8Array(64 * 1024);
    for (let j = 0; j < chunk.length; j += 4096) chunk.fill((seed * 31 + i * 7 + j) % 251, j, j + 4096);
    yield chunk;
  }
}

async function sha256Of(source: AsyncIterable<Uint8Array>): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hex: hash.digest('hex'), size };
}

/** Files other than stored blobs: temporary files left behind would show up here. */
async function strayFiles(): Promise<string[]> {
  return (await readdir(dir.path)).filter((name) => !/^[0-9a-f]{2}$/.test(name));
}

describe('BlobStore', () => {
  it('streams a multi-megabyte blob in and out under its SHA-256', async () => {
    const expected = await sha256Of(upload(80));
    const stored = await blobs.put(Readable.from(upload(80)), { maxBytes: 10 * 1024 * 1024 });
    expect(toHex(stored.sha256)).toBe(expected.hex);
    expect(stored.size).toBe(80 * 64 * 1024);
    expect(await blobs.has(stored.sha256)).toBe(true);
    expect(await readdir(join(dir.path, expected.hex.slice(0, 2)))).toEqual([expected.hex]);
    expect(await sha256Of(blobs.get(stored.sha256))).toEqual(expected);
    await blobs.verify(stored.sha256);
    expect(await strayFiles()).toEqual([]);

    // Storing it again is harmless and keeps one copy.
    const again = await blobs.put(upload(80), { maxBytes: 10 * 1024 * 1024, expectedSha256: stored.sha256 });
    expect(again).toEqual(stored);
    const listed = [];
    for await (const hash of blobs.list()) listed.push(toHex(hash));
    expect(listed).toEqual([expected.hex]);
  });

  it('stores an empty blob', async () => {
    const stored = await blobs.put(upload(0), { maxBytes: 0 });
    expect(toHex(stored.sha256)).toBe(createHash('sha256').digest('hex'));
    expect(await sha256Of(blobs.get(stored.sha256))).toEqual({ hex: toHex(stored.sha256), size: 0 });
  });

  it('refuses a blob over the size limit, keeping nothing', async () => {
    expect(await failureCodeAsync(blobs.put(upload(3), { maxBytes: 2 * 64 * 1024 + 1 }))).toBe(
      'BLOB_TOO_LARGE',
    );
    expect(await strayFiles()).toEqual([]);
    const listed = [];
    for await (const hash of blobs.list()) listed.push(hash);
    expect(listed).toEqual([]);
    // Exactly at the limit is fine.
    await blobs.put(upload(2), { maxBytes: 2 * 64 * 1024 });
  });

  it('refuses content that does not have the expected hash, keeping nothing', async () => {
    const other = await sha256Of(upload(2, 2));
    const expectedSha256 = Uint8Array.from(Buffer.from(other.hex, 'hex'));
    const code = await failureCodeAsync(blobs.put(upload(2, 1), { maxBytes: 1 << 20, expectedSha256 }));
    expect(code).toBe('BLOB_HASH_MISMATCH');
    expect(await strayFiles()).toEqual([]);
    expect(await blobs.has(expectedSha256)).toBe(false);
  });

  it('removes the temporary file when the upload itself fails', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1000);
      throw new Error('client went away');
    }
    await expect(blobs.put(broken(), { maxBytes: 1 << 20 })).rejects.toThrow('client went away');
    expect(await strayFiles()).toEqual([]);
  });

  it('detects a blob damaged on disk when it is read', async () => {
    const stored = await blobs.put(upload(4), { maxBytes: 1 << 20 });
    const hex = toHex(stored.sha256);
    const path = join(dir.path, hex.slice(0, 2), hex);
    const bytes = await readFile(path);
    bytes[100_000] = (bytes[100_000] as number) ^ 1;
    await writeFile(path, bytes);

    expect(await failureCodeAsync(sha256Of(blobs.get(stored.sha256)))).toBe('BLOB_CORRUPT');
    expect(await failureCodeAsync(blobs.verify(stored.sha256))).toBe('BLOB_CORRUPT');
    // A fresh upload of the right content repairs it.
    await blobs.put(upload(4), { maxBytes: 1 << 20 });
    await blobs.verify(stored.sha256);
  });

  it('reports a missing blob as BLOB_NOT_FOUND and a malformed name as REQUEST_INVALID', async () => {
    const missing = new Uint8Array(32).fill(7);
    expect(await blobs.has(missing)).toBe(false);
    expect(await failureCodeAsync(sha256Of(blobs.get(missing)))).toBe('BLOB_NOT_FOUND');
    expect(await failureCodeAsync(blobs.verify(missing))).toBe('BLOB_NOT_FOUND');
    expect(await failureCodeAsync(blobs.has(new Uint8Array(31)))).toBe('REQUEST_INVALID');
  });

  it('lists every blob, across shards, in hash order', async () => {
    const hashes = [];
    for (let seed = 1; seed <= 12; seed++)
      hashes.push(toHex((await blobs.put(upload(1, seed), { maxBytes: 1 << 20 })).sha256));
    const listed = [];
    for await (const hash of blobs.list()) listed.push(toHex(hash));
    expect(listed).toEqual([...new Set(hashes)].sort());
    expect(await new BlobStore(join(dir.path, 'absent')).list()[Symbol.asyncIterator]().next()).toEqual({
      done: true,
      value: undefined,
    });
  });
});
