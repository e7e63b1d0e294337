/**
 * The node's `ReplicaStore` (DESIGN §5, §6): other orgs' logs in the node's LevelDB store, next
 * to its own org's log. A block of another org is verified with the checks of core's `applyBlock`
 * (header signature under the org's node key from the genesis, hash chain, entry count, every
 * entry's encoding, network, org and signature, Merkle root), every entry is checked with
 * governance `checkAuthority` at its log position, and only then is the block committed (one
 * atomic, fsynced batch). The entries are opened on worker threads (`verifyThreads`), and a
 * syncing replicator hands blocks to `prepare` ahead of `accept`, so the signature checks of the
 * next blocks overlap with the commit of this one.
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
  type Block,
  type BlockHeader,
  checkHeaderExtends,
  decodeEntry,
  decodeEnvelope,
  decodeFraudProof,
  emptyLogState,
  encodeFraudProof,
  equalBytes,
  type FraudProof,
  fromBase64,
  LiuhenError,
  type LogState,
  type Profile,
  toBase64,
  toHex,
  verifyNote,
} from '@liuhen/core';
import {
  checkAuthority,
  encodeGenesis,
  type Genesis,
  judgeBlockTime,
  judgeCosignatureTime,
  networkId,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  OperatorRegistry,
} from '@liuhen/governance';
import {
  type CosignatureRecord,
  NetError,
  type ReplicaStore,
  VerifierCache,
  WitnessTimes,
} from '@liuhen/net';
import type { EntryIndexRecord, LedgerStore } from '@liuhen/store';
import { defaultProfile } from './append-context.ts';
import { type EntrySummaries, EnvelopeOpener } from './envelope-opener.ts';
import type { NodeGovernance } from './governance.ts';
import { governedCheck, governedHeaderKey } from './governance-validation.ts';
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
  /**
   * The network's profile: which roles may sign which kinds, judged with the rest of the
   * authority check. Bodies and lifecycle rules are not judged here: another org's node accepted
   * the entry and its block is signed, so refusing it would only hide it — its profile findings
   * are reported where the trace is verified (DESIGN §8). Default pipe/1.
   */
  profile?: Profile;
  /**
   * The governance log (docs/protocol.md §13.7): each header is verified with the org's node key
   * valid at the position it claims and its height, and judged with the freeze point; each entry
   * with the governed `checkAuthority` at that position. Without it, the genesis decides.
   */
  governance?: NodeGovernance;
  /** Worker threads that open accepted blocks' envelopes (default 0: on the event loop's thread). */
  verifyThreads?: number;
  /** Accept this node's own org's blocks from peers at first (see `acceptOwnBlocks`). */
  acceptOwnBlocks?: boolean;
  /** Called after a block is committed with the attachments its entries reference. */
  onAttachments?: (org: string, attachments: ReadonlyArray<{ sha256: Uint8Array; size: number }>) => void;
}

/** Per org, what the status API shows: who cosigned which checkpoint. */
export interface OrgReplicationState {
  size: number;
  height: number;
  /** The latest header's root hash, hex; null for an empty log. */
  root: string | null;
  frozen: boolean;
  /**
   * The size a fraud proof froze the log at: the last size both of its checkpoints agree on. The
   * node holds (and shows in `size`) what it had beyond it, but serves the log only up to here.
   */
  frozenAt: number | null;
  /** Witnesses whose cosignature of the latest checkpoint is held, sorted. */
  lastCosigners: string[];
  /**
   * Clock-skew flags against this node's clock (docs/protocol.md §12.9), from the latest evidence
   * since it started, null where that evidence was within the tolerance or there was none: how far
   * the org's latest block was cut ahead of this node's clock, and how far the org's latest
   * cosignature of an own checkpoint was timestamped before this node cut it, ms.
   */
  clock: { blockAheadMs: number | null; cosignatureBehindMs: number | null };
}

export class NodeReplicaStore implements ReplicaStore {
  readonly #store: LedgerStore;
  readonly #genesis: Genesis;
  readonly #ownOrg: string;
  readonly #profile: Profile;
  readonly #orgKeys: Map<string, Uint8Array>;
  readonly #governance: NodeGovernance | undefined;
  #registry = new OperatorRegistry();
  /** org → checkpoint text → witness → its cosignature. */
  readonly #cosignatures = new Map<string, Map<string, Map<string, CosignatureRecord>>>();
  /** org → earliest cosignature time per held checkpoint's size, for first-witnessed lookups. */
  readonly #witnessTimes = new Map<string, WitnessTimes>();
  /** org → checkpoint text not held (yet) → its cosignatures, counted once the checkpoint is held. */
  readonly #unheldWitnessed = new Map<string, Map<string, CosignatureRecord[]>>();
  readonly #fraud = new Map<string, FraudProof[]>();
  /** org → the size its log is frozen at by its fraud proofs (the smallest any of them implies). */
  readonly #frozenAt = new Map<string, number>();
  readonly #cosignatureFile: JsonLinesFile;
  readonly #fraudFile: JsonLinesFile;
  readonly #opener: EnvelopeOpener;
  readonly #network: Uint8Array;
  readonly #verifiers = new VerifierCache();
  /** A block's envelopes → their opening under an entry size limit, started by `prepare`, taken by `accept`. */
  readonly #prepared = new WeakMap<
    readonly Uint8Array[],
    { readonly maxBytes: number; readonly opening: Promise<EntrySummaries> }
  >();
  readonly #onAttachments: NodeReplicaStoreOptions['onAttachments'];
  /** org → its clock-skew flags (OrgReplicationState.clock). */
  readonly #clock = new Map<string, OrgReplicationState['clock']>();
  /**
   * While true, blocks of the node's own org are verified and stored like any other org's: a node
   * restored from a backup fetches the part of its own log cut after the backup from the peers
   * that replicated it, before its ledger node opens and cuts blocks again (daemon.ts). Never
   * true while the ledger node runs: the log would have two writers.
   */
  acceptOwnBlocks = false;

  private constructor(options: NodeReplicaStoreOptions, profile: Profile) {
    this.#store = options.store;
    this.#genesis = options.genesis;
    this.#ownOrg = options.ownOrg;
    this.#profile = profile;
    this.#governance = options.governance;
    // With governance, its live map: orgs added later appear, rotated keys are replaced.
    this.#orgKeys =
      options.governance?.orgKeys ?? new Map(options.genesis.orgs.map((o) => [o.id, o.nodeKey]));
    this.#cosignatureFile = new JsonLinesFile(options.cosignaturesFile);
    this.#fraudFile = new JsonLinesFile(options.fraudProofsFile);
    this.#network = networkId(encodeGenesis(options.genesis));
    // Every block is opened with the limit of the position it claims (#entryLimit).
    this.#opener = new EnvelopeOpener({
      threads: options.verifyThreads ?? 0,
      network: this.#network,
      maxBytes: options.genesis.parameters.maxEntryBytes,
    });
    this.#onAttachments = options.onAttachments;
    this.acceptOwnBlocks = options.acceptOwnBlocks ?? false;
  }

  static async open(options: NodeReplicaStoreOptions): Promise<NodeReplicaStore> {
    const replica = new NodeReplicaStore(options, options.profile ?? (await defaultProfile()));
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
      await replica.#noteFrozen(proof.first.org, proof);
    }
    return replica;
  }

  get orgKeys(): ReadonlyMap<string, Uint8Array> {
    return this.#orgKeys;
  }

  async close(): Promise<void> {
    await Promise.all([this.#cosignatureFile.close(), this.#fraudFile.close(), this.#opener.close()]);
  }

  // ---- ReplicaStore ----------------------------------------------------------------------

  /** The latest header per org; of an org frozen by a fraud proof, the one at its frozen size. */
  async latestHeaders(): Promise<Map<string, BlockHeader>> {
    const heads = new Map<string, BlockHeader>();
    for (const org of await this.#store.orgs()) {
      if (!this.#orgKeys.has(org)) continue;
      const frozenAt = this.#frozenAt.get(org);
      if (frozenAt !== undefined) {
        const header = frozenAt > 0 ? await this.#store.headerCovering(org, frozenAt - 1) : undefined;
        if (header?.size === frozenAt) heads.set(org, header);
        continue;
      }
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

  /** Of an org frozen by a fraud proof, only blocks up to its frozen size. */
  async *blocksFrom(org: string, fromSize: number, toSize: number): AsyncGenerator<Block> {
    const frozenAt = this.#frozenAt.get(org);
    if (frozenAt !== undefined) {
      if (fromSize >= frozenAt) return;
      toSize = Math.min(toSize, frozenAt);
    }
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

  /**
   * Starts opening the block's envelopes (decode, schema, network, signature: everything that
   * does not depend on the log) on the worker threads, so that it overlaps with the commit of the
   * blocks before it. `accept` of the same block (the same `envelopes` array) takes the result;
   * nothing is believed before `accept` has checked the rest.
   */
  prepare(org: string, block: Block): void {
    if (!this.#orgKeys.has(org) || (org === this.#ownOrg && !this.acceptOwnBlocks) || this.#fraud.has(org))
      return;
    // A position not verified yet has no known limit: `accept` opens the block once it is.
    const maxBytes = this.#entryLimit(block.header);
    if (maxBytes !== undefined) this.#opened(block, maxBytes);
  }

  /**
   * The `maxEntryBytes` in force at the governance position the header claims (docs/protocol.md
   * §13.6): every entry of a block is judged by it, so a `parameter.set` neither invalidates the
   * entries of blocks that claim an earlier position nor lets later blocks escape a lowered limit.
   * Undefined while the position is beyond the verified log.
   */
  #entryLimit(header: BlockHeader): number | undefined {
    const governance = this.#governance?.state;
    if (governance === undefined) return this.#genesis.parameters.maxEntryBytes;
    const g = header.governance.seq;
    return g <= governance.seq ? governance.parametersAt(g).maxEntryBytes : undefined;
  }

  #opened(block: Block, maxBytes: number): Promise<EntrySummaries> {
    const prepared = this.#prepared.get(block.envelopes);
    if (prepared?.maxBytes === maxBytes) return prepared.opening;
    const opening = this.#opener.summarise(block.envelopes, maxBytes);
    // Awaited by `accept`, if it comes; a block dropped before then must not fail the process.
    opening.catch(() => undefined);
    this.#prepared.set(block.envelopes, { maxBytes, opening });
    return opening;
  }

  async accept(org: string, block: Block): Promise<void> {
    let nodeKey = this.#orgKeys.get(org);
    if (nodeKey === undefined) throw new NetError('NET_ORG_UNKNOWN', org);
    if (org === this.#ownOrg && !this.acceptOwnBlocks)
      throw new NetError('NET_SYNC_INVALID', `blocks of ${org} are cut by this node, not accepted`);
    if (block.header.org !== org) throw new NetError('NET_SYNC_INVALID', `a block of ${block.header.org}`);
    if (this.#fraud.has(org)) throw new NetError('NET_ORG_FROZEN', org);
    // Governance picks the key valid at the header's claimed position and height (or refuses).
    const governance = this.#governance?.state;
    if (governance !== undefined) nodeKey = governedHeaderKey(governance, block.header);
    // Known now: governedHeaderKey refused a position beyond the verified log.
    const maxBytes = this.#entryLimit(block.header) as number;
    const opening = this.#opened(block, maxBytes);
    this.#prepared.delete(block.envelopes);
    const state = await this.logState(org);
    const { header } = block;
    // applyBlock's checks, in its order, with two changes for speed: the header's verifier is
    // built once per org (verifyHeaderSignature builds one per call, validating the key with
    // noble's point arithmetic each time, ~5 ms), and the entries were opened by the workers.
    // The verifier names this network's origin, so a header of another network is unsigned here.
    verifyNote(header.note, [this.#verifiers.org(this.#network, org, nodeKey)]);
    checkHeaderExtends(state.header, header);
    if (header.size - state.frontier.size !== block.envelopes.length) {
      throw new LiuhenError(
        'BLOCK_MALFORMED',
        `header grows the log by ${header.size - state.frontier.size} but the block has ${block.envelopes.length} entries`,
      );
    }
    // Every entry's encoding, network and signature (the first failure in log order, as
    // openEnvelope throws it), then its org.
    const summaries = await opening;
    const first = state.frontier.size;
    const entries = Array.from({ length: summaries.length }, (_, i) => summaries.at(i));
    for (const [i, entry] of entries.entries()) {
      if (entry.org !== header.org)
        throw new LiuhenError('BLOCK_MALFORMED', `entry ${first + i} belongs to org ${entry.org}`);
    }
    const frontier = state.frontier.clone();
    const nodes = entries.flatMap((entry) => frontier.append(entry.leaf));
    if (!equalBytes(frontier.root(), header.root)) throw new LiuhenError('BLOCK_ROOT_MISMATCH');
    if (this.#fraud.has(org)) throw new NetError('NET_ORG_FROZEN', org);
    const records: EntryIndexRecord[] = [];
    let fed = false;
    try {
      for (const [i, entry] of entries.entries()) {
        const logIndex = first + i;
        const input = {
          registry: this.#registry,
          org,
          signer: entry.signer,
          role: entry.role,
          kind: entry.kind,
          logIndex,
          time: entry.time,
          rolePolicy: this.#profile.mayRoleSign,
        };
        if (governance !== undefined) governedCheck(governance, input, header);
        else {
          const verdict = checkAuthority({ genesis: this.#genesis, ...input });
          if (!verdict.ok) throw new LiuhenError(verdict.code, `${org}/${logIndex}: ${verdict.reason}`);
        }
        if (entry.kind === OPERATOR_APPOINTED || entry.kind === OPERATOR_REVOKED) {
          fed = true;
          // Rare: the registry wants the whole entry, decoded again here.
          const envelope = block.envelopes[i] as Uint8Array;
          const { entryBytes } = decodeEnvelope(envelope, maxBytes);
          this.#registry.apply(org, logIndex, decodeEntry(entryBytes, { maxBytes }));
        }
        records.push({
          id: entry.id,
          object: entry.object,
          kind: entry.kind,
          signer: entry.signer,
          time: entry.time,
          parents: entry.parents,
        });
      }
      await this.#store.commitBlock({
        header: block.header,
        envelopes: block.envelopes,
        entries: records,
        nodes,
      });
      this.#judgeBlockClock(org, block.header);
      // Cosignatures that arrived before the block now witness its entries.
      const early = this.#unheldWitnessed.get(org)?.get(block.header.text);
      if (early !== undefined) {
        this.#unheldWitnessed.get(org)?.delete(block.header.text);
        for (const record of early) this.#noteWitnessTime(record, block.header);
      }
      const attachments = summaries.attachments();
      if (attachments.length > 0) this.#onAttachments?.(org, attachments);
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
    await this.#noteFrozen(org, proof);
    return true;
  }

  /**
   * DESIGN §4: a log with a fraud proof is frozen at the last consistent size. This node keeps the
   * blocks it held beyond it (evidence for governance), but serves the org's log only up to it
   * (heads, sync), so honest nodes that each held another branch show the same frozen log.
   */
  async #noteFrozen(org: string, proof: FraudProof): Promise<void> {
    const size = await this.#consistentSize(org, proof);
    this.#frozenAt.set(org, Math.min(this.#frozenAt.get(org) ?? size, size));
  }

  /**
   * The last size of `org`'s log that both checkpoints of `proof` agree on, as far as this node
   * can tell: the size of the held block just below the lower of their heights, and never more
   * than either checkpoint's size. Exact for two headers of one height that link to the same
   * previous header, the fork the replicator proves (gossip at a held height, or the audit, which
   * walks up from the first block and stops at the first difference); an upper bound otherwise.
   */
  async #consistentSize(org: string, proof: FraudProof): Promise<number> {
    const below = Math.min(proof.first.height, proof.second.height) - 1;
    const size = below >= 1 ? ((await this.#store.header(org, below))?.size ?? 0) : 0;
    return Math.min(size, proof.first.size, proof.second.size);
  }

  /** The size `org`'s log is frozen at by a fraud proof, if it is. */
  frozenAt(org: string): number | undefined {
    return this.#frozenAt.get(org);
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
        // A fraud proof, or governance's freeze point (the org removed).
        frozen: this.#fraud.has(org) || this.#governance?.state.freezeOf(org) !== undefined,
        frozenAt: this.#frozenAt.get(org) ?? null,
        lastCosigners: head ? this.cosigners(org, head.header.text) : [],
        clock: this.#clock.get(org) ?? { blockAheadMs: null, cosignatureBehindMs: null },
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
    this.#judgeWitnessClock(record, held);
  }

  // ---- clock skew (docs/protocol.md §12.9): flagged, never refused -------------------------------

  #maxClockSkewMs(): number {
    return (this.#governance?.state.parametersAt() ?? this.#genesis.parameters).maxClockSkewMs;
  }

  #flagClock(org: string, change: Partial<OrgReplicationState['clock']>): void {
    const held = this.#clock.get(org) ?? { blockAheadMs: null, cosignatureBehindMs: null };
    this.#clock.set(org, { ...held, ...change });
  }

  /** A block of another org just stored: was it cut ahead of this node's clock? */
  #judgeBlockClock(org: string, header: BlockHeader): void {
    const { skewMs, flagged } = judgeBlockTime(header.time, Date.now(), this.#maxClockSkewMs());
    this.#flagClock(org, { blockAheadMs: flagged ? skewMs : null });
  }

  /** A witness's cosignature of an own checkpoint: was it timestamped before this node cut it? */
  #judgeWitnessClock(record: CosignatureRecord, held: BlockHeader): void {
    if (record.org !== this.#ownOrg || !this.#orgKeys.has(record.witness)) return;
    const verdict = judgeCosignatureTime(record.timestamp * 1000, held.time, this.#maxClockSkewMs());
    this.#flagClock(record.witness, { cosignatureBehindMs: verdict.flagged ? -verdict.skewMs : null });
  }
}
