import { backend } from '#backend';

export const HASH_SIZE = 32;

/** SHA-256 (FIPS 180-4): entry ids, Merkle nodes, header hashes, blob names. */
export function sha256(data: Uint8Array): Uint8Array {
  return backend.sha256(data);
}
