/**
 * The node's `ReplicaStore` (DESIGN §5, §6): other orgs' logs in the node's LevelDB store, next
 * to its own org's log. A block of another org is verified with core's `applyBlock` against that
 * org's node key from the genesis, every entry is checked with governance `checkAuthority` at its
 * log position, and only then is the block committed (one atomic, fsynced batch).
 *
 * One `OperatorRegistry` serves all orgs: operator records of an org are on that org's log, so it
 * is fed in log order as blocks are accepted, and rebuilt from the store at start (and after a
 * refused block, since a half-fed registry cannot be rolled back).
 *
 * Cosignatures and fraud proofs are appended to JSON-lines files in the data directory
 * (`cosignatures.jsonl`, `fraud-proofs.jsonl`), each write fsynced before it is acknowledged, and
 * read back at start. A stored fraud proof freezes its org: `accept` refuses it from then on.
 * Cosignatures are also held in memory (about 200 bytes each): they are sent along with the
 * checkpoints they sign, and they answer first-witnessed lookups.
 *
 * A witness signs checkpoint text, not the org's signature, so a valid cosignature may be over a
 * checkpoint that is not in the org's log (made up by a hostile witness, or a fork). It is stored,
 * but it bounds first-witnessed times only once the node holds that very checkpoint (and never
 * before the checkpoint's own cut time): otherwise a member could cosign an invented checkpoint of
 * a huge size with an old timestamp and make every late recording look contemporaneous.
 */
import { createReadStream, existsSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  applyBlock,
  type Block,
  type BlockHeader,
  decodeEntry,
  decodeEnvelope,
  decodeFraudProof,
  type Entry,
  emptyLogState,
  encodeFraudProof,
  entryId,
  type FraudProof,
  fromBase64,
  LiuhenError,
  type LogState,
  leafHash,
  toBase64,
  toHex,
} from '@liuhen/core';
import {
  checkAuthority,
  type Genesis,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  OperatorRegistry,
} from '@liuhen/governance';
import { type CosignatureRecord, NetError, type ReplicaStore, WitnessTimes } from '@liuhen/net';
import { type EntryIndexRecord, indexRecord, type LedgerStore } from '@liuhen/store';
import { defaultRolePolicy, type RolePolicy } from './default-profile.ts';
import { loadRegistry } from './operator-registry-loader.ts';

/**
 * An append-only JSON-lines file: each `append` resolves once its line is written and fsynced.
 * Appends arriving while a write is in flight share the next write and fsync.
 */
export class JsonLinesFile {
  readonly #path: string;
  #handle: Promise<FileHandle> | undefined;
  #queue: { line: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #writing: Promise<void> | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** Every record in the file, in order (a torn last line, from a crash mid-write, is skipped). */
  static async read<T>(path: string): Promise<T[]> {
    if (!existsSync(path)) return [];
    const records: T[] = [];
    const lines = createInterface({
      input: createReadStream(path, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        // Only the last line can be torn; anything after it was never acknowledged.
      }
    }
    return records;
  }

  append(record: unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ line: `${JSON.stringify(record)}\n`, resolve, reject });
      this.#writing ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          this.#handle ??= open(this.#path, 'a', 0o600);
          const handle = await this.#handle;
          await handle.write(batch.map((b) => b.line).join(''));
          await handle.datasync();
          for (const b of batch) b.resolve();
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async close(): Promise<void> {
    while (this.#writing) await this.#writing;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle).close();
  }
}

interface StoredCosignature {
  org: string;
  checkpoint: string;
  size: number;
  witness: string;
  name: string;
  keyHash: string;
  signature: string;
  timestamp: number;
}

interface StoredFraudProof {
  org: string;
  /** core's fraud-proof encoding, base64. */
  proof: string;
}

export interface NodeReplicaStoreOptions {
  store: LedgerStore;
  genesis: Genesis;
  /** This node's own org: its blocks come from the ledger node, never through `accept`. */
  ownOrg: string;
  cosignaturesFile: string;
  fraudProofsFile: string;
  rolePolicy?: RolePolicy;
}

/** Per org, what the status API shows: who cosigned which checkpoint. */
export interface OrgReplicationState {
  size: number;
  height: number;
  /** The latest header's root hash, hex; null for an empty log. */
  root: string | null;
  frozen: boolean;
  /** Witnesses whose cosignature of the latest checkpoint is held, sorted. */
  lastCosigners: string[];
}

export class NodeReplicaStore implements ReplicaStore {
  readonly #store: LedgerStore;
  readonly #genesis: Genesis;
  readonly #ownOrg: string;
  readonly #policy: RolePolicy;
  readonly #orgKeys: Map<string, Uint8Array>;
  #registry = new OperatorRegistry();
  /** org → checkpoint text → witness → its cosignature. */
  readonly #cosignatures = new Map<string, Map<string, Map<string, CosignatureRecord>>>();
  /** org → earliest cosignature time per held checkpoint's size, for first-witnessed lookups. */
  readonly #witnessTimes = new Map<string, WitnessTimes>();
  /** org → checkpoint text not held (yet) → its cosignatures, counted once the checkpoint is held. */
  readonly #unheldWitnessed = new Map<string, Map<string, CosignatureRecord[]>>();
  readonly #fraud = new Map<string, FraudProof[]>();
  readonly #cosignatureFile: JsonLinesFile;
  readonly #fraudFile: JsonLinesFile;

  private constructor(options: NodeReplicaStoreOptions) {
    this.#store = options.store;
    this.#genesis = options.genesis;
    this.#ownOrg = options.ownOrg;
    this.#policy = options.rolePolicy ?? defaultRolePolicy;
    this.#orgKeys = new Map(options.genesis.orgs.map((o) => [o.id, o.nodeKey]));
    this.#cosignatureFile = new JsonLinesFile(options.cosignaturesFile);
    this.#fraudFile = new JsonLinesFile(options.fraudProofsFile);
  }

  static async open(options: NodeReplicaStoreOptions): Promise<NodeReplicaStore> {
    const replica = new NodeReplicaStore(options);
    replica.#registry = await loadRegistry(options.store);
    // Records of one checkpoint are mostly adjacent: one store read per checkpoint.
    const held = { text: '', header: undefined as BlockHeader | undefined };
    for (const c of await JsonLinesFile.read<StoredCosignature>(options.cosignaturesFile)) {
      const record: CosignatureRecord = {
        org: c.org,
        checkpoint: c.checkpoint,
        size: c.size,
        witness: c.witness,
        signature: { name: c.name, keyHash: fromBase64(c.keyHash), signature: fromBase64(c.signature) },
        timestamp: c.timestamp,
      };
      replica.#noteCosignature(record);
      if (held.text !== record.checkpoint) {
        held.text = record.checkpoint;
        held.header = await replica.#heldCheckpoint(record);
      }
      replica.#noteWitnessTime(record, held.header);
    }
    for (const f of await JsonLinesFile.read<StoredFraudProof>(options.fraudProofsFile)) {
      const proof = decodeFraudProof(fromBase64(f.proof));
      const list = replica.#fraud.get(proof.first.org) ?? [];
      list.push(proof);
      replica.#fraud.set(proof.first.org, list);
    }
    return replica;
  }

  get orgKeys(): ReadonlyMap<string, Uint8Array> {
    return this.#orgKeys;
  }

  async close(): Promise<void> {
    await Promise.all([this.#cosignatureFile.close(), this.#fraudFile.close()]);
  }

  // ---- ReplicaStore ----------------------------------------------------------------------

  async latestHeaders(): Promise<Map<string, BlockHeader>> {
    const heads = new Map<string, BlockHeader>();
    for (const org of await this.#store.orgs()) {
      if (!this.#orgKeys.has(org)) continue;
      const head = await this.#store.logHead(org);
      if (head) heads.set(org, head.header);
    }
    return heads;
  }

  async logState(org: string): Promise<LogState> {
    const head = await this.#store.logHead(org);
    return head ? { header: head.header, frontier: head.frontier } : emptyLogState();
  }

  async headerAt(org: string, height: number): Promise<BlockHeader | undefined> {
    if (!Number.isSafeInteger(height) || height < 1) return undefined;
    return this.#store.header(org, height);
  }

  async *blocksFrom(org: string, fromSize: number, toSize: number): AsyncGenerator<Block> {
    if (fromSize > 0) {
      const boundary = await this.#store.headerCovering(org, fromSize - 1);
      if (boundary?.size !== fromSize)
        throw new NetError('NET_SYNC_INVALID', `${fromSize} is not a block boundary of ${org}`);
    }
    let start = fromSize;
    for (;;) {
      const header = await this.#store.headerCovering(org, start);
      if (header === undefined || header.size > toSize) return;
      const envelopes: Uint8Array[] = [];
      for await (const { envelope } of this.#store.envelopes(org, start, header.size))
        envelopes.push(envelope);
      if (envelopes.length !== header.size - start)
        throw new LiuhenError('STORE_CORRUPT', `entries ${start}…${header.size} of ${org} are missing`);
      yield { header, envelopes };
      start = header.size;
    }
  }

  async accept(org: string, block: Block): Promise<void> {
    const nodeKey = this.#orgKeys.get(org);
    if (nodeKey === undefined) throw new NetError('NET_ORG_UNKNOWN', org);
    if (org === this.#ownOrg)
      throw new NetError('NET_SYNC_INVALID', `blocks of ${org} are cut by this node, not accepted`);
    if (block.header.org !== org) throw new NetError('NET_SYNC_INVALID', `a block of ${block.header.org}`);
    if (this.#fraud.has(org)) throw new NetError('NET_ORG_FROZEN', org);
    const state = await this.logState(org);
    // Header signature, hash chain, every entry's encoding, network, org and signature, root.
    applyBlock(state, block, { nodeKey, maxEntryBytes: this.#genesis.parameters.maxEntryBytes });
    const first = state.frontier.size;
    const frontier = state.frontier.clone();
    const nodes = block.envelopes.flatMap((envelope) => frontier.append(leafHash(envelope)));
    const records: EntryIndexRecord[] = [];
    let fed = false;
    try {
      for (const [i, envelope] of block.envelopes.entries()) {
        const entryBytes = decodeEnvelope(envelope).entryBytes;
        const entry = decodeEntry(entryBytes);
        const logIndex = first + i;
        const verdict = checkAuthority({
          genesis: this.#genesis,
          registry: this.#registry,
          org,
          signer: entry.signer,
          role: entry.role,
          kind: entry.kind,
          logIndex,
          time: entry.time,
          rolePolicy: this.#policy.mayRoleSign,
        });
        if (!verdict.ok) throw new LiuhenError(verdict.code, `${org}/${logIndex}: ${verdict.reason}`);
        if (isOperatorRecord(entry)) {
          fed = true;
          this.#registry.apply(org, logIndex, entry);
        }
        records.push(indexRecord(entryId(entryBytes), entry));
      }
      await this.#store.commitBlock({
        header: block.header,
        envelopes: block.envelopes,
        entries: records,
        nodes,
      });
      // Cosignatures that arrived before the block now witness its entries.
      const early = this.#unheldWitnessed.get(org)?.get(block.header.text);
      if (early !== undefined) {
        this.#unheldWitnessed.get(org)?.delete(block.header.text);
        for (const record of early) this.#noteWitnessTime(record, block.header);
      }
    } catch (error) {
      // The registry may hold records of a block that was not stored: rebuild it from the store.
      if (fed) this.#registry = await loadRegistry(this.#store);
      throw error;
    }
  }

  async hasCosignature(org: string, checkpoint: string, witness: string): Promise<boolean> {
    return this.#cosignatures.get(org)?.get(checkpoint)?.has(witness) ?? false;
  }

  async cosignaturesOf(org: string, checkpoint: string): Promise<CosignatureRecord[]> {
    return [...(this.#cosignatures.get(org)?.get(checkpoint)?.values() ?? [])];
  }

  async addCosignature(record: CosignatureRecord): Promise<boolean> {
    if (await this.hasCosignature(record.org, record.checkpoint, record.witness)) return false;
    // Noted before the write, so a concurrent copy of the same cosignature is a duplicate.
    this.#noteCosignature(record);
    const stored: StoredCosignature = {
      org: record.org,
      checkpoint: record.checkpoint,
      size: record.size,
      witness: record.witness,
      name: record.signature.name,
      keyHash: toBase64(record.signature.keyHash),
      signature: toBase64(record.signature.signature),
      timestamp: record.timestamp,
    };
    try {
      await this.#cosignatureFile.append(stored);
    } catch (error) {
      this.#cosignatures.get(record.org)?.get(record.checkpoint)?.delete(record.witness);
      throw error;
    }
    this.#noteWitnessTime(record, await this.#heldCheckpoint(record));
    return true;
  }

  async addFraudProof(org: string, proof: FraudProof): Promise<boolean> {
    const list = this.#fraud.get(org) ?? [];
    if (list.some((p) => p.first.text === proof.first.text && p.second.text === proof.second.text))
      return false;
    await this.#fraudFile.append({
      org,
      proof: toBase64(encodeFraudProof(proof)),
    } satisfies StoredFraudProof);
    list.push(proof);
    this.#fraud.set(org, list);
    return true;
  }

  async isFrozen(org: string): Promise<boolean> {
    return this.#fraud.has(org);
  }

  // ---- inspection ----------------------------------------------------------------------------

  /** Witnesses whose cosignature of this checkpoint is held, sorted. */
  cosigners(org: string, checkpoint: string): string[] {
    return [...(this.#cosignatures.get(org)?.get(checkpoint)?.keys() ?? [])].sort();
  }

  /** The held cosignatures of this checkpoint by witness, earliest first. */
  cosignaturesAt(org: string, checkpoint: string): Array<{ witness: string; timestamp: number }> {
    return [...(this.#cosignatures.get(org)?.get(checkpoint)?.values() ?? [])]
      .map((r) => ({ witness: r.witness, timestamp: r.timestamp }))
      .sort((a, b) => a.timestamp - b.timestamp || (a.witness < b.witness ? -1 : 1));
  }

  /**
   * The entry's first-witnessed time (DESIGN §4), seconds: the earliest held cosignature over any
   * checkpoint of the org's log that covers log index `index`; undefined when none does yet.
   */
  firstWitnessed(org: string, index: number): number | undefined {
    return this.#witnessTimes.get(org)?.first(index);
  }

  fraudProofs(): Array<{ org: string; proof: FraudProof }> {
    return [...this.#fraud].flatMap(([org, proofs]) => proofs.map((proof) => ({ org, proof })));
  }

  /** Size, height, root and last cosigners of every genesis org's log as this node holds it. */
  async orgStates(): Promise<Record<string, OrgReplicationState>> {
    const out: Record<string, OrgReplicationState> = {};
    for (const org of [...this.#orgKeys.keys()].sort()) {
      const head = await this.#store.logHead(org);
      out[org] = {
        size: head?.header.size ?? 0,
        height: head?.header.height ?? 0,
        root: head ? toHex(head.header.root) : null,
        frozen: this.#fraud.has(org),
        lastCosigners: head ? this.cosigners(org, head.header.text) : [],
      };
    }
    return out;
  }

  #noteCosignature(record: CosignatureRecord): void {
    let byCheckpoint = this.#cosignatures.get(record.org);
    if (byCheckpoint === undefined) {
      byCheckpoint = new Map();
      this.#cosignatures.set(record.org, byCheckpoint);
    }
    let witnesses = byCheckpoint.get(record.checkpoint);
    if (witnesses === undefined) {
      witnesses = new Map();
      byCheckpoint.set(record.checkpoint, witnesses);
    }
    witnesses.set(record.witness, record);
  }

  /** The held header whose checkpoint the record cosigns, if the node holds exactly that one. */
  async #heldCheckpoint(record: CosignatureRecord): Promise<BlockHeader | undefined> {
    if (record.size < 1) return undefined;
    const header = await this.#store.headerCovering(record.org, record.size - 1);
    return header?.text === record.checkpoint ? header : undefined;
  }

  /** Counts the record for first-witnessed times if `held` is its checkpoint; else keeps it for later. */
  #noteWitnessTime(record: CosignatureRecord, held: BlockHeader | undefined): void {
    if (held === undefined) {
      let byCheckpoint = this.#unheldWitnessed.get(record.org);
      if (byCheckpoint === undefined) {
        byCheckpoint = new Map();
        this.#unheldWitnessed.set(record.org, byCheckpoint);
      }
      byCheckpoint.set(record.checkpoint, [...(byCheckpoint.get(record.checkpoint) ?? []), record]);
      return;
    }
    let times = this.#witnessTimes.get(record.org);
    if (times === undefined) {
      times = new WitnessTimes();
      this.#witnessTimes.set(record.org, times);
    }
    // No witness saw the checkpoint before it was cut: an earlier timestamp is clock skew or a lie.
    times.add(record.size, Math.max(record.timestamp, Math.floor(held.time / 1000)));
  }
}

function isOperatorRecord(entry: Entry): boolean {
  return entry.kind === OPERATOR_APPOINTED || entry.kind === OPERATOR_REVOKED;
}
