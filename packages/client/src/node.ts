/// <reference types="node" />
/**
 * Node-only helpers, kept out of the main entry so that it runs in browsers: streaming a file
 * from disk as a blob, and reading the trusted genesis and an operator seed from files.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { anchorFromGenesisFile } from '@liuhen/trace';
import type { LiuhenClient } from './client.ts';
import { fromLocal, LiuhenClientError } from './errors.ts';
import type { UploadedBlob } from './types.ts';

/** Uploads a file as a blob, streamed from disk: memory does not grow with the file's size. */
export async function uploadFile(client: LiuhenClient, path: string): Promise<UploadedBlob> {
  // Fails here with the file system's error (ENOENT …) rather than half-way through a request.
  await stat(path);
  const stream = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
  return client.uploadBlob(stream);
}

/** The network's genesis from a file, as canonical CBOR (`genesis.cbor`) or its JSON rendering. */
export async function readGenesis(path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(path));
  try {
    return anchorFromGenesisFile(bytes).genesis as Uint8Array;
  } catch (error) {
    return fromLocal(error);
  }
}

/** A 32-byte seed from a file holding it as 64 hex characters (surrounding white space ignored). */
export async function readSeedHex(path: string): Promise<Uint8Array> {
  const text = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/i.test(text))
    throw new LiuhenClientError('KEY_LENGTH', `${path}: expected 64 hex characters`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

export {
  fetchBundle,
  loadAnchor,
  loadBundleBytes,
  readInput,
  requireOneSource,
  type SourceOptions,
  UsageError,
} from './evidence.ts';
