/**
 * Worker side of the node benchmarks: signs entry specs in bulk, and measures the raw Ed25519
 * verification bound of one core (node:crypto, cached KeyObject, an entry-sized message).
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { publicKeyFromSeed, signEntry } from '@liuhen/core';
import { draftEntry, type EntrySpec } from './node-entries.ts';

export type WorkerTask =
  | { type: 'sign'; seq: number; network: Uint8Array; org: string; seeds: Uint8Array[]; specs: EntrySpec[] }
  | { type: 'verify-bound'; seq: number; seed: Uint8Array; startAt: number; ms: number };

export type WorkerReply =
  | { type: 'sign'; seq: number; envelopes: Uint8Array[]; ids: Uint8Array[] }
  | { type: 'verify-bound'; seq: number; count: number; seconds: number };

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function signAll(task: Extract<WorkerTask, { type: 'sign' }>): WorkerReply {
  const signers = task.seeds.map((seed) => publicKeyFromSeed(seed));
  const envelopes: Uint8Array[] = [];
  const ids: Uint8Array[] = [];
  for (const spec of task.specs) {
    const signed = signEntry(
      draftEntry(task.network, task.org, signers[spec.operator] as Uint8Array, spec),
      task.seeds[spec.operator] as Uint8Array,
    );
    envelopes.push(signed.envelope);
    ids.push(signed.id);
  }
  return { type: 'sign', seq: task.seq, envelopes, ids };
}

/** Raw verifications for `ms`, starting at the shared wall-clock instant `startAt`. */
function verifyBound(task: Extract<WorkerTask, { type: 'verify-bound' }>): WorkerReply {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, task.seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const message = Buffer.alloc(420, 7);
  const signature = sign(null, message, privateKey);
  // Warm up, then wait for the common start so all cores are measured together.
  for (let i = 0; i < 200; i++) verify(null, message, publicKey, signature);
  while (Date.now() < task.startAt) {}
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < task.ms) {
    for (let i = 0; i < 50; i++) verify(null, message, publicKey, signature);
    count += 50;
  }
  return { type: 'verify-bound', seq: task.seq, count, seconds: (performance.now() - started) / 1000 };
}

parentPort?.on('message', (task: WorkerTask) => {
  parentPort?.postMessage(task.type === 'sign' ? signAll(task) : verifyBound(task));
});
