/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03) on OpenSSL's ChaCha20-Poly1305: HChaCha20 of
 * the key and the first 16 nonce bytes gives a subkey, and the IETF AEAD runs under that subkey
 * with nonce = 4 zero bytes ‖ the last 8 nonce bytes. HChaCha20 is one permutation, cheap in
 * JavaScript (noble's); the AEAD is what costs, and OpenSSL does it about 3x faster than noble.
 * The output is byte-for-byte noble's `xchacha20poly1305` (sealed-aead.test.ts checks it).
 */

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';

const KEY_SIZE = 32;
const NONCE_SIZE = 24;
const TAG_SIZE = 16;

// noble's hchacha reads and writes words laid out as the bytes are (a Uint32Array view of them),
// so the constant is the view of its ASCII bytes, whatever the host's endianness.
const SIGMA = new Uint32Array(Uint8Array.from('expand 32-byte k', (c) => c.charCodeAt(0)).buffer);

/** The ChaCha20-Poly1305 key and 12-byte nonce that XChaCha20-Poly1305 reduces to. */
function subkeyAndNonce(key: Uint8Array, nonce: Uint8Array): { subkey: Uint8Array; iv: Uint8Array } {
  if (!(key instanceof Uint8Array) || key.length !== KEY_SIZE)
    throw new RangeError(`XChaCha20-Poly1305: the key must be ${KEY_SIZE} bytes`);
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_SIZE)
    throw new RangeError(`XChaCha20-Poly1305: the nonce must be ${NONCE_SIZE} bytes`);
  // One aligned buffer: key words, nonce-prefix words, then the subkey words hchacha writes.
  const words = new Uint8Array(KEY_SIZE + 16 + KEY_SIZE);
  words.set(key, 0);
  words.set(nonce.subarray(0, 16), KEY_SIZE);
  const view = new Uint32Array(words.buffer);
  hchacha(SIGMA, view.subarray(0, 8), view.subarray(8, 12), view.subarray(12, 20));
  words.fill(0, 0, KEY_SIZE);
  const iv = new Uint8Array(12);
  iv.set(nonce.subarray(16), 4);
  return { subkey: words.subarray(KEY_SIZE + 16), iv };
}

/** Ciphertext ‖ 16-byte tag, as noble's `xchacha20poly1305(key, nonce, aad).encrypt(plaintext)`. */
export function xchachaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const { subkey, iv } = subkeyAndNonce(key, nonce);
  try {
    const cipher = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG_SIZE });
    cipher.setAAD(aad, { plaintextLength: plaintext.length });
    const out = new Uint8Array(plaintext.length + TAG_SIZE);
    out.set(cipher.update(plaintext), 0);
    cipher.final();
    out.set(cipher.getAuthTag(), plaintext.length);
    return out;
  } finally {
    subkey.fill(0);
  }
}

/** The plaintext of `sealed` (ciphertext ‖ tag); throws when the tag does not verify. */
export function xchachaOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array {
  if (!(sealed instanceof Uint8Array) || sealed.length < TAG_SIZE)
    throw new RangeError(`XChaCha20-Poly1305: a sealed message has at least ${TAG_SIZE} bytes`);
  const { subkey, iv } = subkeyAndNonce(key, nonce);
  try {
    const length = sealed.length - TAG_SIZE;
    const decipher = createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG_SIZE });
    decipher.setAAD(aad, { plaintextLength: length });
    decipher.setAuthTag(sealed.subarray(length));
    const plaintext = decipher.update(sealed.subarray(0, length));
    // Throws "unable to authenticate data" on a wrong tag; nothing is returned before it.
    decipher.final();
    return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  } finally {
    subkey.fill(0);
  }
}
