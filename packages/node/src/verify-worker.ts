/**
 * Worker side of whole-store verification: opens envelopes (decode, schema, network, signature)
 * and hashes them as Merkle leaves. Pure CPU; the main thread does all I/O and ordering.
 */
import { parentPort } from 'node:worker_threads';
import { leafHash, openEnvelope } from '@liuhen/core';
import { addEntryRecords, type ExportedDigests, TableDigests } from '@liuhen/store';

export interface VerifyTask {
  seq: number;
  network: Uint8Array;
  org: string;
  /** The store's number for `org`, which its index records use. */
  orgNo: number;
  /** Log index of the first envelope. */
  firstIndex: number;
  maxEntryBytes: number;
  envelopes: Uint8Array[];
}

export interface VerifyResult {
  seq: number;
  leafHashes: Uint8Array[];
  /** Per envelope: undefined when valid, else the error code and message. */
  failures: Array<{ offset: number; code: string; message: string } | undefined>;
  /** Digests of the index records these entries imply, for the store's index audit. */
  digests: ExportedDigests;
}

export function verifyEnvelopes(task: VerifyTask): VerifyResult {
  const leafHashes: Uint8Array[] = [];
  const failures: VerifyResult['failures'] = [];
  const digests = new TableDigests();
  for (const [offset, envelope] of task.envelopes.entries()) {
    leafHashes.push(leafHash(envelope));
    try {
      const opened = openEnvelope(envelope, { network: task.network, maxBytes: task.maxEntryBytes });
      const { object, kind, signer, time } = opened.entry;
      addEntryRecords(digests, task.orgNo, task.firstIndex + offset, {
        id: opened.id,
        object,
        kind,
        signer,
        time,
      });
      failures.push(
        opened.entry.org === task.org
          ? undefined
          : {
              offset,
              code: 'BLOCK_MALFORMED',
              message: `entry of org ${opened.entry.org} in ${task.org}'s log`,
            },
      );
    } catch (error) {
      const e = error as { code?: string; message?: string };
      failures.push({ offset, code: e.code ?? 'INTERNAL', message: e.message ?? String(error) });
    }
  }
  return { seq: task.seq, leafHashes, failures, digests: digests.exportDigests() };
}

parentPort?.on('message', (task: VerifyTask) => {
  parentPort?.postMessage(verifyEnvelopes(task));
});
