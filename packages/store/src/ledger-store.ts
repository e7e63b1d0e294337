/**
 * Org logs, headers, Merkle nodes and indexes in one LevelDB database (DESIGN.md §6). A block is
 * written as one atomic, fsynced batch, so after a crash the store holds every block it
 * acknowledged and nothing of any other. Key layout: keys.ts and README.md.
 *
 * One process owns the database (LevelDB locks it), and this object is its only writer, so log
 * heads, org numbers and the entry count are kept in memory and updated after each batch.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assembleProof,
  type BlockHeader,
  compareBytes,
  consistencyProofPlan,
  type Entry,
  equalBytes,
  inclusionProofPlan,
  LiuhenError,
  MerkleFrontier,
  type PerfectNode,
  type ProofPlan,
  planNodes,
  rootPlan,
  toHex,
} from '@liuhen/core';
import {
  closeDatabase,
  compact,
  type Database,
  get,
  getMany,
  openDatabase,
  type Put,
  plain,
  ReadBatcher,
  scan,
  scanBatches,
  writeBatch,
} from './database.ts';
import { loadGovernanceSeq, readGovernanceActions, writeGovernanceAction } from './governance-actions.ts';
import { type AuditedTable, ExpectedIndexes } from './index-audit.ts';
import { decodeVarints, encodeVarints } from './integers.ts';
import {
  countKey,
  envelopeIndex,
  envelopeKey,
  envelopeRange,
  everything,
  headerKey,
  headerRange,
  headsKey,
  heightKey,
  idKey,
  type KeyRange,
  kindKey,
  kindRange,
  objectKey,
  objectRange,
  signerKey,
  signerRange,
  timeKey,
  versionKey,
} from './keys.ts';
import {
  decodeIdRecord,
  decodeLocation,
  encodeIdRecord,
  encodeLocation,
  type IdRecord,
  type Location,
} from './locations.ts';
import { extendHead, type LogHead } from './log-head.ts';
import { nodePuts, readNodes } from './merkle-nodes.ts';
import { decodeHeads, encodeHeads, nextHeads } from './object-heads.ts';
import { OrgTable } from './org-table.ts';
import { encodeSnapshot } from './snapshot.ts';
import { decodeHeader, encodeHeader, storedEntryId, storedEntryTime } from './stored-records.ts';

export type { LogHead } from './log-head.ts';

/** Bump when the key layout changes; a store of another version is refused, never misread. */
const FORMAT_VERSION = 1;
/** Above every size, height and sequence number (all < 2^53): the open end of a key range. */
const END = 2 ** 53;

/** The fields of an entry the indexes need, as the caller has already decoded them. */
export interface EntryIndexRecord {
  readonly id: Uint8Array;
  readonly object: string;
  readonly kind: string;
  readonly signer: Uint8Array;
  readonly time: number;
  readonly parents: readonly Uint8Array[];
}

/** The index record of a decoded entry, given its id. */
export function indexRecord(id: Uint8Array, entry: Entry): EntryIndexRecord {
  return {
    id,
    object: entry.object,
    kind: entry.kind,
    signer: entry.signer,
    time: entry.time,
    parents: entry.parents,
  };
}

export interface BlockWrite {
  /** Already verified (signature, chain, root) by the caller. */
  readonly header: BlockHeader;
  readonly envelopes: readonly Uint8Array[];
  /** Parallel to `envelopes`. */
  readonly entries: readonly EntryIndexRecord[];
  /** The perfect nodes completed by these leaves, as MerkleFrontier.append returns them. */
  readonly nodes: readonly PerfectNode[];
}

export interface EntryLocation {
  readonly org: string;
  readonly index: number;
}

export interface IndexedEntry extends EntryLocation {
  readonly id: Uint8Array;
  /** The envelope itself: the query reads it to find the id, and callers usually want it. */
  readonly envelope: Uint8Array;
}

export interface IndexQuery {
  readonly limit?: number;
  /** Continue after this entry (an id from a previous page). */
  readonly after?: Uint8Array;
}

function requireCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new LiuhenError('RANGE_INVALID', `${what} must be an integer in [0, 2^53)`);
  }
}

/** Cheap shape checks on what goes into keys: a bad record would corrupt an index silently. */
function checkRecord(record: EntryIndexRecord, i: number): void {
  const bad = (field: string): never => {
    throw new LiuhenError('BLOCK_MALFORMED', `entries[${i}].${field} is not valid for indexing`);
  };
  if (record.id?.length !== 32) bad('id');
  if (record.signer?.length !== 32) bad('signer');
  if (typeof record.object !== 'string' || record.object === '' || record.object.includes('\0'))
    bad('object');
  if (typeof record.kind !== 'string' || record.kind === '' || record.kind.includes('\0')) bad('kind');
  if (!Number.isSafeInteger(record.time) || record.time < 0) bad('time');
}

async function isEmpty(db: Database): Promise<boolean> {
  for await (const _item of scan(db, everything, { limit: 1 })) return false;
  return true;
}

async function loadHead(db: Database, orgNo: number): Promise<LogHead | undefined> {
  for await (const [, value] of scan(db, headerRange(orgNo, 0, END), { reverse: true, limit: 1 })) {
    const header = decodeHeader(value);
    const plan = rootPlan(header.size);
    const lookup = await readNodes(db, orgNo, plan);
    const frontier = MerkleFrontier.fromNodes(header.size, plan.map(lookup));
    if (!equalBytes(frontier.root(), header.root)) {
      throw new LiuhenError('STORE_CORRUPT', `the stored nodes of ${header.org} do not give the head's root`);
    }
    return { header, frontier };
  }
  return undefined;
}

export class LedgerStore {
  readonly #db: Database;
  /** Id lookups, batched: appends look up their ids (and parents') many at a time. */
  readonly #idReads: ReadBatcher;
  readonly #path: string;
  readonly #orgs: OrgTable;
  /** Keyed by org number. */
  readonly #heads: Map<number, LogHead>;
  /** Entries committed so far, which is also the next commit sequence number. */
  #count: number;
  /** Governance actions stored: the node's verified governance position. */
  #governanceSeq: number;
  /** Commits run one at a time: each reads state the previous one writes. */
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(
    db: Database,
    path: string,
    orgs: OrgTable,
    heads: Map<number, LogHead>,
    count: number,
    governanceSeq: number,
  ) {
    this.#db = db;
    this.#idReads = new ReadBatcher(db);
    this.#path = path;
    this.#orgs = orgs;
    this.#heads = heads;
    this.#count = count;
    this.#governanceSeq = governanceSeq;
  }

  static async open(path: string): Promise<LedgerStore> {
    const db = await openDatabase(path);
    try {
      const version = await get(db, versionKey);
      if (version === undefined) {
        if (!(await isEmpty(db)))
          throw new LiuhenError('STORE_INCOMPATIBLE', 'the database has no format version');
        await writeBatch(db, [
          { type: 'put', key: versionKey, value: encodeVarints([FORMAT_VERSION]) },
          { type: 'put', key: countKey, value: encodeVarints([0]) },
        ]);
      } else if (decodeVarints(version, 1)[0] !== FORMAT_VERSION) {
        throw new LiuhenError('STORE_INCOMPATIBLE', `format version ${decodeVarints(version, 1)[0]}`);
      }
      const count = await get(db, countKey);
      if (count === undefined) throw new LiuhenError('STORE_CORRUPT', 'the entry count is missing');
      const orgs = await OrgTable.load(db);
      // Loaded eagerly, so no lazy load can race a commit and cache a stale head.
      const heads = new Map<number, LogHead>();
      for (const [orgNo] of orgs.names().entries()) {
        const head = await loadHead(db, orgNo);
        if (head) heads.set(orgNo, head);
      }
      const governanceSeq = await loadGovernanceSeq(db);
      return new LedgerStore(db, path, orgs, heads, decodeVarints(count, 1)[0] as number, governanceSeq);
    } catch (error) {
      await closeDatabase(db).catch(() => undefined);
      throw error;
    }
  }

  /** Waits for a commit in progress, then closes the database. */
  async close(): Promise<void> {
    await this.#writes;
    await closeDatabase(this.#db);
  }

  /**
   * Writes a verified block: envelopes, header, Merkle nodes, id table, indexes and object heads,
   * in one atomic batch fsynced before this resolves. Refuses, writing nothing, a block that does
   * not extend the stored head of its org (BLOCK_CHAIN_BROKEN, BLOCK_MALFORMED,
   * BLOCK_ROOT_MISMATCH) or that repeats an entry already stored (ENTRY_DUPLICATE).
   */
  commitBlock(write: BlockWrite): Promise<void> {
    const run = this.#writes.then(() => this.#commit(write));
    this.#writes = run.catch(() => undefined);
    return run;
  }

  async #commit(write: BlockWrite): Promise<void> {
    const { header, envelopes, entries } = write;
    if (entries.length !== envelopes.length) {
      throw new LiuhenError(
        'BLOCK_MALFORMED',
        `${entries.length} index records for ${envelopes.length} envelopes`,
      );
    }
    entries.forEach(checkRecord);
    const org = this.#orgs.allocate(header.org);
    const { head, nodes } = extendHead(this.#heads.get(org.orgNo), write);
    await this.#refuseDuplicates(entries);

    const objects = [...new Set(entries.map((entry) => entry.object))];
    const stored = await getMany(this.#db, objects.map(headsKey));
    const heads = new Map(objects.map((object, i) => [object, decodeHeads(stored[i])]));

    const first = header.size - envelopes.length;
    const puts: Put[] = [...org.puts];
    for (const [i, entry] of entries.entries()) {
      const index = first + i;
      const seq = this.#count + i;
      const location = encodeLocation(org.orgNo, index);
      puts.push(
        { type: 'put', key: envelopeKey(org.orgNo, index), value: envelopes[i] as Uint8Array },
        { type: 'put', key: idKey(entry.id), value: encodeIdRecord(org.orgNo, index, seq) },
        { type: 'put', key: objectKey(entry.object, seq), value: location },
        { type: 'put', key: kindKey(entry.kind, seq), value: location },
        { type: 'put', key: signerKey(entry.signer, seq), value: location },
        { type: 'put', key: timeKey(entry.time, seq), value: location },
      );
      heads.set(entry.object, nextHeads(heads.get(entry.object) ?? [], entry.parents, entry.id));
    }
    for (const [object, ids] of heads)
      puts.push({ type: 'put', key: headsKey(object), value: encodeHeads(ids) });
    puts.push(
      ...nodePuts(org.orgNo, nodes),
      // The last header of an org is its log head: there is no separate head record to disagree.
      { type: 'put', key: headerKey(org.orgNo, header.size), value: encodeHeader(header) },
      { type: 'put', key: heightKey(org.orgNo, header.height), value: encodeVarints([header.size]) },
      { type: 'put', key: countKey, value: encodeVarints([this.#count + entries.length]) },
    );
    await writeBatch(this.#db, puts);

    this.#orgs.register(header.org, org.orgNo);
    this.#heads.set(org.orgNo, head);
    this.#count += entries.length;
  }

  /**
   * Stores the signed governance action that makes position `seq`, which must be the next one
   * (RANGE_INVALID otherwise), as one batch fsynced before this resolves. The caller has verified
   * it against the governance state; the bytes are kept exactly as given.
   */
  appendGovernanceAction(seq: number, bytes: Uint8Array): Promise<void> {
    const run = this.#writes.then(async () => {
      await writeGovernanceAction(this.#db, this.#governanceSeq, seq, bytes);
      this.#governanceSeq = seq;
    });
    this.#writes = run.catch(() => undefined);
    return run;
  }

  /** The number of governance actions stored. */
  get governanceSeq(): number {
    return this.#governanceSeq;
  }

  /** The stored signed governance actions of positions `from` … `to` (inclusive), in order. */
  async governanceActions(from = 1, to = this.#governanceSeq): Promise<Uint8Array[]> {
    requireCount(from, 'from');
    requireCount(to, 'to');
    const out: Uint8Array[] = [];
    for await (const { bytes } of readGovernanceActions(this.#db, Math.max(1, from), to)) out.push(bytes);
    return out;
  }

  async #refuseDuplicates(entries: readonly EntryIndexRecord[]): Promise<void> {
    const seen = new Set<string>();
    for (const entry of entries) {
      const hex = toHex(entry.id);
      if (seen.has(hex)) throw new LiuhenError('ENTRY_DUPLICATE', `entry ${hex} occurs twice in the block`);
      seen.add(hex);
    }
    const found = await getMany(
      this.#db,
      entries.map((entry) => idKey(entry.id)),
    );
    const i = found.findIndex((value) => value !== undefined);
    if (i >= 0)
      throw new LiuhenError('ENTRY_DUPLICATE', `entry ${toHex((entries[i] as EntryIndexRecord).id)}`);
  }

  /** Orgs with a log in this store, sorted. */
  async orgs(): Promise<string[]> {
    return this.#orgs.names().sort();
  }

  /** The latest header and the log's frontier, from which a restarted node resumes appending. */
  async logHead(org: string): Promise<LogHead | undefined> {
    const head = this.#head(org);
    return head && { header: head.header, frontier: head.frontier.clone() };
  }

  async envelope(org: string, index: number): Promise<Uint8Array | undefined> {
    requireCount(index, 'index');
    const orgNo = this.#orgs.number(org);
    return orgNo === undefined ? undefined : get(this.#db, envelopeKey(orgNo, index));
  }

  /**
   * Envelopes with index in [from, to), in log order, one native read (up to 256 records or
   * 64 KiB) at a time with the next already requested: for whole-log readers such as verification.
   */
  async *envelopeBatches(
    org: string,
    from: number,
    to: number,
  ): AsyncIterable<Array<{ index: number; envelope: Uint8Array }>> {
    requireCount(from, 'from');
    requireCount(to, 'to');
    const orgNo = this.#orgs.number(org);
    if (orgNo === undefined || from >= to) return;
    for await (const batch of scanBatches(this.#db, envelopeRange(orgNo, from, to))) {
      yield batch.map(([key, envelope]) => ({ index: envelopeIndex(key), envelope: plain(envelope) }));
    }
  }

  /** Envelopes with index in [from, to), in log order, read ahead a bounded amount at a time. */
  async *envelopes(
    org: string,
    from: number,
    to: number,
  ): AsyncIterable<{ index: number; envelope: Uint8Array }> {
    requireCount(from, 'from');
    requireCount(to, 'to');
    const orgNo = this.#orgs.number(org);
    if (orgNo === undefined || from >= to) return;
    for await (const [key, envelope] of scan(this.#db, envelopeRange(orgNo, from, to))) {
      yield { index: envelopeIndex(key), envelope };
    }
  }

  async locate(id: Uint8Array): Promise<EntryLocation | undefined> {
    const record = await this.#idRecord(id);
    return record && { org: this.#orgs.name(record.orgNo), index: record.index };
  }

  async header(org: string, height: number): Promise<BlockHeader | undefined> {
    requireCount(height, 'height');
    const orgNo = this.#orgs.number(org);
    if (orgNo === undefined) return undefined;
    const size = await get(this.#db, heightKey(orgNo, height));
    if (size === undefined) return undefined;
    const value = await get(this.#db, headerKey(orgNo, decodeVarints(size, 1)[0] as number));
    if (value === undefined) throw new LiuhenError('STORE_CORRUPT', `header ${org}/${height} is missing`);
    return decodeHeader(value);
  }

  /** Every header of the org, by height. */
  async *headers(org: string): AsyncIterable<BlockHeader> {
    const orgNo = this.#orgs.number(org);
    if (orgNo === undefined) return;
    for await (const [, value] of scan(this.#db, headerRange(orgNo, 0, END))) yield decodeHeader(value);
  }

  /** The header of the block that included entry `index`: the first whose size exceeds it. */
  async headerCovering(org: string, index: number): Promise<BlockHeader | undefined> {
    requireCount(index, 'index');
    const orgNo = this.#orgs.number(org);
    if (orgNo === undefined || index + 1 >= END) return undefined;
    for await (const [, value] of scan(this.#db, headerRange(orgNo, index + 1, END), { limit: 1 })) {
      return decodeHeader(value);
    }
    return undefined;
  }

  /** RFC 6962 PATH(index, D[size]) for any size up to the stored head, in O(log n) reads. */
  async inclusionProof(org: string, index: number, size: number): Promise<Uint8Array[]> {
    return this.#proof(org, inclusionProofPlan(index, size), size);
  }

  /** RFC 6962 PROOF(size1, D[size2]) for any sizes up to the stored head. */
  async consistencyProof(org: string, size1: number, size2: number): Promise<Uint8Array[]> {
    return this.#proof(org, consistencyProofPlan(size1, size2), size2);
  }

  async #proof(org: string, plan: ProofPlan, size: number): Promise<Uint8Array[]> {
    const stored = this.#head(org)?.header.size ?? 0;
    if (size > stored)
      throw new LiuhenError('RANGE_INVALID', `size ${size} is beyond the stored log of ${stored}`);
    if (plan.length === 0) return [];
    const lookup = await readNodes(this.#db, this.#orgs.number(org) as number, planNodes(plan));
    return assembleProof(plan, lookup);
  }

  /**
   * The object's entries in commit order. A replica may commit another org's block before the
   * block holding a parent, so causal order is core's `causalOrder` over these, not this order.
   */
  async objectEntries(object: string, query: IndexQuery = {}): Promise<IndexedEntry[]> {
    return this.#query(objectRange(object), query, (after) => objectKey(object, after.seq + 1));
  }

  /** The object's DAG heads, ascending. */
  async objectHeads(object: string): Promise<Uint8Array[]> {
    return decodeHeads(await get(this.#db, headsKey(object)));
  }

  /** Entries of a kind, in commit order. */
  async byKind(kind: string, query: IndexQuery = {}): Promise<IndexedEntry[]> {
    return this.#query(kindRange(kind), query, (after) => kindKey(kind, after.seq + 1));
  }

  /** Entries signed by an operator key, in commit order. */
  async bySigner(signer: Uint8Array, query: IndexQuery = {}): Promise<IndexedEntry[]> {
    return this.#query(signerRange(signer), query, (after) => signerKey(signer, after.seq + 1));
  }

  /** Entries whose claimed time is in [fromMs, toMs), by time, then commit order. */
  async byTime(fromMs: number, toMs: number, query: IndexQuery = {}): Promise<IndexedEntry[]> {
    requireCount(fromMs, 'fromMs');
    requireCount(toMs, 'toMs');
    return this.#query({ gte: timeKey(fromMs, 0), lt: timeKey(toMs, 0) }, query, async (after) => {
      const envelope = await get(this.#db, envelopeKey(after.orgNo, after.index));
      if (envelope === undefined) throw new LiuhenError('STORE_CORRUPT', 'an indexed envelope is missing');
      return timeKey(storedEntryTime(envelope), after.seq + 1);
    });
  }

  /**
   * One page of an index: postings in key order from the range start, or from just after
   * `query.after`, then the ids of the entries found. Work is proportional to the page.
   */
  async #query(
    range: KeyRange,
    query: IndexQuery,
    resume: (after: IdRecord) => Uint8Array | Promise<Uint8Array>,
  ): Promise<IndexedEntry[]> {
    if (query.limit !== undefined) requireCount(query.limit, 'limit');
    if (query.limit === 0) return [];
    let gte = range.gte;
    if (query.after !== undefined) {
      const after = await this.#idRecord(query.after);
      if (after === undefined)
        throw new LiuhenError('NOT_FOUND', `no entry ${toHex(query.after)} to continue after`);
      const start = await resume(after);
      if (compareBytes(start, gte) > 0) gte = start;
    }
    const locations: Location[] = [];
    for await (const [, value] of scan(
      this.#db,
      { gte, lt: range.lt },
      query.limit ? { limit: query.limit } : {},
    )) {
      locations.push(decodeLocation(value));
    }
    const envelopes = await getMany(
      this.#db,
      locations.map(({ orgNo, index }) => envelopeKey(orgNo, index)),
    );
    return locations.map(({ orgNo, index }, i) => {
      const envelope = envelopes[i];
      if (envelope === undefined) throw new LiuhenError('STORE_CORRUPT', 'an indexed envelope is missing');
      return { id: storedEntryId(envelope), org: this.#orgs.name(orgNo), index, envelope };
    });
  }

  async #idRecord(id: Uint8Array): Promise<IdRecord | undefined> {
    const value = await this.#idReads.get(idKey(id));
    return value && decodeIdRecord(value);
  }

  #head(org: string): LogHead | undefined {
    const orgNo = this.#orgs.number(org);
    return orgNo === undefined ? undefined : this.#heads.get(orgNo);
  }

  /**
   * A collector of the index records a correct store holds, for `auditIndexes`, under a keyed
   * digest of its own: collect and audit with the same one.
   */
  expectedIndexes(): ExpectedIndexes {
    return new ExpectedIndexes(this.#orgs);
  }

  /**
   * The derived tables whose records differ from what the entries and Merkle nodes fed to
   * `expected` imply: an empty list means the id table, every index and every stored Merkle
   * node agree with the log.
   */
  async auditIndexes(expected: ExpectedIndexes): Promise<AuditedTable[]> {
    return (await expected.storedDigests(this.#db)).differences(expected.digests);
  }

  /** Entries committed, over all orgs. */
  async entryCount(): Promise<number> {
    return this.#count;
  }

  /** Bytes of the database's files on disk. */
  async approximateSize(): Promise<number> {
    try {
      let total = 0;
      for (const file of await readdir(this.#path, { withFileTypes: true })) {
        if (file.isFile()) total += (await stat(join(this.#path, file.name))).size;
      }
      return total;
    } catch (error) {
      throw new LiuhenError('STORE_UNAVAILABLE', (error as Error).message, { cause: error });
    }
  }

  /**
   * The whole store as one consistent snapshot stream (snapshot.ts), readable while blocks keep
   * being committed: the online backup. `restoreSnapshot` rebuilds a store from it.
   */
  snapshot(): AsyncGenerator<Uint8Array> {
    return encodeSnapshot(this.#db);
  }

  /**
   * Compacts the whole database: obsolete versions and deletions are dropped and tables
   * rewritten. Background compaction does this gradually; call it before measuring space.
   */
  async compact(): Promise<void> {
    await compact(this.#db, everything);
  }
}
