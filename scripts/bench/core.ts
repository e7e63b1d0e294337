/**
 * Core results: the raw Ed25519 bounds, entry sign/verify through the full codec, and Merkle
 * proofs at 1,000,000 leaves.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import {
  buildEntry,
  generateKeyPair,
  leafHash,
  MemoryMerkleTree,
  openEnvelope,
  sha256,
  signEntry,
  utf8,
  verifyInclusion,
} from '@liuhen/core';
import { type BenchResult, opsPerSecond, pairedOpsPerSecond, type Suite } from './harness.ts';

const network = sha256(utf8('bench network'));

function sampleEntry(signer: Uint8Array, i: number) {
  return buildEntry({
    network,
    org: 'contractor',
    object: `seg:SZ-WS${String(100000 + (i % 5000)).padStart(6, '0')}-WS${String(100001 + (i % 5000)).padStart(6, '0')}#1`,
    kind: 'construction.pipe-laid',
    parents: [sha256(utf8(`parent ${i}`))],
    time: 1_700_000_000_000 + i,
    signer,
    role: 'QI',
    body: {
      batch: 'B-2024-0117',
      chainage: [12.5, 18.5],
      axisOffsetMm: 8,
      invertDeviationMm: -4,
      stepMm: 1,
      dnMm: 600,
      material: 'HDPE double-wall corrugated',
    },
    attachments: [
      { sha256: sha256(utf8(`photo ${i}`)), size: 482113, type: 'image/jpeg', name: 'pipe-laid.jpg' },
    ],
  });
}

export const coreSuite: Suite = {
  names: [
    'bound.sign',
    'bound.verify',
    'core.entry.sign',
    'core.entry.verify',
    'core.merkle.prove',
    'core.merkle.verify',
  ],
  async run({ quick }) {
    const seconds = quick ? 0.5 : 2;
    const results: BenchResult[] = [];
    const { seed, publicKey } = generateKeyPair();

    // The bound: node:crypto alone, with cached KeyObjects, over a message of an entry's size.
    const privateKey = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const publicKeyObject = createPublicKey(privateKey);
    const message = Buffer.alloc(400, 7);
    const signature = sign(null, message, privateKey);
    const entries = Array.from({ length: 1024 }, (_, i) => sampleEntry(publicKey, i));
    const envelopes = entries.map((e) => signEntry(e, seed).envelope);
    let i = 0;
    // Each bound is measured in rounds alternating with what is judged against it.
    const signing = pairedOpsPerSecond(
      () => sign(null, message, privateKey),
      () => signEntry(entries[i++ & 1023] as never, seed),
      seconds * 2,
    );
    const verifying = pairedOpsPerSecond(
      () => verify(null, message, publicKeyObject, signature),
      () => openEnvelope(envelopes[i++ & 1023] as Uint8Array, { network }),
      seconds * 2,
    );
    results.push(
      { name: 'bound.sign', value: signing.bound, unit: 'ops/s' },
      { name: 'bound.verify', value: verifying.bound, unit: 'ops/s' },
      { name: 'core.entry.sign', value: signing.measured, unit: 'entries/s' },
      { name: 'core.entry.verify', value: verifying.measured, unit: 'entries/s' },
    );

    const size = 1_000_000;
    const tree = new MemoryMerkleTree();
    // 1,024 distinct leaves, hashed once; each slot still gets its own copy, as in a real tree.
    const leaves = envelopes.map((envelope) => leafHash(envelope));
    for (let n = 0; n < size; n++) tree.append((leaves[n & 1023] as Uint8Array).slice());
    const root = tree.root();
    let k = 0;
    const nextIndex = () => (k = (k * 7919 + 104729) % size);
    results.push({
      name: 'core.merkle.prove',
      value: await opsPerSecond(() => tree.inclusionProof(nextIndex(), size), seconds),
      unit: 'ops/s',
    });
    const proofs = Array.from({ length: 1024 }, () => {
      const index = nextIndex();
      return {
        index,
        proof: tree.inclusionProof(index, size),
        leaf: leaves[index & 1023] as Uint8Array,
      };
    });
    results.push({
      name: 'core.merkle.verify',
      value: await opsPerSecond(() => {
        const p = proofs[i++ & 1023] as (typeof proofs)[number];
        verifyInclusion(p.leaf, p.index, size, p.proof, root);
      }, seconds),
      unit: 'ops/s',
    });
    return results;
  },
};
