/**
 * The JSON rendering of an entry, for the HTTP API and humans: byte strings become lowercase hex
 * (ids, keys, hashes); everything else keeps its CBOR shape. Signing is always over the CBOR bytes;
 * JSON is a view, never signed.
 */
import { fromHex, toHex } from './bytes.ts';
import type { CborValue } from './cbor.ts';
import type { Attachment, CborMap, Entry, EntryRef } from './entry.ts';
import { LiuhenError } from './errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface EntryJson {
  version: number;
  network: string;
  org: string;
  object: string;
  kind: string;
  parents: string[];
  refs: Array<{ entry?: string; object?: string; rel?: string }>;
  time: number;
  signer: string;
  role: string;
  body: { [key: string]: JsonValue };
  attachments: Array<{ sha256: string; size: number; type: string; name: string }>;
  classification: string;
  sealed?: { [key: string]: JsonValue };
}

/** Renders a CBOR value as JSON; byte strings inside bodies become `{ "$bytes": hex }`. */
export function cborToJson(value: CborValue): JsonValue {
  if (value instanceof Uint8Array) return { $bytes: toHex(value) };
  if (Array.isArray(value)) return value.map(cborToJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cborToJson(v)]));
  }
  return value;
}

/** The inverse of `cborToJson`; rejects values JSON can carry but the CBOR profile cannot. */
export function jsonToCbor(value: unknown, path = 'body'): CborValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LiuhenError('ENTRY_INVALID', `${path}: numbers must be finite`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => jsonToCbor(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    const map = value as Record<string, unknown>;
    const keys = Object.keys(map);
    if (keys.length === 1 && keys[0] === '$bytes' && typeof map.$bytes === 'string') {
      try {
        return fromHex(map.$bytes);
      } catch {
        throw new LiuhenError('ENTRY_INVALID', `${path}.$bytes: expected hex`);
      }
    }
    return Object.fromEntries(keys.map((k) => [k, jsonToCbor(map[k], `${path}.${k}`)]));
  }
  throw new LiuhenError('ENTRY_INVALID', `${path}: unsupported JSON value`);
}

export function entryToJson(entry: Entry): EntryJson {
  const json: EntryJson = {
    version: entry.version,
    network: toHex(entry.network),
    org: entry.org,
    object: entry.object,
    kind: entry.kind,
    parents: entry.parents.map(toHex),
    refs: entry.refs.map((r: EntryRef) => ('entry' in r ? { ...r, entry: toHex(r.entry) } : { ...r })),
    time: entry.time,
    signer: toHex(entry.signer),
    role: entry.role,
    body: cborToJson(entry.body) as EntryJson['body'],
    attachments: entry.attachments.map((a: Attachment) => ({ ...a, sha256: toHex(a.sha256) })),
    classification: entry.classification,
  };
  if (entry.sealed !== undefined) json.sealed = cborToJson(entry.sealed) as EntryJson['body'];
  return json;
}

/** A 32-byte value given as hex in JSON, with an error that names the field. */
export function hex32(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) {
    throw new LiuhenError('ENTRY_INVALID', `${field}: expected 64 lowercase hex characters`);
  }
  return fromHex(value);
}

export function bodyFromJson(value: unknown, field = 'body'): CborMap {
  const cbor = jsonToCbor(value, field);
  if (cbor === null || typeof cbor !== 'object' || Array.isArray(cbor) || cbor instanceof Uint8Array) {
    throw new LiuhenError('ENTRY_INVALID', `${field}: expected an object`);
  }
  return cbor;
}
