/**
 * C2SP tlog-cosignatures (c2sp.org/tlog-cosignature), the Ed25519 cosignature/v1 type 0x04: a
 * witness signs "cosignature/v1\ntime <t>\n" followed by the checkpoint text, and its note
 * signature is u64 big-endian t || the 64-byte Ed25519 signature. The byte layout and its check
 * live in note.ts so that `verifyNote` covers cosignatures; this module adds the checkpoint view.
 *
 * The signed message does not include the witness name, so one key must serve one witness only.
 */
import { concatBytes, equalBytes, u64be } from './bytes.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { publicKeyFromSeed, signMessage } from './ed25519.ts';
import { LiuhenError } from './errors.ts';
import {
  cosignatureMessage,
  cosignatureTimestamp,
  keyHash,
  type NoteSignature,
  type NoteVerifier,
  noteVerifier,
  SIG_TYPE_COSIGNATURE_V1,
  verifyNote,
} from './note.ts';

export { cosignatureMessage };

/** Cosigns a checkpoint text at `timestamp`, seconds since the epoch. */
export function cosign(
  checkpointText: string,
  witnessName: string,
  seed: Uint8Array,
  timestamp: number,
): NoteSignature {
  parseCheckpoint(checkpointText);
  const id = keyHash(witnessName, SIG_TYPE_COSIGNATURE_V1, publicKeyFromSeed(seed));
  const signature = signMessage(seed, cosignatureMessage(checkpointText, timestamp));
  return { name: witnessName, keyHash: id, signature: concatBytes(u64be(timestamp), signature) };
}

export function cosignatureVerifier(witnessName: string, publicKey: Uint8Array): NoteVerifier {
  return noteVerifier(witnessName, SIG_TYPE_COSIGNATURE_V1, publicKey);
}

/**
 * Verifies one cosignature on a checkpoint and returns its timestamp. The spec lets verifiers
 * reject timestamps in the future; that policy, and freshness, are the caller's.
 */
export function verifyCosignature(
  checkpointText: string,
  sig: NoteSignature,
  verifier: NoteVerifier,
): { timestamp: number } {
  parseCheckpoint(checkpointText);
  if (verifier.sigType !== SIG_TYPE_COSIGNATURE_V1) {
    throw new LiuhenError('VKEY_MALFORMED', 'not a cosignature/v1 verifier');
  }
  if (sig.name !== verifier.name || !equalBytes(sig.keyHash, verifier.keyHash)) {
    throw new LiuhenError('SIGNATURE_INVALID', 'the signature names another key');
  }
  verifyNote({ text: checkpointText, signatures: [sig] }, [verifier]);
  return { timestamp: cosignatureTimestamp(sig) };
}
