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
  FRAUD_PROOF_INVALID: 'the fraud proof does not show an equivocation',
  // Sealed sections, access grants and clearances
  SEAL_MALFORMED:
    'the sealed section, its plaintext or a set of wrapped keys does not have the required shape',
  SEAL_KEY_INVALID: 'an X25519 encryption key is not 32 bytes, not canonical, or of small order',
  SEAL_NOT_RECIPIENT: 'the org holds no wrapped key for the sealed section',
  SEAL_WRONG_KEY: "no private key given matches the org's wrapped keys",
  SEAL_AEAD_FAILED:
    'the sealed section does not authenticate: its ciphertext or a wrapped key was altered or taken from another entry',
  ENCRYPTION_KEY_UNKNOWN: 'the key id is not an encryption key of the org at that governance position',
  GRANT_INVALID: 'the access grant does not have the required shape or does not match the entry it cites',
  GRANT_UNAUTHORIZED: 'the granting org could not read the entry it grants access to',
  CLEARANCE_TOO_LOW: "the reader's clearance does not cover this content",
  // Governance: genesis, operator certificates, authority to sign
  GENESIS_INVALID: 'the genesis does not have the required shape',
  OPERATOR_RECORD_INVALID: 'an operator appointment or revocation does not have the required shape',
  UNKNOWN_ORG: 'the org is not a member of the network',
  NODE_KEY_MISUSE: 'an org node key may sign only org.* kinds, as role ORG',
  ORG_KIND_RESERVED: 'only the org node key may sign org.* kinds',
  OPERATOR_UNKNOWN: 'the signer has no appointment on the org log before this entry',
  OPERATOR_REVOKED: 'the signer was revoked or replaced before this entry',
  OPERATOR_NOT_YET_VALID: "the entry's time is before the signer's appointment starts",
  OPERATOR_EXPIRED: "the entry's time is after the signer's appointment ends",
  ROLE_NOT_HELD: 'the signer does not hold the role it signs as',
  ROLE_NOT_PERMITTED: 'the role may not sign this kind',
  // The department node
  KEYSTORE_INVALID: 'the key file is missing or not a Liuhen key file',
  KEYSTORE_LOCKED: 'the key file cannot be opened with the given passphrase',
  CONFIG_INVALID: 'the configuration is invalid',
  REQUEST_INVALID: 'the request is malformed',
  UNAUTHORIZED: 'a valid bearer token is required',
  FORBIDDEN: 'the token is not allowed to do this',
  NOT_FOUND: 'no such resource',
  KIND_UNKNOWN: 'the entry kind is not defined by the network profile',
  ORG_MISMATCH: 'the entry belongs to another org than this node',
  PARENT_UNKNOWN: 'a parent entry is not known for this object',
  ENTRY_DUPLICATE: 'the entry is already in the log',
  ENTRY_FROM_FUTURE: "the entry's claimed time is beyond the network's clock-skew tolerance",
  NODE_BUSY: 'the node is at capacity; retry later',
  NODE_CLOSED: 'the node is shutting down',
  STORAGE_FAILED: 'the storage layer failed; the entry was not acknowledged',
  RECOVERY_TIMEOUT:
    'a node restored from a backup could not fetch the rest of its own log from a peer in time; it appended nothing and still holds the restore marker',
  // The store
  STORE_UNAVAILABLE: 'the database cannot be opened or read (closed, locked, or an I/O error)',
  STORE_INCOMPATIBLE: 'the database is not a Liuhen store of a supported format version',
  STORE_CORRUPT: 'a record the store relies on is missing or malformed',
  VERIFY_WORKER_FAILED:
    'a verification worker thread failed, so the store was not verified (neither found sound nor damaged); verify again',
  STORE_FULL:
    'the disk holding the store is full; nothing was written, and writes resume once space is freed',
  BLOB_TOO_LARGE: 'the attachment exceeds the size limit',
  BLOB_HASH_MISMATCH: 'the attachment does not have the expected SHA-256',
  BLOB_NOT_FOUND: 'no attachment with this SHA-256 is stored',
  BLOB_CORRUPT: 'the stored attachment no longer matches its SHA-256',
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

/**
 * The code a call fails with, or 'ok' when it succeeds; anything that is not a LiuhenError is
 * rethrown, so a test written with it fails on an untyped error.
 */
export function failureCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof LiuhenError) return error.code;
    throw error;
  }
  return 'ok';
}

/** `failureCode` for a promise. */
export async function failureCodeAsync(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LiuhenError) return error.code;
    throw error;
  }
  return 'ok';
}
