/**
 * An operator's signing key, held by the business system. The seed sits in a private field: it is
 * not enumerable, not in `JSON.stringify`, not in `console.log`, and no method returns it. The only
 * thing that leaves this object is a signature over an entry the client built (protocol §4), so
 * the node receives the envelope and never the key.
 */
import { type Entry, equalBytes, publicKeyFromSeed, type SignedEntry, signEntry, toHex } from '@liuhen/core';
import { fromLocal, LiuhenClientError } from './errors.ts';

export class OperatorKey {
  readonly #seed: Uint8Array;
  /** The Ed25519 public key, as the entry's `signer` carries it. */
  readonly publicKey: Uint8Array;

  private constructor(seed: Uint8Array) {
    // A copy, so the caller may wipe its own buffer once the key is made.
    this.#seed = seed.slice();
    this.publicKey = publicKeyFromSeed(this.#seed);
  }

  /** From the operator's 32-byte Ed25519 seed (decrypted from their key file by the caller). */
  static fromSeed(seed: Uint8Array): OperatorKey {
    if (!(seed instanceof Uint8Array) || seed.length !== 32) {
      throw new LiuhenClientError('KEY_LENGTH', 'an Ed25519 seed is 32 bytes');
    }
    return new OperatorKey(seed);
  }

  /** Encodes and signs an entry whose `signer` is this key. */
  sign(entry: Entry, maxEntryBytes: number): SignedEntry {
    // A signature by another key than the entry names would only be refused later, elsewhere.
    if (!equalBytes(entry.signer, this.publicKey))
      throw new LiuhenClientError('ENTRY_INVALID', 'signer: the entry names another key than this one');
    try {
      return signEntry(entry, this.#seed, maxEntryBytes);
    } catch (error) {
      return fromLocal(error);
    }
  }

  toJSON(): { publicKey: string } {
    return { publicKey: toHex(this.publicKey) };
  }

  toString(): string {
    return `OperatorKey(${toHex(this.publicKey)})`;
  }
}
