/**
 * The node's Prometheus metrics (`GET /metrics`, DESIGN §9; alert rules in docs/operations.md).
 * Each node has its own prom-client `Registry`, never the global one, so several nodes in one
 * process (tests, the demo) do not share or collide on series.
 *
 * Counters and histograms are fed where things happen (the HTTP append routes, the ledger node's
 * `onBlock`, replication events); gauges that mirror state (peers, lag, fraud proofs, store
 * size) are read when Prometheus scrapes, from the sources `NodeMetrics.watch` is given, so they
 * can never drift from what `/v1/status` says.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Block } from '@liuhen/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Codes of an append refused because the envelope does not verify (bytes, signature, network). */
const VERIFICATION_CODES = new Set([
  'SIGNATURE_INVALID',
  'SIGNATURE_LENGTH',
  'ENVELOPE_INVALID',
  'ENTRY_INVALID',
  'ENTRY_WRONG_NETWORK',
  'KEY_LENGTH',
  'KEY_NON_CANONICAL',
  'KEY_SMALL_ORDER',
  'KEY_MIXED_ORDER',
]);

/** A blob-store walk is a directory listing per shard: at most this often, however often scraped. */
const BLOB_SIZE_CACHE_MS = 60_000;
/** Own checkpoints remembered for cosign latency; older ones are no longer waited for. */
const COSIGN_PENDING = 4_096;

export interface MetricsSources {
  /** Connected replication peers (absent: replication is off). */
  peers?: () => number;
  /** Per member org: entries held and entries known to exist but not held (replication). */
  orgs?: () => Promise<Record<string, { size: number; lag: number }>>;
  /** Fraud proofs held. */
  fraudProofs?: () => number;
  /** This node's own log size, committed. */
  ownSize: () => number;
  ownOrg: string;
  /** Bytes of the LevelDB files. */
  storeBytes: () => Promise<number>;
  /** The blob store's directory. */
  blobDir: string;
}

export class NodeMetrics {
  readonly registry = new Registry();
  readonly appends: Counter<'api'>;
  readonly rejections: Counter<'code'>;
  readonly blocks: Counter;
  readonly entries: Counter;
  readonly commitSeconds: Histogram;
  readonly cosignSeconds: Histogram<'witness'>;
  readonly verificationFailures: Counter<'source' | 'code'>;
  readonly replicaBlocks: Counter<'log'>;
  /** Own checkpoint text → when its block was committed (performance.now()). */
  readonly #committedAt = new Map<string, number>();
  #blobBytes = { at: Number.NEGATIVE_INFINITY, bytes: 0 };

  constructor(options: { org: string; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ org: options.org });
    // Process metrics (RSS, heap, event-loop lag, open handles) for the memory and lag alerts.
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.appends = new Counter({
      name: 'liuhen_appends_total',
      help: 'Entries acknowledged through the HTTP API, by API (unsigned: signed by the node for a token; signed: pre-signed envelopes)',
      labelNames: ['api'],
      registers,
    });
    this.rejections = new Counter({
      name: 'liuhen_append_rejections_total',
      help: 'Appends refused, by stable error code',
      labelNames: ['code'],
      registers,
    });
    this.blocks = new Counter({
      name: 'liuhen_blocks_cut_total',
      help: 'Own blocks cut and committed',
      registers,
    });
    this.entries = new Counter({
      name: 'liuhen_block_entries_total',
      help: 'Entries in the own blocks committed',
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'liuhen_block_commit_seconds',
      help: 'From cutting an own block to its fsynced commit (and so to the acknowledgements)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.cosignSeconds = new Histogram({
      name: 'liuhen_cosign_latency_seconds',
      help: "From committing an own block to storing a witness's cosignature of its checkpoint, by witness",
      labelNames: ['witness'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers,
    });
    this.verificationFailures = new Counter({
      name: 'liuhen_verification_failures_total',
      help: 'Data that failed verification, by source (append: a pre-signed envelope; peer: anything a member peer sent that was refused — a gossiped block, cosignature or fraud proof, a sync, heads or cosignatures answer, an attachment whose bytes do not match its hash, a malformed request; blob: a stored attachment whose bytes no longer match its hash) and code (the reason)',
      labelNames: ['source', 'code'],
      registers,
    });
    this.replicaBlocks = new Counter({
      name: 'liuhen_replica_blocks_accepted_total',
      help: "Other orgs' blocks verified and stored, by the org whose log they extend",
      // Not `org`: that default label names the node itself on every series.
      labelNames: ['log'],
      registers,
    });
  }

  /**
   * The scrape-time gauges, read from `sources`. Called once, when the node's parts exist; until
   * then the gauges are simply absent.
   */
  watch(sources: MetricsSources): void {
    const registers = [this.registry];
    new Gauge({
      name: 'liuhen_peers',
      help: 'Connected replication peers',
      registers,
      collect() {
        this.set(sources.peers?.() ?? 0);
      },
    });
    new Gauge({
      name: 'liuhen_log_entries',
      help: "Entries held of each member org's log (this node's own included)",
      labelNames: ['log'],
      registers,
      async collect() {
        this.reset();
        const orgs = (await sources.orgs?.()) ?? {};
        this.set({ log: sources.ownOrg }, sources.ownSize());
        for (const [org, state] of Object.entries(orgs)) this.set({ log: org }, state.size);
      },
    });
    new Gauge({
      name: 'liuhen_sync_lag_entries',
      help: "Entries of each org's log known to exist (a validly signed header seen) but not held yet",
      labelNames: ['log'],
      registers,
      async collect() {
        this.reset();
        const orgs = (await sources.orgs?.()) ?? {};
        for (const [org, state] of Object.entries(orgs)) this.set({ log: org }, state.lag);
      },
    });
    new Gauge({
      name: 'liuhen_fraud_proofs',
      help: 'Fraud proofs held; each freezes its org until governance acts',
      registers,
      collect() {
        this.set(sources.fraudProofs?.() ?? 0);
      },
    });
    const blobBytes = () => this.#blobStoreBytes(sources.blobDir);
    new Gauge({
      name: 'liuhen_store_bytes',
      help: 'Bytes on disk: part="db" the LevelDB files, part="blobs" the attachments (re-measured at most once a minute)',
      labelNames: ['part'],
      registers,
      async collect() {
        this.set({ part: 'db' }, await sources.storeBytes());
        this.set({ part: 'blobs' }, await blobBytes());
      },
    });
  }

  /** An own block committed (LedgerNodeOptions.onBlock). */
  blockCommitted(block: Block, commitMs: number): void {
    this.blocks.inc();
    this.entries.inc(block.envelopes.length);
    this.commitSeconds.observe(commitMs / 1000);
    this.#committedAt.set(block.header.text, performance.now());
    for (const text of this.#committedAt.keys()) {
      if (this.#committedAt.size <= COSIGN_PENDING) break;
      this.#committedAt.delete(text);
    }
  }

  /** A cosignature stored (replication `cosignature` event): times it if it is of an own block. */
  cosignatureStored(checkpoint: string, witness: string): void {
    const at = this.#committedAt.get(checkpoint);
    if (at !== undefined) this.cosignSeconds.observe({ witness }, (performance.now() - at) / 1000);
  }

  /**
   * Counts every `misbehaviour` event `events` dispatches — the replicator's, the blob service's,
   * the governance fetcher's: data from a peer refused by verification — by its reason code.
   */
  countPeerFaults(events: EventTarget): void {
    events.addEventListener('misbehaviour', (evt) => {
      const { code } = (evt as CustomEvent<{ code: string }>).detail;
      this.verificationFailures.inc({ source: 'peer', code });
    });
  }

  appended(api: 'unsigned' | 'signed'): void {
    this.appends.inc({ api });
  }

  /** An append refused with `code`; one whose envelope did not verify also counts as a verification failure. */
  rejected(code: string): void {
    this.rejections.inc({ code });
    if (VERIFICATION_CODES.has(code) || code.startsWith('CBOR_'))
      this.verificationFailures.inc({ source: 'append', code });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async #blobStoreBytes(dir: string): Promise<number> {
    if (performance.now() - this.#blobBytes.at < BLOB_SIZE_CACHE_MS) return this.#blobBytes.bytes;
    let total = 0;
    try {
      for (const shard of await readdir(dir, { withFileTypes: true })) {
        if (!shard.isDirectory()) continue;
        for (const file of await readdir(join(dir, shard.name))) {
          total += (await stat(join(dir, shard.name, file)).catch(() => ({ size: 0 }))).size;
        }
      }
    } catch (error) {
      // No blob directory yet: nothing stored.
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
    }
    this.#blobBytes = { at: performance.now(), bytes: total };
    return total;
  }
}
