/**
 * Worker side of whole-store verification: opens envelopes (decode, schema, network, signature)
 * and hashes them as Merkle leaves. Pure CPU; the main thread does all I/O and ordering.
 */
import { parentPort } from 'node:worker_threads';
import { leafHash, openEnvelope } from '@liuhen/core';
import type { AuditEntry } from '@liuhen/store';

export interface VerifyTask {
  seq: number;
  network: Uint8Array;
  org: string;
  maxEntryBytes: number;
  envelopes: Uint8Array[];
}

export interface VerifyResult {
  seq: number;
  leafHashes: Uint8Array[];
  /** Per envelope: undefined when valid, else the error code and message. */
  failures: Array<{ offset: number; code: string; message: string } | undefined>;
  /** Per envelope that opened: what the store's indexes must hold for it. */
  audit: Array<AuditEntry | undefined>;
}

export function verifyEnvelopes(task: VerifyTask): VerifyResult {
  const leafHashes: Uint8Array[] = [];
  const failures: VerifyResult['failures'] = [];
  const audit: VerifyResult['audit'] = [];
  for (const [offset, envelope] of task.envelopes.entries()) {
    leafHashes.push(leafHash(envelope));
    try {
      const opened = openEnvelope(envelope, { network: task.network, maxBytes: task.maxEntryBytes });
      const { object, kind, signer, time } = opened.entry;
      audit.push({ id: opened.id, object, kind, signer, time });
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
      audit.push(undefined);
      const e = error as { code?: string; message?: string };
      failures.push({ offset, code: e.code ?? 'INTERNAL', message: e.message ?? String(error) });
    }
  }
  return { seq: task.seq, leafHashes, failures, audit };
}

parentPort?.on('message', (task: VerifyTask) => {
  parentPort?.postMessage(verifyEnvelopes(task));
});
