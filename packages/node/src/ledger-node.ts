/**
 * The department ledger node: validates entries, queues them, cuts blocks, commits each block as
 * one durable batch, and only then acknowledges. It also answers reads. All I/O goes through the
 * store; every rule it applies is a pure function of core or governance.
 */
import {
  type AppendIndex,
  type Block,
  type BlockHeader,
  buildEntry,
  causalOrder,
  cutBlock,
  type Entry,
  type EntryDraft,
  emptyLogState,
  equalBytes,
  type Finding,
  LiuhenError,
  type LogState,
  type Profile,
  type ProfileEntry,
  publicKeyFromSeed,
  type SignedEntry,
  signEntry,
  toHex,
} from '@liuhen/core';
import {
  type AnyErrorCode,
  checkAuthority,
  type Genesis,
  governanceFailure,
  OperatorRegistry,
  ORG_KIND_PREFIX,
} from '@liuhen/governance';
import { indexRecord, type LedgerStore } from '@liuhen/store';
import { ancestryBeyond, causalClosure, defaultProfile, OperatorBook } from './append-context.ts';
import { AppendIndexes } from './append-indexes.ts';
import { EntryRefusedError } from './entry-refused.ts';
import { EnvelopeOpener } from './envelope-opener.ts';
import { NodeGovernance } from './governance.ts';
import { loadRegistry } from './operator-registry-loader.ts';
import { STORED_ENTRY_BYTES, storedEntry, storedSignedEntry } from './stored-entry.ts';

/**
 * Recently committed or looked-up entries the node keeps decoded (about 40 MB): the usual parents
 * and the causal closures the profile judges appends against are found here, not in the store.
 */
const RECENT_ENTRIES = 32_768;

export interface Ack {
  id: string;
  org: string;
  index: number;
  height: number;
  /**
   * Rules the entry breaks that the profile records rather than refuses (e.g. P-COVER: backfill
   * before the hidden-works acceptance). The entry is in the log; these are the evidence of what
   * went wrong, and an inspector's verification reports them again from the trace.
   */
  flags: Finding[];
}

export interface LedgerNodeOptions {
  store: LedgerStore;
  genesis: Genesis;
  networkId: Uint8Array;
  org: string;
  /** The org node key's seed: signs block headers and org.* entries. */
  nodeSeed: Uint8Array;
  /**
   * The governance log the node judges against (shared with replication and the API). Default:
   * opened from `store` (the genesis folded with the stored actions).
   */
  governance?: NodeGovernance;
  /**
   * The network's profile (DESIGN §7): which kinds exist, who may sign them, their body schemas
   * and the lifecycle rules each append is judged by. It must be the genesis' profile. Default
   * pipe/1.
   */
  profile?: Profile;
  /** Cut a block this often while entries are pending. */
  blockIntervalMs?: number;
  /**
   * Cut a block as soon as no commit is in flight (group commit) rather than waiting up to
   * blockIntervalMs for more entries: a block then holds what arrived during the previous
   * commit. Latency drops to about one fsync and a few concurrent clients reach full
   * throughput, at the cost of more, smaller blocks under light load. Default false.
   */
  cutWhenIdle?: boolean;
  /**
   * Worker threads that open pre-signed envelopes (decode and signature check) for
   * appendSigned and trace; 0, the default, opens them on the event loop's thread.
   */
  verifyThreads?: number;
  /** Cut as soon as this many entries are pending. */
  blockMaxEntries?: number;
  /** Refuse new entries (NODE_BUSY) while this many are queued: back-pressure. */
  maxPending?: number;
  now?: () => number;
  onBlock?: (block: Block, commitMs: number) => void;
}

export interface LocatedEntry extends SignedEntry {
  org: string;
  index: number;
  proof?: { size: number; hashes: Uint8Array[]; header: BlockHeader };
}

/**
 * What the profile judges an append with besides the candidate: its whole causal closure, or
 * the object's incremental index and the ancestry the index lacks.
 */
type ProfileInputs =
  | { readonly context: readonly ProfileEntry[] }
  | { readonly index: AppendIndex; readonly added: readonly ProfileEntry[] };

interface Pending {
  signed: SignedEntry;
  /** The governance position the entry was judged at. */
  judgedAt: number;
  flags: Finding[];
  resolve: (ack: Ack) => void;
  reject: (error: unknown) => void;
}

export class LedgerNode {
  readonly org: string;
  readonly networkId: Uint8Array;
  readonly nodeKey: Uint8Array;
  readonly genesis: Genesis;
  readonly store: LedgerStore;
  /** Set by `open`: the governance log every entry and block header is judged against. */
  governance!: NodeGovernance;
  readonly #options: LedgerNodeOptions;
  readonly #profile: Profile;
  #state: LogState = emptyLogState();
  #registry = new OperatorRegistry();
  /** Entries accepted but not yet committed, in log order. */
  #queue: Pending[] = [];
  /** Every queued entry, by id: queued entries may be parents and ancestors. */
  #queued = new Map<string, SignedEntry>();
  /** Ids being validated or queued: the duplicate guard. */
  #reserved = new Set<string>();
  #committing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  readonly #opener: EnvelopeOpener;
  /** Recently committed or looked-up entries, by id, oldest first (RECENT_ENTRIES). */
  readonly #recent = new Map<string, Entry>();
  /** The profile's incremental indexes by object, when the profile has them. */
  readonly #indexes: AppendIndexes | undefined;
  /**
   * Entries the profile's inputs were gathered from, over all appends: a candidate's closure
   * beyond the object's index (the whole closure without one). A cost measure, not a tuning knob.
   */
  readonly profileWork = { walked: 0 };
  /** Operator identities of every org, for the profile's rules. Set by `open`. */
  #operators!: OperatorBook;
  /** Set while state is rebuilt after a failed commit; appends wait for it. */
  #reloading: Promise<void> | undefined;
  #closed = false;

  private constructor(options: LedgerNodeOptions, profile: Profile) {
    this.#options = options;
    this.org = options.org;
    this.networkId = options.networkId;
    this.genesis = options.genesis;
    this.store = options.store;
    this.nodeKey = publicKeyFromSeed(options.nodeSeed);
    this.#profile = profile;
    const makeIndex = profile.checkAppend.index;
    this.#indexes = makeIndex === undefined ? undefined : new AppendIndexes(makeIndex);
    this.#opener = new EnvelopeOpener({
      threads: options.verifyThreads ?? 0,
      network: options.networkId,
      maxBytes: STORED_ENTRY_BYTES,
    });
  }

  /**
   * Opens the node. Its org must have this node key among its node keys in the governance log
   * (CONFIG_INVALID otherwise) — or be unknown to it yet: a department added by an action this
   * node will fetch from its peers starts with appends refused (UNKNOWN_ORG) until then.
   */
  static async open(options: LedgerNodeOptions): Promise<LedgerNode> {
    const node = new LedgerNode(options, options.profile ?? (await defaultProfile()));
    const governance =
      options.governance ??
      (await NodeGovernance.open({
        store: options.store,
        genesis: options.genesis,
        networkId: options.networkId,
        self: { org: options.org, key: node.nodeKey },
      }));
    const known = governance.state.nodeKeysOf(options.org);
    if (known.length > 0 && !known.some((k) => equalBytes(k.key, node.nodeKey))) {
      throw new LiuhenError(
        'CONFIG_INVALID',
        governance.seq === 0
          ? `the node key does not match org ${options.org}'s key in the genesis`
          : `the node key is not a node key of org ${options.org} in the governance log`,
      );
    }
    if (options.genesis.profile !== node.#profile.id) {
      throw new LiuhenError(
        'CONFIG_INVALID',
        `the genesis names profile ${options.genesis.profile}, the node was given ${node.#profile.id}`,
      );
    }
    node.governance = governance;
    node.#operators = new OperatorBook(options.store);
    await node.#load();
    return node;
  }

  /**
   * Rebuilds in-memory state from the store: the log frontier and the operator registry. Built
   * aside and swapped in at once, so no validation ever sees a half-built registry.
   */
  async #load(): Promise<void> {
    const head = await this.store.logHead(this.org);
    const registry = await loadRegistry(this.store);
    this.#state = head ? { header: head.header, frontier: head.frontier } : emptyLogState();
    this.#registry = registry;
  }

  get size(): number {
    return this.#state.frontier.size + this.#queue.length;
  }

  get committedSize(): number {
    return this.#state.frontier.size;
  }

  get height(): number {
    return this.#state.header?.height ?? 0;
  }

  get pending(): number {
    return this.#queue.length;
  }

  get latestHeader() {
    return this.#state.header;
  }

  /** The network's profile: the API classifies body fields by it (sealed sections). */
  get profile(): Profile {
    return this.#profile;
  }

  /** The network parameters in force now (genesis, changed by governance `parameter.set`). */
  get parameters() {
    return this.governance.state.parametersAt();
  }

  /**
   * Why this node cannot sign its next block, or undefined when it can: its org must be a member
   * now, below any freeze point, and its node key valid at the current governance position for
   * the next height (not yet enrolled, or rotated out past the overlap window, it may not).
   */
  signingVerdict(
    size = this.size + 1,
    height = this.height + 1,
  ): { code: AnyErrorCode; reason: string } | undefined {
    const state = this.governance.state;
    const verdict = state.checkHeader({
      org: this.org,
      signer: this.nodeKey,
      size,
      height,
      governance: state.head,
    });
    return verdict.ok ? undefined : verdict;
  }

  /** Accepts a pre-signed envelope. Resolves once the entry's block is durable. */
  async appendSigned(envelope: Uint8Array): Promise<Ack> {
    if (this.#closed) throw new LiuhenError('NODE_CLOSED');
    // The limit in force now, to refuse early; #enqueue judges it at the entry's position.
    const signed = await this.#opener.open(envelope, this.parameters.maxEntryBytes);
    return this.#validateAndEnqueue(signed);
  }

  /**
   * Builds and signs an entry with a key the node holds (an operator's, or the node key for
   * org.* entries). Parents default to the object's current heads.
   */
  async appendUnsigned(
    draft: Omit<EntryDraft, 'network' | 'org' | 'signer' | 'time'> & { time?: number },
    seed: Uint8Array,
  ): Promise<Ack> {
    if (this.#closed) throw new LiuhenError('NODE_CLOSED');
    const parents = draft.parents ?? (await this.heads(draft.object));
    const entry = buildEntry({
      ...draft,
      parents,
      network: this.networkId,
      org: this.org,
      signer: publicKeyFromSeed(seed),
      time: draft.time ?? this.#now(),
    });
    const signed = signEntry(entry, seed, this.parameters.maxEntryBytes);
    return this.#validateAndEnqueue(signed);
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /**
   * Checks that need the store, then queues. The id is reserved before the store is asked, so
   * two copies of one entry can never both pass: the second either sees the reservation or, once
   * the first is committed and released, finds it in the store.
   */
  async #validateAndEnqueue(signed: SignedEntry): Promise<Ack> {
    if (this.#reloading) await this.#reloading;
    const { entry } = signed;
    if (entry.org !== this.org) {
      throw new LiuhenError('ORG_MISMATCH', `this node appends to org ${this.org}'s log, not ${entry.org}`);
    }
    if (!this.#profile.isKnownKind(entry.kind)) {
      throw new LiuhenError('KIND_UNKNOWN', `kind "${entry.kind}" is not in profile ${this.#profile.id}`);
    }
    const skew = entry.time - this.#now();
    if (skew > this.parameters.maxClockSkewMs) {
      throw new LiuhenError(
        'ENTRY_FROM_FUTURE',
        `claimed time is ${Math.round(skew / 1000)} s ahead of this node's clock`,
      );
    }
    const id = toHex(signed.id);
    if (this.#reserved.has(id)) throw new LiuhenError('ENTRY_DUPLICATE', `entry ${id} is already in the log`);
    this.#reserved.add(id);
    try {
      if (await this.store.locate(signed.id)) {
        throw new LiuhenError('ENTRY_DUPLICATE', `entry ${id} is already in the log`);
      }
      for (const parent of entry.parents) await this.#checkParent(parent, entry.object);
      // org.* entries (operator certificates) are governance's to judge, not the profile's.
      const inputs = entry.kind.startsWith(ORG_KIND_PREFIX) ? undefined : await this.#appendContext(signed);
      return this.#enqueue(signed, inputs);
    } catch (error) {
      this.#reserved.delete(id);
      throw error;
    }
  }

  async #checkParent(parent: Uint8Array, object: string): Promise<void> {
    const hex = toHex(parent);
    const parentEntry = await this.#entryOf(parent, hex);
    if (parentEntry === undefined) throw new LiuhenError('PARENT_UNKNOWN', `parent ${hex} is not known`);
    if (parentEntry.object !== object)
      throw new LiuhenError('PARENT_UNKNOWN', `parent ${hex} belongs to another object`);
  }

  /** A queued, recent or stored entry by id; a stored one is remembered as recent. */
  async #entryOf(id: Uint8Array, hex: string): Promise<Entry | undefined> {
    const known = this.#cachedEntry(hex);
    if (known !== undefined) return known;
    const stored = await storedEntry(this.store, id);
    if (stored !== undefined) this.#remember(hex, stored);
    return stored;
  }

  #cachedEntry(hex: string): Entry | undefined {
    return this.#queued.get(hex)?.entry ?? this.#recent.get(hex);
  }

  #remember(hex: string, entry: Entry): void {
    this.#recent.set(hex, entry);
    if (this.#recent.size > RECENT_ENTRIES) {
      for (const old of this.#recent.keys()) {
        this.#recent.delete(old);
        if (this.#recent.size <= RECENT_ENTRIES) break;
      }
    }
  }

  /**
   * The profile's inputs besides the candidate: its causal closure (from the queue, the recent
   * entries, and only then the store) or, with an incremental index, the part of it the
   * object's index lacks; and, read before the synchronous judgement, the operator records
   * committed since the last append.
   */
  async #appendContext(signed: SignedEntry): Promise<ProfileInputs> {
    const [inputs] = await Promise.all([this.#profileInputs(signed), this.#operators.refresh()]);
    return inputs;
  }

  async #profileInputs(signed: SignedEntry): Promise<ProfileInputs> {
    const cached = (hex: string) => this.#cachedEntry(hex);
    const load = (id: Uint8Array, hex: string) => this.#entryOf(id, hex);
    if (this.#indexes === undefined) {
      const context = await causalClosure(signed, cached, load);
      this.profileWork.walked += context.length;
      return { context };
    }
    const object = signed.entry.object;
    let index = this.#indexes.take(object);
    const missing = index.missingLinks();
    if (missing.length > 0) {
      // An entry an indexed one cites was not held when indexed; held now, it is in the closure.
      const held = await Promise.all(missing.map((id) => load(id, toHex(id))));
      if (held.some((e) => e !== undefined)) index = this.#indexes.replace(object);
    }
    const added = await ancestryBeyond(signed, (hex) => index.has(hex), cached, load);
    this.profileWork.walked += added.length;
    return { index, added };
  }

  /** Synchronous, so the authority check sees exactly the log position the entry will take. */
  #enqueue(signed: SignedEntry, inputs: ProfileInputs | undefined): Promise<Ack> {
    if (this.#closed) throw new LiuhenError('NODE_CLOSED');
    if (this.#queue.length >= (this.#options.maxPending ?? 20_000)) {
      throw new LiuhenError('NODE_BUSY', `${this.#queue.length} entries are waiting for the disk`);
    }
    const { entry } = signed;
    // The org must be able to sign the block that will hold the entry at all.
    const signing = this.signingVerdict();
    if (signing !== undefined) throw governanceFailure(signing.code, signing.reason);
    const judgedAt = this.governance.seq;
    const verdict = this.#judge(signed, this.size, judgedAt, this.height + 1);
    if (!verdict.ok) throw governanceFailure(verdict.code, verdict.reason);
    // Then the profile: schema, role and structure, and the rules on the causal closure. Refusing
    // rules refuse; the others' findings travel with the acknowledgement.
    const decision = inputs === undefined ? undefined : this.#judgeProfile(signed, inputs);
    if (decision !== undefined && !decision.ok) throw new EntryRefusedError(decision.refusals);
    const flags = [...(decision?.flags ?? [])];
    return new Promise<Ack>((resolve, reject) => {
      this.#registry.apply(this.org, this.size, entry);
      this.#queue.push({ signed, judgedAt, flags, resolve, reject });
      const id = toHex(signed.id);
      this.#queued.set(id, signed);
      this.#operators.noteQueued(id, entry);
      this.#schedule();
    });
  }

  /**
   * The profile's decision. An index keeps an accepted candidate at once: later appends build on
   * queued entries as on stored ones, and a failed commit clears every index.
   */
  #judgeProfile(candidate: SignedEntry, inputs: ProfileInputs) {
    const now = this.#now();
    const operators = this.#operators.identities();
    if ('context' in inputs) {
      return this.#profile.checkAppend({ candidate, context: inputs.context, now, operators });
    }
    const decision = inputs.index.judge({ candidate, added: inputs.added, now, operators });
    this.#indexes?.trim(candidate.entry.object);
    return decision;
  }

  /**
   * The entry size limit in force at governance position `g` (a `parameter.set` may have changed
   * it), then the one validity rule (governance `checkAuthority`) at `g`.
   */
  #judge({ entry, entryBytes }: SignedEntry, logIndex: number, g: number, blockHeight: number) {
    const max = this.governance.state.parametersAt(g).maxEntryBytes;
    if (entryBytes.length > max) {
      const reason = `${entryBytes.length} > ${max} bytes at governance position ${g}`;
      return { ok: false, code: 'ENTRY_TOO_LARGE', reason } as const;
    }
    return checkAuthority({
      governance: this.governance.state,
      registry: this.#registry,
      org: entry.org,
      signer: entry.signer,
      role: entry.role,
      kind: entry.kind,
      logIndex,
      time: entry.time,
      rolePolicy: this.#profile.mayRoleSign,
      governancePosition: g,
      blockHeight,
    });
  }

  #schedule(): void {
    const max = this.#options.blockMaxEntries ?? this.parameters.blockMaxEntries;
    if (this.#queue.length >= max) {
      void this.#commitLoop();
    } else if (this.#options.cutWhenIdle) {
      // A running commit loop takes the new entries next; an idle one starts once this turn of
      // the event loop is over, so entries arriving together share a block.
      if (this.#committing === undefined && this.#immediate === undefined) {
        this.#immediate = setImmediate(() => {
          this.#immediate = undefined;
          void this.#commitLoop();
        });
      }
    } else if (this.#timer === undefined) {
      const interval = this.#options.blockIntervalMs ?? this.parameters.blockIntervalMs;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#commitLoop();
      }, interval);
    }
  }

  /** One commit at a time; entries arriving meanwhile form the next block. */
  #commitLoop(): Promise<void> {
    // With nothing queued the loop below would finish, `finally` included, before `??=` stores
    // it, leaving a settled loop in #committing that every later call returns: appends would
    // wait forever. A block timer firing after the loop drained the queue does exactly that.
    if (this.#committing === undefined && this.#queue.length === 0) return Promise.resolve();
    this.#committing ??= (async () => {
      try {
        while (this.#queue.length > 0) await this.#commitOne();
      } finally {
        this.#committing = undefined;
      }
    })();
    return this.#committing;
  }

  async #commitOne(): Promise<void> {
    const max = this.#options.blockMaxEntries ?? this.parameters.blockMaxEntries;
    const batch = this.#queue.slice(0, max);
    const started = performance.now();
    let refusal: Error | undefined;
    try {
      // The header records the position its entries were judged at: the current one. Entries
      // judged at an earlier position (an action arrived meanwhile) are judged again at it.
      const position = this.governance.head;
      const height = this.height + 1;
      const start = this.#state.frontier.size;
      const signing = this.signingVerdict(start + batch.length, height);
      if (signing !== undefined) refusal = governanceFailure(signing.code, signing.reason);
      for (const [i, p] of batch.entries()) {
        // Node-key entries always: their key's validity depends on the exact height.
        const nodeSigned = equalBytes(p.signed.entry.signer, this.nodeKey);
        if (refusal !== undefined || (p.judgedAt === position.seq && !nodeSigned)) continue;
        const verdict = this.#judge(p.signed, start + i, position.seq, height);
        if (!verdict.ok) refusal = governanceFailure(verdict.code, verdict.reason);
      }
      if (refusal !== undefined) throw refusal;
      const { block, state, nodes } = cutBlock(
        this.#state,
        batch.map((p) => p.signed.envelope),
        {
          network: this.networkId,
          org: this.org,
          seed: this.#options.nodeSeed,
          time: this.#now(),
          governance: position,
        },
      );
      await this.store.commitBlock({
        header: block.header,
        envelopes: block.envelopes,
        entries: batch.map(({ signed }) => indexRecord(signed.id, signed.entry)),
        nodes,
      });
      this.#state = state;
      this.#queue.splice(0, batch.length);
      const first = (block.header.size - batch.length) as number;
      for (const [i, p] of batch.entries()) {
        const id = toHex(p.signed.id);
        this.#queued.delete(id);
        this.#remember(id, p.signed.entry);
        this.#reserved.delete(id);
        p.resolve({ id, org: this.org, index: first + i, height: block.header.height, flags: p.flags });
      }
      this.#options.onBlock?.(block, performance.now() - started);
    } catch (cause) {
      // Nothing of this batch is durable: fail every queued entry (later ones were validated
      // against positions that no longer exist) and rebuild state from what the store holds.
      // A governance refusal (the org removed, its key retired meanwhile) fails them with its code.
      const failed = this.#queue.splice(0);
      this.#queued.clear();
      this.#operators.dropQueued();
      // The indexes hold the failed entries as accepted: build them again from the store.
      this.#indexes?.clear();
      for (const p of failed) this.#reserved.delete(toHex(p.signed.id));
      // A full disk keeps its own code (STORE_FULL): the client may retry once space is freed.
      const error =
        refusal ??
        (cause instanceof LiuhenError && cause.code === 'STORE_FULL'
          ? cause
          : new LiuhenError('STORAGE_FAILED', (cause as Error).message, { cause }));
      for (const p of failed) p.reject(error);
      this.#reloading = this.#load()
        .catch(() => undefined)
        .finally(() => {
          this.#reloading = undefined;
        });
      await this.#reloading;
    }
  }

  /** Waits until everything accepted so far is durable. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#immediate) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    await this.#commitLoop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    await this.#opener.close();
    await this.store.close();
  }

  async heads(object: string): Promise<Uint8Array[]> {
    const stored = await this.store.objectHeads(object);
    const queued = this.#queue.filter((p) => p.signed.entry.object === object).map((p) => p.signed);
    if (queued.length === 0) return stored;
    const superseded = new Set(queued.flatMap((s) => s.entry.parents.map(toHex)));
    return [...stored, ...queued.map((s) => s.id)].filter((id) => !superseded.has(toHex(id)));
  }

  /** An object's committed entries in causal order. */
  async trace(object: string): Promise<Array<SignedEntry & { org: string; index: number }>> {
    const located = await this.store.objectEntries(object);
    const entries = located.map(({ id, org, index, envelope }) => ({
      ...storedSignedEntry(envelope, id),
      org,
      index,
    }));
    return causalOrder(
      entries.map((e) => ({ id: e.id, parents: e.entry.parents, time: e.entry.time, item: e })),
    ).map((node) => node.item);
  }

  /** An entry with, on request, its inclusion proof to the header of the block that holds it. */
  async entry(id: Uint8Array, withProof: boolean): Promise<LocatedEntry | undefined> {
    const at = await this.store.locate(id);
    if (!at) return undefined;
    const envelope = await this.store.envelope(at.org, at.index);
    if (!envelope) return undefined;
    const signed = storedSignedEntry(envelope);
    if (!withProof) return { ...signed, ...at };
    const header = await this.store.headerCovering(at.org, at.index);
    if (!header) throw new LiuhenError('STORAGE_FAILED', `no header covers ${at.org}/${at.index}`);
    const proof = await this.store.inclusionProof(at.org, at.index, header.size);
    return { ...signed, ...at, proof: { size: header.size, hashes: proof, header } };
  }
}
