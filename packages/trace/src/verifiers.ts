/**
 * Note verifiers, made once per key. Core's constructors validate the key's point (small order,
 * torsion) with the portable curve code, about 2 ms a key, and a bundle names the same few org keys
 * on every checkpoint and cosignature; a verifier is an immutable value, so it is kept.
 */
import {
  cosignatureTimestamp,
  cosignatureVerifier,
  equalBytes,
  type NoteSignature,
  type NoteVerifier,
  orgCheckpointVerifier,
  toHex,
  utf8,
  verifySignature,
} from '@liuhen/core';
import type { GovernanceState } from '@liuhen/governance';

const LIMIT = 4_096;
const memo = new Map<string, NoteVerifier>();

function remember(key: string, make: () => NoteVerifier): NoteVerifier {
  let verifier = memo.get(key);
  if (verifier === undefined) {
    verifier = make();
    if (memo.size >= LIMIT) memo.clear();
    memo.set(key, verifier);
  }
  return verifier;
}

export function checkpointVerifier(network: Uint8Array, org: string, nodeKey: Uint8Array): NoteVerifier {
  return remember(`c ${toHex(network)} ${org} ${toHex(nodeKey)}`, () =>
    orgCheckpointVerifier(network, org, nodeKey),
  );
}

export function witnessVerifier(witness: string, nodeKey: Uint8Array): NoteVerifier {
  return remember(`w ${witness} ${toHex(nodeKey)}`, () => cosignatureVerifier(witness, nodeKey));
}

/**
 * One Ed25519 (type 0x01) signature line over a note text already parsed and checked: what core's
 * `verifyNote` computes for the line, without re-checking the text and the verifier per line.
 */
export function signedBy(textBytes: Uint8Array, line: NoteSignature, verifier: NoteVerifier): boolean {
  return (
    equalBytes(line.keyHash, verifier.keyHash) &&
    verifySignature(verifier.publicKey, textBytes, line.signature)
  );
}

/**
 * One cosignature/v1 line over a checkpoint text already parsed: its timestamp in seconds, or
 * undefined when it does not verify. Throws COSIGNATURE_MALFORMED for a line of the wrong length.
 */
export function cosignedAt(text: string, line: NoteSignature, verifier: NoteVerifier): number | undefined {
  const timestamp = cosignatureTimestamp(line);
  if (!equalBytes(line.keyHash, verifier.keyHash)) return undefined;
  // cosignatureMessage's bytes, without re-checking a text that parsing already checked.
  const message = utf8(`cosignature/v1\ntime ${timestamp}\n${text}`);
  const ok = verifySignature(verifier.publicKey, message, line.signature.subarray(8));
  return ok ? timestamp : undefined;
}

/** The verifiers of one verification, per org and witness, so lines are matched without lookups by hex. */
export class Keyring {
  readonly #network: Uint8Array;
  readonly #governance: GovernanceState;
  readonly #checkpoint = new Map<string, readonly NoteVerifier[]>();
  readonly #witness = new Map<string, readonly NoteVerifier[]>();

  constructor(network: Uint8Array, governance: GovernanceState) {
    this.#network = network;
    this.#governance = governance;
  }

  /** Verifiers of every node key the org ever had, for its checkpoints. */
  checkpoint(org: string): readonly NoteVerifier[] {
    let list = this.#checkpoint.get(org);
    if (list === undefined) {
      list = this.#governance.nodeKeysOf(org).map((r) => checkpointVerifier(this.#network, org, r.key));
      this.#checkpoint.set(org, list);
    }
    return list;
  }

  /** The cosignature verifier matching a line, among every node key the witness org ever had. */
  witness(line: NoteSignature): NoteVerifier | undefined {
    let list = this.#witness.get(line.name);
    if (list === undefined) {
      list = this.#governance.nodeKeysOf(line.name).map((r) => witnessVerifier(line.name, r.key));
      this.#witness.set(line.name, list);
    }
    return list.find((v) => equalBytes(v.keyHash, line.keyHash));
  }
}
