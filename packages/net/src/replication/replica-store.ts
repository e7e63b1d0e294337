/**
 * What the replicator needs from storage (the node implements it over its LevelDB store), and an
 * in-memory implementation for tests that verifies exactly as a real store must.
 *
 * Contract:
 * - `accept` verifies the block with core's `applyBlock` against the org's log state and the org's
 *   node key from the genesis (header signature, hash chain, every entry, Merkle root) and stores
 *   it atomically, or throws and stores nothing. It refuses a frozen org (NET_ORG_FROZEN) and an
 *   unknown one (NET_ORG_UNKNOWN).
 * - `addCosignature` and `addFraudProof` store what the caller has verified; they return false for
 *   a duplicate. `cosignaturesOf` returns what `addCosignature` stored for one checkpoint. A stored
 *   fraud proof freezes its org: `accept` refuses it from then on, and the org's log is frozen at
 *   the last size both checkpoints of the proof agree on (DESIGN §4; the size of the held block just
 *   below the lower of their heights): `latestHeaders` shows the header at that size, and
 *   `blocksFrom` yields nothing beyond it. Blocks held beyond it are kept, as evidence.
 * - `blocksFrom(org, fromSize, toSize)` yields the held blocks that start at `fromSize` (which must
 *   be a block boundary, or NET_SYNC_INVALID is thrown) and end at or below `toSize`, one at a time:
 *   a store reads them lazily, so a sync never holds more than one block.
 */
import {
  applyBlock,
  type Block,
  type BlockHeader,
  emptyLogState,
  type FraudProof,
  type LogState,
  type NoteSignature,
} from '@liuhen/core';
import { NetError } from '../errors.ts';

/** One verified witness cosignature over one checkpoint of an org's log. */
export interface CosignatureRecord {
  readonly org: string;
  /** The checkpoint text that was cosigned. */
  readonly checkpoint: string;
  /** The checkpoint's tree size. */
  readonly size: number;
  readonly witness: string;
  readonly signature: NoteSignature;
  /** The cosignature's verified timestamp, seconds since the epoch. */
  readonly timestamp: number;
}

export interface ReplicaStore {
  /** The latest header held per org. */
  latestHeaders(): Promise<Map<string, BlockHeader>>;
  /** The verifier state of an org's log (empty for an org with no blocks yet). */
  logState(org: string): Promise<LogState>;
  /** The held header of an org at a block height (1-based), if any. */
  headerAt(org: string, height: number): Promise<BlockHeader | undefined>;
  blocksFrom(org: string, fromSize: number, toSize: number): AsyncIterable<Block>;
  /**
   * Optional: a hint that `accept(org, block)` of this very block (the same `envelopes` array)
   * will follow, so the store may start the checks that do not depend on the log (entry
   * encodings and signatures) early, overlapping with the blocks before it. `accept` still
   * verifies everything; a prepared block that is never accepted costs nothing more.
   */
  prepare?(org: string, block: Block): void;
  accept(org: string, block: Block): Promise<void>;
  /** Whether this witness's cosignature of this checkpoint is held. */
  hasCosignature(org: string, checkpoint: string, witness: string): Promise<boolean>;
  /** Every held cosignature of this checkpoint (sent along with it in sync responses). */
  cosignaturesOf(org: string, checkpoint: string): Promise<CosignatureRecord[]>;
  addCosignature(record: CosignatureRecord): Promise<boolean>;
  addFraudProof(org: string, proof: FraudProof): Promise<boolean>;
  isFrozen(org: string): Promise<boolean>;
}

interface OrgLog {
  state: LogState;
  readonly headers: BlockHeader[];
  readonly envelopes: Uint8Array[];
}

export interface MemoryReplicaStoreOptions {
  /** Each member org's node key (from the genesis). */
  readonly orgKeys: ReadonlyMap<string, Uint8Array>;
}

/** A ReplicaStore in memory: verifies every block with applyBlock, keeps headers and envelopes. */
export class MemoryReplicaStore implements ReplicaStore {
  readonly #orgKeys: ReadonlyMap<string, Uint8Array>;
  readonly #logs = new Map<string, OrgLog>();
  readonly #cosignatures = new Map<string, CosignatureRecord[]>();
  readonly #cosignatureKeys = new Set<string>();
  readonly #fraud = new Map<string, FraudProof[]>();

  constructor(options: MemoryReplicaStoreOptions) {
    this.#orgKeys = options.orgKeys;
  }

  #log(org: string): OrgLog {
    let log = this.#logs.get(org);
    if (log === undefined) {
      log = { state: emptyLogState(), headers: [], envelopes: [] };
      this.#logs.set(org, log);
    }
    return log;
  }

  async latestHeaders(): Promise<Map<string, BlockHeader>> {
    const heads = new Map<string, BlockHeader>();
    for (const [org, log] of this.#logs) {
      const frozenAt = this.frozenAt(org);
      const head = frozenAt === undefined ? log.state.header : log.headers.find((h) => h.size === frozenAt);
      if (head !== undefined) heads.set(org, head);
    }
    return heads;
  }

  async logState(org: string): Promise<LogState> {
    return this.#log(org).state;
  }

  async headerAt(org: string, height: number): Promise<BlockHeader | undefined> {
    return this.#logs.get(org)?.headers[height - 1];
  }

  async *blocksFrom(org: string, fromSize: number, toSize: number): AsyncGenerator<Block> {
    const log = this.#logs.get(org);
    if (log === undefined || log.headers.length === 0) return;
    const frozenAt = this.frozenAt(org);
    if (frozenAt !== undefined) {
      if (fromSize >= frozenAt) return;
      toSize = Math.min(toSize, frozenAt);
    }
    // The first block starting at fromSize: the one after the header of size fromSize.
    let height = 0;
    if (fromSize > 0) {
      let lo = 0;
      let hi = log.headers.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((log.headers[mid] as BlockHeader).size < fromSize) lo = mid + 1;
        else hi = mid;
      }
      if ((log.headers[lo] as BlockHeader).size !== fromSize)
        throw new NetError('NET_SYNC_INVALID', `${fromSize} is not a block boundary of ${org}`);
      height = lo + 1;
    }
    let start = fromSize;
    for (; height < log.headers.length; height++) {
      const header = log.headers[height] as BlockHeader;
      if (header.size > toSize) return;
      yield { header, envelopes: log.envelopes.slice(start, header.size) };
      start = header.size;
    }
  }

  async accept(org: string, block: Block): Promise<void> {
    const nodeKey = this.#orgKeys.get(org);
    if (nodeKey === undefined) throw new NetError('NET_ORG_UNKNOWN', org);
    if (block.header.org !== org) throw new NetError('NET_SYNC_INVALID', `a block of ${block.header.org}`);
    if (this.#fraud.has(org)) throw new NetError('NET_ORG_FROZEN', org);
    const log = this.#log(org);
    // Synchronous from here: verification and storing cannot interleave with another accept.
    log.state = applyBlock(log.state, block, { nodeKey });
    log.headers.push(block.header);
    log.envelopes.push(...block.envelopes);
  }

  async hasCosignature(org: string, checkpoint: string, witness: string): Promise<boolean> {
    return this.#cosignatureKeys.has(`${org}\n${witness}\n${checkpoint}`);
  }

  async cosignaturesOf(org: string, checkpoint: string): Promise<CosignatureRecord[]> {
    return this.cosignatures(org).filter((r) => r.checkpoint === checkpoint);
  }

  async addCosignature(record: CosignatureRecord): Promise<boolean> {
    const key = `${record.org}\n${record.witness}\n${record.checkpoint}`;
    if (this.#cosignatureKeys.has(key)) return false;
    this.#cosignatureKeys.add(key);
    const list = this.#cosignatures.get(record.org) ?? [];
    list.push(record);
    this.#cosignatures.set(record.org, list);
    return true;
  }

  async addFraudProof(org: string, proof: FraudProof): Promise<boolean> {
    const list = this.#fraud.get(org) ?? [];
    if (list.some((p) => p.first.text === proof.first.text && p.second.text === proof.second.text))
      return false;
    list.push(proof);
    this.#fraud.set(org, list);
    return true;
  }

  async isFrozen(org: string): Promise<boolean> {
    return this.#fraud.has(org);
  }

  /**
   * The size the org's log is frozen at (the contract above): for each proof, the size of the
   * held block just below the lower of its two heights, at most either checkpoint's size.
   */
  frozenAt(org: string): number | undefined {
    const proofs = this.#fraud.get(org);
    if (proofs === undefined) return undefined;
    const headers = this.#logs.get(org)?.headers ?? [];
    return Math.min(
      ...proofs.map((p) => {
        const below = Math.min(p.first.height, p.second.height) - 1;
        const size = below >= 1 ? (headers[below - 1]?.size ?? 0) : 0;
        return Math.min(size, p.first.size, p.second.size);
      }),
    );
  }

  // ---- inspection, for tests and tools ----

  /** Every held header of an org, by height. */
  headers(org: string): readonly BlockHeader[] {
    return this.#logs.get(org)?.headers ?? [];
  }

  envelopes(org: string): readonly Uint8Array[] {
    return this.#logs.get(org)?.envelopes ?? [];
  }

  cosignatures(org: string): readonly CosignatureRecord[] {
    return this.#cosignatures.get(org) ?? [];
  }

  fraudProofs(org: string): readonly FraudProof[] {
    return this.#fraud.get(org) ?? [];
  }
}
