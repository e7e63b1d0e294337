/**
 * Worker side of EnvelopeOpener: core's openEnvelope (decode, schema, network, signature) over a
 * batch of envelopes. Pure CPU; each answer is what openEnvelope returned or the code and detail
 * of what it threw.
 *
 * Two answers: `open` returns each whole SignedEntry (the append pipeline and trace want the
 * entry); `summary` returns only what a replica needs to index and authority-check the entries,
 * packed into a few flat arrays, because copying thousands of decoded entries back to the main
 * thread would cost it a third of what the verification saved.
 */
import { parentPort } from 'node:worker_threads';
import { type Entry, isLiuhenError, leafHash, openEnvelope } from '@liuhen/core';

export interface OpenTask {
  seq: number;
  network: Uint8Array;
  maxBytes: number;
  envelopes: Uint8Array[];
  /** Default `open`. */
  mode?: 'open' | 'summary';
}

export type Opened =
  | { entry: Entry; entryBytes: Uint8Array; signature: Uint8Array; id: Uint8Array }
  | { code: string; detail: string };

export interface OpenReply {
  seq: number;
  results: Opened[];
}

/**
 * The entries of a `summary` task, packed: fixed-size fields as 32-byte slots of one buffer each,
 * text fields as arrays. Entries after the first failure are not summarised.
 */
export interface PackedSummaries {
  /** Entries summarised (all of them unless `failure` is set). */
  count: number;
  /** Entry ids (SHA-256 of the entry bytes), 32 bytes each. */
  ids: Uint8Array;
  /** Merkle leaf hashes of the envelopes, 32 bytes each. */
  leaves: Uint8Array;
  signers: Uint8Array;
  times: Float64Array;
  orgs: string[];
  objects: string[];
  kinds: string[];
  roles: string[];
  /** Parent ids of entry i: `parentCounts[i]` hashes, consecutive in `parents`. */
  parentCounts: Uint32Array;
  parents: Uint8Array;
  /** Attachments: entry position, then SHA-256 (32 bytes each in `attachmentHashes`) and size. */
  attachmentEntries: number[];
  attachmentHashes: Uint8Array;
  attachmentSizes: number[];
  /** The first envelope that does not open, as openEnvelope threw it. */
  failure?: { index: number; code: string; detail: string };
}

export interface SummaryReply {
  seq: number;
  summaries: PackedSummaries;
}

function failureOf(error: unknown): { code: string; detail: string } {
  if (isLiuhenError(error)) {
    const prefix = `${error.code}: `;
    return {
      code: error.code,
      detail: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message,
    };
  }
  return { code: 'INTERNAL', detail: error instanceof Error ? error.message : String(error) };
}

export function openAll(task: OpenTask): OpenReply {
  const results = task.envelopes.map((envelope): Opened => {
    try {
      const { entry, entryBytes, signature, id } = openEnvelope(envelope, {
        network: task.network,
        maxBytes: task.maxBytes,
      });
      return { entry, entryBytes, signature, id };
    } catch (error) {
      return failureOf(error);
    }
  });
  return { seq: task.seq, results };
}

export function summariseAll(task: OpenTask): SummaryReply {
  const n = task.envelopes.length;
  const ids = new Uint8Array(32 * n);
  const leaves = new Uint8Array(32 * n);
  const signers = new Uint8Array(32 * n);
  const times = new Float64Array(n);
  const orgs: string[] = [];
  const objects: string[] = [];
  const kinds: string[] = [];
  const roles: string[] = [];
  const parentCounts = new Uint32Array(n);
  const parentList: Uint8Array[] = [];
  const attachmentEntries: number[] = [];
  const attachmentList: Uint8Array[] = [];
  const attachmentSizes: number[] = [];
  let count = 0;
  let failure: PackedSummaries['failure'];
  for (const envelope of task.envelopes) {
    let entry: Entry;
    let id: Uint8Array;
    try {
      ({ entry, id } = openEnvelope(envelope, { network: task.network, maxBytes: task.maxBytes }));
    } catch (error) {
      failure = { index: count, ...failureOf(error) };
      break;
    }
    ids.set(id, 32 * count);
    leaves.set(leafHash(envelope), 32 * count);
    signers.set(entry.signer, 32 * count);
    times[count] = entry.time;
    orgs.push(entry.org);
    objects.push(entry.object);
    kinds.push(entry.kind);
    roles.push(entry.role);
    parentCounts[count] = entry.parents.length;
    parentList.push(...entry.parents);
    for (const attachment of entry.attachments) {
      attachmentEntries.push(count);
      attachmentList.push(attachment.sha256);
      attachmentSizes.push(attachment.size);
    }
    count++;
  }
  const parents = new Uint8Array(32 * parentList.length);
  for (const [i, parent] of parentList.entries()) parents.set(parent, 32 * i);
  const attachmentHashes = new Uint8Array(32 * attachmentList.length);
  for (const [i, hash] of attachmentList.entries()) attachmentHashes.set(hash, 32 * i);
  const summaries: PackedSummaries = {
    count,
    ids,
    leaves,
    signers,
    times,
    orgs,
    objects,
    kinds,
    roles,
    parentCounts,
    parents,
    attachmentEntries,
    attachmentHashes,
    attachmentSizes,
  };
  if (failure !== undefined) summaries.failure = failure;
  return { seq: task.seq, summaries };
}

parentPort?.on('message', (task: OpenTask) => {
  if (task.mode !== 'summary') {
    parentPort?.postMessage(openAll(task));
    return;
  }
  const reply = summariseAll(task);
  const { ids, leaves, signers, times, parentCounts, parents, attachmentHashes } = reply.summaries;
  // Moved, not copied: the worker is done with them.
  const buffers = [ids, leaves, signers, times, parentCounts, parents, attachmentHashes].map(
    (array) => array.buffer as ArrayBuffer,
  );
  parentPort?.postMessage(reply, buffers);
});
