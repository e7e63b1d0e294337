/**
 * Replication (DESIGN §5): block, cosignature and fraud-proof gossip with fully verifying topic
 * validators; the heads protocol (anti-entropy on connect and periodically); the sync protocol
 * (an org's blocks by size range, streamed in bounded frames and applied block by block);
 * witnessing (cosign the latest verified checkpoint of every other org, at most once a second per
 * org: cosign-schedule.ts); equivocation detection (fraud proofs, freezing the org).
 *
 * Every change to one org's log happens under that org's lock, so gossip, heads and sync cannot
 * interleave their checks and stores. Memory: a sync holds at most one block; a heads exchange one
 * frame; nothing grows with the log.
 */
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import {
  type Block,
  type BlockHeader,
  checkpointOrigin,
  cosign,
  DEFAULT_MAX_ENTRY_BYTES,
  DEFAULT_MAX_SIGNATURES,
  decodeFraudProof,
  encodeFraudProof,
  equalBytes,
  type FraudProof,
  formatSignedNote,
  headerHash,
  isLiuhenError,
  type NoteVerifier,
  parseCheckpoint,
  utf8,
  verifyCosignature,
  verifyFraudProof,
  verifyNote,
  withSignatures,
} from '@liuhen/core';
import { isNetError, NetError } from '../errors.ts';
import { type RequestContext, request, requestAll, serveRequests } from '../frames.ts';
import type { Host } from '../host.ts';
import { PeerSlots } from '../peer-slots.ts';
import { CosignSchedule } from './cosign-schedule.ts';
import { CosignatureSweep } from './cosignature-sweep.ts';
import { type HeaderKeyResolver, isRuleError } from './governance.ts';
import {
  COSIGNATURES_PROTOCOL,
  decodeGossipBlock,
  decodeGossipCosignature,
  decodeHeadsRequest,
  decodeHeadsResponse,
  decodeSyncFrame,
  decodeSyncRequest,
  encodeGossipBlock,
  encodeGossipCosignature,
  encodeHeadsRequest,
  encodeHeadsResponse,
  encodeSyncFrame,
  encodeSyncRequest,
  HEADS_PROTOCOL,
  MAX_GOSSIP_BLOCK_BYTES,
  MAX_SYNC_FRAME_BYTES,
  type ReplicationTopics,
  replicationTopics,
  SYNC_PROTOCOL,
  SYNC_REQUESTS_PER_PEER,
  SYNC_STREAMS_PER_PEER,
  type SyncRequest,
} from './messages.ts';
import { readAhead } from './read-ahead.ts';
import type { CosignatureRecord, ReplicaStore } from './replica-store.ts';
import { VerifierCache } from './verifiers.ts';

export interface ReplicatorOptions {
  readonly host: Host;
  readonly store: ReplicaStore;
  /** The network id (32 bytes). */
  readonly network: Uint8Array;
  /** Every member org's node key, from the genesis. The org whose key is the host's is "own". */
  readonly orgKeys: ReadonlyMap<string, Uint8Array>;
  /** This node's witness identity: its cosignature key name and Ed25519 seed. */
  readonly witness: { readonly name: string; readonly seed: Uint8Array };
  /** Witness name → public key of every known witness (default: org id → org node key). */
  readonly witnesses?: ReadonlyMap<string, Uint8Array>;
  /** The clock, ms since the epoch (default Date.now). */
  readonly now?: () => number;
  /** Heads exchange with every connected peer this often, ms (default 30 000; 0 = only on connect). */
  readonly antiEntropyMs?: number;
  /** Blocks whose gossip encoding is larger are gossiped as their header alone (default 1 MiB). */
  readonly maxGossipBlockBytes?: number;
  /** Deadline of one heads or sync request, ms (default 60 000). */
  readonly requestTimeoutMs?: number;
  /** A sync response stops at the first block boundary past this many bytes (default 16 MiB). */
  readonly maxSyncResponseBytes?: number;
  /**
   * The network's clock tolerance in force, ms (governance parameter `maxClockSkewMs`): cosignature
   * timestamps further ahead of this node's clock are ignored. A function is read at every check,
   * so a governance change applies at once (default 300 000, the genesis default).
   */
  readonly maxClockSkewMs?: number | (() => number);
  /**
   * The largest entry a block may carry, bytes, for decoding gossip and sync messages: the most
   * any governance position allows (`maxEntryBytes` can be raised by governance); each entry is
   * judged against the limit at its own block's position by the replica store (default 64 KiB).
   */
  readonly maxEntryBytes?: number;
  /**
   * Governance (optional): chooses the node key that verifies each header — the org's key valid
   * at the governance position the header claims and at its height — after fetching the actions
   * of a position not verified yet (governance.ts). Default: `orgKeys`.
   */
  readonly headerKeys?: HeaderKeyResolver;
  /**
   * A sync that fails for a reason the network may have caused is resumed: at once after an
   * attempt that made progress, else after `syncRetryMs` doubling per attempt, at most
   * `maxSyncRetries` attempts in a row without progress (defaults 1 000 ms and 4).
   */
  readonly syncRetryMs?: number;
  readonly maxSyncRetries?: number;
  /**
   * Whole blocks a sync holds received ahead of the one being applied (default 8 blocks, 2 MiB of
   * response bytes): enough to keep the verifying workers busy while a block commits.
   */
  readonly syncReadAhead?: { readonly blocks: number; readonly bytes: number };
  /**
   * Held block heights per org whose cosignatures each anti-entropy round examines, fetching the
   * missing ones from peers (default 1 024; see cosignature-sweep.ts).
   */
  readonly cosignatureSweepHeights?: number;
  /**
   * The least time between two cosignatures of one org by this witness, ms (default 1 000, the
   * resolution of a cosignature's timestamp): the org's latest held checkpoint is cosigned at once
   * after a quiet interval, else when the interval since the last one has passed, superseding the
   * checkpoints accepted meanwhile (cosign-schedule.ts, docs/protocol.md §12.8).
   */
  readonly cosignIntervalMs?: number;
}

/** What became of a block or header offered to the replicator. */
export type IngestResult =
  /** verified and stored */
  | 'accepted'
  /** already held */
  | 'duplicate'
  /** the header is valid but the block cannot be applied yet (gap, or header only): a sync was started */
  | 'pending'
  /** the org signed something inconsistent with the held log: fraud proof stored, org frozen */
  | 'fraud'
  /** the org's log is frozen */
  | 'frozen'
  /** the org signed a header that does not link to the held one at the next height: audit needed */
  | 'forked'
  /** does not verify */
  | 'invalid';

export interface ReplicatorEventMap {
  accepted: CustomEvent<{ org: string; header: BlockHeader }>;
  cosignature: CustomEvent<CosignatureRecord>;
  fraud: CustomEvent<{ org: string; proof: FraudProof }>;
  'sync-started': CustomEvent<{ org: string; peer: string; fromSize: number; toSize: number }>;
  'sync-finished': CustomEvent<{ org: string; peer: string; blocks: number; size: number }>;
  /** `retryInMs`: the sync resumes after this delay (absent: given up until the next heads exchange). */
  'sync-failed': CustomEvent<{ org: string; peer: string; error: unknown; retryInMs?: number }>;
  /**
   * A peer sent something only a faulty or hostile peer sends — a request or response that is
   * malformed or lies, or a gossip message refused by a validator — and its gossipsub score was
   * lowered. `code` is the reason (a `NET_*` code, or the core code of the check that failed).
   */
  misbehaviour: CustomEvent<{ peer: string; code: string; detail: string }>;
}

const RESPONSE_OVERHEAD = 256;
const DEFAULT_MAX_CLOCK_SKEW_MS = 300_000;

/** Codes that, detected on this side, blame the peer whose data it was. */
const PEER_FAULTS = new Set<string>([
  'NET_SYNC_INVALID',
  'NET_MESSAGE_MALFORMED',
  'NET_FRAME_TOO_LARGE',
  'NET_FRAME_MALFORMED',
]);

export class Replicator extends EventTarget {
  readonly topics: ReplicationTopics;
  readonly ownOrg: string | undefined;
  readonly #host: Host;
  readonly #store: ReplicaStore;
  readonly #network: Uint8Array;
  readonly #orgKeys: ReadonlyMap<string, Uint8Array>;
  readonly #witness: { readonly name: string; readonly seed: Uint8Array };
  readonly #witnesses: ReadonlyMap<string, Uint8Array>;
  readonly #now: () => number;
  readonly #antiEntropyMs: number;
  readonly #maxGossipBlockBytes: number;
  readonly #maxEntryBytes: number;
  readonly #timeoutMs: number;
  readonly #maxSyncResponseBytes: number;
  readonly #maxSkewMs: () => number;
  readonly #headerKeys: HeaderKeyResolver | undefined;
  readonly #syncRetryMs: number;
  readonly #maxSyncRetries: number;
  readonly #syncReadAhead: { readonly blocks: number; readonly bytes: number };
  readonly #verifiers = new VerifierCache();
  /** Sync requests open to each peer (this node as requester). */
  readonly #syncSlots = new PeerSlots(SYNC_REQUESTS_PER_PEER);
  readonly #cosignatureSweep: CosignatureSweep;
  readonly #cosigns: CosignSchedule;
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #syncing = new Set<string>();
  readonly #headsInFlight = new Set<string>();
  /** org → the largest tree size of a validly signed header of it seen from anyone. */
  readonly #bestKnown = new Map<string, number>();
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #stopping = new AbortController();
  #timer: ReturnType<typeof setInterval> | undefined;
  #onConnect: ((evt: CustomEvent<PeerId>) => void) | undefined;

  constructor(options: ReplicatorOptions) {
    super();
    this.#host = options.host;
    this.#store = options.store;
    this.#network = options.network;
    this.#orgKeys = options.orgKeys;
    this.#witness = options.witness;
    this.#witnesses = options.witnesses ?? options.orgKeys;
    this.#now = options.now ?? Date.now;
    this.#antiEntropyMs = options.antiEntropyMs ?? 30_000;
    this.#maxGossipBlockBytes = options.maxGossipBlockBytes ?? MAX_GOSSIP_BLOCK_BYTES;
    this.#maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
    this.#timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#maxSyncResponseBytes = options.maxSyncResponseBytes ?? 16 * 1024 * 1024;
    const skew = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    this.#maxSkewMs = typeof skew === 'function' ? skew : () => skew;
    this.#headerKeys = options.headerKeys;
    this.#syncRetryMs = options.syncRetryMs ?? 1_000;
    this.#maxSyncRetries = options.maxSyncRetries ?? 4;
    this.#syncReadAhead = options.syncReadAhead ?? { blocks: 8, bytes: 2 * 1024 * 1024 };
    this.topics = replicationTopics(options.network);
    this.#cosignatureSweep = new CosignatureSweep({
      host: options.host,
      store: options.store,
      orgs: () => this.#orgKeys.keys(),
      expectedWitnesses: (org) => [...this.#witnesses.keys()].filter((w) => w !== org),
      take: (header) => this.#takeCosignatures(header),
      misbehaved: (peer, error) => this.#misbehaved(peer, error),
      timeoutMs: this.#timeoutMs,
      ...(options.cosignatureSweepHeights === undefined
        ? {}
        : { heightsPerRound: options.cosignatureSweepHeights }),
      signal: this.#stopping.signal,
    });
    this.ownOrg = [...options.orgKeys].find(([, key]) => equalBytes(key, options.host.nodeKey))?.[0];
    this.#cosigns = new CosignSchedule({
      intervalMs: options.cosignIntervalMs ?? 1_000,
      // Tracked, so that `stop` waits for a cosignature being made before the store closes.
      run: (org) => this.#track(this.#cosignHead(org)),
      now: this.#now,
    });
  }

  // ---- life cycle ------------------------------------------------------------------------

  async start(): Promise<void> {
    const { host, topics } = this;
    host.setTopicValidator(topics.blocks, (peer, msg) => this.#guard(this.#validateBlock(peer, msg)));
    host.setTopicValidator(topics.cosignatures, (peer, msg) =>
      this.#guard(this.#validateCosignature(peer, msg)),
    );
    host.setTopicValidator(topics.fraudProofs, (peer, msg) => this.#guard(this.#validateFraud(peer, msg)));
    for (const topic of [topics.blocks, topics.cosignatures, topics.fraudProofs])
      host.pubsub.subscribe(topic);
    const onMisbehaviour = (peer: PeerId, error: NetError) => this.#misbehaved(peer, error);
    await serveRequests(host.node, HEADS_PROTOCOL, (body, context) => this.#serveHeads(body, context), {
      maxFrameBytes: MAX_SYNC_FRAME_BYTES,
      timeoutMs: this.#timeoutMs,
      onMisbehaviour,
    });
    await serveRequests(host.node, SYNC_PROTOCOL, (body, context) => this.#serveSync(body, context), {
      maxFrameBytes: MAX_SYNC_FRAME_BYTES,
      timeoutMs: this.#timeoutMs,
      maxInFlightPerPeer: SYNC_STREAMS_PER_PEER,
      onMisbehaviour,
    });
    await this.#cosignatureSweep.serve(onMisbehaviour);
    this.#onConnect = (evt) => this.#track(this.exchangeHeads(evt.detail).catch(() => undefined));
    host.node.addEventListener('peer:connect', this.#onConnect);
    if (this.#antiEntropyMs > 0) {
      this.#timer = setInterval(() => this.antiEntropy(), this.#antiEntropyMs);
      this.#timer.unref?.();
    }
    // Heads held from before a restart that this witness had not cosigned yet (it stopped within an
    // interval of accepting them) are cosigned now.
    this.#touchOtherOrgs();
  }

  async stop(): Promise<void> {
    // Heads accepted within the last interval are cosigned (and gossiped) before the topics go.
    await this.#cosigns.flush().catch(() => undefined);
    this.#cosigns.stop();
    this.#stopping.abort(new NetError('NET_STREAM_FAILED', 'replicator stopped'));
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const { host, topics } = this;
    if (this.#onConnect !== undefined) host.node.removeEventListener('peer:connect', this.#onConnect);
    for (const topic of [topics.blocks, topics.cosignatures, topics.fraudProofs]) {
      host.setTopicValidator(topic, undefined);
      try {
        host.pubsub.unsubscribe(topic);
      } catch {
        // Already stopped.
      }
    }
    await Promise.allSettled([
      host.node.unhandle(HEADS_PROTOCOL),
      host.node.unhandle(SYNC_PROTOCOL),
      host.node.unhandle(COSIGNATURES_PROTOCOL),
    ]);
    await Promise.allSettled([...this.#tasks]);
  }

  get host(): Host {
    return this.#host;
  }

  #track<T>(task: Promise<T>): Promise<T> {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task)).catch(() => undefined);
    return task;
  }

  #emit<K extends keyof ReplicatorEventMap>(type: K, detail: ReplicatorEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * Lowers `peer`'s score when `error` is its fault: detected here (not reported by the peer) and
   * one of the codes only bad data produces. Returns whether it was.
   */
  #misbehaved(peer: PeerId, error: unknown): boolean {
    if (!isNetError(error) || error.remote || !PEER_FAULTS.has(error.code)) return false;
    this.#host.penalise(peer);
    this.#emit('misbehaviour', { peer: peer.toString(), code: error.code, detail: error.detail ?? '' });
    return true;
  }

  /**
   * A gossip message from `peer` a validator refused: reported like any misbehaviour, but not
   * penalised here, since gossipsub's scoring already counts the rejection against the sender.
   */
  #refused(peer: PeerId, code: string, detail: string): TopicValidatorResult {
    this.#emit('misbehaviour', { peer: peer.toString(), code, detail });
    return TopicValidatorResult.Reject;
  }

  /** The largest size of `org`'s log this node has seen a validly signed header of (its own included). */
  async bestKnownSize(org: string): Promise<number> {
    const held = (await this.#store.logState(org)).frontier.size;
    return Math.max(held, this.#bestKnown.get(org) ?? 0);
  }

  /** Orgs whose log is being synced right now. */
  syncing(): string[] {
    return [...this.#syncing].sort();
  }

  /** Runs `fn` alone among the tasks of `org`. */
  #withLock<T>(org: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(org) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#locks.set(org, tail);
    tail.then(() => {
      if (this.#locks.get(org) === tail) this.#locks.delete(org);
    });
    return run;
  }

  // ---- publishing ------------------------------------------------------------------------

  /** Gossips a block this node has already stored (its own org's): whole, or its header alone if too large. */
  async publish(block: Block): Promise<void> {
    let data = encodeGossipBlock({ header: block.header, entries: block.envelopes });
    if (data.byteLength > this.#maxGossipBlockBytes)
      data = encodeGossipBlock({ header: block.header, entries: undefined });
    await this.#host.pubsub.publish(this.topics.blocks, data);
  }

  // ---- ingesting blocks and headers -------------------------------------------------------

  /**
   * Offers a block (or a header alone, with `entries` undefined) from anywhere — gossip, heads,
   * sync, a test. `source` is whom to sync from when the block cannot be applied yet.
   */
  async offer(
    header: BlockHeader,
    entries: readonly Uint8Array[] | undefined,
    source?: PeerId,
  ): Promise<IngestResult> {
    return (await this.#judge(header, entries, source)).result;
  }

  /** `offer`, with the reason code of an `invalid` verdict. */
  #judge(
    header: BlockHeader,
    entries: readonly Uint8Array[] | undefined,
    source: PeerId | undefined,
  ): Promise<Verdict> {
    return this.#withLock(header.org, () => this.#ingest(header, entries, source));
  }

  async #ingest(
    received: BlockHeader,
    entries: readonly Uint8Array[] | undefined,
    source: PeerId | undefined,
  ): Promise<Verdict> {
    const org = received.org;
    let nodeKey = this.#orgKeys.get(org);
    if (nodeKey === undefined) return invalid('NET_ORG_UNKNOWN');
    if (!equalBytes(received.network, this.#network)) return invalid('NET_NETWORK_MISMATCH');
    if (this.#headerKeys !== undefined) {
      const chosen = await this.#headerKeys(received, source);
      if (!('key' in chosen))
        return chosen.result === 'invalid'
          ? invalid(chosen.code ?? 'NET_BLOCK_INVALID')
          : { result: chosen.result };
      nodeKey = chosen.key;
    }
    try {
      // verifyHeaderSignature, with the verifier built once (the network was checked above).
      verifyNote(received.note, [this.#verifiers.org(this.#network, org, nodeKey)]);
    } catch (error) {
      return invalid(reasonCode(error));
    }
    // Other signature lines were not verified here: they are never stored with the header.
    const header = orgSignedOnly(received, this.#verifiers.org(this.#network, org, nodeKey));
    if (header.size > (this.#bestKnown.get(org) ?? 0)) this.#bestKnown.set(org, header.size);
    if (await this.#store.isFrozen(org)) return { result: 'frozen' };
    const state = await this.#store.logState(org);
    const held = state.header;
    const heldHeight = held?.height ?? 0;
    if (header.height <= heldHeight) {
      const same = await this.#store.headerAt(org, header.height);
      if (same === undefined || same.text === header.text) return { result: 'duplicate' };
      await this.#fraud(same, header);
      return { result: 'fraud' };
    }
    if (held !== undefined && header.size <= held.size) {
      // A higher block of a log no larger than ours: not our chain (a fork below).
      if (source !== undefined) this.#scheduleSync(source, org, header.size, true);
      return { result: 'forked' };
    }
    if (header.height > heldHeight + 1 || entries === undefined) {
      if (source !== undefined) this.#scheduleSync(source, org, header.size);
      return { result: 'pending' };
    }
    if (!equalBytes(header.previous, held === undefined ? header.previous : headerHash(held))) {
      if (source !== undefined) this.#scheduleSync(source, org, header.size, true);
      return { result: 'forked' };
    }
    try {
      await this.#store.accept(org, { header, envelopes: entries });
    } catch (err) {
      // This node's own storage failing says nothing about the block or whoever sent it.
      if (isLiuhenError(err, 'STORAGE_FAILED') || isLiuhenError(err, 'STORE_CORRUPT')) throw err;
      if (isLiuhenError(err) || err instanceof NetError || isRuleError(err)) return invalid(reasonCode(err));
      throw err;
    }
    this.#emit('accepted', { org, header });
    // Not this block's checkpoint as such: the org's head when the schedule lets this witness sign.
    if (org !== this.ownOrg) this.#cosigns.touch(org);
    return { result: 'accepted' };
  }

  // ---- witnessing --------------------------------------------------------------------------

  #touchOtherOrgs(): void {
    for (const org of this.#orgKeys.keys()) if (org !== this.ownOrg) this.#cosigns.touch(org);
  }

  /**
   * Cosigns `org`'s latest held checkpoint, unless the log is frozen or this witness cosigned that
   * checkpoint already; stores and gossips the cosignature. Returns whether it made one.
   *
   * The head was verified by `store.accept` against the log held before it (hash chain, every
   * entry, Merkle root extending the held frontier), so it is consistent with every checkpoint this
   * witness held, and cosigned, earlier: one cosignature of size N vouches for every entry below N.
   */
  async #cosignHead(org: string): Promise<boolean> {
    if (this.#stopping.signal.aborted) return false;
    const record = await this.#withLock(org, async (): Promise<CosignatureRecord | undefined> => {
      if (await this.#store.isFrozen(org)) return undefined;
      const head = (await this.#store.logState(org)).header;
      if (head === undefined || (await this.#store.hasCosignature(org, head.text, this.#witness.name)))
        return undefined;
      const timestamp = Math.floor(this.#now() / 1000);
      const cosigned: CosignatureRecord = {
        org,
        checkpoint: head.text,
        size: head.size,
        witness: this.#witness.name,
        signature: cosign(head.text, this.#witness.name, this.#witness.seed, timestamp),
        timestamp,
      };
      return (await this.#store.addCosignature(cosigned)) ? cosigned : undefined;
    });
    if (record === undefined) return false;
    this.#emit('cosignature', record);
    // Without subscribed peers publishing fails; they get it with the head on the next heads exchange.
    await this.#host.pubsub
      .publish(
        this.topics.cosignatures,
        encodeGossipCosignature({
          org,
          checkpoint: record.checkpoint,
          witness: record.witness,
          signature: record.signature,
        }),
      )
      .catch(() => undefined);
    return true;
  }

  /**
   * Cosigns at once every head whose cosignature the schedule holds back (tests; `stop` does it),
   * and waits for cosignatures being made.
   */
  cosignPending(): Promise<void> {
    return this.#cosigns.flush();
  }

  // ---- equivocation --------------------------------------------------------------------------

  async #fraud(a: BlockHeader, b: BlockHeader): Promise<void> {
    const [first, second] = a.size <= b.size ? [a, b] : [b, a];
    const proof: FraudProof = { first, second, proof: [] };
    const nodeKey = this.#orgKeys.get(a.org) as Uint8Array;
    // Only header forks and same-size roots are provable from two headers alone.
    verifyFraudProof(proof, nodeKey);
    await this.#storeFraud(proof, true);
  }

  async #storeFraud(proof: FraudProof, gossip: boolean): Promise<boolean> {
    const org = proof.first.org;
    if (!(await this.#store.addFraudProof(org, proof))) return false;
    this.#emit('fraud', { org, proof });
    if (gossip) await this.#host.pubsub.publish(this.topics.fraudProofs, encodeFraudProof(proof));
    return true;
  }

  // ---- gossip validators ---------------------------------------------------------------------

  async #guard(result: Promise<TopicValidatorResult>): Promise<TopicValidatorResult> {
    try {
      return await result;
    } catch {
      return TopicValidatorResult.Ignore;
    }
  }

  async #validateBlock(peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    let block: ReturnType<typeof decodeGossipBlock>;
    try {
      block = decodeGossipBlock(msg.data, {
        maxBytes: this.#maxGossipBlockBytes,
        maxEntryBytes: this.#maxEntryBytes,
      });
    } catch (error) {
      return this.#refused(peer, reasonCode(error), 'a block message that does not decode');
    }
    const { result, code } = await this.#judge(block.header, block.entries, peer);
    switch (result) {
      case 'accepted':
        return TopicValidatorResult.Accept;
      case 'invalid':
        return this.#refused(
          peer,
          code ?? 'NET_BLOCK_INVALID',
          `block ${block.header.org}/${block.header.height} refused`,
        );
      case 'pending':
        // A verified header alone is worth relaying; a block that cannot be checked yet is not.
        return block.entries === undefined ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore;
      default:
        return TopicValidatorResult.Ignore;
    }
  }

  async #validateCosignature(peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    let message: ReturnType<typeof decodeGossipCosignature>;
    try {
      message = decodeGossipCosignature(msg.data);
    } catch (error) {
      return this.#refused(peer, reasonCode(error), 'a cosignature message that does not decode');
    }
    const what = `cosignature of ${message.org} by ${message.witness}`;
    const witnessKey = this.#witnesses.get(message.witness);
    if (witnessKey === undefined || !this.#orgKeys.has(message.org))
      return this.#refused(peer, 'NET_ORG_UNKNOWN', what);
    if (parseCheckpoint(message.checkpoint).origin !== checkpointOrigin(this.#network, message.org))
      return this.#refused(peer, 'NET_NETWORK_MISMATCH', what);
    let timestamp: number;
    try {
      timestamp = verifyCosignature(
        message.checkpoint,
        message.signature,
        this.#verifiers.witness(message.witness, witnessKey),
      ).timestamp;
    } catch (error) {
      return this.#refused(peer, reasonCode(error), what);
    }
    if (this.#tooFarAhead(timestamp)) return TopicValidatorResult.Ignore;
    const record: CosignatureRecord = {
      org: message.org,
      checkpoint: message.checkpoint,
      size: parseCheckpoint(message.checkpoint).size,
      witness: message.witness,
      signature: message.signature,
      timestamp,
    };
    if (!(await this.#store.addCosignature(record))) return TopicValidatorResult.Ignore;
    this.#emit('cosignature', record);
    return TopicValidatorResult.Accept;
  }

  async #validateFraud(peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    let proof: FraudProof;
    try {
      proof = decodeFraudProof(msg.data);
    } catch (error) {
      return this.#refused(peer, reasonCode(error), 'a fraud proof that does not decode');
    }
    const org = proof.first.org;
    const what = `fraud proof of ${org}`;
    const nodeKey = this.#orgKeys.get(org);
    if (nodeKey === undefined) return this.#refused(peer, 'NET_ORG_UNKNOWN', what);
    if (!equalBytes(proof.first.network, this.#network))
      return this.#refused(peer, 'NET_NETWORK_MISMATCH', what);
    try {
      verifyFraudProof(proof, nodeKey);
    } catch (error) {
      return this.#refused(peer, reasonCode(error), what);
    }
    const stored = await this.#withLock(org, () => this.#storeFraud(proof, false));
    return stored ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore;
  }

  // ---- heads ---------------------------------------------------------------------------------

  async *#serveHeads(body: Uint8Array, context: RequestContext): AsyncGenerator<Uint8Array> {
    try {
      decodeHeadsRequest(body);
    } catch (error) {
      this.#misbehaved(context.peer, error);
      throw error;
    }
    const heads = [...(await this.#store.latestHeaders()).values()];
    const cosignatures = await Promise.all(heads.map((h) => this.#store.cosignaturesOf(h.org, h.text)));
    // Each head as a cosigned checkpoint (C2SP): a node that missed the gossip of a cosignature
    // (it was down, or cut off) gets it here. Fewer per head if the response would be too large.
    for (let cap = DEFAULT_MAX_SIGNATURES; ; cap >>= 1) {
      try {
        yield encodeHeadsResponse(heads.map((h, i) => withEarliest(h, cosignatures[i] ?? [], cap)));
        return;
      } catch (error) {
        if (cap === 0 || !isNetError(error, 'NET_MESSAGE_MALFORMED')) throw error;
      }
    }
  }

  /** Heads exchange with every connected peer (the periodic anti-entropy round). */
  antiEntropy(): void {
    // A head whose cosignature was lost (a failed write) is cosigned again.
    this.#touchOtherOrgs();
    const peers = this.#host.node.getPeers();
    for (const peer of peers) this.#track(this.exchangeHeads(peer).catch(() => undefined));
    // Cosignatures of held blocks older than the heads, best-scored peers asked first.
    const score = new Map(peers.map((p) => [p.toString(), this.#host.peerScore(p)]));
    const ranked = [...peers].sort((a, b) => (score.get(b.toString()) ?? 0) - (score.get(a.toString()) ?? 0));
    this.#track(this.#cosignatureSweep.round(ranked).catch(() => undefined));
  }

  /** Asks `peer` for its heads and offers each: forks become fraud proofs, longer logs are synced. */
  async exchangeHeads(peer: PeerId): Promise<IngestResult[]> {
    const key = peer.toString();
    if (this.#headsInFlight.has(key) || this.#stopping.signal.aborted) return [];
    this.#headsInFlight.add(key);
    try {
      const frames = await requestAll(this.#host.node, peer, HEADS_PROTOCOL, encodeHeadsRequest(), {
        timeoutMs: this.#timeoutMs,
        maxFrameBytes: MAX_SYNC_FRAME_BYTES,
        signal: this.#stopping.signal,
      });
      if (frames.length !== 1) throw new NetError('NET_MESSAGE_MALFORMED', 'a heads response is one frame');
      const heads = decodeHeadsResponse(frames[0] as Uint8Array);
      const results: IngestResult[] = [];
      for (const head of heads) {
        // An org this node does not know may be governance it has not seen yet, not a lie.
        if (!this.#orgKeys.has(head.org)) {
          results.push('invalid');
          continue;
        }
        const result = await this.offer(head, undefined, peer);
        if (result === 'invalid')
          this.#misbehaved(
            peer,
            new NetError('NET_MESSAGE_MALFORMED', `a head of ${head.org} does not verify`),
          );
        if (
          (result === 'accepted' || result === 'duplicate' || result === 'pending') &&
          (await this.#takeCosignatures(head)) > 0
        )
          this.#misbehaved(
            peer,
            new NetError('NET_MESSAGE_MALFORMED', `a forged cosignature on ${head.org}`),
          );
        results.push(result);
      }
      return results;
    } catch (error) {
      this.#misbehaved(peer, error);
      throw error;
    } finally {
      this.#headsInFlight.delete(key);
    }
  }

  // ---- sync ----------------------------------------------------------------------------------

  async *#serveSync(body: Uint8Array, context: RequestContext): AsyncGenerator<Uint8Array> {
    let syncRequest: ReturnType<typeof decodeSyncRequest>;
    try {
      syncRequest = decodeSyncRequest(body);
    } catch (error) {
      this.#misbehaved(context.peer, error);
      throw error;
    }
    const { org, fromSize, toSize } = syncRequest;
    let sent = 0;
    for await (const block of this.#store.blocksFrom(org, fromSize, toSize)) {
      // The witnesses' cosignatures travel with the header, so a node that was away (a partition,
      // a restart) gets them with the block rather than never.
      const header = withEarliest(
        block.header,
        await this.#store.cosignaturesOf(block.header.org, block.header.text),
      );
      const noteBytes = utf8(formatSignedNote(header.note)).byteLength + 16;
      const budget = MAX_SYNC_FRAME_BYTES - noteBytes - RESPONSE_OVERHEAD;
      let offset = header.size - block.envelopes.length;
      let chunk: Uint8Array[] = [];
      let chunkBytes = 0;
      for (const envelope of block.envelopes) {
        const cost = envelope.byteLength + 5;
        if (cost > budget) throw new NetError('NET_FRAME_TOO_LARGE', 'an entry does not fit a sync frame');
        if (chunkBytes + cost > budget) {
          yield encodeSyncFrame({ header, offset, entries: chunk });
          offset += chunk.length;
          chunk = [];
          chunkBytes = 0;
        }
        chunk.push(envelope);
        chunkBytes += cost;
        sent += cost;
      }
      if (chunk.length > 0) yield encodeSyncFrame({ header, offset, entries: chunk });
      if (sent >= this.#maxSyncResponseBytes) return;
    }
  }

  /**
   * Stores the cosignatures a header from a peer carries (sync frames, heads): each must verify
   * under its witness's key; unknown witnesses are skipped, as are timestamps too far ahead.
   * Returns how many were forged — a lie of the peer that sent them.
   */
  async #takeCosignatures(header: BlockHeader): Promise<number> {
    let forged = 0;
    const origin = checkpointOrigin(header.network, header.org);
    for (const signature of header.note.signatures) {
      if (signature.name === origin || signature.name === header.org) continue;
      const witnessKey = this.#witnesses.get(signature.name);
      if (witnessKey === undefined) continue;
      // Already held: every heads exchange repeats the head's cosignatures; verify only news.
      if (await this.#store.hasCosignature(header.org, header.text, signature.name)) continue;
      let timestamp: number;
      try {
        timestamp = verifyCosignature(
          header.text,
          signature,
          this.#verifiers.witness(signature.name, witnessKey),
        ).timestamp;
      } catch {
        forged++;
        continue;
      }
      if (this.#tooFarAhead(timestamp)) continue;
      const record: CosignatureRecord = {
        org: header.org,
        checkpoint: header.text,
        size: header.size,
        witness: signature.name,
        signature,
        timestamp,
      };
      if (await this.#store.addCosignature(record)) this.#emit('cosignature', record);
    }
    return forged;
  }

  /** A cosignature timestamp (seconds) beyond the clock tolerance in force ahead of this node's clock. */
  #tooFarAhead(timestamp: number): boolean {
    return timestamp * 1000 > this.#now() + this.#maxSkewMs();
  }

  #scheduleSync(peer: PeerId, org: string, toSize: number, audit = false): void {
    if (this.#syncing.has(org) || this.#stopping.signal.aborted) return;
    this.#syncing.add(org);
    const run: Promise<unknown> = audit
      ? this.audit(peer, org, toSize).catch((error: unknown) => {
          this.#misbehaved(peer, error);
          this.#emit('sync-failed', { org, peer: peer.toString(), error });
        })
      : this.#syncRetrying(peer, org, toSize);
    this.#track(run.finally(() => this.#syncing.delete(org)));
  }

  /**
   * `syncFrom`, continued after a failure the network may have caused (a stream cut short, a
   * stall, a busy or unreachable peer) from wherever the log then stands: at once after an attempt
   * that made progress, else after a backoff, and given up (until the next heads exchange) after
   * `maxSyncRetries` attempts in a row without progress. A peer that lied is never asked again here.
   */
  async #syncRetrying(peer: PeerId, org: string, toSize: number): Promise<void> {
    let failures = 0;
    for (;;) {
      const before = (await this.#store.logState(org)).frontier.size;
      try {
        await this.syncFrom(peer, org, toSize);
        return;
      } catch (error) {
        const blamed = this.#misbehaved(peer, error);
        const after = await this.#store
          .logState(org)
          .then((s) => s.frontier.size)
          .catch(() => before);
        failures = after > before ? 0 : failures + 1;
        const retry =
          !blamed && !this.#stopping.signal.aborted && isRetriable(error) && failures < this.#maxSyncRetries;
        const delayMs = failures === 0 ? 0 : Math.min(this.#syncRetryMs * 2 ** (failures - 1), 30_000);
        this.#emit('sync-failed', {
          org,
          peer: peer.toString(),
          error,
          ...(retry ? { retryInMs: delayMs } : {}),
        });
        if (!retry) return;
        if (delayMs > 0) await sleep(delayMs, this.#stopping.signal);
        if (this.#stopping.signal.aborted) return;
      }
    }
  }

  /**
   * Fetches `org`'s blocks from `peer` until the held log reaches `toSize` or the peer has no
   * more, applying them one by one. Returns the number of blocks accepted. Throws NET_SYNC_INVALID
   * when the response does not match the request or a block does not verify (nothing invalid is
   * stored: every block goes through the store's `accept`).
   */
  async syncFrom(peer: PeerId, org: string, toSize: number): Promise<number> {
    let accepted = 0;
    const startSize = (await this.#store.logState(org)).frontier.size;
    if (startSize < toSize)
      this.#emit('sync-started', { org, peer: peer.toString(), fromSize: startSize, toSize });
    try {
      accepted = await this.#syncLoop(peer, org, toSize, (n) => {
        accepted = n;
      });
    } finally {
      if (accepted > 0) {
        const size = (await this.#store.logState(org)).frontier.size;
        this.#emit('sync-finished', { org, peer: peer.toString(), blocks: accepted, size });
      }
    }
    return accepted;
  }

  async #syncLoop(
    peer: PeerId,
    org: string,
    toSize: number,
    progress: (accepted: number) => void,
  ): Promise<number> {
    let accepted = 0;
    while (!this.#stopping.signal.aborted && !(await this.#store.isFrozen(org))) {
      const fromSize = (await this.#store.logState(org)).frontier.size;
      if (fromSize >= toSize) break;
      let progressed = false;
      const cancel = new AbortController();
      // Blocks are received, checked against the request and handed to the store's `prepare`
      // (entry signatures on worker threads) up to a few blocks ahead of the one being applied.
      const blocks = readAhead(this.#syncBlocks(peer, org, fromSize, toSize, cancel.signal), {
        maxItems: this.#syncReadAhead.blocks,
        maxBytes: this.#syncReadAhead.bytes,
        sizeOf: (block) => block.bytes,
        stop: () => cancel.abort(new NetError('NET_STREAM_FAILED', 'sync abandoned')),
      });
      for await (const block of blocks) {
        const result = await this.offer(block.header, block.entries, undefined);
        const { header } = block;
        if ((result === 'accepted' || result === 'duplicate') && (await this.#takeCosignatures(header)) > 0)
          throw invalidSync(`a forged cosignature on ${org} ${header.height}`);
        if (result === 'accepted') {
          accepted++;
          progress(accepted);
          progressed = true;
        } else if (result === 'forked') {
          await blocks.return();
          await this.audit(peer, org, header.size);
          return accepted;
        } else if (result === 'fraud' || result === 'frozen') {
          return accepted;
        } else if (result !== 'duplicate') {
          throw invalidSync(`block ${header.height} is ${result}`);
        }
      }
      if (!progressed) break;
    }
    return accepted;
  }

  /**
   * One sync request's response as whole blocks, each checked against the request (org, range,
   * offsets) before its entries are handed to the store to start verifying.
   */
  async *#syncBlocks(
    peer: PeerId,
    org: string,
    fromSize: number,
    toSize: number,
    cancel: AbortSignal,
  ): AsyncGenerator<SyncedBlock> {
    let pending: SyncedBlock | undefined;
    let expected = fromSize;
    const frames = this.#syncRequest(
      peer,
      { org, fromSize, toSize },
      AbortSignal.any([this.#stopping.signal, cancel]),
    );
    for await (const bytes of frames) {
      const frame = decodeSyncFrame(bytes, { maxEntryBytes: this.#maxEntryBytes });
      const { header } = frame;
      if (header.org !== org) throw invalidSync(`a block of ${header.org}`);
      if (header.size > toSize) throw invalidSync(`a block ending at ${header.size}, past ${toSize}`);
      if (frame.offset !== expected) throw invalidSync(`entries from ${frame.offset}, expected ${expected}`);
      if (pending === undefined) pending = { header, entries: [], bytes: 0 };
      else if (pending.header.text !== header.text) throw invalidSync('a new header inside a block');
      pending.entries.push(...frame.entries);
      pending.bytes += bytes.byteLength;
      expected += frame.entries.length;
      if (expected < header.size) continue;
      // The header is judged by `offer` (its key may depend on governance); a peer that sends
      // junk costs at most the read-ahead's worth of entry checks before that refuses it.
      this.#store.prepare?.(org, { header, envelopes: pending.entries });
      yield pending;
      pending = undefined;
    }
    if (pending !== undefined) throw invalidSync('the response ended inside a block');
  }

  /**
   * One sync request to `peer`, its response frames as they arrive. Waits first for one of the
   * requests this node may have open to the peer at once (`SYNC_REQUESTS_PER_PEER`, below what
   * the peer serves one requester), so that many orgs to catch up never meet NET_PEER_BUSY.
   */
  async *#syncRequest(
    peer: PeerId,
    syncRequest: SyncRequest,
    signal: AbortSignal,
  ): AsyncGenerator<Uint8Array> {
    const release = await this.#syncSlots.take(peer.toString(), signal);
    try {
      yield* request(this.#host.node, peer, SYNC_PROTOCOL, encodeSyncRequest(syncRequest), {
        timeoutMs: this.#timeoutMs,
        maxFrameBytes: MAX_SYNC_FRAME_BYTES,
        signal,
      });
    } finally {
      release();
    }
  }

  /**
   * Looks for the fork when `peer`'s log of `org` does not extend ours: streams the peer's headers
   * from the start (entries are read and dropped) and compares each with ours at its height. The
   * first difference is a header-fork fraud proof. Returns whether one was found.
   */
  async audit(peer: PeerId, org: string, toSize: number): Promise<boolean> {
    const heldHeight = (await this.#store.logState(org)).header?.height ?? 0;
    let last: string | undefined;
    const frames = this.#syncRequest(peer, { org, fromSize: 0, toSize }, this.#stopping.signal);
    for await (const bytes of frames) {
      const { header } = decodeSyncFrame(bytes);
      if (header.text === last) continue;
      last = header.text;
      if (header.org !== org || header.height > heldHeight) return false;
      const result = await this.offer(header, undefined, undefined);
      if (result === 'fraud' || result === 'frozen') return true;
      if (result === 'invalid') throw invalidSync(`header ${header.height} does not verify`);
    }
    return false;
  }
}

function invalidSync(detail: string): NetError {
  return new NetError('NET_SYNC_INVALID', detail);
}

/** What became of a block or header offered, and for `invalid`, the reason code. */
interface Verdict {
  readonly result: IngestResult;
  readonly code?: string;
}

function invalid(code: string): Verdict {
  return { result: 'invalid', code };
}

/** The stable code of a verification failure (core, net or governance errors all carry one). */
function reasonCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : 'NET_BLOCK_INVALID';
}

/** A block of a sync response, complete, with the response bytes it took. */
interface SyncedBlock {
  readonly header: BlockHeader;
  readonly entries: Uint8Array[];
  bytes: number;
}

/** Failures worth asking the same peer again for: the network's, or the peer's momentary state. */
const RETRIABLE = new Set<string>([
  'NET_STREAM_FAILED',
  'NET_TIMEOUT',
  'NET_BUSY',
  'NET_PEER_BUSY',
  'NET_DIAL_FAILED',
  'NET_REMOTE_ERROR',
]);

function isRetriable(error: unknown): boolean {
  return isNetError(error) && RETRIABLE.has(error.code);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The header with up to `cap` of the cosignatures appended, earliest first (the earliest decides
 * first-witnessed times), within the signature lines a note may carry.
 */
function withEarliest(
  header: BlockHeader,
  records: readonly CosignatureRecord[],
  cap = DEFAULT_MAX_SIGNATURES,
): BlockHeader {
  const room = Math.min(cap, DEFAULT_MAX_SIGNATURES - header.note.signatures.length);
  if (records.length === 0 || room <= 0) return header;
  const earliest = [...records].sort((a, b) => a.timestamp - b.timestamp).slice(0, room);
  return withSignatures(
    header,
    earliest.map((r) => r.signature),
  );
}

/** The header with only the org's own signature line(s), the ones `verifier` checked. */
function orgSignedOnly(header: BlockHeader, verifier: NoteVerifier): BlockHeader {
  const own = header.note.signatures.filter(
    (s) => s.name === verifier.name && equalBytes(s.keyHash, verifier.keyHash),
  );
  if (own.length === header.note.signatures.length) return header;
  return { ...header, note: { text: header.text, signatures: own } };
}
