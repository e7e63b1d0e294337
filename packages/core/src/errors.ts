/**
 * Every failure that crosses a package boundary is a LiuhenError with a stable code. The CLI and
 * the HTTP API print the code verbatim, so codes are never renamed, only added.
 */
export const ERROR_CODES = {
  // Deterministic CBOR
  CBOR_TOO_LARGE: 'input is larger than the permitted size',
  CBOR_TRUNCATED: 'input ends before the item is complete',
  CBOR_TRAILING_BYTES: 'bytes follow the single top-level item',
  CBOR_NON_MINIMAL: 'an integer or length is not in its shortest form',
  CBOR_INDEFINITE_LENGTH: 'indefinite-length items are not allowed',
  CBOR_DUPLICATE_KEY: 'a map repeats a key',
  CBOR_NON_CANONICAL: 'the bytes are not the deterministic encoding of their value',
  CBOR_UNSUPPORTED_TYPE: 'a CBOR type outside the Liuhen profile was used',
  CBOR_MALFORMED: 'the bytes are not well-formed CBOR',
  CBOR_TOO_DEEP: 'nesting is deeper than permitted',
  // Keys and signatures
  KEY_LENGTH: 'an Ed25519 key must be 32 bytes',
  KEY_NON_CANONICAL: 'the public key is not a canonical point encoding',
  KEY_SMALL_ORDER: 'the public key has small order',
  KEY_MIXED_ORDER: 'the public key has a torsion component',
  SIGNATURE_LENGTH: 'an Ed25519 signature must be 64 bytes',
  SIGNATURE_INVALID: 'the signature does not verify',
  // Entries
  ENTRY_INVALID: 'the entry does not have the required shape',
  ENTRY_TOO_LARGE: 'the entry exceeds the size limit',
  ENTRY_WRONG_NETWORK: 'the entry names a different network',
  ENVELOPE_INVALID: 'the signed envelope does not have the required shape',
  // Merkle proofs
  PROOF_INVALID: 'the Merkle proof does not verify',
  PROOF_MALFORMED: 'the Merkle proof has the wrong shape for its sizes',
  RANGE_INVALID: 'an index or size is out of range',
  // Signed notes, checkpoints, cosignatures
  NOTE_MALFORMED: 'the signed note is not well formed',
  NOTE_UNSIGNED: 'no known key signed the note',
  VKEY_MALFORMED: 'the verifier key is not well formed or has an unsupported type',
  VKEY_AMBIGUOUS: 'two different verifier keys share a name and key ID',
  CHECKPOINT_MALFORMED: 'the checkpoint body is not well formed',
  COSIGNATURE_MALFORMED: 'the cosignature is not well formed',
  // Blocks
  BLOCK_MALFORMED: 'the block is not well formed',
  BLOCK_CHAIN_BROKEN: 'the header does not extend the previous header',
  BLOCK_ROOT_MISMATCH: "the block's entries do not produce the header's root",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LiuhenError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${code}: ${detail}` : `${code}: ${ERROR_CODES[code]}`, options);
    this.name = 'LiuhenError';
    this.code = code;
  }
}

export function isLiuhenError(value: unknown, code?: ErrorCode): value is LiuhenError {
  return value instanceof LiuhenError && (code === undefined || value.code === code);
}
