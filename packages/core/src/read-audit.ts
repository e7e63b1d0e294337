/**
 * Read audits (DESIGN §11, docs/protocol.md §15.10): a node that hands restricted plaintext to an
 * API caller records the read on its own log first, as an `org.read-audit` entry signed by its
 * node key as `ORG`. The entry sits on the object's audit object, `reads:<object>` (not on the
 * object itself: a read is not a step of the object's history, and an audit that became one of
 * its DAG heads would be cited as a parent by the next record). It names the object read and
 * cites each entry whose sealed fields were returned, so an inspector can list who read an
 * object's restricted data, when, and under which token — and nobody can read without leaving
 * that record, since the plaintext is released only once the audit entry is durable.
 *
 * Pure: building and parsing only. The node decides when to record (packages/node).
 */
import { toHex, utf8 } from './bytes.ts';
import { buildEntry, type CborMap, type Entry, MAX_LIST_ITEMS } from './entry.ts';
import { LiuhenError } from './errors.ts';
import { sha256 } from './hash.ts';

/** The kind of a read audit: an org act, signed by the reading node's key as `ORG`. */
export const READ_AUDIT_KIND = 'org.read-audit';
/** The `rel` of a read audit's citation of each entry read. */
export const READ_REL = 'reads';
/** Entries one audit entry cites; a read of more is recorded in several. */
export const MAX_AUDITED_READS = MAX_LIST_ITEMS;
const MAX_TEXT = 256;
/** Prefix of an audit object id. */
export const READ_AUDIT_OBJECT_PREFIX = 'reads:';
const MAX_OBJECT_CHARS = 256;
const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;

export interface ReadAuditDraft {
  readonly network: Uint8Array;
  /** The reading org: the org whose log holds the audit and whose key unwrapped the data. */
  readonly org: string;
  /** The reading node's key. */
  readonly signer: Uint8Array;
  /** The object read. */
  readonly object: string;
  /** Ids of the entries whose restricted fields were returned, 1 … MAX_AUDITED_READS. */
  readonly entries: readonly Uint8Array[];
  /** The API token's name: who was handed the plaintext. */
  readonly token: string;
  /** The operator the token is bound to, if any. */
  readonly operator?: string;
  /** What was called, e.g. `GET /v1/entries/{id}`. */
  readonly route: string;
  /** When the plaintext was released, ms. */
  readonly time: number;
}

export interface ReadAudit {
  readonly reader: string;
  readonly object: string;
  readonly entries: readonly Uint8Array[];
  readonly token: string;
  readonly operator?: string;
  readonly route: string;
  readonly time: number;
}

function invalid(detail: string): never {
  throw new LiuhenError('ENTRY_INVALID', `${READ_AUDIT_KIND}: ${detail}`);
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || !PRINTABLE.test(value) || [...value].length > MAX_TEXT)
    invalid(`${field}: expected 1 to ${MAX_TEXT} printable characters`);
  return value;
}

/**
 * The object that holds the read audits of `object`: `reads:<object>`, or, when that would pass
 * the 256-character limit of object ids, `reads:sha256:<hex of SHA-256(object)>`.
 */
export function readAuditObject(object: string): string {
  const plain = `${READ_AUDIT_OBJECT_PREFIX}${object}`;
  return [...plain].length <= MAX_OBJECT_CHARS
    ? plain
    : `${READ_AUDIT_OBJECT_PREFIX}sha256:${toHex(sha256(utf8(object)))}`;
}

/**
 * The audit entry, unsigned. It has no parents: audits of one object are independent records,
 * each complete on its own.
 */
export function buildReadAudit(draft: ReadAuditDraft): Entry {
  if (draft.entries.length === 0 || draft.entries.length > MAX_AUDITED_READS)
    invalid(`entries: expected 1 to ${MAX_AUDITED_READS}`);
  const body: CborMap = {
    object: draft.object,
    token: text(draft.token, 'token'),
    route: text(draft.route, 'route'),
    ...(draft.operator === undefined ? {} : { operator: text(draft.operator, 'operator') }),
  };
  return buildEntry({
    network: draft.network,
    org: draft.org,
    object: readAuditObject(draft.object),
    kind: READ_AUDIT_KIND,
    parents: [],
    refs: draft.entries.map((entry) => ({ entry, rel: READ_REL })),
    time: draft.time,
    signer: draft.signer,
    role: 'ORG',
    body,
    classification: 'internal',
  });
}

/** Reads an audit entry's shape (ENTRY_INVALID). */
export function parseReadAudit(entry: Entry): ReadAudit {
  if (entry.kind !== READ_AUDIT_KIND) invalid(`kind ${entry.kind}`);
  const entries = entry.refs.flatMap((r) => ('entry' in r && r.rel === READ_REL ? [r.entry] : []));
  if (entries.length === 0) invalid(`expected at least one entry ref with rel "${READ_REL}"`);
  const keys = Object.keys(entry.body);
  if (keys.some((k) => !['object', 'token', 'route', 'operator'].includes(k)))
    invalid('body: expected exactly object, token, route and optionally operator');
  const object = entry.body.object;
  if (typeof object !== 'string' || readAuditObject(object) !== entry.object)
    invalid(`body.object: does not match the audit object ${entry.object}`);
  return {
    reader: entry.org,
    object,
    entries,
    token: text(entry.body.token, 'body.token'),
    route: text(entry.body.route, 'body.route'),
    ...(entry.body.operator === undefined ? {} : { operator: text(entry.body.operator, 'body.operator') }),
    time: entry.time,
  };
}
