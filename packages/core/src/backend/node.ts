/**
 * Node backend: OpenSSL through node:crypto, about 14x faster than noble at verification.
 * KeyObjects are cached because building one from raw bytes costs as much as a verification.
 * XChaCha20-Poly1305 is OpenSSL's ChaCha20-Poly1305 behind noble's HChaCha20 (node-xchacha.ts).
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hash,
  hkdfSync,
  type KeyObject,
  randomFillSync,
  sign,
  verify,
} from 'node:crypto';
import { ByteMemo } from '../byte-memo.ts';
import { xchachaOpen, xchachaSeal } from './node-xchacha.ts';
import type { CryptoBackend } from './types.ts';

// DER prefixes that wrap a raw 32-byte Ed25519 key (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const CACHE_LIMIT = 4096;

/** KeyObjects by raw key: a ledger has a few hundred signers, verified over and over. */
class KeyCache {
  readonly #memo = new ByteMemo<KeyObject>(CACHE_LIMIT);
  readonly #build: (bytes: Uint8Array, start: number, end: number) => KeyObject;

  constructor(build: (raw: Uint8Array) => KeyObject) {
    this.#build = (bytes, start, end) => build(bytes.subarray(start, end));
  }

  get(raw: Uint8Array): KeyObject {
    return this.#memo.get(raw, 0, raw.length, this.#build);
  }
}

const publicKeys = new KeyCache((raw) =>
  createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }),
);
const privateKeys = new KeyCache((seed) =>
  createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
);

// Deriving a public key exports a KeyObject (~1 ms here); a node derives its own on every block.
const derivedPublicKeys = new Map<KeyObject, Uint8Array>();

// X25519 keys go in as JWK: OpenSSL 3's DER decoders cost ~1.5 ms an import here, JWK ~0.1 ms.
// For a private key Node reads only `d`; `x` must be present but is not used, and the
// conformance test (sealed-backend.test.ts) checks the results against noble.
const base64url = (raw: Uint8Array) =>
  Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
const UNUSED_X = base64url(new Uint8Array(32));

const x25519PublicKeys = new KeyCache((raw) =>
  createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(raw) }, format: 'jwk' }),
);

/**
 * Private X25519 KeyObjects by the identity of the caller's secret array: a reader that unseals
 * many entries with one key imports it once, while an ephemeral secret, dropped after sealing,
 * takes its KeyObject with it. A fingerprint, not a copy of the secret, notices an array
 * overwritten in place (sealing zeroes its ephemeral secret when done).
 */
const x25519PrivateKeys = new WeakMap<Uint8Array, { fingerprint: Buffer; key: KeyObject }>();

function x25519PrivateKey(secretKey: Uint8Array): KeyObject {
  const fingerprint = hash('sha256', secretKey, 'buffer');
  const cached = x25519PrivateKeys.get(secretKey);
  if (cached?.fingerprint.equals(fingerprint)) return cached.key;
  const key = importX25519Secret(secretKey);
  x25519PrivateKeys.set(secretKey, { fingerprint, key });
  return key;
}

function importX25519Secret(secretKey: Uint8Array): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: base64url(secretKey), x: UNUSED_X },
    format: 'jwk',
  });
}

export const nodeBackend: CryptoBackend = {
  name: 'node:crypto',
  // One-shot hash (Node ≥ 20.12): a third cheaper than createHash for entry-sized input.
  sha256: (data) => new Uint8Array(hash('sha256', data, 'buffer')),
  ed25519PublicKey: (seed) => {
    const privateKey = privateKeys.get(seed);
    let publicKey = derivedPublicKeys.get(privateKey);
    if (publicKey === undefined) {
      const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
      publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length));
      if (derivedPublicKeys.size >= CACHE_LIMIT) derivedPublicKeys.clear();
      derivedPublicKeys.set(privateKey, publicKey);
    }
    return publicKey.slice();
  },
  ed25519Sign: (seed, message) => new Uint8Array(sign(null, message, privateKeys.get(seed))),
  ed25519VerifyRaw: (publicKey, message, signature) =>
    verify(null, message, publicKeys.get(publicKey), signature),
  x25519PublicKey: (secretKey) => x25519PublicOf(x25519PrivateKey(secretKey)),
  x25519: (secretKey, publicKey) => x25519Agree(x25519PrivateKey(secretKey), publicKey),
  // A fresh secret, imported and zeroed at once. Not generateKeyPairSync: on Node 20, a GC during
  // the export of a generated key can run the key-generation job's clean-up while the export
  // holds the lock it takes, and the process hangs (seen here twice, in gdb).
  x25519Ephemeral: (peers) => {
    const secret = randomFillSync(new Uint8Array(32));
    try {
      const privateKey = importX25519Secret(secret);
      return {
        publicKey: x25519PublicOf(privateKey),
        shared: peers.map((peer) => x25519Agree(privateKey, peer)),
      };
    } finally {
      secret.fill(0);
    }
  },
  // An empty HMAC key is the zero salt: HMAC pads every key with zeros to the block size.
  hkdfSha256: (ikm, info, length) => new Uint8Array(hkdfSync('sha256', ikm, NO_SALT, info, length)),
  xchacha20poly1305Seal: xchachaSeal,
  xchacha20poly1305Open: xchachaOpen,
};

function x25519PublicOf(privateKey: KeyObject): Uint8Array {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(x as string, 'base64url'));
}

function x25519Agree(privateKey: KeyObject, publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(diffieHellman({ privateKey, publicKey: x25519PublicKeys.get(publicKey) }));
}

const NO_SALT = new Uint8Array(0);

export const backend: CryptoBackend = nodeBackend;
