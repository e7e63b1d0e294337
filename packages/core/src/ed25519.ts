/**
 * Ed25519 under Liuhen's single verification rule (docs/protocol.md §3):
 *
 *   RFC 8032 §5.1.7 cofactorless verification, with
 *   - A: canonical encoding (y < p), not of small order, torsion-free — checked once at import;
 *   - R: canonical encoding (y < p);
 *   - S: canonical, S < L.
 *
 * The pre-checks are here, shared; each backend then evaluates the cofactorless equation (see
 * `backend/types.ts`), so both answer identically on every input, crafted ones included.
 */
import { Point } from '@noble/ed25519';
import { backend as defaultBackend } from '#backend';
import type { CryptoBackend } from './backend/types.ts';
import { ByteMemo } from './byte-memo.ts';
import { LiuhenError } from './errors.ts';

export const PUBLIC_KEY_SIZE = 32;
export const SEED_SIZE = 32;
export const SIGNATURE_SIZE = 64;

/** Little-endian encodings of p = 2^255 − 19 and L = 2^252 + 27742317777372353535851937790883648493. */
const P_LE = littleEndian(2n ** 255n - 19n);
const L_LE = littleEndian(2n ** 252n + 27742317777372353535851937790883648493n);

function littleEndian(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** a < b for 32-byte little-endian integers, reading `a` from `offset`, optionally masking bit 255. */
function lessThan(a: Uint8Array, offset: number, b: Uint8Array, maskTopBit: boolean): boolean {
  for (let i = 31; i >= 0; i--) {
    let x = a[offset + i] as number;
    if (i === 31 && maskTopBit) x &= 0x7f;
    const y = b[i] as number;
    if (x !== y) return x < y;
  }
  return false;
}

/** Keys that passed the point checks: each costs ~2 ms here, and the same keys recur constantly. */
const validatedKeys = new ByteMemo<true>(4096);

/** The point checks; throws for a key that fails them, so that it is never remembered. */
function validatePoint(raw: Uint8Array): true {
  let point: Point;
  try {
    // Strict decoding is RFC 8032 §5.1.3: y < p, and x = 0 must carry a zero sign bit.
    point = Point.fromBytes(raw, false);
  } catch (cause) {
    throw new LiuhenError('KEY_NON_CANONICAL', undefined, { cause });
  }
  if (point.isSmallOrder()) throw new LiuhenError('KEY_SMALL_ORDER');
  if (!point.isTorsionFree()) throw new LiuhenError('KEY_MIXED_ORDER');
  return true;
}

/**
 * Validates a public key for enrolment: 32 bytes, canonical, not small-order, torsion-free.
 * Returns the same bytes, so callers can write `const key = importPublicKey(raw)`. A key that
 * passed once is remembered; a refused one is checked (and refused) again each time.
 */
export function importPublicKey(raw: Uint8Array): Uint8Array {
  if (!(raw instanceof Uint8Array) || raw.length !== PUBLIC_KEY_SIZE) {
    throw new LiuhenError('KEY_LENGTH', `public key must be ${PUBLIC_KEY_SIZE} bytes`);
  }
  validatedKeys.get(raw, 0, PUBLIC_KEY_SIZE, validatePoint);
  return raw;
}

/**
 * Explains why a signature is rejected before any curve arithmetic, or returns undefined.
 * Exported for the conformance test, which asserts both paths share it.
 */
export function signaturePrecheck(signature: Uint8Array): string | undefined {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_SIZE) return 'length';
  if (!lessThan(signature, 0, P_LE, true)) return 'R non-canonical';
  if (!lessThan(signature, 32, L_LE, false)) return 'S not below L';
  return undefined;
}

export interface VerifyOptions {
  /** Defaults to node:crypto in Node and noble elsewhere. */
  backend?: CryptoBackend;
}

/**
 * The one verification function of the system. Returns false for any signature that does not
 * satisfy the rule; throws a LiuhenError only when the public key itself is unacceptable, since
 * that is an enrolment failure, not a bad signature.
 */
export function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): boolean {
  const backend = options.backend ?? defaultBackend;
  importPublicKey(publicKey);
  if (signaturePrecheck(signature) !== undefined) return false;
  return backend.ed25519VerifyRaw(publicKey, message, signature);
}

export function publicKeyFromSeed(seed: Uint8Array, options: VerifyOptions = {}): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_SIZE) {
    throw new LiuhenError('KEY_LENGTH', `Ed25519 seed must be ${SEED_SIZE} bytes`);
  }
  return (options.backend ?? defaultBackend).ed25519PublicKey(seed);
}

export function signMessage(seed: Uint8Array, message: Uint8Array, options: VerifyOptions = {}): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_SIZE) {
    throw new LiuhenError('KEY_LENGTH', `Ed25519 seed must be ${SEED_SIZE} bytes`);
  }
  return (options.backend ?? defaultBackend).ed25519Sign(seed, message);
}

/** A fresh random seed from the platform CSPRNG (Web Crypto, present in Node ≥ 19 and browsers). */
export function randomSeed(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SEED_SIZE));
}

export interface KeyPair {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function generateKeyPair(): KeyPair {
  const seed = randomSeed();
  return { seed, publicKey: publicKeyFromSeed(seed) };
}
