import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8 } from '../src/bytes.ts';
import { type ErrorCode, LiuhenError } from '../src/errors.ts';
import { sha256 } from '../src/hash.ts';
import {
  assembleProof,
  consistencyProofPlan,
  EMPTY_ROOT,
  foldNodes,
  inclusionProofPlan,
  leafHash,
  MAX_TREE_SIZE,
  MerkleFrontier,
  type NodeId,
  nodeHash,
  type ProofPlan,
  planNodes,
  rootFromLeafHashes,
  rootPlan,
  verifyConsistency,
  verifyInclusion,
} from '../src/merkle.ts';
import { MemoryMerkleTree } from '../src/merkle-tree.ts';
import * as V from './merkle-vectors.ts';

// ---------------------------------------------------------------------------------------------
// Reference: RFC 6962 §2.1 transcribed literally, over leaf ranges [lo, hi), sharing nothing with
// the implementation but SHA-256.

type Range = readonly [number, number];

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** PATH(m, D[lo:hi]) as the ranges whose MTH the proof lists. */
function refPath(m: number, lo: number, hi: number): Range[] {
  if (hi - lo === 1) return [];
  const k = split(hi - lo);
  return m < k ? [...refPath(m, lo, lo + k), [lo + k, hi]] : [...refPath(m - k, lo + k, hi), [lo, lo + k]];
}

/** SUBPROOF(m, D[lo:hi], b) as ranges. */
function refSubproof(m: number, lo: number, hi: number, b: boolean): Range[] {
  if (m === hi - lo) return b ? [] : [[lo, hi]];
  const k = split(hi - lo);
  return m <= k
    ? [...refSubproof(m, lo, lo + k, b), [lo + k, hi]]
    : [...refSubproof(m - k, lo + k, hi, false), [lo, lo + k]];
}

const refProof = (m: number, n: number): Range[] => refSubproof(m, 0, n, true);

const refLeaf = (data: Uint8Array) => sha256(concatBytes(Uint8Array.of(0), data));
const refNode = (l: Uint8Array, r: Uint8Array) => sha256(concatBytes(Uint8Array.of(1), l, r));

/** MTH over real leaf hashes, memoised by range (MTH of a range never changes). */
function mthOf(leaves: readonly Uint8Array[]): (range: Range) => Uint8Array {
  const memo = new Map<string, Uint8Array>();
  const mth = ([lo, hi]: Range): Uint8Array => {
    if (hi - lo === 0) return sha256(new Uint8Array(0));
    if (hi - lo === 1) return leaves[lo] as Uint8Array;
    const key = `${lo}:${hi}`;
    let h = memo.get(key);
    if (h === undefined) {
      const k = split(hi - lo);
      h = refNode(mth([lo, lo + k]), mth([lo + k, hi]));
      memo.set(key, h);
    }
    return h;
  };
  return mth;
}

// A tree whose leaves all hash to U: MTH of a range depends only on its length, so references
// for sizes near 2^53 cost O(log n).
const U = refLeaf(utf8('uniform'));
const uniformMemo = new Map<number, Uint8Array>([[1, U]]);
function uniformMth(n: number): Uint8Array {
  let h = uniformMemo.get(n);
  if (h === undefined) {
    const k = split(n);
    h = refNode(uniformMth(k), uniformMth(n - k));
    uniformMemo.set(n, h);
  }
  return h;
}
const uniformRange = ([lo, hi]: Range) => uniformMth(hi - lo);
const uniformLookup = (id: NodeId) => uniformMth(2 ** id.level);

// ---------------------------------------------------------------------------------------------
// Helpers

const hex = (hashes: readonly Uint8Array[]) => hashes.map(toHex);
const bytes = (hexes: readonly string[]) => hexes.map(fromHex);
const ids = (plan: V.PlanVector): ProofPlan =>
  plan.map((nodes) => nodes.map(([level, index]) => ({ level, index })));

/** The leaf range each plan entry covers, checking its nodes are perfect and contiguous. */
function planRanges(plan: ProofPlan): Range[] {
  return plan.map((nodes) => {
    let end: number | undefined;
    let start = 0;
    for (const { level, index } of nodes) {
      const lo = index * 2 ** level;
      if (end === undefined) start = lo;
      else expect(lo).toBe(end);
      end = lo + 2 ** level;
    }
    expect(end).toBeDefined();
    return [start, end as number];
  });
}

type Outcome = ErrorCode | 'ok' | 'foreign';
function outcome(run: () => void): Outcome {
  try {
    run();
    return 'ok';
  } catch (error) {
    return error instanceof LiuhenError ? error.code : 'foreign';
  }
}

/** Calls `f` with arguments its types forbid. */
// biome-ignore lint/suspicious/noExplicitAny: the point is to break the types.
const loose = (f: (...args: any[]) => void, ...args: unknown[]): Outcome => outcome(() => f(...args));

/** The code a well-formed rejection must carry, derived from the plan (not from the verifier). */
function expectedInclusion(index: number, size: number, proof: readonly Uint8Array[]): ErrorCode {
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(index) || index < 0 || index >= size) {
    return 'RANGE_INVALID';
  }
  if (proof.some((p) => p.length !== 32) || proof.length !== inclusionProofPlan(index, size).length) {
    return 'PROOF_MALFORMED';
  }
  return 'PROOF_INVALID';
}

function expectedConsistency(size1: number, size2: number, proof: readonly Uint8Array[]): ErrorCode {
  if (size1 < 0 || size2 < 0 || size1 > size2) return 'RANGE_INVALID';
  if (proof.some((p) => p.length !== 32) || proof.length !== consistencyProofPlan(size1, size2).length) {
    return 'PROOF_MALFORMED';
  }
  return 'PROOF_INVALID';
}

function flipBit(proof: readonly Uint8Array[], element: number, bit: number): Uint8Array[] {
  const copy = proof.map((p) => p.slice());
  const target = copy[element] as Uint8Array;
  target[bit >> 3] = (target[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

// A shared tree of distinct leaves: distinct, so a proof for one position cannot pass for another.
const N = 2048;
const LEAVES = Array.from({ length: N }, (_, i) => refLeaf(utf8(`leaf ${i}`)));
const TREE = new MemoryMerkleTree();
for (const leaf of LEAVES) TREE.append(leaf);
const mth = mthOf(LEAVES);

const sizeAndIndex = fc
  .integer({ min: 1, max: N })
  .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));
const sizePair = fc
  .integer({ min: 1, max: N })
  .chain((size2) => fc.tuple(fc.integer({ min: 1, max: size2 }), fc.constant(size2)));
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

// Sizes across the whole safe range, weighted towards powers of two and their neighbours, where
// 32-bit truncation and off-by-one errors show.
const hugeSize = fc.oneof(
  fc.integer({ min: 1, max: MAX_TREE_SIZE }),
  fc
    .tuple(fc.integer({ min: 0, max: 53 }), fc.integer({ min: -2, max: 2 }))
    .map(([k, d]) => Math.min(MAX_TREE_SIZE, Math.max(1, 2 ** k + d))),
);
const below = (n: number) => fc.oneof(fc.integer({ min: 0, max: n - 1 }), fc.constantFrom(0, n - 1));

// ---------------------------------------------------------------------------------------------

describe('RFC 6962 vectors (transparency-dev/merkle)', () => {
  const leaves = V.LEAF_INPUTS.map((h) => leafHash(fromHex(h)));
  const tree = new MemoryMerkleTree();
  for (const input of V.LEAF_INPUTS) tree.appendLeaf(fromHex(input));

  it('hashes leaves, nodes and the empty tree', () => {
    expect(toHex(EMPTY_ROOT)).toBe(V.EMPTY_ROOT_HEX);
    expect(hex(leaves)).toEqual(V.NODE_HASHES[0]);
    V.NODE_HASHES.forEach((row, level) => {
      row.forEach((h, index) => {
        if (level > 0) {
          const children = V.NODE_HASHES[level - 1] as readonly string[];
          expect(
            toHex(
              nodeHash(fromHex(children[2 * index] as string), fromHex(children[2 * index + 1] as string)),
            ),
          ).toBe(h);
        }
        expect(toHex(tree.node({ level, index }))).toBe(h);
      });
    });
  });

  it('computes the root of every size 0..8, three ways', () => {
    V.ROOTS.forEach((root, size) => {
      expect(toHex(rootFromLeafHashes(leaves.slice(0, size)))).toBe(root);
      expect(toHex(tree.root(size))).toBe(root);
      const node = (id: NodeId) =>
        fromHex((V.NODE_HASHES[id.level] as readonly string[])[id.index] as string);
      expect(toHex(foldNodes(rootPlan(size).map(node)))).toBe(root);
    });
  });

  it('keeps the published compact range after each append', () => {
    const frontier = MerkleFrontier.empty();
    V.COMPACT_TREES.forEach((compact, size) => {
      const want = compact.map(([level, index]) => (V.NODE_HASHES[level] as readonly string[])[index]);
      expect(frontier.size).toBe(size);
      expect(hex(frontier.nodes())).toEqual(want);
      expect(rootPlan(size).map(({ level, index }) => [level, index])).toEqual(compact);
      expect(toHex(frontier.root())).toBe(V.ROOTS[size]);
      if (size < leaves.length) {
        for (const node of frontier.append(leaves[size] as Uint8Array)) {
          expect(toHex(node.hash)).toBe((V.NODE_HASHES[node.level] as readonly string[])[node.index]);
        }
      }
    });
  });

  it.each(V.INCLUSION_PROOFS)('inclusion proof for leaf $index of $size', ({ index, size, proof }) => {
    expect(hex(tree.inclusionProof(index, size))).toEqual(proof);
    verifyInclusion(leaves[index] as Uint8Array, index, size, bytes(proof), fromHex(V.ROOTS[size] as string));
  });

  it.each(V.CONSISTENCY_PROOFS)('consistency proof $size1 -> $size2', ({ size1, size2, proof }) => {
    expect(hex(tree.consistencyProof(size1, size2))).toEqual(proof);
    const root1 = fromHex(V.ROOTS[size1] as string);
    verifyConsistency(size1, size2, bytes(proof), root1, fromHex(V.ROOTS[size2] as string));
  });

  it('plans the published inclusion and consistency node lists', () => {
    for (const { index, size, plan } of V.INCLUSION_PLANS)
      expect(inclusionProofPlan(index, size)).toEqual(ids(plan));
    for (const { size1, size2, plan } of V.CONSISTENCY_PLANS) {
      expect(consistencyProofPlan(size1, size2)).toEqual(ids(plan));
    }
    for (const [index, size] of V.BAD_INCLUSION_PARAMS) {
      expect(outcome(() => inclusionProofPlan(index, size))).toBe('RANGE_INVALID');
    }
    for (const [size1, size2] of V.BAD_CONSISTENCY_PARAMS) {
      expect(outcome(() => consistencyProofPlan(size1, size2))).toBe('RANGE_INVALID');
    }
  });

  // The probes of proof/verify_test.go (corruptInclusionProof / corruptConsistencyProof), each
  // with the exact code it must now produce.
  it.each(V.INCLUSION_PROOFS.filter((v) => v.size > 1))(
    'rejects corruptions of inclusion $index/$size',
    (v) => {
      const leaf = leaves[v.index] as Uint8Array;
      const root = fromHex(V.ROOTS[v.size] as string);
      const proof = bytes(v.proof);
      const some = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
      const probes: [number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
        [v.index - 1, v.size, leaf, proof, root],
        [v.index + 1, v.size, leaf, proof, root],
        [v.index ^ 2, v.size, leaf, proof, root],
        [v.index, v.size * 2, leaf, proof, root],
        [v.index, Math.floor(v.size / 2), leaf, proof, root],
        [v.index, v.size, some, proof, root],
        [v.index, v.size, leaf, proof, EMPTY_ROOT],
        [v.index, v.size, leaf, proof, some],
        [v.index, v.size, leaf, [...proof, root], root],
        [v.index, v.size, leaf, [root, ...proof], root],
        [v.index, v.size, leaf, [...proof, new Uint8Array(0)], root],
        [v.index, v.size, leaf, proof.slice(0, -1), root],
        [v.index, v.size, leaf, [proof[0] as Uint8Array, some, ...proof.slice(1)], root],
        ...proof.map((_, i): [number, number, Uint8Array, Uint8Array[], Uint8Array] => [
          v.index,
          v.size,
          leaf,
          flipBit(proof, i, 3),
          root,
        ]),
      ];
      for (const [index, size, h, p, r] of probes) {
        expect(outcome(() => verifyInclusion(h, index, size, p, r))).toBe(expectedInclusion(index, size, p));
      }
    },
  );

  it.each(V.CONSISTENCY_PROOFS.filter((v) => v.proof.length > 0))(
    'rejects corruptions of consistency $size1 -> $size2',
    (v) => {
      const root1 = fromHex(V.ROOTS[v.size1] as string);
      const root2 = fromHex(V.ROOTS[v.size2] as string);
      const proof = bytes(v.proof);
      const probes: [number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        [v.size1 - 1, v.size2, proof, root1, root2],
        [v.size1 + 1, v.size2, proof, root1, root2],
        [v.size1 ^ 2, v.size2, proof, root1, root2],
        [v.size1, v.size2 * 2, proof, root1, root2],
        [v.size1, Math.floor(v.size2 / 2), proof, root1, root2],
        [v.size1, v.size2, proof, root2, root2],
        [v.size1, v.size2, proof, root1, root1],
        [v.size1, v.size2, proof, root2, root1],
        [v.size1, v.size2, [], root1, root2],
        [v.size1, v.size2, [...proof, root1], root1, root2],
        [v.size1, v.size2, [root2, ...proof], root1, root2],
        [v.size1, v.size2, [proof[0] as Uint8Array, ...proof], root1, root2],
        [v.size1, v.size2, proof.slice(0, -1), root1, root2],
        ...proof.map((_, i): [number, number, Uint8Array[], Uint8Array, Uint8Array] => [
          v.size1,
          v.size2,
          flipBit(proof, i, 4),
          root1,
          root2,
        ]),
      ];
      for (const [size1, size2, p, r1, r2] of probes) {
        expect(outcome(() => verifyConsistency(size1, size2, p, r1, r2))).toBe(
          expectedConsistency(size1, size2, p),
        );
      }
    },
  );
});

describe('edge cases of the verifiers', () => {
  const some = leafHash(utf8('some'));

  it('treats a one-leaf tree as its leaf', () => {
    verifyInclusion(some, 0, 1, [], some);
    expect(outcome(() => verifyInclusion(some, 0, 1, [], EMPTY_ROOT))).toBe('PROOF_INVALID');
    expect(outcome(() => verifyInclusion(some, 0, 1, [some], some))).toBe('PROOF_MALFORMED');
    expect(outcome(() => verifyInclusion(new Uint8Array(0), 0, 1, [], some))).toBe('PROOF_MALFORMED');
    expect(outcome(() => verifyInclusion(some, 0, 0, [], EMPTY_ROOT))).toBe('RANGE_INVALID');
    expect(outcome(() => verifyInclusion(some, 1, 1, [], some))).toBe('RANGE_INVALID');
  });

  it('needs an empty proof and equal roots for equal sizes', () => {
    verifyConsistency(5, 5, [], some, some);
    expect(outcome(() => verifyConsistency(5, 5, [], some, EMPTY_ROOT))).toBe('PROOF_INVALID');
    expect(outcome(() => verifyConsistency(5, 5, [some], some, some))).toBe('PROOF_MALFORMED');
    expect(outcome(() => verifyConsistency(6, 5, [], some, some))).toBe('RANGE_INVALID');
  });

  it('accepts growth from the empty tree only from EMPTY_ROOT and with an empty proof', () => {
    verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT);
    verifyConsistency(0, 7, [], EMPTY_ROOT, some);
    expect(TREE.consistencyProof(0, 7)).toEqual([]);
    expect(outcome(() => verifyConsistency(0, 7, [], some, some))).toBe('PROOF_INVALID');
    expect(outcome(() => verifyConsistency(0, 0, [], EMPTY_ROOT, some))).toBe('PROOF_INVALID');
    expect(outcome(() => verifyConsistency(0, 7, [some], EMPTY_ROOT, some))).toBe('PROOF_MALFORMED');
  });

  it('rejects an empty proof between different sizes (RFC 9162 §2.1.4.2 step 1)', () => {
    expect(outcome(() => verifyConsistency(4, 8, [], some, some))).toBe('PROOF_MALFORMED');
    expect(outcome(() => verifyConsistency(3, 8, [], some, some))).toBe('PROOF_MALFORMED');
  });

  it('rejects sizes and indices that are not integers in [0, 2^53) as RANGE_INVALID', () => {
    const bad: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5, 2 ** 53, 2 ** 64, '3', 3n, null];
    for (const x of bad) {
      expect(loose(verifyInclusion, some, x, 2 ** 60, [], some)).toBe('RANGE_INVALID');
      expect(loose(verifyInclusion, some, 0, x, [], some)).toBe('RANGE_INVALID');
      expect(loose(verifyConsistency, x, 2 ** 60, [], some, some)).toBe('RANGE_INVALID');
      expect(loose(verifyConsistency, 1, x, [], some, some)).toBe('RANGE_INVALID');
      expect(loose(inclusionProofPlan, 0, x)).toBe('RANGE_INVALID');
      expect(loose(consistencyProofPlan, 0, x)).toBe('RANGE_INVALID');
      expect(loose(rootPlan, x)).toBe('RANGE_INVALID');
    }
  });

  it('rejects a proof that is not an array as PROOF_MALFORMED', () => {
    const bad: unknown[] = [null, undefined, {}, 'abc', 42, { length: 2 ** 32 }, some, new Set([some])];
    for (const proof of bad) {
      expect(loose(verifyInclusion, some, 0, 1, proof, some)).toBe('PROOF_MALFORMED');
      expect(loose(verifyInclusion, some, 0, 2, proof, some)).toBe('PROOF_MALFORMED');
      expect(loose(verifyConsistency, 3, 3, proof, some, some)).toBe('PROOF_MALFORMED');
      expect(loose(verifyConsistency, 2, 3, proof, some, some)).toBe('PROOF_MALFORMED');
    }
  });

  it('survives garbage of every type', () => {
    const anything = fc.anything({ withTypedArray: true, withBigInt: true, withNullPrototype: true });
    const size = fc.oneof(
      anything,
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, -0, 0.5, 2 ** 53, 2 ** 64, MAX_TREE_SIZE),
      fc.integer({ min: 0, max: 64 }),
    );
    const hash = fc.oneof(anything, fc.uint8Array({ maxLength: 40 }), hash32);
    const proof = fc.oneof(anything, fc.array(hash, { maxLength: 70 }), fc.array(hash32, { maxLength: 70 }));
    // 'ok' is possible (a one-leaf tree whose root is the leaf); anything but a LiuhenError is not.
    const codes = new Set<Outcome>(['ok', 'RANGE_INVALID', 'PROOF_MALFORMED', 'PROOF_INVALID']);
    fc.assert(
      fc.property(hash, size, size, proof, hash, (h, a, b, p, r) => {
        expect(codes.has(loose(verifyInclusion, h, a, b, p, r))).toBe(true);
        expect(codes.has(loose(verifyConsistency, a, b, p, h, r))).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  it('does not walk a huge sparse proof', () => {
    const sparse = new Array<Uint8Array>(2 ** 32 - 1);
    expect(outcome(() => verifyInclusion(some, 0, 2, sparse, some))).toBe('PROOF_MALFORMED');
    expect(outcome(() => verifyConsistency(1, 2, sparse, some, some))).toBe('PROOF_MALFORMED');
  });
});

describe('proofs against the RFC 6962 definition', () => {
  it('plans and assembles PATH(m, D[n]), and the proof verifies', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([size, index]) => {
        const plan = inclusionProofPlan(index, size);
        const want = refPath(index, 0, size);
        expect(planRanges(plan)).toEqual(want);
        const proof = TREE.inclusionProof(index, size);
        expect(hex(proof)).toEqual(hex(want.map(mth)));
        expect(hex(assembleProof(plan, (id) => TREE.node(id)))).toEqual(hex(proof));
        verifyInclusion(LEAVES[index] as Uint8Array, index, size, proof, mth([0, size]));
      }),
      { numRuns: 300 },
    );
  });

  it('plans and assembles PROOF(m, D[n]), and the proof verifies', () => {
    fc.assert(
      fc.property(sizePair, ([size1, size2]) => {
        const plan = consistencyProofPlan(size1, size2);
        const want = refProof(size1, size2);
        expect(planRanges(plan)).toEqual(want);
        const proof = TREE.consistencyProof(size1, size2);
        expect(hex(proof)).toEqual(hex(want.map(mth)));
        expect(hex(assembleProof(plan, (id) => TREE.node(id)))).toEqual(hex(proof));
        verifyConsistency(size1, size2, proof, mth([0, size1]), mth([0, size2]));
      }),
      { numRuns: 300 },
    );
  });

  it('lists each node of a plan once', () => {
    fc.assert(
      fc.property(sizePair, ([size1, size2]) => {
        for (const plan of [consistencyProofPlan(size1, size2), inclusionProofPlan(size1 - 1, size2)]) {
          const flat = plan.flat();
          const unique = planNodes(plan);
          expect(unique.length).toBeLessThanOrEqual(flat.length);
          expect(new Set(unique.map((id) => `${id.level}/${id.index}`)).size).toBe(unique.length);
          for (const id of flat) expect(unique).toContainEqual(id);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('matches the definition for sizes up to 2^53 - 1', () => {
    fc.assert(
      fc.property(
        hugeSize.chain((size) => fc.tuple(fc.constant(size), below(size))),
        ([size, index]) => {
          const plan = inclusionProofPlan(index, size);
          const want = refPath(index, 0, size);
          expect(planRanges(plan)).toEqual(want);
          const proof = assembleProof(plan, uniformLookup);
          expect(hex(proof)).toEqual(hex(want.map(uniformRange)));
          verifyInclusion(U, index, size, proof, uniformMth(size));
          expect(toHex(foldNodes(rootPlan(size).map(uniformLookup)))).toBe(toHex(uniformMth(size)));

          const size1 = index + 1;
          const cplan = consistencyProofPlan(size1, size);
          const cwant = refProof(size1, size);
          expect(planRanges(cplan)).toEqual(cwant);
          const cproof = assembleProof(cplan, uniformLookup);
          expect(hex(cproof)).toEqual(hex(cwant.map(uniformRange)));
          verifyConsistency(size1, size, cproof, uniformMth(size1), uniformMth(size));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects every corrupted inclusion proof with the right code', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip'), element: fc.nat(), bit: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('index'), to: fc.integer({ min: -2, max: N + 2 }) }),
      fc.record({ kind: fc.constant('size'), to: fc.constantFrom(2, 0.5) }),
      fc.record({ kind: fc.constant('truncate') }),
      fc.record({ kind: fc.constant('extend'), extra: fc.uint8Array({ minLength: 0, maxLength: 40 }) }),
      fc.record({ kind: fc.constant('prepend'), extra: hash32 }),
      fc.record({ kind: fc.constant('root'), to: hash32 }),
      fc.record({ kind: fc.constant('leaf'), to: hash32 }),
    );
    fc.assert(
      fc.property(sizeAndIndex, mutation, ([size, index], m) => {
        const proof = TREE.inclusionProof(index, size);
        let [i, n, p, leaf, root] = [index, size, proof, LEAVES[index] as Uint8Array, mth([0, size])];
        let code: ErrorCode = 'PROOF_INVALID';
        if (m.kind === 'flip') {
          if (proof.length === 0) return;
          p = flipBit(proof, m.element % proof.length, m.bit);
        } else if (m.kind === 'index') {
          if (m.to === index) return;
          i = m.to;
          code = expectedInclusion(i, n, p);
        } else if (m.kind === 'size') {
          n = Math.floor(size * m.to);
          code = expectedInclusion(i, n, p);
          expect(code).not.toBe('PROOF_INVALID');
        } else if (m.kind === 'truncate') {
          if (proof.length === 0) return;
          p = proof.slice(0, -1);
          code = 'PROOF_MALFORMED';
        } else if (m.kind === 'extend') {
          p = [...proof, m.extra];
          code = 'PROOF_MALFORMED';
        } else if (m.kind === 'prepend') {
          p = [m.extra, ...proof];
          code = 'PROOF_MALFORMED';
        } else if (m.kind === 'root') {
          root = m.to;
        } else {
          leaf = m.to;
        }
        expect(outcome(() => verifyInclusion(leaf, i, n, p, root))).toBe(code);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every corrupted consistency proof with the right code', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip'), element: fc.nat(), bit: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('size1'), to: fc.integer({ min: 1, max: N }) }),
      fc.record({ kind: fc.constant('size2'), to: fc.constantFrom(2, 0.5) }),
      fc.record({ kind: fc.constant('truncate') }),
      fc.record({ kind: fc.constant('extend'), extra: fc.uint8Array({ minLength: 0, maxLength: 40 }) }),
      fc.record({ kind: fc.constant('prepend'), extra: hash32 }),
      fc.record({ kind: fc.constant('root1'), to: hash32 }),
      fc.record({ kind: fc.constant('root2'), to: hash32 }),
    );
    fc.assert(
      fc.property(sizePair, mutation, ([size1, size2], m) => {
        const proof = TREE.consistencyProof(size1, size2);
        let [n1, n2, p, root1, root2] = [size1, size2, proof, mth([0, size1]), mth([0, size2])];
        let code: ErrorCode = 'PROOF_INVALID';
        if (m.kind === 'flip') {
          if (proof.length === 0) return;
          p = flipBit(proof, m.element % proof.length, m.bit);
        } else if (m.kind === 'size1') {
          if (m.to === size1) return;
          n1 = m.to;
          code = expectedConsistency(n1, n2, p);
        } else if (m.kind === 'size2') {
          n2 = Math.floor(size2 * m.to);
          code = expectedConsistency(n1, n2, p);
        } else if (m.kind === 'truncate') {
          if (proof.length === 0) return;
          p = proof.slice(0, -1);
          code = 'PROOF_MALFORMED';
        } else if (m.kind === 'extend') {
          p = [...proof, m.extra];
          code = 'PROOF_MALFORMED';
        } else if (m.kind === 'prepend') {
          p = [m.extra, ...proof];
          code = 'PROOF_MALFORMED';
        } else if (m.kind === 'root1') {
          root1 = m.to;
        } else {
          root2 = m.to;
        }
        expect(outcome(() => verifyConsistency(n1, n2, p, root1, root2))).toBe(code);
      }),
      { numRuns: 500 },
    );
  });
});

describe('MerkleFrontier', () => {
  it('has the root of every prefix and reports each completed node', () => {
    let frontier = MerkleFrontier.empty();
    for (let size = 0; size <= N; size++) {
      expect(frontier.size).toBe(size);
      expect(toHex(frontier.root())).toBe(toHex(mth([0, size])));
      expect(hex(frontier.nodes())).toEqual(hex(rootPlan(size).map((id) => TREE.node(id))));
      if (size === N) break;
      if (size % 97 === 0) frontier = MerkleFrontier.fromNodes(size, frontier.nodes());
      for (const node of frontier.append(LEAVES[size] as Uint8Array)) {
        expect(node.index).toBe(Math.floor(size / 2 ** node.level));
        expect((node.index + 1) * 2 ** node.level).toBe(size + 1);
        expect(toHex(node.hash)).toBe(toHex(TREE.node(node)));
      }
    }
    expect(toHex(rootFromLeafHashes(LEAVES))).toBe(toHex(mth([0, N])));
  });

  it('appends correctly at sizes up to 2^53 - 1', () => {
    fc.assert(
      fc.property(
        hugeSize.filter((size) => size < MAX_TREE_SIZE),
        (size) => {
          const frontier = MerkleFrontier.fromNodes(size, rootPlan(size).map(uniformLookup));
          expect(toHex(frontier.root())).toBe(toHex(uniformMth(size)));
          const completed = frontier.append(U);
          expect(completed.map(({ level, index }) => [level, index])).toEqual(
            completed.map((_, level) => [level, Math.floor(size / 2 ** level)]),
          );
          expect(toHex(frontier.root())).toBe(toHex(uniformMth(size + 1)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps clones and returned hashes independent', () => {
    const frontier = MerkleFrontier.empty();
    for (const node of frontier.append(LEAVES[0] as Uint8Array)) node.hash.fill(0);
    const copy = frontier.clone();
    copy.append(LEAVES[1] as Uint8Array);
    expect(frontier.size).toBe(1);
    expect(toHex(frontier.root())).toBe(toHex(mth([0, 1])));
    (frontier.nodes()[0] as Uint8Array).fill(0);
    frontier.root().fill(0);
    MerkleFrontier.empty().root().fill(0);
    expect(toHex(frontier.root())).toBe(toHex(mth([0, 1])));
    expect(toHex(copy.root())).toBe(toHex(mth([0, 2])));
    expect(toHex(EMPTY_ROOT)).toBe(V.EMPTY_ROOT_HEX);
  });

  it('rejects a frontier of the wrong shape', () => {
    const one = LEAVES[0] as Uint8Array;
    expect(outcome(() => MerkleFrontier.fromNodes(3, [one]))).toBe('PROOF_MALFORMED');
    expect(outcome(() => MerkleFrontier.fromNodes(1, [new Uint8Array(31)]))).toBe('PROOF_MALFORMED');
    expect(outcome(() => MerkleFrontier.fromNodes(-1, []))).toBe('RANGE_INVALID');
    expect(outcome(() => MerkleFrontier.empty().append(new Uint8Array(33)))).toBe('PROOF_MALFORMED');
    const full = MerkleFrontier.fromNodes(MAX_TREE_SIZE, rootPlan(MAX_TREE_SIZE).map(uniformLookup));
    expect(outcome(() => full.append(U))).toBe('RANGE_INVALID');
  });
});

describe('MemoryMerkleTree', () => {
  it('answers roots for every historical size', () => {
    expect(TREE.size).toBe(N);
    for (let size = 0; size <= N; size++) expect(toHex(TREE.root(size))).toBe(toHex(mth([0, size])));
    expect(toHex(TREE.root())).toBe(toHex(mth([0, N])));
  });

  it('defaults proofs to the current size', () => {
    const tree = new MemoryMerkleTree();
    for (let i = 0; i < 13; i++) tree.appendLeaf(utf8(`leaf ${i}`));
    expect(hex(tree.inclusionProof(4))).toEqual(hex(tree.inclusionProof(4, 13)));
    expect(hex(tree.consistencyProof(5))).toEqual(hex(tree.consistencyProof(5, 13)));
    expect(toHex(tree.root())).toBe(toHex(tree.root(13)));
  });

  it('rejects sizes and nodes it does not hold', () => {
    expect(outcome(() => TREE.root(N + 1))).toBe('RANGE_INVALID');
    expect(outcome(() => TREE.root(-1))).toBe('RANGE_INVALID');
    expect(outcome(() => TREE.inclusionProof(N))).toBe('RANGE_INVALID');
    expect(outcome(() => TREE.inclusionProof(0, N + 1))).toBe('RANGE_INVALID');
    expect(outcome(() => TREE.consistencyProof(3, N + 1))).toBe('RANGE_INVALID');
    expect(outcome(() => TREE.consistencyProof(4, 3))).toBe('RANGE_INVALID');
    expect(outcome(() => TREE.node({ level: 0, index: N }))).toBe('RANGE_INVALID');
    expect(outcome(() => TREE.node({ level: 11, index: 1 }))).toBe('RANGE_INVALID');
    expect(outcome(() => TREE.node({ level: 0.5, index: 0 }))).toBe('RANGE_INVALID');
    expect(outcome(() => TREE.node({ level: 0, index: -1 }))).toBe('RANGE_INVALID');
    expect(outcome(() => new MemoryMerkleTree().append(new Uint8Array(31)))).toBe('PROOF_MALFORMED');
    expect(toHex(TREE.node({ level: 11, index: 0 }))).toBe(toHex(mth([0, N])));
  });

  it('hands out copies, never views of its storage', () => {
    const tree = new MemoryMerkleTree();
    for (let i = 0; i < 3; i++) tree.append(LEAVES[i] as Uint8Array);
    const root = toHex(tree.root());
    tree.node({ level: 1, index: 0 }).fill(0);
    tree.node({ level: 0, index: 2 }).fill(0);
    for (const p of tree.inclusionProof(2)) p.fill(0);
    tree.root(2).fill(0);
    tree.root(1).fill(0);
    tree.root(0).fill(0);
    expect(toHex(tree.root())).toBe(root);
    expect(toHex(EMPTY_ROOT)).toBe(V.EMPTY_ROOT_HEX);
  });
});
