/**
 * Portable backend: @noble/ed25519, @noble/curves (X25519), @noble/hashes and @noble/ciphers
 * (XChaCha20-Poly1305), pure JavaScript, used in browsers and as the reference path in the
 * conformance tests.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import * as ed from '@noble/ed25519';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes } from '@noble/hashes/utils.js';
import type { CryptoBackend } from './types.ts';

ed.hashes.sha512 = sha512;

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function littleEndianToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

/**
 * RFC 8032 §5.1.7 with the cofactorless check done the way OpenSSL does it: compute
 * R' = [S]B − [k]A and compare its encoding with the R bytes. noble's own `verify` checks the
 * cofactored equation, which would accept signatures whose R carries a torsion component.
 */
function verifyCofactorless(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const r = signature.subarray(0, 32);
  const s = littleEndianToBigint(signature.subarray(32, 64));
  const a = ed.Point.fromBytes(publicKey, false);
  const k = littleEndianToBigint(sha512(concatBytes(r, publicKey, message))) % L;
  const expected = ed.Point.BASE.multiply(s, false).subtract(a.multiply(k, false)).toBytes();
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= (expected[i] as number) ^ (r[i] as number);
  return diff === 0;
}

export const portableBackend: CryptoBackend = {
  name: 'noble',
  sha256: (data) => sha256(data),
  ed25519PublicKey: (seed) => ed.getPublicKey(seed),
  ed25519Sign: (seed, message) => ed.sign(message, seed),
  ed25519VerifyRaw: verifyCofactorless,
  x25519PublicKey: (secretKey) => x25519.getPublicKey(secretKey),
  x25519: (secretKey, publicKey) => x25519.getSharedSecret(secretKey, publicKey),
  x25519Ephemeral: (peers) => {
    const secretKey = randomBytes(32);
    try {
      return {
        publicKey: x25519.getPublicKey(secretKey),
        shared: peers.map((peer) => x25519.getSharedSecret(secretKey, peer)),
      };
    } finally {
      secretKey.fill(0);
    }
  },
  hkdfSha256: (ikm, info, length) => hkdf(sha256, ikm, undefined, info, length),
  xchacha20poly1305Seal: (key, nonce, aad, plaintext) =>
    xchacha20poly1305(key, nonce, aad).encrypt(plaintext),
  xchacha20poly1305Open: (key, nonce, aad, sealed) => xchacha20poly1305(key, nonce, aad).decrypt(sealed),
};

export const backend: CryptoBackend = portableBackend;
