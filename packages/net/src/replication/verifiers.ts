/**
 * Note verifiers built once per key. Core's `noteVerifier` validates the public key (canonical,
 * not small-order, torsion-free) with noble's point arithmetic every time it is called, about
 * 5 ms here, and `verifyHeaderSignature` builds one per call: several per replicated block. The
 * keys replication uses are the genesis org node keys and witness keys, so a verifier per key is
 * built once and reused; `verifyNote` still checks the verifier's key id on every use.
 */
import {
  checkpointOrigin,
  cosignatureVerifier,
  type NoteVerifier,
  orgCheckpointVerifier,
  toHex,
} from '@liuhen/core';

export class VerifierCache {
  readonly #verifiers = new Map<string, NoteVerifier>();

  /** The verifier of `org`'s checkpoints in `network` (what `verifyHeaderSignature` builds). */
  org(network: Uint8Array, org: string, nodeKey: Uint8Array): NoteVerifier {
    return this.#get(`o ${checkpointOrigin(network, org)} ${toHex(nodeKey)}`, () =>
      orgCheckpointVerifier(network, org, nodeKey),
    );
  }

  /** The `cosignature/v1` verifier of a witness key. */
  witness(name: string, publicKey: Uint8Array): NoteVerifier {
    return this.#get(`w ${name} ${toHex(publicKey)}`, () => cosignatureVerifier(name, publicKey));
  }

  #get(key: string, build: () => NoteVerifier): NoteVerifier {
    let verifier = this.#verifiers.get(key);
    if (verifier === undefined) {
      verifier = build();
      // Bounded by the keys of the network (genesis orgs and witnesses); a cap guards the rest.
      if (this.#verifiers.size >= 4096) this.#verifiers.clear();
      this.#verifiers.set(key, verifier);
    }
    return verifier;
  }
}
