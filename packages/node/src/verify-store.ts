/**
 * Whole-store verification: every org log, header by header — signature, hash chain, entry
 * count, every entry (in worker threads, one per core), the Merkle root — then the stored log
 * head, the derived tables (index audit) and every blob. It reports each problem against the
 * entry, block, table or blob it concerns and never stops at the first.
 *
 * The main thread reads and orders; the workers hold the CPU-bound part, and envelopes travel to
 * them packed in one transferred buffer per batch. The index tables are read after the logs:
 * read while the workers verified, they cost the workers more CPU (the cores are shared) than
 * they saved in time, and held ~100 MB more memory at a million entries. Hashing them on the
 * workers instead of this thread saved little: reading them is most of the cost.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  type BlockHeader,
  checkHeaderExtends,
  equalBytes,
  HASH_SIZE,
  isLiuhenError,
  LiuhenError,
  MerkleFrontier,
  toHex,
  verifyHeaderSignature,
} from '@liuhen/core';
import { type Genesis, type GovernanceState, isGovernanceError } from '@liuhen/governance';
import type { BlobStore, LedgerStore } from '@liuhen/store';
import { governedHeaderKey } from './governance-validation.ts';
import { packEnvelopes, type VerifyResult, type VerifyTask } from './verify-worker.ts';

export interface Finding {
  kind: 'entry' | 'block' | 'log' | 'index' | 'blob' | 'storage';
  org?: string;
  index?: number;
  height?: number;
  blob?: string;
  code: string;
  message: string;
}

export interface VerifyProgress {
  done: number;
  total: number;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  blocks: number;
  blobs: number;
  findings: Finding[];
  seconds: number;
}

const BATCH = 512;

/** A block whose entries are with the workers; its findings so far wait to keep report order. */
interface BlockInFlight {
  header: BlockHeader;
  /** Log index of the block's first entry. */
  from: number;
  at: { org: string; height: number };
  findings: Finding[];
  tasks: Promise<VerifyResult>[];
  entries: number;
}

/**
 * Verify workers, each given the next batch while it has the fewest in hand: on a shared machine
 * one worker can fall behind, and strict turns would leave the other idle at the end.
 *
 * A worker that fails or exits before `close` fails the pool: its batches would never be
 * answered, so every batch in hand and every later one is rejected with one typed error rather
 * than left waiting. (Exported with `entry` for the test, which starts workers that crash.)
 */
export class VerifyWorkerPool {
  readonly #workers: Array<{ worker: Worker; busy: number }>;
  readonly #waiting = new Map<number, { resolve: (r: VerifyResult) => void; reject: (e: Error) => void }>();
  #failure: LiuhenError | undefined;
  #closing = false;

  constructor(size: number, entry = new URL('./verify-worker-entry.mjs', import.meta.url)) {
    this.#workers = Array.from({ length: size }, (_, n) => {
      const slot = { worker: new Worker(entry), busy: 0 };
      slot.worker.on('message', (r: VerifyResult) => {
        slot.busy--;
        this.#waiting.get(r.seq)?.resolve(r);
        this.#waiting.delete(r.seq);
      });
      // 'error' comes first when a worker throws, then 'exit': the first names the cause.
      slot.worker.on('error', (error) => this.#fail(`verify worker ${n} failed: ${error.message}`, error));
      slot.worker.on('exit', (code) => {
        if (!this.#closing) this.#fail(`verify worker ${n} exited with code ${code}`);
      });
      return slot;
    });
  }

  /** Why the pool failed, once a worker has. */
  get failure(): LiuhenError | undefined {
    return this.#failure;
  }

  run(task: VerifyTask): Promise<VerifyResult> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting.set(task.seq, { resolve, reject });
      const slot = this.#workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      slot.busy++;
      slot.worker.postMessage(task, [task.bytes.buffer, task.ends.buffer]);
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map(({ worker }) => worker.terminate()));
  }

  #fail(message: string, cause?: unknown): void {
    if (this.#failure) return;
    // Thrown, not reported: the CLI exits 2 (environment), not 1 (verification failed).
    this.#failure = new LiuhenError('VERIFY_WORKER_FAILED', message, { cause });
    for (const { reject } of this.#waiting.values()) reject(this.#failure);
    this.#waiting.clear();
  }
}

export async function verifyStore(options: {
  store: LedgerStore;
  blobs?: BlobStore;
  genesis: Genesis;
  networkId: Uint8Array;
  /**
   * The governance log (the genesis folded with the stored actions): orgs added later are members,
   * and each header is checked with the node key valid at the position it claims and its height,
   * and against any freeze point (docs/protocol.md §13.7). Default: the genesis alone.
   */
  governance?: GovernanceState;
  threads?: number;
  onProgress?: (progress: VerifyProgress) => void;
}): Promise<VerifyReport> {
  const started = performance.now();
  const { store, genesis, networkId } = options;
  const findings: Finding[] = [];
  const total = await store.entryCount().catch(() => 0);
  const threads = options.threads ?? availableParallelism();
  const pool = new VerifyWorkerPool(threads);
  const readAhead = 4 * BATCH * threads;
  let done = 0;
  let blocks = 0;
  let seq = 0;
  const indexAudit = store.expectedIndexes();
  try {
    for (const org of await store.orgs()) {
      const member =
        options.governance === undefined
          ? genesis.orgs.find((o) => o.id === org)
          : options.governance.nodeKeysOf(org).length > 0
            ? { nodeKey: undefined }
            : undefined;
      if (!member) {
        findings.push({
          kind: 'log',
          org,
          code: 'UNKNOWN_ORG',
          message: `a log for ${org}, which is not a member`,
        });
        continue;
      }
      let previous: BlockHeader | undefined;
      const frontier = MerkleFrontier.empty();
      // Blocks read and sent to the workers, not yet folded into the frontier. Reading runs
      // ahead of verification by up to `readAhead` entries, so the workers need not wait for it.
      const inFlight: BlockInFlight[] = [];
      let unsettled = 0;
      const settle = async (block: BlockInFlight): Promise<void> => {
        const { header, from, at } = block;
        findings.push(...block.findings);
        let offset = from;
        for (const result of await Promise.all(block.tasks)) {
          for (const failure of result.failures)
            findings.push({
              kind: 'entry',
              org,
              index: offset + failure.offset,
              height: header.height,
              code: failure.code,
              message: failure.message,
            });
          const count = result.leafHashes.length / HASH_SIZE;
          for (let i = 0; i < count; i++)
            indexAudit.addNodes(
              org,
              frontier.append(result.leafHashes.subarray(HASH_SIZE * i, HASH_SIZE * (i + 1))),
            );
          indexAudit.addRecords(result.records);
          offset += count;
          done += count;
          options.onProgress?.({ done, total });
        }
        unsettled -= block.entries;
        if (frontier.size !== header.size) {
          findings.push({
            kind: 'block',
            ...at,
            code: 'BLOCK_MALFORMED',
            message: `header says size ${header.size}, store holds ${frontier.size} entries`,
          });
        } else if (!equalBytes(frontier.root(), header.root)) {
          findings.push({
            kind: 'block',
            ...at,
            code: 'BLOCK_ROOT_MISMATCH',
            message: `entries ${from}..${header.size - 1} do not give the signed root`,
          });
        }
      };
      const orgNo = indexAudit.orgNumber(org);
      const dispatch = (block: BlockInFlight, envelopes: Uint8Array[]): void => {
        const task = pool.run({
          seq: seq++,
          network: networkId,
          org,
          orgNo,
          firstIndex: block.from + block.entries,
          maxEntryBytes: entryLimit(genesis, options.governance, block.header),
          ...packEnvelopes(envelopes),
        });
        // A failed pool rejects batches no one may await any more; `pool.failure` reports it.
        task.catch(() => undefined);
        block.tasks.push(task);
        block.entries += envelopes.length;
      };
      try {
        let read = 0;
        for await (const header of store.headers(org)) {
          blocks++;
          const at = { org, height: header.height };
          const block: BlockInFlight = { header, from: read, at, findings: [], tasks: [], entries: 0 };
          try {
            verifyHeaderSignature(
              header,
              options.governance === undefined
                ? (member.nodeKey as Uint8Array)
                : governedHeaderKey(options.governance, header),
            );
            checkHeaderExtends(previous, header);
          } catch (error) {
            block.findings.push({ kind: 'block', ...at, ...describe(error) });
          }
          // Read the block's entries and verify them in parallel batches, keeping log order.
          let batch: Uint8Array[] = [];
          let expected = read;
          for await (const records of store.envelopeBatches(org, read, header.size)) {
            for (const { index, envelope } of records) {
              if (index !== expected) {
                block.findings.push({
                  kind: 'log',
                  org,
                  index: expected,
                  code: 'STORAGE_FAILED',
                  message: `entry ${expected} is missing`,
                });
              }
              expected = index + 1;
              batch.push(envelope);
              if (batch.length === BATCH) {
                dispatch(block, batch);
                batch = [];
              }
            }
          }
          if (batch.length > 0) dispatch(block, batch);
          read += block.entries;
          unsettled += block.entries;
          inFlight.push(block);
          while (unsettled > readAhead) await settle(inFlight.shift() as BlockInFlight);
          previous = header;
        }
        while (inFlight.length > 0) await settle(inFlight.shift() as BlockInFlight);
        const head = await store.logHead(org);
        if (
          head &&
          previous &&
          (head.header.height !== previous.height || !equalBytes(head.frontier.root(), frontier.root()))
        ) {
          findings.push({
            kind: 'log',
            org,
            code: 'STORAGE_FAILED',
            message: 'the stored log head disagrees with the header chain',
          });
        }
      } catch (error) {
        // A verifier that lost a worker cannot vouch for anything, damaged or not.
        if (pool.failure) throw pool.failure;
        findings.push({ kind: 'storage', org, ...describe(error) });
      }
    }
  } finally {
    await pool.close();
  }
  // The tables the node answers from — id table, postings, stored Merkle nodes — must say
  // exactly what the verified logs say; otherwise reads and proofs would quietly go wrong.
  try {
    for (const table of await store.auditIndexes(indexAudit)) {
      findings.push({
        kind: 'index',
        code: 'STORE_CORRUPT',
        message: `the ${table === 'merkle' ? 'stored Merkle node' : `${table} index`} table does not match the verified logs`,
      });
    }
  } catch (error) {
    findings.push({ kind: 'storage', ...describe(error) });
  }
  let blobCount = 0;
  if (options.blobs) {
    try {
      for await (const hash of options.blobs.list()) {
        blobCount++;
        try {
          await options.blobs.verify(hash);
        } catch (error) {
          findings.push({ kind: 'blob', blob: toHex(hash), ...describe(error) });
        }
      }
    } catch (error) {
      findings.push({ kind: 'storage', ...describe(error) });
    }
  }
  return {
    ok: findings.length === 0,
    entries: done,
    blocks,
    blobs: blobCount,
    findings,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The `maxEntryBytes` each entry of a block is judged by: the one in force at the governance
 * position its header claims (docs/protocol.md §13.6), so entries accepted before a lowering stay
 * valid. A header claiming a position beyond the log is already a finding; its entries get the
 * current limit.
 */
function entryLimit(genesis: Genesis, governance: GovernanceState | undefined, header: BlockHeader): number {
  if (governance === undefined) return genesis.parameters.maxEntryBytes;
  return governance.parametersAt(Math.min(header.governance.seq, governance.seq)).maxEntryBytes;
}

function describe(error: unknown): { code: string; message: string } {
  if (isLiuhenError(error) || isGovernanceError(error)) return { code: error.code, message: error.message };
  return { code: 'STORAGE_FAILED', message: error instanceof Error ? error.message : String(error) };
}
