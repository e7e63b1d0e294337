/**
 * Auditing the derived tables — the id table, the object/kind/signer/time postings and the
 * stored Merkle nodes — against the log itself, in memory independent of the store's size.
 *
 * Each side reduces a table to a digest: the XOR of SHA-256 over every record, written in the
 * store's own key form but with the commit sequence number left out (a verifier replaying the
 * log cannot know it). The expected side is fed from entries and Merkle nodes the verifier has
 * checked; the stored side is read by scanning each table once, in key order. Keys are unique
 * in LevelDB and every entry yields one record per table, so the XOR of distinct hashes is a
 * sound set digest here. A mismatch names the table, not the record: the log itself, which is
 * what verification proves, is checked entry by entry elsewhere.
 */
import { concatBytes, type PerfectNode, sha256 } from '@liuhen/core';
import type { Database } from './database.ts';
import { scan } from './database.ts';
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

export type { AuditedTable };

export interface AuditEntry {
  readonly id: Uint8Array;
  readonly object: string;
  readonly kind: string;
  readonly signer: Uint8Array;
  readonly time: number;
}

const TABLES = Object.keys(AUDITED_TABLES) as AuditedTable[];

function withoutSeq(postingKey: Uint8Array): Uint8Array {
  return postingKey.subarray(0, postingKey.length - 8);
}

export interface ExportedDigests {
  readonly xor: readonly Uint8Array[];
  readonly count: readonly number[];
}

/** The records one entry puts in the id table and the postings, as digested. */
export function addEntryRecords(
  digests: TableDigests,
  orgNo: number,
  index: number,
  entry: AuditEntry,
): void {
  const loc = encodeLocation(orgNo, index);
  digests.add('id', concatBytes(idKey(entry.id), loc));
  digests.add('object', concatBytes(withoutSeq(objectKey(entry.object, 0)), loc));
  digests.add('kind', concatBytes(withoutSeq(kindKey(entry.kind, 0)), loc));
  digests.add('signer', concatBytes(withoutSeq(signerKey(entry.signer, 0)), loc));
  digests.add('time', concatBytes(withoutSeq(timeKey(entry.time, 0)), loc));
}

/** XOR accumulators per table, plus record counts so that an emptied table is caught too. */
export class TableDigests {
  readonly #xor = new Map<AuditedTable, Uint8Array>(TABLES.map((t) => [t, new Uint8Array(32)]));
  readonly #count = new Map<AuditedTable, number>(TABLES.map((t) => [t, 0]));

  add(table: AuditedTable, record: Uint8Array): void {
    const acc = this.#xor.get(table) as Uint8Array;
    const h = sha256(record);
    for (let i = 0; i < 32; i++) acc[i] = (acc[i] as number) ^ (h[i] as number);
    this.#count.set(table, (this.#count.get(table) as number) + 1);
  }

  /** Folds in digests computed elsewhere, e.g. in a worker thread (see `exportDigests`). */
  merge(other: ExportedDigests): void {
    for (const [t, table] of TABLES.entries()) {
      const acc = this.#xor.get(table) as Uint8Array;
      const xor = other.xor[t] as Uint8Array;
      for (let i = 0; i < 32; i++) acc[i] = (acc[i] as number) ^ (xor[i] as number);
      this.#count.set(table, (this.#count.get(table) as number) + (other.count[t] as number));
    }
  }

  /** A structured-clone-friendly copy, for posting between threads. */
  exportDigests(): ExportedDigests {
    return {
      xor: TABLES.map((t) => (this.#xor.get(t) as Uint8Array).slice()),
      count: TABLES.map((t) => this.#count.get(t) as number),
    };
  }

  /** Tables whose digests differ from `other`'s. */
  differences(other: TableDigests): AuditedTable[] {
    return TABLES.filter((t) => {
      const a = this.#xor.get(t) as Uint8Array;
      const b = other.#xor.get(t) as Uint8Array;
      return this.#count.get(t) !== other.#count.get(t) || a.some((byte, i) => byte !== b[i]);
    });
  }

  count(table: AuditedTable): number {
    return this.#count.get(table) as number;
  }
}

/** The digests a correct store has for the entries and nodes fed to it, in any order. */
export class ExpectedIndexes {
  readonly digests = new TableDigests();
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

  /** Perfect nodes completed by appending the org's leaves; level-0 nodes are not stored. */
  addNodes(org: string, nodes: readonly PerfectNode[]): void {
    const orgNo = this.orgNumber(org);
    for (const node of nodes) {
      if (node.level > 0)
        this.digests.add('merkle', concatBytes(nodeKey(orgNo, node.level, node.index), node.hash));
    }
  }
}

/** Reads every audited table once and digests it the same way. */
export async function storedIndexDigests(db: Database): Promise<TableDigests> {
  const digests = new TableDigests();
  for (const table of TABLES) {
    for await (const [key, value] of scan(db, tableRange(AUDITED_TABLES[table]))) {
      if (table === 'id') {
        const { orgNo, index } = decodeIdRecord(value);
        digests.add(table, concatBytes(key, encodeLocation(orgNo, index)));
      } else if (table === 'merkle') {
        digests.add(table, concatBytes(key, value));
      } else {
        digests.add(table, concatBytes(withoutSeq(key), value));
      }
    }
  }
  return digests;
}
