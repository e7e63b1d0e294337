/**
 * Small helpers shared by the node integration tests: raw HTTP requests against a running
 * daemon, local checks of what it returns, and a seeded PRNG for deterministic schedules.
 */
import {
  fromBase64,
  fromHex,
  leafHash,
  openEnvelope,
  parseBlockHeader,
  verifyHeaderSignature,
  verifyInclusion,
} from '@liuhen/core';

export interface ApiError {
  error: {
    code: string;
    message: string;
    /** A refusal by the network's profile (422): the field at fault, and every refusal. */
    field?: string;
    refusals?: Array<{ code: string; message: string; field?: string }>;
  };
}

/** A profile rule the entry breaks that is recorded rather than refused. */
export interface Flag {
  code: string;
  severity: 'error' | 'warning';
  entry: string;
  object: string;
  kind: string;
  message: string;
  related: string[];
  dueAt?: number;
}

export interface Ack {
  id: string;
  org: string;
  index: number;
  height: number;
  flags: Flag[];
}

export interface Status {
  org: string;
  network: string;
  nodeKey: string;
  log: { size: number; height: number; pending: number };
  checkpoint: string | null;
  version: string;
}

export interface EntryJson {
  org: string;
  object: string;
  kind: string;
  parents: string[];
  time: number;
  signer: string;
  role: string;
  body: Record<string, unknown>;
  attachments: Array<{ sha256: string; size: number; type: string; name: string }>;
}

export interface FoundEntry {
  id: string;
  org: string;
  index: number;
  entry: EntryJson;
  envelope: string;
  proof?: { leafIndex: number; treeSize: number; hashes: string[]; checkpoint: string };
}

export interface Response<T> {
  status: number;
  headers: Headers;
  json: T;
  bytes: Uint8Array;
}

/** One HTTP request; `body` is sent as given (string or bytes) or, for anything else, as JSON. */
export async function request<T = unknown>(
  url: string,
  path: string,
  options: {
    method?: string;
    token?: string | undefined;
    authorization?: string;
    contentType?: string;
    body?: unknown;
  } = {},
): Promise<Response<T>> {
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.body !== undefined) {
    body =
      typeof options.body === 'string' || options.body instanceof Uint8Array
        ? options.body
        : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  } else if (options.contentType !== undefined) {
    headers['content-type'] = options.contentType;
  }
  const response = await fetch(new URL(path, url), {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : Buffer.from(body) }),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json: json as T, bytes };
}

/**
 * Checks an entry as an outside party would, trusting only the org's node key and the network
 * id: the envelope's signature and schema, its id, and its inclusion proof to the signed
 * checkpoint the node returned. Throws on any failure.
 */
export function checkEntryProof(found: FoundEntry, nodeKey: Uint8Array, network: Uint8Array): void {
  const envelope = fromBase64(found.envelope);
  const opened = openEnvelope(envelope, { network });
  if (Buffer.from(opened.id).toString('hex') !== found.id) throw new Error(`entry ${found.id}: id mismatch`);
  if (!found.proof) throw new Error(`entry ${found.id}: no proof`);
  const header = parseBlockHeader(found.proof.checkpoint);
  verifyHeaderSignature(header, nodeKey);
  if (header.size !== found.proof.treeSize)
    throw new Error(`entry ${found.id}: proof size is not the header's`);
  verifyInclusion(
    leafHash(envelope),
    found.index,
    found.proof.treeSize,
    found.proof.hashes.map(fromHex),
    header.root,
  );
}

/** mulberry32: a small seeded PRNG, so schedules are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i] as T);
      }
    }),
  );
  return results;
}
