/**
 * Opens envelopes with core's openEnvelope (decode, schema, network, signature) on worker
 * threads, so signature verification, most of an append's CPU, uses every core instead of
 * the one the event loop runs on. Envelopes submitted in one turn of the event loop travel to
 * the workers together, split over the least busy ones; each answer is exactly what
 * openEnvelope returns or throws (code and detail; the cause stays in the worker).
 *
 * With `threads: 0` it opens inline. Workers start on first use, keep the process alive only
 * while they have work, and stop on `close`.
 */
import { Worker } from 'node:worker_threads';
import { type ErrorCode, LiuhenError, openEnvelope, type SignedEntry } from '@liuhen/core';
import type { Opened, OpenReply, OpenTask } from './open-worker.ts';

/** Most envelopes in one message to a worker. */
const CHUNK = 128;

interface Waiting {
  envelope: Uint8Array;
  resolve: (signed: SignedEntry) => void;
  reject: (error: unknown) => void;
}

interface Thread {
  worker: Worker;
  /** Envelopes sent and not yet answered. */
  load: number;
  tasks: Map<number, Waiting[]>;
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

  constructor(options: { threads: number; network: Uint8Array; maxBytes: number }) {
    this.threads = options.threads;
    this.#network = options.network;
    this.#maxBytes = options.maxBytes;
  }

  open(envelope: Uint8Array): Promise<SignedEntry> {
    if (this.threads <= 0 || this.#closed || this.#broken) {
      return new Promise((resolve) =>
        resolve(openEnvelope(envelope, { network: this.#network, maxBytes: this.#maxBytes })),
      );
    }
    return new Promise((resolve, reject) => {
      this.#batch.push({ envelope, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#dispatch();
        });
      }
    });
  }

  /** Opens many at once, spread over all workers: one caller's batch uses every core. */
  openMany(envelopes: readonly Uint8Array[]): Promise<SignedEntry[]> {
    return Promise.all(envelopes.map((envelope) => this.open(envelope)));
  }

  #start(): Thread[] {
    const entry = new URL('./open-worker-entry.mjs', import.meta.url);
    return Array.from({ length: this.threads }, () => {
      const thread: Thread = { worker: new Worker(entry), load: 0, tasks: new Map() };
      thread.worker.unref();
      thread.worker.on('message', (reply: OpenReply) => this.#answer(thread, reply));
      const fail = (error: LiuhenError) => {
        for (const waiting of thread.tasks.values()) for (const w of waiting) w.reject(error);
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

  #dispatch(): void {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    if (this.#closed || this.#broken) {
      for (const w of batch) {
        try {
          w.resolve(openEnvelope(w.envelope, { network: this.#network, maxBytes: this.#maxBytes }));
        } catch (error) {
          w.reject(error);
        }
      }
      return;
    }
    this.#pool ??= this.#start();
    const pool = this.#pool;
    const chunk = Math.min(CHUNK, Math.max(1, Math.ceil(batch.length / pool.length)));
    for (let i = 0; i < batch.length; i += chunk) {
      const part = batch.slice(i, i + chunk);
      const thread = pool.reduce((a, b) => (b.load < a.load ? b : a));
      const task: OpenTask = {
        seq: this.#seq++,
        network: this.#network,
        maxBytes: this.#maxBytes,
        envelopes: part.map((w) => w.envelope),
      };
      if (thread.load === 0) thread.worker.ref();
      thread.load += part.length;
      thread.tasks.set(task.seq, part);
      thread.worker.postMessage(task);
    }
  }

  #answer(thread: Thread, reply: OpenReply): void {
    const part = thread.tasks.get(reply.seq);
    if (!part) return;
    thread.tasks.delete(reply.seq);
    thread.load -= part.length;
    if (thread.load === 0) thread.worker.unref();
    for (const [i, waiting] of part.entries()) {
      const opened = reply.results[i] as Opened;
      if ('code' in opened) {
        waiting.reject(
          opened.code === 'INTERNAL'
            ? new Error(opened.detail)
            : new LiuhenError(opened.code as ErrorCode, opened.detail),
        );
      } else {
        waiting.resolve({ ...opened, envelope: waiting.envelope });
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#dispatch();
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await Promise.all(pool.map((thread) => thread.worker.terminate()));
  }
}
