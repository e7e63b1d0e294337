/**
 * Auditing the derived tables — the id table, the object/kind/signer/time postings and the
 * stored Merkle nodes — against the log itself, in memory independent of the store's size.
 *
 * Each side reduces a table to a record count and a digest: the XOR of a keyed hash (HMAC-SHA-256
 * under a random key drawn for this audit alone, see record-digest.ts) of every record, written
 * in the store's own key form but with the commit sequence number left out (a verifier replaying
 * the log cannot know it). The expected side is the multiset of records the verified entries and
 * Merkle nodes imply; the stored side is the records read by scanning each table once, in key
 * order. The audit passes only if, per table, the two multisets are equal:
 * - the XOR digests agree only if the records of odd multiplicity on the two sides are the same
 *   set: otherwise the XOR of keyed hashes over their (non-empty) symmetric difference would be
 *   zero, which for a key drawn after every record was written has probability 2^-256. An
 *   unkeyed hash would not do: its digests are known in advance, so records could be chosen to
 *   XOR to any value.
 * - the stored side is a set (LevelDB keys are unique). The counts agree, so the expected side
 *   has as many records as that set, which equals its odd-multiplicity set only if every record
 *   occurs there once: a duplicate (one entry in a log twice) cannot cancel out.
 * A mismatch names the table, not the record: the log itself, which is what verification
 * proves, is checked entry by entry elsewhere.
 */
import type { PerfectNode } from '@liuhen/core';
import type { Database } from './database.ts';
import { scanBatches } from './database.ts';
import {
  AUDITED_TABLES,
  type AuditedTable,
  idKey,
  kindKey,
  nodeKey,
  objectKey,
  signerKey,
  tableRange,
  timeKey,
} from './keys.ts';
import { decodeIdRecord, encodeLocation } from './locations.ts';
import type { OrgTable } from './org-table.ts';
import { DIGEST_WORDS, RecordDigester } from './record-digest.ts';

export type { AuditedTable };

export interface AuditEntry {
  readonly id: Uint8Array;
  readonly object: string;
  readonly kind: string;
  readonly signer: Uint8Array;
  readonly time: number;
}

const TABLES = Object.keys(AUDITED_TABLES) as AuditedTable[];

/** Posting keys end with the 8-byte commit sequence number, which the audit leaves out. */
const SEQ_BYTES = 8;

/**
 * Posting keys (sequence number 0) of recent text terms. Kinds and objects recur from entry to
 * entry, and building a key encodes the text and copies it twice; a bounded map, emptied when
 * full, keeps memory flat whatever the store holds.
 */
class TermKeys {
  static readonly LIMIT = 4096;
  readonly #keys = new Map<string, Uint8Array>();
  readonly #make: (term: string, seq: number) => Uint8Array;

  constructor(make: (term: string, seq: number) => Uint8Array) {
    this.#make = make;
  }

  get(term: string): Uint8Array {
    let key = this.#keys.get(term);
    if (key === undefined) {
      if (this.#keys.size >= TermKeys.LIMIT) this.#keys.clear();
      key = this.#make(term, 0);
      this.#keys.set(term, key);
    }
    return key;
  }
}

const objectKeys = new TermKeys(objectKey);
const kindKeys = new TermKeys(kindKey);

/** The records one entry puts in the id table and the postings, as digested. */
export function addEntryRecords(digests: RecordSink, orgNo: number, index: number, entry: AuditEntry): void {
  const loc = encodeLocation(orgNo, index);
  const id = idKey(entry.id);
  digests.addPair('id', id, id.length, loc);
  addPosting(digests, 'object', objectKeys.get(entry.object), loc);
  addPosting(digests, 'kind', kindKeys.get(entry.kind), loc);
  addPosting(digests, 'signer', signerKey(entry.signer, 0), loc);
  addPosting(digests, 'time', timeKey(entry.time, 0), loc);
}

/** A posting as digested: its key without the sequence number, then the location it holds. */
function addPosting(digests: RecordSink, table: AuditedTable, key: Uint8Array, loc: Uint8Array): void {
  digests.addPair(table, key, Math.max(0, key.length - SEQ_BYTES), loc);
}

/** Where `addEntryRecords` and the stored-table scan put records: a digest, or a packer. */
export interface RecordSink {
  /** Adds the record `a`[0, `aLength`) ‖ `b` without building it. */
  addPair(table: AuditedTable, a: Uint8Array, aLength: number, b?: Uint8Array): void;
}

/** Records end to end, for a worker to hand them to the thread that digests them. */
export interface PackedRecords {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Where each record ends in `bytes`. */
  readonly ends: Uint32Array<ArrayBuffer>;
  /** Each record's table, as its position in `TABLES`. */
  readonly tables: Uint8Array<ArrayBuffer>;
}

const TABLE_NUMBER = new Map<AuditedTable, number>(TABLES.map((t, i) => [t, i]));

/** Collects records into one buffer (grown by doubling) instead of digesting them. */
export class RecordPacker implements RecordSink {
  #bytes = new Uint8Array(16 * 1024);
  #ends = new Uint32Array(256);
  #tables = new Uint8Array(256);
  #length = 0;
  #count = 0;

  addPair(table: AuditedTable, a: Uint8Array, aLength: number, b?: Uint8Array): void {
    const end = this.#length + aLength + (b === undefined ? 0 : b.length);
    if (end > this.#bytes.length) this.#bytes = grow(this.#bytes, end);
    if (this.#count === this.#ends.length) {
      this.#ends = grow(this.#ends, this.#count + 1);
      this.#tables = grow(this.#tables, this.#count + 1);
    }
    this.#bytes.set(aLength === a.length ? a : a.subarray(0, aLength), this.#length);
    if (b !== undefined) this.#bytes.set(b, end - b.length);
    this.#ends[this.#count] = end;
    this.#tables[this.#count] = TABLE_NUMBER.get(table) as number;
    this.#length = end;
    this.#count++;
  }

  /** The records so far; views over buffers that can be transferred (the packer is spent). */
  pack(): PackedRecords {
    return {
      bytes: this.#bytes.subarray(0, this.#length),
      ends: this.#ends.subarray(0, this.#count),
      tables: this.#tables.subarray(0, this.#count),
    };
  }
}

function grow<T extends Uint8Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>(array: T, least: number): T {
  const grown = new (array.constructor as new (length: number) => T)(Math.max(least, 2 * array.length));
  grown.set(array);
  return grown;
}

/** XOR accumulators of keyed record digests per table, plus record counts per table. */
export class TableDigests implements RecordSink {
  readonly #digester: RecordDigester;
  readonly #xor = new Map<AuditedTable, Uint32Array>(TABLES.map((t) => [t, new Uint32Array(DIGEST_WORDS)]));
  readonly #count = new Map<AuditedTable, number>(TABLES.map((t) => [t, 0]));

  constructor(digester: RecordDigester) {
    this.#digester = digester;
  }

  addPair(table: AuditedTable, a: Uint8Array, aLength: number, b?: Uint8Array): void {
    this.#digester.xorInto(this.#xor.get(table) as Uint32Array, a, aLength, b);
    this.#count.set(table, (this.#count.get(table) as number) + 1);
  }

  /** Adds records a `RecordPacker` collected, e.g. in a verify worker. */
  addPacked(records: PackedRecords): void {
    const { bytes, ends, tables } = records;
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i] as number;
      this.addPair(TABLES[tables[i] as number] as AuditedTable, bytes.subarray(start, end), end - start);
      start = end;
    }
  }

  /** Tables whose digests differ from `other`'s, which must be under the same key. */
  differences(other: TableDigests): AuditedTable[] {
    return TABLES.filter((t) => {
      const a = this.#xor.get(t) as Uint32Array;
      const b = other.#xor.get(t) as Uint32Array;
      return this.#count.get(t) !== other.#count.get(t) || a.some((word, i) => word !== b[i]);
    });
  }

  count(table: AuditedTable): number {
    return this.#count.get(table) as number;
  }
}

/**
 * The digests a correct store has for the entries and nodes fed to it, in any order, under a
 * key of this audit's own: `storedDigests` digests the stored tables under the same key.
 */
export class ExpectedIndexes {
  readonly #digester = new RecordDigester();
  readonly digests = new TableDigests(this.#digester);
  readonly #orgs: OrgTable;

  constructor(orgs: OrgTable) {
    this.#orgs = orgs;
  }

  /** The store's number for `org`; one past the table for an org it never registered. */
  orgNumber(org: string): number {
    return this.#orgs.number(org) ?? this.#orgs.names().length;
  }

  addEntry(org: string, index: number, entry: AuditEntry): void {
    addEntryRecords(this.digests, this.orgNumber(org), index, entry);
  }

  /** Adds records that `addEntryRecords` packed elsewhere, e.g. in a verify worker. */
  addRecords(records: PackedRecords): void {
    this.digests.addPacked(records);
  }

  /** The stored tables' digests, under this audit's key. */
  storedDigests(db: Database): Promise<TableDigests> {
    return storedIndexDigests(db, new TableDigests(this.#digester));
  }

  /** Perfect nodes completed by appending the org's leaves; level-0 nodes are not stored. */
  addNodes(org: string, nodes: readonly PerfectNode[]): void {
    const orgNo = this.orgNumber(org);
    for (const node of nodes) {
      if (node.level > 0) {
        const key = nodeKey(orgNo, node.level, node.index);
        this.digests.addPair('merkle', key, key.length, node.hash);
      }
    }
  }
}

/**
 * Digests a stored record the way `addEntryRecords` and `addNodes` digest what it should be:
 * without the commit sequence number (in the id record's value and every posting key).
 */
function addStoredRecord(digests: RecordSink, table: AuditedTable, key: Uint8Array, value: Uint8Array): void {
  if (table === 'id') {
    const { orgNo, index } = decodeIdRecord(value);
    digests.addPair(table, key, key.length, encodeLocation(orgNo, index));
  } else if (table === 'merkle') {
    digests.addPair(table, key, key.length, value);
  } else {
    addPosting(digests, table, key, value);
  }
}

/**
 * Reads every audited table once and digests it the same way. The six tables are read at once,
 * each a batch at a time with its next batch already requested: LevelDB's reading (on libuv's
 * threads) then overlaps this thread's turning records into Buffers and hashing them, which
 * made the tables read one after another ~25% slower. Each table has its own accumulator, so
 * the interleaving does not matter.
 */
async function storedIndexDigests(db: Database, digests: TableDigests): Promise<TableDigests> {
  const scans = await Promise.allSettled(
    TABLES.map(async (table) => {
      for await (const records of scanBatches(db, tableRange(AUDITED_TABLES[table]))) {
        for (const [key, value] of records) addStoredRecord(digests, table, key, value);
      }
    }),
  );
  // Every scan has ended (none left reading); a failure is reported as the first table's.
  for (const scan of scans) if (scan.status === 'rejected') throw scan.reason;
  return digests;
}
