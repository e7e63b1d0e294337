/**
 * The primitives whose fastest implementation differs between Node and browsers. The protocol
 * rules (key validation, S < L, canonical R) live above this interface in `ed25519.ts`, so every
 * backend answers the same on every input; a backend only evaluates the raw equation.
 */
export interface CryptoBackend {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  /** Public key for a 32-byte Ed25519 seed. */
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * The cofactorless RFC 8032 equation [S]B = R + [k]A, for a key that passed
   * `importPublicKey` and a signature that passed `signaturePrecheck`. Callers must not use it
   * directly: use `verifySignature` in `ed25519.ts`.
   */
  ed25519VerifyRaw(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** RFC 7748 X25519 public key (the u-coordinate of [k]9) for a 32-byte secret. */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /**
   * RFC 7748 X25519(k, u), for a u that passed `importEncryptionKey` (sealed.ts). Callers must not
   * use it directly: the all-zero check and the key rules live in sealed.ts.
   */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /**
   * A fresh X25519 key pair from the platform CSPRNG, used once: its public key and its shared
   * secret with each of `peers` (keys that passed `importEncryptionKey`), in order. The secret
   * never leaves the backend, so a backend may keep it in native memory. Sealing uses it when the
   * caller supplies no rng; the all-zero check lives in sealed.ts.
   */
  x25519Ephemeral(peers: readonly Uint8Array[]): { publicKey: Uint8Array; shared: Uint8Array[] };
  /** RFC 5869 HKDF-SHA-256 without a salt (that is, HashLen zero bytes): `length` bytes. */
  hkdfSha256(ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /**
   * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03), 32-byte key, 24-byte nonce: ciphertext ‖
   * 16-byte tag, byte-for-byte what noble's `xchacha20poly1305(key, nonce, aad).encrypt` gives.
   */
  xchacha20poly1305Seal(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    plaintext: Uint8Array,
  ): Uint8Array;
  /** The inverse of `xchacha20poly1305Seal`; throws (any error) when the tag does not verify. */
  xchacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array;
}
