/**
 * Worker side of whole-store verification: opens envelopes (decode, schema, network, signature),
 * hashes them as Merkle leaves and derives the index records each implies. Pure CPU; the main
 * thread does all I/O and ordering, and digests the index records under the audit's key (a key
 * that never leaves it; and @noble/hashes, turned into CommonJS by this worker's loader, runs
 * ~10× slower here than there).
 *
 * A batch travels as transferred buffers each way (envelopes packed end to end; leaf hashes
 * 32 bytes apiece; index records end to end) rather than as arrays of small arrays, which the
 * structured clone would copy one by one in both threads.
 */
import { parentPort } from 'node:worker_threads';
import { HASH_SIZE, leafHash, openEnvelope } from '@liuhen/core';
import { addEntryRecords, type PackedRecords, RecordPacker } from '@liuhen/store';

export interface VerifyTask {
  seq: number;
  network: Uint8Array;
  org: string;
  /** The store's number for `org`, which its index records use. */
  orgNo: number;
  /** Log index of the first envelope. */
  firstIndex: number;
  maxEntryBytes: number;
  /** The envelopes, end to end. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Where each envelope ends in `bytes`. */
  ends: Uint32Array<ArrayBuffer>;
}

export interface EntryFailure {
  /** Position of the envelope in its task. */
  offset: number;
  code: string;
  message: string;
}

export interface VerifyResult {
  seq: number;
  /** The envelopes' leaf hashes, `HASH_SIZE` bytes each, in order. */
  leafHashes: Uint8Array<ArrayBuffer>;
  /** The envelopes that do not open, or open as another org's. */
  failures: EntryFailure[];
  /** The index records these entries imply, for the store's index audit. */
  records: PackedRecords;
}

/** Packs envelopes for a task: the buffer and the end offsets that `verifyEnvelopes` reads. */
export function packEnvelopes(envelopes: readonly Uint8Array[]): Pick<VerifyTask, 'bytes' | 'ends'> {
  const ends = new Uint32Array(envelopes.length);
  let length = 0;
  for (const [i, envelope] of envelopes.entries()) {
    length += envelope.length;
    ends[i] = length;
  }
  const bytes = new Uint8Array(length);
  for (const [i, envelope] of envelopes.entries()) bytes.set(envelope, (ends[i] as number) - envelope.length);
  return { bytes, ends };
}

export function verifyEnvelopes(task: VerifyTask): VerifyResult {
  const count = task.ends.length;
  const leafHashes = new Uint8Array(HASH_SIZE * count);
  const failures: EntryFailure[] = [];
  const records = new RecordPacker();
  let start = 0;
  for (let offset = 0; offset < count; offset++) {
    const end = task.ends[offset] as number;
    const envelope = task.bytes.subarray(start, end);
    start = end;
    leafHashes.set(leafHash(envelope), HASH_SIZE * offset);
    try {
      const opened = openEnvelope(envelope, { network: task.network, maxBytes: task.maxEntryBytes });
      const { object, kind, signer, time } = opened.entry;
      addEntryRecords(records, task.orgNo, task.firstIndex + offset, {
        id: opened.id,
        object,
        kind,
        signer,
        time,
      });
      if (opened.entry.org !== task.org)
        failures.push({
          offset,
          code: 'BLOCK_MALFORMED',
          message: `entry of org ${opened.entry.org} in ${task.org}'s log`,
        });
    } catch (error) {
      const e = error as { code?: string; message?: string };
      failures.push({ offset, code: e.code ?? 'INTERNAL', message: e.message ?? String(error) });
    }
  }
  return { seq: task.seq, leafHashes, failures, records: records.pack() };
}

parentPort?.on('message', (task: VerifyTask) => {
  const result = verifyEnvelopes(task);
  const { records } = result;
  parentPort?.postMessage(result, [
    result.leafHashes.buffer,
    records.bytes.buffer,
    records.ends.buffer,
    records.tables.buffer,
  ]);
});
