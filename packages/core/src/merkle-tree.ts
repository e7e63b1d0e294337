/**
 * An append-only RFC 6962 tree in memory, for tests, tools and small ledgers. It keeps every
 * perfect node, so roots and proofs for any earlier size are answered from the same storage the
 * way a persistent store answers them: by folding the nodes a plan names.
 *
 * Level l is one Uint8Array of 32-byte slots holding the floor(size / 2^l) complete nodes of
 * that level, grown by doubling. The levels sum to about 2 * 32 bytes per leaf (64 MB for a
 * million leaves) with no per-node objects for the garbage collector to trace.
 */
import { LiuhenError } from './errors.ts';
import { HASH_SIZE } from './hash.ts';
import {
  assembleProof,
  consistencyProofPlan,
  foldNodes,
  inclusionProofPlan,
  leafHash,
  MAX_TREE_SIZE,
  type NodeId,
  nodeHash,
  rootPlan,
} from './merkle.ts';

const INITIAL_SLOTS = 16;

export class MemoryMerkleTree {
  readonly #levels: Uint8Array[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Appends a leaf hash (see `leafHash`). */
  append(hash: Uint8Array): void {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
      throw new LiuhenError('PROOF_MALFORMED', `a hash must be ${HASH_SIZE} bytes`);
    }
    if (this.#size >= MAX_TREE_SIZE) throw new LiuhenError('RANGE_INVALID', 'tree is full');
    let level = 0;
    let index = this.#size;
    this.#write(level, index, hash);
    // Each trailing 1 bit of the old size is a left sibling waiting for this node.
    while (index % 2 === 1) {
      const parent = nodeHash(this.#slot(level, index - 1), this.#slot(level, index));
      level++;
      index = Math.floor(index / 2);
      this.#write(level, index, parent);
    }
    // Last, so that a failed allocation above leaves the tree as it was.
    this.#size++;
  }

  appendLeaf(leaf: Uint8Array): void {
    this.append(leafHash(leaf));
  }

  root(size: number = this.#size): Uint8Array {
    this.#requireStored(size);
    return foldNodes(rootPlan(size).map(this.#lookup));
  }

  inclusionProof(index: number, size: number = this.#size): Uint8Array[] {
    this.#requireStored(size);
    return assembleProof(inclusionProofPlan(index, size), this.#lookup);
  }

  consistencyProof(size1: number, size2: number = this.#size): Uint8Array[] {
    this.#requireStored(size2);
    return assembleProof(consistencyProofPlan(size1, size2), this.#lookup);
  }

  /** A copy of a complete perfect node. */
  node(id: NodeId): Uint8Array {
    const { level, index } = id;
    if (
      !Number.isSafeInteger(level) ||
      !Number.isSafeInteger(index) ||
      level < 0 ||
      index < 0 ||
      index >= Math.floor(this.#size / 2 ** level)
    ) {
      throw new LiuhenError('RANGE_INVALID', 'no such complete node');
    }
    return this.#slot(level, index).slice();
  }

  // Plans for sizes up to this.#size name only complete nodes, so no bounds check is needed.
  readonly #lookup = (id: NodeId): Uint8Array => this.#slot(id.level, id.index);

  #requireStored(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.#size) {
      throw new LiuhenError('RANGE_INVALID', 'size is beyond the tree');
    }
  }

  #slot(level: number, index: number): Uint8Array {
    const offset = index * HASH_SIZE;
    return (this.#levels[level] as Uint8Array).subarray(offset, offset + HASH_SIZE);
  }

  #write(level: number, index: number, hash: Uint8Array): void {
    const offset = index * HASH_SIZE;
    let buffer = this.#levels[level];
    if (buffer === undefined || buffer.length < offset + HASH_SIZE) {
      const grown = new Uint8Array(Math.max(INITIAL_SLOTS * HASH_SIZE, 2 * (buffer?.length ?? 0)));
      if (buffer !== undefined) grown.set(buffer);
      this.#levels[level] = grown;
      buffer = grown;
    }
    buffer.set(hash, offset);
  }
}
