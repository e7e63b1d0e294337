import { describe, expect, it } from 'vitest';
import { type BlockHeader, cutBlock, emptyLogState, type LogState } from '../src/block.ts';
import { fromHex, utf8 } from '../src/bytes.ts';
import { publicKeyFromSeed } from '../src/ed25519.ts';
import { buildEntry, signEntry } from '../src/entry.ts';
import { failureCode } from '../src/errors.ts';
import { decodeFraudProof, encodeFraudProof, type FraudProof, verifyFraudProof } from '../src/fraud-proof.ts';
import { sha256 } from '../src/hash.ts';
import {
  assembleProof,
  consistencyProofPlan,
  leafHash,
  prefixProofPlan,
  prefixRoots,
  verifyConsistency,
} from '../src/merkle.ts';
import { MemoryMerkleTree } from '../src/merkle-tree.ts';

const network = sha256(utf8('fraud test'));
const nodeSeed = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
const nodeKey = publicKeyFromSeed(nodeSeed);
const operatorSeed = fromHex('c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7');

function envelope(label: string): Uint8Array {
  return signEntry(
    buildEntry({
      network,
      org: 'contractor',
      object: 'seg:1',
      kind: 'construction.joint-made',
      time: 1_700_000_000_000,
      signer: publicKeyFromSeed(operatorSeed),
      role: 'QI',
      body: { label },
    }),
    operatorSeed,
  ).envelope;
}

/** A log built from labels, one block per batch; returns every header and the Merkle tree. */
function log(batches: string[][]): { headers: BlockHeader[]; tree: MemoryMerkleTree } {
  let state: LogState = emptyLogState();
  const headers: BlockHeader[] = [];
  const tree = new MemoryMerkleTree();
  for (const [i, batch] of batches.entries()) {
    const envelopes = batch.map(envelope);
    for (const e of envelopes) tree.append(leafHash(e));
    const cut = cutBlock(state, envelopes, {
      network,
      org: 'contractor',
      seed: nodeSeed,
      time: 1_700_000_000_000 + i,
      governance: { seq: 0, hash: network },
    });
    state = cut.state;
    headers.push(cut.block.header);
  }
  return { headers, tree };
}

const prefixProof = (tree: MemoryMerkleTree, m: number, n: number) =>
  assembleProof(prefixProofPlan(m, n), (id) => tree.node(id));

describe('prefix proofs', () => {
  it('yield both roots for every pair of sizes, including powers of two', () => {
    const { tree } = log([Array.from({ length: 40 }, (_, i) => `e${i}`)]);
    for (let n = 2; n <= 40; n++) {
      for (let m = 1; m < n; m++) {
        const roots = prefixRoots(m, n, prefixProof(tree, m, n));
        expect(roots.root1).toEqual(tree.root(m));
        expect(roots.root2).toEqual(tree.root(n));
        // The prefix proof is the consistency proof with its head kept.
        verifyConsistency(
          m,
          n,
          assembleProof(consistencyProofPlan(m, n), (id) => tree.node(id)),
          tree.root(m),
          tree.root(n),
        );
      }
    }
  });
});

describe('fraud proofs', () => {
  const honest = log([['a', 'b', 'c'], ['d'], ['e', 'f']]);
  const forked = log([['a', 'b', 'c'], ['X'], ['e', 'f']]);
  const [h1, h2, h3] = honest.headers as [BlockHeader, BlockHeader, BlockHeader];
  const [, f2, f3] = forked.headers as [BlockHeader, BlockHeader, BlockHeader];

  it('shows a header fork: two different headers at one height', () => {
    expect(verifyFraudProof({ first: h2, second: f2, proof: [] }, nodeKey)).toBe('header-fork');
  });

  it('shows a same-size fork, whatever the heights', () => {
    // Same size, different roots, different heights: a log rewritten and re-chained.
    const rewritten = log([['a', 'b', 'c', 'Y']]).headers[0] as BlockHeader;
    expect(verifyFraudProof({ first: rewritten, second: h2, proof: [] }, nodeKey)).toBe('same-size');
    const later = log([
      ['a', 'b'],
      ['c', 'Y'],
    ]).headers[1] as BlockHeader;
    expect(later.size).toBe(h2.size);
    expect(verifyFraudProof({ first: later, second: h2, proof: [] }, nodeKey)).toBe('header-fork');
  });

  it('shows an inconsistent prefix between sizes, and survives its wire form', () => {
    const fraud: FraudProof = { first: h2, second: f3, proof: prefixProof(forked.tree, h2.size, f3.size) };
    expect(verifyFraudProof(fraud, nodeKey)).toBe('prefix');
    expect(verifyFraudProof(decodeFraudProof(encodeFraudProof(fraud)), nodeKey)).toBe('prefix');
  });

  it('refuses to call consistent checkpoints fraud', () => {
    const proof = prefixProof(honest.tree, h1.size, h3.size);
    expect(failureCode(() => verifyFraudProof({ first: h1, second: h3, proof }, nodeKey))).toBe(
      'FRAUD_PROOF_INVALID',
    );
    expect(failureCode(() => verifyFraudProof({ first: h3, second: h3, proof: [] }, nodeKey))).toBe(
      'FRAUD_PROOF_INVALID',
    );
  });

  it('refuses a proof that does not lead to the second root, or checkpoints under another key', () => {
    const proof = prefixProof(honest.tree, h2.size, h3.size);
    expect(failureCode(() => verifyFraudProof({ first: h2, second: f3, proof }, nodeKey))).toBe(
      'FRAUD_PROOF_INVALID',
    );
    const otherKey = publicKeyFromSeed(new Uint8Array(32).fill(7));
    expect(failureCode(() => verifyFraudProof({ first: h2, second: f2, proof: [] }, otherKey))).toBe(
      'FRAUD_PROOF_INVALID',
    );
  });

  it('decodes only well-formed proofs, with a typed error', () => {
    const bytes = encodeFraudProof({ first: h2, second: f2, proof: [] });
    for (let i = 0; i < bytes.length; i += 11) {
      const bad = bytes.slice();
      bad[i] = (bad[i] as number) ^ 0x20;
      const code = failureCode(() => verifyFraudProof(decodeFraudProof(bad), nodeKey));
      expect(['FRAUD_PROOF_INVALID', 'header-fork']).toContain(code === 'ok' ? 'header-fork' : code);
    }
  });
});
