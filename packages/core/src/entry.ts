/**
 * Trace entries (docs/protocol.md §4): a deterministic CBOR map, signed by an operator over a
 * domain-separated prefix plus the exact entry bytes, and carried in a two-element envelope that
 * is also the org log's Merkle leaf. Entry id = SHA-256(entry bytes).
 */

import { ByteMemo } from './byte-memo.ts';
import { compareBytes, concatBytes, equalBytes, utf8 } from './bytes.ts';
import {
  type CborValue,
  decodeCanonical,
  decodeCanonicalItem,
  encodeCanonical,
  encodeCanonicalAfter,
  inCanonicalOrder,
  isCborMap,
  readTextAt,
} from './cbor.ts';
import { signMessage, verifySignature } from './ed25519.ts';
import { LiuhenError } from './errors.ts';
import { sha256 } from './hash.ts';

export const ENTRY_VERSION = 1;
/** Signature domain separation: the signed message is this prefix followed by the entry bytes. */
export const ENTRY_SIGNATURE_CONTEXT = utf8('liuhen/entry/v1\n');
export const DEFAULT_MAX_ENTRY_BYTES = 64 * 1024;
export const MAX_LIST_ITEMS = 64;

export const CLASSIFICATIONS = ['public', 'internal', 'restricted'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export type EntryRef =
  | { readonly entry: Uint8Array; readonly rel?: string }
  | { readonly object: string; readonly rel?: string };

export interface Attachment {
  readonly sha256: Uint8Array;
  readonly size: number;
  readonly type: string;
  readonly name: string;
}

export type CborMap = { [key: string]: CborValue };

export interface Entry {
  readonly version: number;
  readonly network: Uint8Array;
  readonly org: string;
  readonly object: string;
  readonly kind: string;
  /** Ids of the object's DAG heads the author knew, strictly ascending. */
  readonly parents: readonly Uint8Array[];
  readonly refs: readonly EntryRef[];
  /** Claimed time, milliseconds since the Unix epoch (UTC). */
  readonly time: number;
  readonly signer: Uint8Array;
  readonly role: string;
  readonly body: CborMap;
  readonly attachments: readonly Attachment[];
  readonly classification: Classification;
  readonly sealed?: CborMap;
}

export interface SignedEntry {
  readonly entry: Entry;
  readonly entryBytes: Uint8Array;
  readonly signature: Uint8Array;
  /** SHA-256 of `entryBytes`. */
  readonly id: Uint8Array;
  /** The envelope bytes: what a log stores and what its Merkle leaf hashes. */
  readonly envelope: Uint8Array;
}

export const ORG_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const KIND = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
export const ROLE = /^[A-Z][A-Z0-9-]{0,15}$/;
// Object ids are printable text without control characters; profiles refine them.
const OBJECT_ID = /^[^\p{Cc}\p{Cs}]{1,256}$/u;

function invalid(field: string, problem: string): never {
  throw new LiuhenError('ENTRY_INVALID', `${field}: ${problem}`);
}

function bytesField(value: CborValue | undefined, field: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) invalid(field, `expected ${length} bytes`);
  return value;
}

function textField(value: CborValue | undefined, field: string, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value)) invalid(field, `expected text matching ${pattern}`);
  return value;
}

function uintField(value: CborValue | undefined, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalid(field, 'expected an unsigned integer');
  }
  return value;
}

function listField(value: CborValue | undefined, field: string): CborValue[] {
  if (!Array.isArray(value)) invalid(field, 'expected an array');
  if (value.length > MAX_LIST_ITEMS) invalid(field, `more than ${MAX_LIST_ITEMS} items`);
  return value;
}

function mapField(value: CborValue | undefined, field: string, keys: readonly string[]): CborMap {
  if (!isCborMap(value)) invalid(field, 'expected a map');
  for (const key of Object.keys(value)) if (!keys.includes(key)) invalid(field, `unknown key "${key}"`);
  return value;
}

const SHORT_TEXT = /^[^\p{Cc}]{1,256}$/u;
const ENTRY_KEYS = [
  'version',
  'network',
  'org',
  'object',
  'kind',
  'parents',
  'refs',
  'time',
  'signer',
  'role',
  'body',
  'attachments',
  'classification',
  'sealed',
] as const;

function parseRef(value: CborValue, i: number): EntryRef {
  const field = `refs[${i}]`;
  const map = mapField(value, field, ['entry', 'object', 'rel']);
  const rel = map.rel === undefined ? undefined : textField(map.rel, `${field}.rel`, KIND);
  if ((map.entry === undefined) === (map.object === undefined))
    invalid(field, 'needs exactly one of entry, object');
  const target =
    map.entry !== undefined
      ? { entry: bytesField(map.entry, `${field}.entry`, 32) }
      : { object: textField(map.object, `${field}.object`, OBJECT_ID) };
  return rel === undefined ? target : { ...target, rel };
}

function parseAttachment(value: CborValue, i: number): Attachment {
  const field = `attachments[${i}]`;
  const map = mapField(value, field, ['sha256', 'size', 'type', 'name']);
  return {
    sha256: bytesField(map.sha256, `${field}.sha256`, 32),
    size: uintField(map.size, `${field}.size`),
    type: textField(map.type, `${field}.type`, /^[a-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/),
    name: textField(map.name, `${field}.name`, SHORT_TEXT),
  };
}

/** Checks a decoded CBOR value against the entry schema and returns it typed. */
export function entryFromCbor(value: CborValue): Entry {
  const map = mapField(value, 'entry', ENTRY_KEYS);
  if (map.version !== ENTRY_VERSION) invalid('version', `expected ${ENTRY_VERSION}`);
  const parents = listField(map.parents, 'parents').map((p, i) => bytesField(p, `parents[${i}]`, 32));
  for (let i = 1; i < parents.length; i++) {
    if (compareBytes(parents[i - 1] as Uint8Array, parents[i] as Uint8Array) >= 0) {
      invalid('parents', 'must be strictly ascending (sorted, no duplicates)');
    }
  }
  const classification = map.classification;
  if (
    typeof classification !== 'string' ||
    !(CLASSIFICATIONS as readonly string[]).includes(classification)
  ) {
    invalid('classification', `expected one of ${CLASSIFICATIONS.join(', ')}`);
  }
  if (!isCborMap(map.body)) invalid('body', 'expected a map');
  if (map.sealed !== undefined && !isCborMap(map.sealed)) invalid('sealed', 'expected a map');
  const entry: Entry = {
    version: ENTRY_VERSION,
    network: bytesField(map.network, 'network', 32),
    org: textField(map.org, 'org', ORG_ID),
    object: textField(map.object, 'object', OBJECT_ID),
    kind: textField(map.kind, 'kind', KIND),
    parents,
    refs: listField(map.refs, 'refs').map(parseRef),
    time: uintField(map.time, 'time'),
    signer: bytesField(map.signer, 'signer', 32),
    role: textField(map.role, 'role', ROLE),
    body: map.body,
    attachments: listField(map.attachments, 'attachments').map(parseAttachment),
    classification: classification as Classification,
  };
  return map.sealed === undefined ? entry : { ...entry, sealed: map.sealed };
}

// Maps are built in their canonical key order (by length, then bytewise), so the encoder finds
// them sorted and skips sorting.
function refToCbor(ref: EntryRef): CborMap {
  // Every given field is kept, so that parseRef sees (and refuses) a ref with both targets.
  const { rel, ...target } = ref as { rel?: string; entry?: Uint8Array; object?: string };
  return (rel === undefined ? { ...target } : { rel, ...target }) as CborMap;
}

function entryToCbor(entry: Entry): CborMap {
  return {
    org: entry.org,
    body: entry.body,
    kind: entry.kind,
    refs: entry.refs.map(refToCbor),
    role: entry.role,
    time: entry.time,
    object: entry.object,
    ...(entry.sealed === undefined ? {} : { sealed: entry.sealed }),
    signer: entry.signer,
    network: entry.network,
    parents: [...entry.parents],
    version: entry.version,
    attachments: entry.attachments.map((a) => ({
      name: a.name,
      size: a.size,
      type: a.type,
      sha256: a.sha256,
    })),
    classification: entry.classification,
  };
}

/** What an author supplies; `buildEntry` fills defaults and sorts parents. */
export type EntryDraft = Omit<Entry, 'version' | 'parents' | 'refs' | 'attachments' | 'classification'> & {
  parents?: readonly Uint8Array[];
  refs?: readonly EntryRef[];
  attachments?: readonly Attachment[];
  classification?: Classification;
};

/**
 * Entries made by buildEntry: validated, frozen, and shaped as their own CBOR map with keys in
 * canonical order, so encoding one needs neither a copy, nor a second validation, nor a sort.
 */
const builtEntries = new WeakSet<Entry>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function buildEntry(draft: EntryDraft): Entry {
  const parents = [...(draft.parents ?? [])].sort(compareBytes);
  const unique = parents.filter((p, i) => i === 0 || !equalBytes(p, parents[i - 1] as Uint8Array));
  const map = entryToCbor({
    ...draft,
    ...(draft.sealed === undefined ? {} : { sealed: inCanonicalOrder(draft.sealed) }),
    body: inCanonicalOrder(draft.body),
    version: ENTRY_VERSION,
    parents: unique,
    refs: draft.refs ?? [],
    attachments: draft.attachments ?? [],
    classification: draft.classification ?? 'public',
  });
  // Validate now, so a malformed draft fails here, not at a verifier.
  entryFromCbor(map);
  const entry = deepFreeze(map) as unknown as Entry;
  builtEntries.add(entry);
  return entry;
}

/** The entry as its CBOR map, validated (built entries already are, and are that map). */
function entryMap(entry: Entry): CborMap {
  if (builtEntries.has(entry)) return entry as unknown as CborMap;
  const map = entryToCbor(entry);
  entryFromCbor(map);
  return map;
}

function checkEntrySize(length: number, maxBytes: number): void {
  if (length > maxBytes) throw new LiuhenError('ENTRY_TOO_LARGE', `${length} > ${maxBytes} bytes`);
}

export function encodeEntry(entry: Entry, maxBytes = DEFAULT_MAX_ENTRY_BYTES): Uint8Array {
  const bytes = encodeCanonical(entryMap(entry));
  checkEntrySize(bytes.length, maxBytes);
  return bytes;
}

export interface EntryDecodeOptions {
  maxBytes?: number;
  /** When given, an entry for another network is refused with ENTRY_WRONG_NETWORK. */
  network?: Uint8Array;
}

export function decodeEntry(bytes: Uint8Array, options: EntryDecodeOptions = {}): Entry {
  return decodeEntryBytes(bytes, options, false);
}

/** `views`: the byte fields may be views into `bytes`, which the caller owns and never changes. */
function decodeEntryBytes(bytes: Uint8Array, options: EntryDecodeOptions, views: boolean): Entry {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  if (bytes.length > maxBytes)
    throw new LiuhenError('ENTRY_TOO_LARGE', `${bytes.length} > ${maxBytes} bytes`);
  const entry = readEntryDirect(bytes, views) ?? entryFromCbor(decodeCanonical(bytes, { maxBytes }));
  if (options.network !== undefined && !equalBytes(entry.network, options.network)) {
    throw new LiuhenError('ENTRY_WRONG_NETWORK');
  }
  return entry;
}

// The entry map's keys in canonical order, each as its encoded text string; `sealed` is optional.
const ENTRY_KEY_ENCODINGS = [
  'org',
  'body',
  'kind',
  'refs',
  'role',
  'time',
  'object',
  'sealed',
  'signer',
  'network',
  'parents',
  'version',
  'attachments',
  'classification',
].map((key) => concatBytes(Uint8Array.of(0x60 | key.length), utf8(key)));
const SEALED_KEY = 7;

/**
 * A text field of the entry map, read in place: the same org ids, kinds, roles and object ids
 * recur entry after entry, so each distinct value is decoded and matched against its pattern once.
 */
class TextField {
  readonly #memo: ByteMemo<string | null>;
  readonly #make: (bytes: Uint8Array, start: number, end: number) => string | null;

  constructor(pattern: RegExp, slots = 1024) {
    this.#memo = new ByteMemo(slots);
    this.#make = (bytes, start, end) => {
      const text = readTextAt(bytes, start, end);
      return pattern.test(text) ? text : null;
    };
  }

  /** The text, null when the pattern refuses it; throws on invalid UTF-8. */
  read(bytes: Uint8Array, start: number, end: number): string | null {
    return this.#memo.get(bytes, start, end, this.#make);
  }
}

const ORG_FIELD = new TextField(ORG_ID);
const KIND_FIELD = new TextField(KIND);
const ROLE_FIELD = new TextField(ROLE);
// Many objects are written at once (a project's segments), each several times in a short while.
const OBJECT_FIELD = new TextField(OBJECT_ID, 8192);
const CLASSIFICATION_FIELD = new TextField(new RegExp(`^(${CLASSIFICATIONS.join('|')})$`));

/** A read position in an entry's bytes, for `readEntryDirect`. */
class EntryCursor {
  pos = 0;
  /** Whether the map has fourteen keys, `sealed` among them, rather than thirteen. */
  sealed = false;
  constructor(readonly bytes: Uint8Array) {}

  /** A head of `major` with a minimal, definite argument below 2^53, or -1. */
  head(major: number): number {
    const bytes = this.bytes;
    const at = this.pos;
    const initial = bytes[at];
    if (initial === undefined || initial >>> 5 !== major) return -1;
    const info = initial & 0x1f;
    let value: number;
    let width: number;
    if (info < 24) return this.advance(1, info);
    if (info === 24) [value, width] = [bytes[at + 1] ?? 0, 1];
    else if (info === 25) [value, width] = [((bytes[at + 1] ?? 0) << 8) | (bytes[at + 2] ?? 0), 2];
    else if (info === 26 || info === 27) {
      width = info === 26 ? 4 : 8;
      value = 0;
      for (let i = 1; i <= width; i++) value = value * 256 + (bytes[at + i] ?? 0);
    } else return -1;
    const floor = width === 1 ? 24 : 2 ** (4 * width);
    if (at + 1 + width > bytes.length || value < floor || value > Number.MAX_SAFE_INTEGER) return -1;
    return this.advance(1 + width, value);
  }

  advance(n: number, value: number): number {
    this.pos += n;
    return value;
  }

  /** The key at `index` of the canonical order, if it is next; an absent `sealed` is skipped. */
  key(index: number): boolean {
    if (index === SEALED_KEY && !this.sealed) return true;
    const expected = ENTRY_KEY_ENCODINGS[index] as Uint8Array;
    const bytes = this.bytes;
    for (let i = 0; i < expected.length; i++) if (bytes[this.pos + i] !== expected[i]) return false;
    this.pos += expected.length;
    return true;
  }

  /** Text that `field` accepts, or undefined. */
  text(field: TextField): string | undefined {
    const length = this.head(3);
    if (length < 0 || this.pos + length > this.bytes.length) return undefined;
    const text = field.read(this.bytes, this.pos, this.pos + length);
    this.pos += length;
    return text ?? undefined;
  }

  hash(views: boolean): Uint8Array | undefined {
    if (this.head(2) !== 32 || this.pos + 32 > this.bytes.length) return undefined;
    const at = this.advance(32, this.pos);
    return views ? this.bytes.subarray(at, at + 32) : this.bytes.slice(at, at + 32);
  }

  item(): CborValue {
    const { value, end } = decodeCanonicalItem(this.bytes, this.pos, 1);
    this.pos = end;
    return value;
  }

  /** An array field: empty ones (the common case) without the general decoder. */
  list<T>(field: string, parse: (value: CborValue, i: number) => T): T[] {
    if (this.bytes[this.pos] !== 0x80) return listField(this.item(), field).map(parse);
    this.pos += 1;
    return [];
  }
}

/**
 * The common case read in place: the map's keys exactly as canonical order places them, its
 * scalar fields checked where they lie, the free-form ones (body, sealed, refs, attachments)
 * through the general decoder and the same checks as `entryFromCbor`. A general decode builds
 * the whole map first and then checks it, which cost as much again. Anything unexpected,
 * malformed input included, returns undefined, and the general path then gives its precise error.
 */
function readEntryDirect(bytes: Uint8Array, views: boolean): Entry | undefined {
  try {
    const c = new EntryCursor(bytes);
    const count = c.head(5);
    if (count !== 13 && count !== 14) return undefined;
    c.sealed = count === 14;
    if (!c.key(0)) return undefined;
    const org = c.text(ORG_FIELD);
    if (org === undefined || !c.key(1)) return undefined;
    const body = c.item();
    if (!isCborMap(body) || !c.key(2)) return undefined;
    const kind = c.text(KIND_FIELD);
    if (kind === undefined || !c.key(3)) return undefined;
    const refs = c.list('refs', parseRef);
    if (!c.key(4)) return undefined;
    const role = c.text(ROLE_FIELD);
    if (role === undefined || !c.key(5)) return undefined;
    const time = c.head(0);
    if (time < 0 || !c.key(6)) return undefined;
    const object = c.text(OBJECT_FIELD);
    if (object === undefined || !c.key(SEALED_KEY)) return undefined;
    const sealed = c.sealed ? c.item() : undefined;
    if ((sealed !== undefined && !isCborMap(sealed)) || !c.key(8)) return undefined;
    const signer = c.hash(views);
    if (signer === undefined || !c.key(9)) return undefined;
    const network = c.hash(views);
    if (network === undefined || !c.key(10)) return undefined;
    const parentCount = c.head(4);
    if (parentCount < 0 || parentCount > MAX_LIST_ITEMS) return undefined;
    const parents: Uint8Array[] = [];
    for (let i = 0; i < parentCount; i++) {
      const parent = c.hash(views);
      if (parent === undefined) return undefined;
      if (i > 0 && compareBytes(parents[i - 1] as Uint8Array, parent) >= 0) return undefined;
      parents.push(parent);
    }
    if (!c.key(11) || c.head(0) !== ENTRY_VERSION || !c.key(12)) return undefined;
    const attachments = c.list('attachments', parseAttachment);
    if (!c.key(13)) return undefined;
    const classification = c.text(CLASSIFICATION_FIELD);
    if (classification === undefined || c.pos !== bytes.length) return undefined;
    const entry: Entry = {
      version: ENTRY_VERSION,
      network,
      org,
      object,
      kind,
      parents,
      refs,
      time,
      signer,
      role,
      body,
      attachments,
      classification: classification as Classification,
    };
    return sealed === undefined ? entry : { ...entry, sealed };
  } catch {
    return undefined;
  }
}

export function entryId(entryBytes: Uint8Array): Uint8Array {
  return sha256(entryBytes);
}

export function entrySigningMessage(entryBytes: Uint8Array): Uint8Array {
  const message = new Uint8Array(ENTRY_SIGNATURE_CONTEXT.length + entryBytes.length);
  message.set(ENTRY_SIGNATURE_CONTEXT);
  message.set(entryBytes, ENTRY_SIGNATURE_CONTEXT.length);
  return message;
}

export function encodeEnvelope(entryBytes: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== 64 || entryBytes.length >= 0x10000)
    return encodeCanonical([entryBytes, signature]);
  // The common case written directly: array(2), the entry's byte-string head, the entry, then
  // bstr(64) and the signature; the same bytes encodeCanonical gives.
  const n = entryBytes.length;
  const head = n < 24 ? [0x40 | n] : n < 0x100 ? [0x58, n] : [0x59, n >>> 8, n & 0xff];
  const out = new Uint8Array(1 + head.length + n + 66);
  out[0] = 0x82;
  out.set(head, 1);
  out.set(entryBytes, 1 + head.length);
  out[1 + head.length + n] = 0x58;
  out[2 + head.length + n] = 64;
  out.set(signature, 3 + head.length + n);
  return out;
}

/**
 * The byte-string head of a well-formed envelope's entry, or undefined for anything else, which
 * then takes the general path and its precise error.
 */
function entryHead(bytes: Uint8Array): { start: number; length: number } | undefined {
  if (bytes.length < 68 || bytes[0] !== 0x82) return undefined;
  const initial = bytes[1] as number;
  if (initial >>> 5 !== 2) return undefined;
  const info = initial & 0x1f;
  if (info < 24) return { start: 2, length: info };
  if (info === 24 && (bytes[2] as number) >= 24) return { start: 3, length: bytes[2] as number };
  if (info === 25) {
    const length = ((bytes[2] as number) << 8) | (bytes[3] as number);
    if (length >= 0x100) return { start: 4, length };
  }
  // Entries are at most 64 KiB by default, so longer heads are left to the general path.
  return undefined;
}

/** The entry and signature of a well-formed envelope as views into it, or undefined. */
function envelopeViews(
  bytes: Uint8Array,
  maxEntryBytes: number,
): { entryBytes: Uint8Array; signature: Uint8Array } | undefined {
  // The common case, read directly: [bstr entry, bstr(64) signature], nothing after it.
  const head =
    bytes instanceof Uint8Array && bytes.length <= maxEntryBytes + 80 ? entryHead(bytes) : undefined;
  if (head === undefined) return undefined;
  const end = head.start + head.length;
  if (end + 66 !== bytes.length || bytes[end] !== 0x58 || bytes[end + 1] !== 64) return undefined;
  return { entryBytes: bytes.subarray(head.start, end), signature: bytes.subarray(end + 2) };
}

export function decodeEnvelope(
  bytes: Uint8Array,
  maxEntryBytes = DEFAULT_MAX_ENTRY_BYTES,
): { entryBytes: Uint8Array; signature: Uint8Array } {
  const views = envelopeViews(bytes, maxEntryBytes);
  if (views !== undefined)
    return { entryBytes: views.entryBytes.slice(), signature: views.signature.slice() };
  let value: CborValue;
  try {
    value = decodeCanonical(bytes, { maxBytes: maxEntryBytes + 80, maxDepth: 1 });
  } catch (error) {
    if (error instanceof LiuhenError && error.code === 'CBOR_TOO_LARGE') {
      throw new LiuhenError('ENTRY_TOO_LARGE', error.message);
    }
    throw new LiuhenError('ENVELOPE_INVALID', (error as Error).message, { cause: error });
  }
  if (!Array.isArray(value) || value.length !== 2) {
    throw new LiuhenError('ENVELOPE_INVALID', 'expected [entry bytes, signature]');
  }
  const [entryBytes, signature] = value;
  if (!(entryBytes instanceof Uint8Array))
    throw new LiuhenError('ENVELOPE_INVALID', 'entry is not a byte string');
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new LiuhenError('SIGNATURE_LENGTH');
  }
  return { entryBytes, signature };
}

/** Encodes, signs and wraps an entry. `seed` is the signer's Ed25519 seed. */
export function signEntry(entry: Entry, seed: Uint8Array, maxBytes = DEFAULT_MAX_ENTRY_BYTES): SignedEntry {
  // The signed message (context, then entry bytes) is encoded whole; the entry bytes are its tail.
  const message = encodeCanonicalAfter(ENTRY_SIGNATURE_CONTEXT, entryMap(entry));
  const entryBytes = message.subarray(ENTRY_SIGNATURE_CONTEXT.length);
  checkEntrySize(entryBytes.length, maxBytes);
  const signature = signMessage(seed, message);
  return {
    entry,
    entryBytes,
    signature,
    id: entryId(entryBytes),
    envelope: encodeEnvelope(entryBytes, signature),
  };
}

/**
 * Decodes an envelope and checks everything that needs no outside knowledge: both encodings,
 * the schema, the network and the signer's signature. Membership and roles are the caller's.
 */
export function openEnvelope(envelope: Uint8Array, options: EntryDecodeOptions = {}): SignedEntry {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const parts = envelopeViews(envelope, maxBytes) ?? decodeEnvelope(envelope, maxBytes);
  // One copy serves both: the signed message, whose tail is the entry bytes kept with the entry.
  const message = entrySigningMessage(parts.entryBytes);
  const entryBytes = message.subarray(ENTRY_SIGNATURE_CONTEXT.length);
  const signature = parts.signature;
  const entry = decodeEntryBytes(entryBytes, options, true);
  if (!verifySignature(entry.signer, message, signature)) {
    throw new LiuhenError('SIGNATURE_INVALID', 'the entry signature does not verify');
  }
  return { entry, entryBytes, signature, id: entryId(entryBytes), envelope };
}
