/**
 * Opens envelopes with core's openEnvelope (decode, schema, network, signature) on worker
 * threads, so signature verification, most of an append's CPU, uses every core instead of
 * the one the event loop runs on. Envelopes submitted in one turn of the event loop travel to
 * the workers together, split over the least busy ones; each answer is exactly what
 * openEnvelope returns or throws (code and detail; the cause stays in the worker).
 *
 * `summarise` is the replica's variant: a whole block's envelopes opened the same way, answered
 * with only the fields a replica indexes and authority-checks (and each envelope's Merkle leaf
 * hash), or the first failure in envelope order.
 *
 * Every call may name its own entry size limit (`maxBytes`), because the limit is a governance
 * parameter judged at a position: the current one for an append, the position a block claims for a
 * replicated block, none at all (the largest any position allows) for entries already stored.
 *
 * With `threads: 0` it opens inline. Workers start on first use, keep the process alive only
 * while they have work, and stop on `close`.
 */
import { Worker } from 'node:worker_threads';
import { type ErrorCode, LiuhenError, openEnvelope, type SignedEntry } from '@liuhen/core';
import {
  type Opened,
  type OpenReply,
  type OpenTask,
  type PackedSummaries,
  type SummaryReply,
  summariseAll,
} from './open-worker.ts';

/** Most envelopes in one message to a worker. */
const CHUNK = 128;
/** A worker holds at most one batch of a few hundred entries (~1 MB) at a time. */
const WORKER_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/** What a replica needs of one opened entry. */
export interface EntrySummary {
  readonly id: Uint8Array;
  /** The envelope's Merkle leaf hash. */
  readonly leaf: Uint8Array;
  readonly org: string;
  readonly object: string;
  readonly kind: string;
  readonly signer: Uint8Array;
  readonly role: string;
  readonly time: number;
  readonly parents: readonly Uint8Array[];
}

/**
 * The summaries of a batch of envelopes, kept packed as the workers sent them: a syncing replica
 * holds several blocks' worth ahead of the one it commits, and one object per field per entry
 * would be most of its heap. Entries are materialised one at a time by `at(i)`.
 */
export class EntrySummaries {
  readonly length: number;
  readonly #parts: PackedSummaries[];
  /** Index of the first entry of each part, and of each part's first parent hash. */
  readonly #starts: number[] = [];
  readonly #parentStarts: number[][] = [];

  constructor(parts: PackedSummaries[]) {
    this.#parts = parts;
    let n = 0;
    for (const part of parts) {
      this.#starts.push(n);
      n += part.count;
      const starts: number[] = [];
      let p = 0;
      for (let i = 0; i < part.count; i++) {
        starts.push(p);
        p += part.parentCounts[i] as number;
      }
      this.#parentStarts.push(starts);
    }
    this.length = n;
  }

  #locate(i: number): [PackedSummaries, number, number] {
    let k = this.#parts.length - 1;
    while (k > 0 && (this.#starts[k] as number) > i) k--;
    return [this.#parts[k] as PackedSummaries, i - (this.#starts[k] as number), k];
  }

  at(i: number): EntrySummary {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`no entry ${i}`);
    const [part, j, k] = this.#locate(i);
    const slot = (bytes: Uint8Array, n: number) => bytes.subarray(32 * n, 32 * n + 32);
    const first = (this.#parentStarts[k] as number[])[j] as number;
    const parents: Uint8Array[] = [];
    for (let p = 0; p < (part.parentCounts[j] as number); p++) parents.push(slot(part.parents, first + p));
    return {
      id: slot(part.ids, j),
      leaf: slot(part.leaves, j),
      org: part.orgs[j] as string,
      object: part.objects[j] as string,
      kind: part.kinds[j] as string,
      signer: slot(part.signers, j),
      role: part.roles[j] as string,
      time: part.times[j] as number,
      parents,
    };
  }

  /** Every attachment the entries reference, in entry order. */
  attachments(): Array<{ sha256: Uint8Array; size: number }> {
    return this.#parts.flatMap((part) =>
      part.attachmentSizes.map((size, n) => ({
        sha256: part.attachmentHashes.subarray(32 * n, 32 * n + 32),
        size,
      })),
    );
  }
}

interface Waiting {
  envelope: Uint8Array;
  maxBytes: number;
  resolve: (signed: SignedEntry) => void;
  reject: (error: unknown) => void;
}

/** One message in flight to a worker: how many envelopes it carries and who takes the answer. */
interface Task {
  size: number;
  answer: (reply: OpenReply | SummaryReply) => void;
  fail: (error: unknown) => void;
}

interface Thread {
  worker: Worker;
  /** Envelopes sent and not yet answered. */
  load: number;
  tasks: Map<number, Task>;
}

function failure(code: string, detail: string): Error {
  return code === 'INTERNAL' ? new Error(detail) : new LiuhenError(code as ErrorCode, detail);
}

export class EnvelopeOpener {
  readonly threads: number;
  readonly #network: Uint8Array;
  readonly #maxBytes: number;
  #pool: Thread[] | undefined;
  #batch: Waiting[] = [];
  #scheduled = false;
  #seq = 0;
  #closed = false;
  #broken = false;

  /** `maxBytes` is the entry size limit of calls that name none. */
  constructor(options: { threads: number; network: Uint8Array; maxBytes: number }) {
    this.threads = options.threads;
    this.#network = options.network;
    this.#maxBytes = options.maxBytes;
  }

  open(envelope: Uint8Array, maxBytes = this.#maxBytes): Promise<SignedEntry> {
    if (this.threads <= 0 || this.#closed || this.#broken) {
      return new Promise((resolve) => resolve(openEnvelope(envelope, { network: this.#network, maxBytes })));
    }
    return new Promise((resolve, reject) => {
      this.#batch.push({ envelope, maxBytes, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#dispatch();
        });
      }
    });
  }

  /**
   * Opens every envelope (as `open` does) and answers with their summaries in order, or rejects
   * with what openEnvelope threw for the first envelope, in order, that does not open.
   */
  async summarise(envelopes: readonly Uint8Array[], maxBytes = this.#maxBytes): Promise<EntrySummaries> {
    let parts: Array<PackedSummaries | undefined>;
    if (this.threads <= 0 || this.#closed || this.#broken) {
      parts = [this.#summariseInline(envelopes, maxBytes)];
    } else {
      const pool = this.#threads();
      const chunk = Math.min(CHUNK, Math.max(1, Math.ceil(envelopes.length / pool.length)));
      const pending: Array<Promise<PackedSummaries | undefined>> = [];
      for (let i = 0; i < envelopes.length; i += chunk) {
        const part = envelopes.slice(i, i + chunk);
        pending.push(
          new Promise<PackedSummaries | undefined>((resolve) => {
            this.#post(
              pool,
              { mode: 'summary', envelopes: part, maxBytes },
              {
                size: part.length,
                answer: (reply) => resolve((reply as SummaryReply).summaries),
                // A worker's failure says nothing about the envelopes: they are opened inline.
                fail: () => resolve(undefined),
              },
            );
          }),
        );
      }
      parts = await Promise.all(pending);
      if (parts.includes(undefined)) {
        if (this.#closed) throw new LiuhenError('NODE_CLOSED');
        parts = [this.#summariseInline(envelopes, maxBytes)];
      }
    }
    for (const packed of parts as PackedSummaries[])
      if (packed.failure !== undefined) throw failure(packed.failure.code, packed.failure.detail);
    return new EntrySummaries(parts as PackedSummaries[]);
  }

  #summariseInline(envelopes: readonly Uint8Array[], maxBytes: number): PackedSummaries {
    return summariseAll({
      seq: 0,
      network: this.#network,
      maxBytes,
      envelopes: [...envelopes],
      mode: 'summary',
    }).summaries;
  }

  #threads(): Thread[] {
    this.#pool ??= this.#start();
    return this.#pool;
  }

  #start(): Thread[] {
    const entry = new URL('./open-worker-entry.mjs', import.meta.url);
    return Array.from({ length: this.threads }, () => {
      const thread: Thread = {
        // Pure CPU over short-lived batches: a small heap is enough, and RSS is the node's budget.
        worker: new Worker(entry, { resourceLimits: WORKER_HEAP }),
        load: 0,
        tasks: new Map(),
      };
      thread.worker.unref();
      thread.worker.on('message', (reply: OpenReply | SummaryReply) => this.#answer(thread, reply));
      const fail = (error: LiuhenError) => {
        for (const task of thread.tasks.values()) task.fail(error);
        thread.tasks.clear();
        thread.load = 0;
      };
      // A worker that fails leaves the pool; the rest, and later calls, open inline.
      thread.worker.on('error', (error) => {
        this.#broken = true;
        fail(new LiuhenError('NODE_BUSY', `envelope worker failed: ${error.message}`));
      });
      thread.worker.on('exit', (code) => {
        if (this.#closed) fail(new LiuhenError('NODE_CLOSED'));
        else if (thread.tasks.size > 0) {
          this.#broken = true;
          fail(new LiuhenError('NODE_BUSY', `envelope worker exited with code ${code}`));
        }
      });
      return thread;
    });
  }

  /** Sends one task to the least busy worker. */
  #post(pool: Thread[], body: Pick<OpenTask, 'envelopes' | 'mode' | 'maxBytes'>, task: Task): void {
    const thread = pool.reduce((a, b) => (b.load < a.load ? b : a));
    const message: OpenTask = { seq: this.#seq++, network: this.#network, ...body };
    if (thread.load === 0) thread.worker.ref();
    thread.load += task.size;
    thread.tasks.set(message.seq, task);
    thread.worker.postMessage(message);
  }

  #dispatch(): void {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    if (this.#closed || this.#broken) {
      for (const w of batch) {
        try {
          w.resolve(openEnvelope(w.envelope, { network: this.#network, maxBytes: w.maxBytes }));
        } catch (error) {
          w.reject(error);
        }
      }
      return;
    }
    const pool = this.#threads();
    // One task carries one limit: envelopes of this turn are grouped by theirs (nearly always one).
    const byLimit = new Map<number, Waiting[]>();
    for (const w of batch) {
      const group = byLimit.get(w.maxBytes);
      if (group === undefined) byLimit.set(w.maxBytes, [w]);
      else group.push(w);
    }
    for (const [maxBytes, group] of byLimit) this.#dispatchGroup(pool, group, maxBytes);
  }

  #dispatchGroup(pool: Thread[], batch: Waiting[], maxBytes: number): void {
    const chunk = Math.min(CHUNK, Math.max(1, Math.ceil(batch.length / pool.length)));
    for (let i = 0; i < batch.length; i += chunk) {
      const part = batch.slice(i, i + chunk);
      this.#post(
        pool,
        { envelopes: part.map((w) => w.envelope), maxBytes },
        {
          size: part.length,
          answer: (reply) => {
            for (const [i, waiting] of part.entries()) {
              const opened = (reply as OpenReply).results[i] as Opened;
              if ('code' in opened) waiting.reject(failure(opened.code, opened.detail));
              else waiting.resolve({ ...opened, envelope: waiting.envelope });
            }
          },
          fail: (error) => {
            for (const waiting of part) waiting.reject(error);
          },
        },
      );
    }
  }

  #answer(thread: Thread, reply: OpenReply | SummaryReply): void {
    const task = thread.tasks.get(reply.seq);
    if (!task) return;
    thread.tasks.delete(reply.seq);
    thread.load -= task.size;
    if (thread.load === 0) thread.worker.unref();
    task.answer(reply);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#dispatch();
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await Promise.all(pool.map((thread) => thread.worker.terminate()));
  }
}
