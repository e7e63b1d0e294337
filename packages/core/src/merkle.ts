/**
 * RFC 6962 §2.1 Merkle trees: tree hash, audit paths (PATH) and consistency proofs (PROOF), with
 * verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2.
 *
 * Sizes and indices are JS numbers up to MAX_TREE_SIZE (2^53 - 1). Index arithmetic divides and
 * multiplies by powers of two, which is exact over that whole range; the bitwise operators and
 * Math.clz32 truncate to 32 bits and are never used on indices.
 *
 * Storage model: a perfect node {level, index} is the root of the 2^level leaves starting at
 * index * 2^level. Once complete it never changes, so a store writes it once. Every other hash
 * (a root, a proof element on the right edge) covers a range [start, end) whose start is aligned
 * to its largest power of two, and is the right fold of that range's perfect nodes, largest first.
 */
import { concatBytes, equalBytes } from './bytes.ts';
import { LiuhenError } from './errors.ts';
import { HASH_SIZE, sha256 } from './hash.ts';

export const MAX_TREE_SIZE: number = Number.MAX_SAFE_INTEGER;

/** Domain separation (RFC 6962 §2.1): a leaf can never be mistaken for an interior node. */
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH({}) = SHA-256(""). Shared: copy it before handing it to code that may write to it. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

export function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, leaf));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

/** A perfect subtree: the root of leaves [index * 2^level, (index + 1) * 2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

export interface PerfectNode extends NodeId {
  readonly hash: Uint8Array;
}

/**
 * One entry per proof element, in proof order: the perfect nodes, left to right, whose
 * `foldNodes` is that element. Most entries are a single node; only a right-edge sibling that
 * extends past the tree size is split.
 */
export type ProofPlan = readonly (readonly NodeId[])[];

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

function isSize(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && !isOdd(n)) n = half(n);
  return n === 1;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

function requireSize(n: number): void {
  if (!isSize(n)) throw new LiuhenError('RANGE_INVALID', 'a tree size must be an integer in [0, 2^53)');
}

function requireHash(value: Uint8Array): void {
  if (!isHash(value)) throw new LiuhenError('PROOF_MALFORMED', `a hash must be ${HASH_SIZE} bytes`);
}

/**
 * The hash of the range whose perfect nodes, left to right, have these hashes: MTH of the range.
 * The empty list is the empty tree. Always returns a new array, so a result never aliases the
 * buffers of the store that supplied the inputs.
 */
export function foldNodes(hashes: readonly Uint8Array[]): Uint8Array {
  let i = hashes.length - 1;
  if (i < 0) return EMPTY_ROOT.slice();
  // RFC 6962 splits at the largest power of two, so the leftmost (largest) node pairs with the
  // hash of everything to its right: a right fold.
  let acc: Uint8Array = (hashes[i] as Uint8Array).slice();
  while (--i >= 0) acc = nodeHash(hashes[i] as Uint8Array, acc);
  return acc;
}

/** MTH(D[n]) from leaf hashes, in O(log n) memory. */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  const frontier = MerkleFrontier.empty();
  for (const hash of hashes) frontier.append(hash);
  return frontier.root();
}

/** Perfect nodes covering [start, end), largest first; start must be aligned to the largest. */
function edgeNodes(start: number, end: number): NodeId[] {
  let width = 1;
  let level = 0;
  while (width * 2 <= end - start) {
    width *= 2;
    level++;
  }
  const nodes: NodeId[] = [];
  for (let at = start; at < end; width /= 2, level--) {
    if (at + width > end) continue;
    nodes.push({ level, index: at / width });
    at += width;
  }
  return nodes;
}

/** The perfect nodes whose fold is the root of a tree of `size` leaves (none for the empty tree). */
export function rootPlan(size: number): NodeId[] {
  requireSize(size);
  return edgeNodes(0, size);
}

/**
 * Siblings of the path from perfect node {level, fn} up to the root of a tree of `size` leaves,
 * bottom-up. At each level fn is the path node and sn the last node; a path node that is the
 * last node and a left child has no sibling (RFC 6962 does not split there), so that level
 * contributes nothing, exactly as the RFC 9162 verifier consumes no element for it.
 */
function pathPlan(level: number, fn: number, size: number): NodeId[][] {
  const plan: NodeId[][] = [];
  let sn = Math.floor((size - 1) / 2 ** level);
  for (; sn > 0; level++, fn = half(fn), sn = half(sn)) {
    // (fn + 2) * width can pass 2^53 but stays exact: a safe integer times a power of two.
    const width = 2 ** level;
    if (isOdd(fn)) plan.push([{ level, index: fn - 1 }]);
    else if (fn < sn) plan.push(edgeNodes((fn + 1) * width, Math.min((fn + 2) * width, size)));
  }
  return plan;
}

/** RFC 6962 §2.1.1 PATH(index, D[size]). */
export function inclusionProofPlan(index: number, size: number): ProofPlan {
  requireSize(size);
  if (!isSize(index) || index >= size) throw new LiuhenError('RANGE_INVALID', 'leaf index is not below size');
  return pathPlan(0, index, size);
}

/**
 * RFC 6962 §2.1.2 PROOF(size1, D[size2]). Empty when size1 == size2, and when size1 == 0 (see
 * verifyConsistency).
 */
export function consistencyProofPlan(size1: number, size2: number): ProofPlan {
  requireSize(size1);
  requireSize(size2);
  if (size1 > size2) throw new LiuhenError('RANGE_INVALID', 'size1 is greater than size2');
  if (size1 === 0 || size1 === size2) return [];
  // {level, fn} is the largest perfect node ending at size1; the proof is that node followed by
  // its path in the larger tree. When the node is the whole old tree, its hash is root1, which
  // the verifier already holds, so RFC 6962 leaves it out.
  let level = 0;
  let fn = size1 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    level++;
  }
  const head: NodeId[][] = fn === 0 ? [] : [[{ level, index: fn }]];
  return head.concat(pathPlan(level, fn, size2));
}

/** Every node the plan reads, each once, for a store to fetch in one batch. */
export function planNodes(plan: ProofPlan): NodeId[] {
  const seen = new Map<string, NodeId>();
  for (const nodes of plan) for (const id of nodes) seen.set(`${id.level}/${id.index}`, id);
  return [...seen.values()];
}

export function assembleProof(plan: ProofPlan, lookup: (id: NodeId) => Uint8Array): Uint8Array[] {
  return plan.map((nodes) => foldNodes(nodes.map(lookup)));
}

function checkShape(proof: readonly Uint8Array[], hashes: readonly Uint8Array[]): void {
  if (!Array.isArray(proof) || !hashes.every(isHash)) {
    throw new LiuhenError('PROOF_MALFORMED', `the proof must be an array and every hash ${HASH_SIZE} bytes`);
  }
}

/**
 * Proof elements are checked as the RFC loop consumes them, so the work is bounded by the tree
 * height however long (or sparse) the array is.
 */
function proofHash(proof: readonly Uint8Array[], i: number): Uint8Array {
  const p = proof[i];
  if (!isHash(p)) throw new LiuhenError('PROOF_MALFORMED', `proof[${i}] is not a ${HASH_SIZE}-byte hash`);
  return p;
}

/**
 * RFC 9162 §2.1.3.2. `hash` is the leaf hash. Throws RANGE_INVALID for a bad index or size;
 * PROOF_MALFORMED when the proof has the wrong length for them (the RFC's sn checks), is not an
 * array, or holds a hash that is not 32 bytes; PROOF_INVALID when the hashes do not lead to `root`.
 */
export function verifyInclusion(
  hash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  if (!isSize(size) || !isSize(index) || index >= size) {
    throw new LiuhenError('RANGE_INVALID', 'leaf index is not below size');
  }
  checkShape(proof, [hash, root]);
  let fn = index;
  let sn = size - 1;
  let r = hash;
  for (let i = 0; i < proof.length; i++) {
    if (sn === 0) throw new LiuhenError('PROOF_MALFORMED', 'inclusion proof is too long');
    const p = proofHash(proof, i);
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new LiuhenError('PROOF_MALFORMED', 'inclusion proof is too short');
  if (!equalBytes(r, root)) {
    throw new LiuhenError('PROOF_INVALID', 'inclusion proof does not lead to the root');
  }
}

/**
 * RFC 9162 §2.1.4.2, with the same error codes as verifyInclusion.
 *
 * The RFC defines proofs only for 0 < size1 < size2. For size1 == size2 the trees must be the
 * same, so the proof must be empty and the roots equal. For size1 == 0 we accept an empty proof:
 * the empty tree is a prefix of every tree, so there is nothing to prove about root2, and callers
 * can start from (0, EMPTY_ROOT) without a special case. root1 must still be EMPTY_ROOT, so a
 * mislabelled trusted state fails instead of passing silently.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  if (!isSize(size1) || !isSize(size2) || size1 > size2) {
    throw new LiuhenError('RANGE_INVALID', 'size1 must be an integer in [0, size2]');
  }
  checkShape(proof, [root1, root2]);
  if (size1 === 0 || size1 === size2) {
    if (proof.length !== 0) throw new LiuhenError('PROOF_MALFORMED', 'consistency proof must be empty');
    if (size1 === 0 && !equalBytes(root1, EMPTY_ROOT)) {
      throw new LiuhenError('PROOF_INVALID', 'root1 is not the empty tree hash');
    }
    if (size1 === size2 && !equalBytes(root1, root2)) {
      throw new LiuhenError('PROOF_INVALID', 'equal sizes with different roots');
    }
    return;
  }
  // Step 1.
  if (proof.length === 0) throw new LiuhenError('PROOF_MALFORMED', 'consistency proof is empty');
  // Step 2: a power-of-two old tree is itself a perfect node, and its hash is root1. Rather than
  // prepend it, start reading the proof one element earlier.
  const { fr, sr } = isPowerOfTwo(size1)
    ? foldConsistency(size1, size2, root1, proof, 0)
    : foldConsistency(size1, size2, proofHash(proof, 0), proof, 1);
  if (!equalBytes(fr, root1) || !equalBytes(sr, root2)) {
    throw new LiuhenError('PROOF_INVALID', 'consistency proof does not lead to the roots');
  }
}

/** RFC 9162 §2.1.4.2 steps 3–7 from `head`, reading `proof` from `start`: both recomputed roots. */
function foldConsistency(
  size1: number,
  size2: number,
  head: Uint8Array,
  proof: readonly Uint8Array[],
  start: number,
): { fr: Uint8Array; sr: Uint8Array } {
  // Steps 3 and 4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = head;
  let sr = head;
  // Step 6.
  for (let i = start; i < proof.length; i++) {
    if (sn === 0) throw new LiuhenError('PROOF_MALFORMED', 'consistency proof is too long');
    const c = proofHash(proof, i);
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw new LiuhenError('PROOF_MALFORMED', 'consistency proof is too short');
  return { fr, sr };
}

/**
 * Both roots a *prefix proof* commits to: the root of the first `size1` leaves and of all
 * `size2`, for 0 < size1 < size2. A prefix proof is the RFC 6962 consistency proof with its first
 * node always present — for a power-of-two `size1` that is the perfect node the RFC leaves out,
 * because a verifier that does not trust root1 must be told it. Fraud proofs use it to show
 * that a log's prefix differs from an earlier checkpoint of the same log.
 */
export function prefixRoots(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
): { root1: Uint8Array; root2: Uint8Array } {
  if (!isSize(size1) || !isSize(size2) || size1 === 0 || size1 >= size2) {
    throw new LiuhenError('RANGE_INVALID', 'a prefix proof needs 0 < size1 < size2');
  }
  if (!Array.isArray(proof) || proof.length === 0)
    throw new LiuhenError('PROOF_MALFORMED', 'prefix proof is empty');
  const { fr, sr } = foldConsistency(size1, size2, proofHash(proof, 0), proof, 1);
  return { root1: fr, root2: sr };
}

/** The prefix proof of `size1` in a tree of `size2`: the consistency plan with its head kept. */
export function prefixProofPlan(size1: number, size2: number): ProofPlan {
  const plan = consistencyProofPlan(size1, size2);
  return isPowerOfTwo(size1) && size1 < size2 ? [[{ level: Math.log2(size1), index: 0 }], ...plan] : plan;
}

/**
 * The compact range [0, size): the perfect nodes of rootPlan(size), which is all an appender
 * needs to keep. Stored hashes are private copies and are never written after being stored.
 */
export class MerkleFrontier {
  #size: number;
  readonly #nodes: Uint8Array[];

  private constructor(size: number, nodes: Uint8Array[]) {
    this.#size = size;
    this.#nodes = nodes;
  }

  static empty(): MerkleFrontier {
    return new MerkleFrontier(0, []);
  }

  /** `nodes` are the hashes of rootPlan(size), in that order, e.g. as read back from a store. */
  static fromNodes(size: number, nodes: readonly Uint8Array[]): MerkleFrontier {
    const expected = rootPlan(size).length;
    if (!Array.isArray(nodes) || nodes.length !== expected) {
      throw new LiuhenError('PROOF_MALFORMED', `a frontier of size ${size} has ${expected} nodes`);
    }
    for (const node of nodes) requireHash(node);
    return new MerkleFrontier(
      size,
      nodes.map((node) => node.slice()),
    );
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Adds a leaf hash and returns every perfect node it completes, bottom-up: the leaf at level 0,
   * then one parent for each trailing 1 bit of the old size.
   */
  append(hash: Uint8Array): PerfectNode[] {
    requireHash(hash);
    if (this.#size >= MAX_TREE_SIZE) throw new LiuhenError('RANGE_INVALID', 'tree is full');
    let level = 0;
    let index = this.#size;
    let node: Uint8Array = hash.slice();
    const completed: PerfectNode[] = [{ level, index, hash: node }];
    while (isOdd(index)) {
      node = nodeHash(this.#nodes.pop() as Uint8Array, node);
      level++;
      index = half(index);
      completed.push({ level, index, hash: node });
    }
    this.#nodes.push(node.slice());
    this.#size++;
    return completed;
  }

  root(): Uint8Array {
    return foldNodes(this.#nodes);
  }

  nodes(): Uint8Array[] {
    return this.#nodes.map((node) => node.slice());
  }

  clone(): MerkleFrontier {
    // Stored hashes are never written, so the copy can share them.
    return new MerkleFrontier(this.#size, [...this.#nodes]);
  }
}
