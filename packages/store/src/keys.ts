/**
 * The key layout (README.md, "Key layout"). Every key starts with a one-byte table prefix; the
 * rest is fixed-width big-endian integers, raw hashes, or UTF-8 text closed by 0x00, so that
 * bytewise order is the order queries want and a table, an org's part of it, or one index value
 * is a contiguous range. Entry ids appear in keys only once (the id table): every other record
 * names an entry by its compact location, (org number, log index).
 */
import { utf8 } from '@liuhen/core';
import { readU64, writeU32, writeU64 } from './integers.ts';

/** Table prefixes: printable, so a raw dump of the database is readable. Never reuse one. */
const TABLE = {
  version: 0x56, // V
  count: 0x51, // Q
  org: 0x52, // R
  header: 0x42, // B
  height: 0x59, // Y
  envelope: 0x45, // E
  node: 0x4d, // M
  id: 0x49, // I
  object: 0x4f, // O
  heads: 0x48, // H
  kind: 0x4b, // K
  signer: 0x53, // S
  time: 0x54, // T
  governance: 0x47, // G
} as const;

export interface KeyRange {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
}

/** [prefix][u32 org number][u64 n]: envelope, header-by-size and height tables. */
function orgKey(prefix: number, orgNo: number, n: number): Uint8Array {
  const key = new Uint8Array(13);
  key[0] = prefix;
  writeU32(key, 1, orgNo);
  writeU64(key, 5, n);
  return key;
}

/** [prefix][term][u64 seq], where term is a fixed-width value or text closed by 0x00. */
function postingKey(prefix: number, term: Uint8Array, seq: number): Uint8Array {
  const key = new Uint8Array(1 + term.length + 8);
  key[0] = prefix;
  key.set(term, 1);
  writeU64(key, 1 + term.length, seq);
  return key;
}

/** All postings of one term: seq 0 up to (not including) the next term. */
function postingRange(prefix: number, term: Uint8Array): KeyRange {
  return { gte: postingKey(prefix, term, 0), lt: postingKey(prefix, term, 2 ** 53) };
}

/**
 * Object ids and kinds contain no control characters (core's entry schema), so 0x00 cannot
 * occur inside them and closing them with it keeps one term's postings apart from a longer
 * term that shares its prefix ("seg:1" vs "seg:10").
 */
function textTerm(text: string): Uint8Array {
  const bytes = utf8(text);
  const term = new Uint8Array(bytes.length + 1);
  term.set(bytes);
  return term;
}

function timeTerm(time: number): Uint8Array {
  const term = new Uint8Array(8);
  writeU64(term, 0, time);
  return term;
}

/** The commit sequence number closing a posting key. */
export function postingSeq(key: Uint8Array): number {
  return readU64(key, key.length - 8);
}

export const versionKey: Uint8Array = Uint8Array.of(TABLE.version);
export const countKey: Uint8Array = Uint8Array.of(TABLE.count);

export function orgNameKey(orgNo: number): Uint8Array {
  const key = new Uint8Array(5);
  key[0] = TABLE.org;
  writeU32(key, 1, orgNo);
  return key;
}

export const orgNameRange: KeyRange = { gte: Uint8Array.of(TABLE.org), lt: Uint8Array.of(TABLE.org + 1) };

export function orgNoOfNameKey(key: Uint8Array): number {
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(1);
}

export const headerKey = (orgNo: number, size: number): Uint8Array => orgKey(TABLE.header, orgNo, size);
export const heightKey = (orgNo: number, height: number): Uint8Array => orgKey(TABLE.height, orgNo, height);
export const envelopeKey = (orgNo: number, index: number): Uint8Array => orgKey(TABLE.envelope, orgNo, index);

/** Headers of sizes in [from, to) of one org. */
export function headerRange(orgNo: number, from: number, to: number): KeyRange {
  return { gte: headerKey(orgNo, from), lt: headerKey(orgNo, to) };
}

export function envelopeRange(orgNo: number, from: number, to: number): KeyRange {
  return { gte: envelopeKey(orgNo, from), lt: envelopeKey(orgNo, to) };
}

/** The log index closing an envelope key. */
export function envelopeIndex(key: Uint8Array): number {
  return readU64(key, 5);
}

/** [M][u32 org number][u8 level][u64 index]: a perfect Merkle node of level >= 1. */
export function nodeKey(orgNo: number, level: number, index: number): Uint8Array {
  const key = new Uint8Array(14);
  key[0] = TABLE.node;
  writeU32(key, 1, orgNo);
  key[5] = level;
  writeU64(key, 6, index);
  return key;
}

export function idKey(id: Uint8Array): Uint8Array {
  const key = new Uint8Array(1 + id.length);
  key[0] = TABLE.id;
  key.set(id, 1);
  return key;
}

export function headsKey(object: string): Uint8Array {
  const bytes = utf8(object);
  const key = new Uint8Array(1 + bytes.length);
  key[0] = TABLE.heads;
  key.set(bytes, 1);
  return key;
}

export const objectKey = (object: string, seq: number): Uint8Array =>
  postingKey(TABLE.object, textTerm(object), seq);
export const objectRange = (object: string): KeyRange => postingRange(TABLE.object, textTerm(object));
export const kindKey = (kind: string, seq: number): Uint8Array => postingKey(TABLE.kind, textTerm(kind), seq);
export const kindRange = (kind: string): KeyRange => postingRange(TABLE.kind, textTerm(kind));
export const signerKey = (signer: Uint8Array, seq: number): Uint8Array =>
  postingKey(TABLE.signer, signer, seq);
export const signerRange = (signer: Uint8Array): KeyRange => postingRange(TABLE.signer, signer);
export const timeKey = (time: number, seq: number): Uint8Array => postingKey(TABLE.time, timeTerm(time), seq);

/** [G][u64 seq]: the signed governance action that made governance position `seq`. */
export function governanceKey(seq: number): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = TABLE.governance;
  writeU64(key, 1, seq);
  return key;
}

/** Governance actions of positions in [from, to). */
export function governanceRange(from: number, to: number): KeyRange {
  return { gte: governanceKey(from), lt: governanceKey(to) };
}

/** The position closing a governance key. */
export function governanceSeqOf(key: Uint8Array): number {
  return readU64(key, 1);
}

/** Keys of the whole database, for compaction: every prefix is below 0xff. */
export const everything: KeyRange = { gte: Uint8Array.of(0x00), lt: Uint8Array.of(0xff) };

/** The audited tables (index-audit.ts): each is the whole key range of its one-byte prefix. */
export const AUDITED_TABLES = {
  id: TABLE.id,
  object: TABLE.object,
  kind: TABLE.kind,
  signer: TABLE.signer,
  time: TABLE.time,
  merkle: TABLE.node,
} as const;

export type AuditedTable = keyof typeof AUDITED_TABLES;

export function tableRange(prefix: number): KeyRange {
  return { gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) };
}
