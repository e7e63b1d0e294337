/**
 * Equivocation (DESIGN §4): two checkpoints of one org, both validly signed by its node key, that
 * cannot both be true of one append-only log. The proof is self-contained — anyone holding the
 * org's node key can check it — and is gossiped, stored and shown by every node.
 *
 * Three forms, checked in this order:
 * - `header-fork`: two different headers at the same height (the header chain forked);
 * - `same-size`: the same tree size with different roots;
 * - `prefix`: the second, larger checkpoint's log does not start with the first one's: a prefix
 *   proof from the second log yields the second root but a different root for the first size.
 */
import { type BlockHeader, parseBlockHeader, verifyHeaderSignature } from './block.ts';
import { equalBytes } from './bytes.ts';
import { type CborValue, decodeCanonical, encodeCanonical, isCborMap } from './cbor.ts';
import { LiuhenError } from './errors.ts';
import { prefixRoots } from './merkle.ts';
import { formatSignedNote } from './note.ts';

export type FraudKind = 'header-fork' | 'same-size' | 'prefix';

export interface FraudProof {
  /** The smaller (or equal-size) checkpoint. */
  readonly first: BlockHeader;
  readonly second: BlockHeader;
  /** For `prefix`: the prefix proof of first.size in the second log. Empty otherwise. */
  readonly proof: readonly Uint8Array[];
}

function invalid(problem: string): never {
  throw new LiuhenError('FRAUD_PROOF_INVALID', problem);
}

/**
 * Checks a fraud proof against the org's node key and returns which equivocation it shows.
 * Throws FRAUD_PROOF_INVALID if it shows none — including for two consistent checkpoints.
 */
export function verifyFraudProof(fraud: FraudProof, nodeKey: Uint8Array): FraudKind {
  const { first, second } = fraud;
  if (first.org !== second.org || !equalBytes(first.network, second.network))
    invalid('checkpoints of different logs');
  if (first.size > second.size) invalid('first must not be larger than second');
  try {
    verifyHeaderSignature(first, nodeKey);
    verifyHeaderSignature(second, nodeKey);
  } catch (cause) {
    throw new LiuhenError('FRAUD_PROOF_INVALID', 'a checkpoint is not signed by the org node key', { cause });
  }
  if (first.height === second.height && first.text !== second.text) return 'header-fork';
  if (first.size === second.size) {
    if (!equalBytes(first.root, second.root)) return 'same-size';
    invalid('same size and same root: consistent');
  }
  if (first.size === 0) invalid('every log extends the empty log');
  let roots: { root1: Uint8Array; root2: Uint8Array };
  try {
    roots = prefixRoots(first.size, second.size, fraud.proof);
  } catch (cause) {
    throw new LiuhenError('FRAUD_PROOF_INVALID', 'the prefix proof is malformed', { cause });
  }
  if (!equalBytes(roots.root2, second.root)) invalid('the prefix proof does not lead to the second root');
  if (equalBytes(roots.root1, first.root)) invalid('the second log extends the first: consistent');
  return 'prefix';
}

/** Wire form: CBOR map { "first": note text, "second": note text, "proof": [hash …] }. */
export function encodeFraudProof(fraud: FraudProof): Uint8Array {
  return encodeCanonical({
    first: formatSignedNote(fraud.first.note),
    second: formatSignedNote(fraud.second.note),
    proof: [...fraud.proof],
  });
}

export function decodeFraudProof(bytes: Uint8Array): FraudProof {
  let value: CborValue;
  try {
    value = decodeCanonical(bytes, { maxBytes: 64 * 1024, maxDepth: 2 });
  } catch (cause) {
    throw new LiuhenError('FRAUD_PROOF_INVALID', (cause as Error).message, { cause });
  }
  if (!isCborMap(value) || Object.keys(value).length !== 3) invalid('expected { first, second, proof }');
  const { first, second, proof } = value;
  if (typeof first !== 'string' || typeof second !== 'string') invalid('checkpoints must be text');
  if (
    !Array.isArray(proof) ||
    proof.length > 64 ||
    !proof.every((h) => h instanceof Uint8Array && h.length === 32)
  ) {
    invalid('proof must be at most 64 hashes of 32 bytes');
  }
  try {
    return { first: parseBlockHeader(first), second: parseBlockHeader(second), proof: proof as Uint8Array[] };
  } catch (cause) {
    throw new LiuhenError('FRAUD_PROOF_INVALID', (cause as Error).message, { cause });
  }
}
