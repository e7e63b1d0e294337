/**
 * Ed25519 conformance: both backends (node:crypto/OpenSSL and @noble/ed25519) must give the answer
 * of Liuhen's single verification rule on every input — RFC 8032 vectors, crafted edge cases and
 * seeded random pairs — and therefore the same answer as each other.
 */
import { readFileSync } from 'node:fs';
import { verify as nobleVerify, Point } from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { nodeBackend } from '../src/backend/node.ts';
import { portableBackend } from '../src/backend/portable.ts';
import type { CryptoBackend } from '../src/backend/types.ts';
import { concatBytes, equalBytes, fromHex, toHex, utf8 } from '../src/bytes.ts';
import {
  importPublicKey,
  publicKeyFromSeed,
  signaturePrecheck,
  signMessage,
  verifySignature,
} from '../src/ed25519.ts';
import { LiuhenError } from '../src/errors.ts';
import {
  CRAFTED_VECTORS_URL,
  type CraftedVectorFile,
  challenge,
  type Expected,
  fromLe,
  generateCraftedVectors,
  L,
  P,
  serializeCraftedVectors,
  signerSeed,
  T8,
  TORSION,
} from './ed25519-vectors.ts';

// `@noble/ed25519`'s synchronous API needs `hashes.sha512`; importing the portable backend sets it.

const BACKENDS: readonly CryptoBackend[] = [nodeBackend, portableBackend];

function outcome(
  backend: CryptoBackend,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Expected {
  try {
    return verifySignature(publicKey, message, signature, { backend }) ? 'accept' : 'reject';
  } catch (error) {
    if (error instanceof LiuhenError) return error.code as Expected;
    throw error;
  }
}

function importOutcome(publicKey: Uint8Array): string {
  try {
    importPublicKey(publicKey);
    return 'ok';
  } catch (error) {
    if (error instanceof LiuhenError) return error.code;
    throw error;
  }
}

/**
 * The rule written out from the specification with bare point arithmetic (no library verify), as
 * an independent check that the expected outcomes in the vector file are the rule's.
 */
function referenceRule(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Expected {
  if (publicKey.length !== 32) return 'KEY_LENGTH';
  let a: Point;
  try {
    a = Point.fromBytes(publicKey, false);
  } catch {
    return 'KEY_NON_CANONICAL';
  }
  if (a.multiply(8n, false).is0()) return 'KEY_SMALL_ORDER';
  if (
    !a
      .multiply(L - 1n, false)
      .add(a)
      .is0()
  )
    return 'KEY_MIXED_ORDER';
  if (signature.length !== 64) return 'reject';
  const rBytes = signature.subarray(0, 32);
  let r: Point;
  try {
    r = Point.fromBytes(rBytes, false);
  } catch {
    return 'reject';
  }
  const s = fromLe(signature.subarray(32));
  if (s >= L) return 'reject';
  const k = challenge(rBytes, publicKey, message);
  return Point.BASE.multiply(s, false).equals(r.add(a.multiply(k, false))) ? 'accept' : 'reject';
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')) as T;
}

// ── RFC 8032 §7.1 ──────────────────────────────────────────────────────────────────────────────

interface RfcVector {
  name: string;
  seed: string;
  publicKey: string;
  message: string;
  signature: string;
}

const rfc = readJson<{ vectors: RfcVector[] }>('ed25519-rfc8032.json').vectors;

describe('RFC 8032 §7.1 test vectors', () => {
  it('has the five Ed25519 vectors', () => {
    expect(rfc.map((v) => v.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    expect(rfc.map((v) => v.message.length / 2)).toEqual([0, 1, 2, 1023, 64]);
  });

  describe.each(BACKENDS.map((backend) => [backend.name, backend] as const))('%s', (_name, backend) => {
    it.each(rfc.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      const seed = fromHex(v.seed);
      const publicKey = fromHex(v.publicKey);
      const message = fromHex(v.message);
      const signature = fromHex(v.signature);
      expect(toHex(publicKeyFromSeed(seed, { backend }))).toBe(v.publicKey);
      expect(toHex(signMessage(seed, message, { backend }))).toBe(v.signature);
      expect(importPublicKey(publicKey)).toBe(publicKey);
      expect(verifySignature(publicKey, message, signature, { backend })).toBe(true);
      // One changed bit anywhere must break it: message, R, S.
      const tampered = concatBytes(message, new Uint8Array([0]));
      expect(verifySignature(publicKey, tampered, signature, { backend })).toBe(false);
      for (const byte of [0, 31, 32, 63]) {
        const bad = signature.slice();
        bad[byte] = (bad[byte] as number) ^ 0x01;
        expect(verifySignature(publicKey, message, bad, { backend })).toBe(false);
      }
    });
  });
});

// ── Crafted vectors ────────────────────────────────────────────────────────────────────────────

const committedText = readFileSync(CRAFTED_VECTORS_URL, 'utf8');
const committed = JSON.parse(committedText) as CraftedVectorFile;
const crafted = committed.vectors;
const byName = new Map(crafted.map((v) => [v.name, v]));

function vector(name: string): { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array } {
  const v = byName.get(name);
  if (v === undefined) throw new Error(`no vector ${name}`);
  return { publicKey: fromHex(v.publicKey), message: fromHex(v.message), signature: fromHex(v.signature) };
}

/**
 * Why `signaturePrecheck` refuses a signature before any curve arithmetic. Every other vector that
 * reaches verification passes the precheck, and is decided by the equation (or by R's decoding,
 * for `R-identity-sign-bit` and `R-not-on-curve`, which both backends refuse on their own).
 */
const PRECHECK: Readonly<Record<string, string>> = {
  'R-non-canonical-y-p-plus-1': 'R non-canonical',
  'R-non-canonical-y-p': 'R non-canonical',
  'R-all-ones': 'R non-canonical',
  'S-plus-L': 'S not below L',
  'S-plus-15L': 'S not below L',
  'S-bit-255-set': 'S not below L',
  'S-equals-L': 'S not below L',
  'S-equals-L-plus-1': 'S not below L',
  'S-all-ones': 'S not below L',
  'signature-63-bytes': 'length',
  'signature-65-bytes': 'length',
  'signature-empty': 'length',
  'speccheck-6': 'S not below L',
  'speccheck-7': 'S not below L',
};

describe('crafted vectors (vectors/ed25519-crafted.json)', () => {
  it('the committed file is exactly what the generator produces', () => {
    const regenerated = generateCraftedVectors();
    expect(committed).toEqual(regenerated);
    expect(committedText).toBe(serializeCraftedVectors(regenerated));
  });

  it('covers every case family, with unique names', () => {
    expect(byName.size).toBe(crafted.length);
    const count = (prefix: string) => crafted.filter((v) => v.name.startsWith(prefix)).length;
    expect(count('A-small-order-T')).toBe(8);
    expect(count('speccheck-')).toBe(12);
    const outcomes = new Set(crafted.map((v) => v.expected));
    expect([...outcomes].sort()).toEqual(
      ['KEY_LENGTH', 'KEY_MIXED_ORDER', 'KEY_NON_CANONICAL', 'KEY_SMALL_ORDER', 'accept', 'reject'].sort(),
    );
  });

  it.each(crafted.map((v) => [v.name, v.expected, v] as const))('%s → %s', (_name, expected, v) => {
    const publicKey = fromHex(v.publicKey);
    const message = fromHex(v.message);
    const signature = fromHex(v.signature);
    const answers = BACKENDS.map((backend) => outcome(backend, publicKey, message, signature));
    // Both backends give the rule's answer, hence the same answer.
    expect(answers).toEqual([expected, expected]);
    // Key refusals come from the import check, shared by both paths.
    expect(importOutcome(publicKey)).toBe(expected.startsWith('KEY_') ? expected : 'ok');
    if (!expected.startsWith('KEY_')) expect(signaturePrecheck(signature)).toBe(PRECHECK[v.name]);
    // And the rule, written out independently, agrees with the file.
    expect(referenceRule(publicKey, message, signature)).toBe(expected);
  });

  it('the precheck table only names vectors that exist and are rejected', () => {
    for (const name of Object.keys(PRECHECK)) expect(byName.get(name)?.expected).toBe('reject');
  });

  it('the generator builds what its comments say', () => {
    // Torsion subgroup: eight distinct points, T8 of order exactly 8.
    expect(new Set(TORSION.map((t) => t.toHex())).size).toBe(8);
    for (const t of TORSION) expect(t.isSmallOrder()).toBe(true);
    expect(T8.double().double().is0()).toBe(false);
    // The hand-rolled RFC 8032 signing in the generator is the real thing on both backends.
    const honest = vector('honest');
    const empty = vector('honest-empty-message');
    for (const backend of BACKENDS) {
      expect(publicKeyFromSeed(signerSeed('alice'), { backend })).toEqual(honest.publicKey);
      expect(signMessage(signerSeed('alice'), honest.message, { backend })).toEqual(honest.signature);
      expect(signMessage(signerSeed('alice'), empty.message, { backend })).toEqual(empty.signature);
    }
    // Torsioned or small-order R with an honest key, and the cofactored-only mixed key: the cofactored
    // equation holds (noble's ZIP-215 verify); the cofactorless one does not (the cases above).
    const cofactoredOnly = ['R-torsion-order-2', 'R-torsion-order-4', 'R-torsion-order-8', 'R-small-order-8'];
    for (const name of [...cofactoredOnly, 'A-mixed-order-8-cofactored-only']) {
      const v = vector(name);
      expect(nobleVerify(v.signature, v.message, v.publicKey, { zip215: true })).toBe(true);
    }
    // Small-order and mixed keys marked "cofactorless-valid" satisfy the bare equation.
    for (const v of crafted.filter((c) => c.name.startsWith('A-') && c.expected !== 'KEY_NON_CANONICAL')) {
      if (v.name.endsWith('cofactored-only')) continue;
      const pointA = Point.fromBytes(fromHex(v.publicKey), false);
      const sig = fromHex(v.signature);
      const k = challenge(sig.subarray(0, 32), fromHex(v.publicKey), fromHex(v.message));
      const lhs = Point.BASE.multiply(fromLe(sig.subarray(32)), false);
      expect(lhs.equals(Point.fromBytes(sig.subarray(0, 32), false).add(pointA.multiply(k, false)))).toBe(
        true,
      );
    }
    // R-non-canonical-y-p-plus-1 and R-identity-sign-bit decode (leniently) to the identity.
    expect(Point.fromBytes(vector('R-non-canonical-y-p-plus-1').signature.subarray(0, 32), true).is0()).toBe(
      true,
    );
    expect(Point.fromBytes(vector('R-identity-sign-bit').signature.subarray(0, 32), true).is0()).toBe(true);
    // The speccheck public keys are what the comments say they are.
    const specKey = (i: number) => Point.fromBytes(vector(`speccheck-${i}`).publicKey, true);
    for (const i of [0, 1]) expect(specKey(i).isSmallOrder()).toBe(true);
    for (const i of [2, 3, 4, 5, 8, 9]) {
      expect([specKey(i).isSmallOrder(), specKey(i).isTorsionFree()]).toEqual([false, false]);
    }
    for (const i of [6, 7])
      expect([specKey(i).isSmallOrder(), specKey(i).isTorsionFree()]).toEqual([false, true]);
    expect(fromLe(vector('speccheck-6').signature.subarray(32)) > L).toBe(true);
    expect(fromLe(vector('S-plus-15L').signature.subarray(32)) >> 252n).toBe(15n);
    expect(fromLe(vector('A-non-canonical-y-p-plus-1').publicKey)).toBe(P + 1n);
  });
});

// ── What the raw libraries say (informational) ─────────────────────────────────────────────────

/**
 * The raw equations, without Liuhen's pre-checks: OpenSSL 3 (`nodeBackend.ed25519VerifyRaw`, which
 * is cofactorless and decodes A leniently), noble's strict mode (cofactored, refuses small-order
 * and non-canonical A and R), and noble's ZIP-215 mode (cofactored, lenient decoding). They
 * disagree with each other on these inputs; the pre-checks above make every backend agree.
 * Deterministic for the pinned noble 3.2.0 and the OpenSSL 3.0 that Node 20 bundles: if an upgrade
 * changes a row, update the row; the rule and the vector file do not depend on it.
 */
const RAW: Readonly<Record<string, readonly [openssl: boolean, nobleStrict: boolean, nobleZip215: boolean]>> =
  {
    honest: [true, true, true],
    'R-identity-valid': [true, true, true],
    // Small-order key, R = identity, S = 0: OpenSSL accepts (no small-order check), strict noble not.
    'A-small-order-T0': [true, false, true],
    'A-small-order-T1': [true, false, true],
    'A-small-order-T4': [true, false, true],
    // Non-canonical key, y = p + 1 (the identity): OpenSSL decodes it, strict noble refuses it.
    'A-non-canonical-y-p-plus-1': [true, false, true],
    'A-non-canonical-identity-sign-bit': [true, false, true],
    // Key with a torsion component: OpenSSL follows k mod 8, noble's cofactored check does not.
    'A-mixed-order-8-cofactorless-valid': [true, true, true],
    'A-mixed-order-8-cofactored-only': [false, true, true],
    // Honest key, R carrying a torsion component: cofactored accepts, cofactorless refuses.
    'R-torsion-order-8': [false, true, true],
    'R-torsion-order-2': [false, true, true],
    'R-small-order-8': [false, true, true],
    // Non-canonical R: only ZIP-215 decoding takes it.
    'R-identity-sign-bit': [false, false, true],
    'R-non-canonical-y-p-plus-1': [false, false, true],
    // S ≥ L: everyone refuses.
    'S-plus-L': [false, false, false],
    'speccheck-0': [true, false, true],
    'speccheck-3': [true, true, true],
    'speccheck-4': [false, true, true],
    'speccheck-5': [false, true, true],
    'speccheck-9': [false, false, true],
    'speccheck-11': [true, false, true],
  };

describe('raw libraries without the pre-checks (informational)', () => {
  it.each(Object.entries(RAW))('%s', (name, expected) => {
    const v = vector(name);
    expect([
      nodeBackend.ed25519VerifyRaw(v.publicKey, v.message, v.signature),
      nobleVerify(v.signature, v.message, v.publicKey, { zip215: false }),
      nobleVerify(v.signature, v.message, v.publicKey, { zip215: true }),
    ]).toEqual(expected);
  });

  it('both raw equations are cofactorless, so a mixed-order A is refused only by the import check', () => {
    // Mixed-order A where the cofactorless equation holds: both raw backends accept, and only
    // `importPublicKey` (KEY_MIXED_ORDER) stands between this signature and acceptance.
    const v = vector('speccheck-3');
    expect(nodeBackend.ed25519VerifyRaw(v.publicKey, v.message, v.signature)).toBe(true);
    expect(portableBackend.ed25519VerifyRaw(v.publicKey, v.message, v.signature)).toBe(true);
    expect(() => importPublicKey(v.publicKey)).toThrow('KEY_MIXED_ORDER');
    // And OpenSSL, handed a 33-byte key in the SPKI wrapper, verifies against its first 32 bytes.
    const k = vector('key-33-bytes');
    expect(nodeBackend.ed25519VerifyRaw(k.publicKey, k.message, k.signature)).toBe(true);
  });
});

// ── Seeded random pairs ────────────────────────────────────────────────────────────────────────

describe('seeded random keys and messages', () => {
  // noble verifies a few hundred signatures a second on a slow machine, so each signature is
  // verified once, by the backend that did not produce it: even pairs node → noble, odd pairs
  // noble → node. The signatures are byte-identical, so this is cross-verification both ways.
  it('1,000 pairs: identical keys and signatures on both backends, each verifying on the other', () => {
    const failures: string[] = [];
    let state = sha512(utf8('liuhen ed25519 random pairs'));
    for (let i = 0; i < 1000; i++) {
      state = sha512(state);
      const seed = state.slice(0, 32);
      // Messages of 0…255 bytes, filled from a hash chain.
      const length = state[32] as number;
      const message = new Uint8Array(length);
      let fill = sha512(state.slice(32));
      for (let at = 0; at < length; at += 64) {
        message.set(fill.subarray(0, Math.min(64, length - at)), at);
        fill = sha512(fill);
      }
      const nodeKey = publicKeyFromSeed(seed, { backend: nodeBackend });
      const nobleKey = publicKeyFromSeed(seed, { backend: portableBackend });
      const nodeSig = signMessage(seed, message, { backend: nodeBackend });
      const nobleSig = signMessage(seed, message, { backend: portableBackend });
      if (!equalBytes(nodeKey, nobleKey)) failures.push(`${i}: public keys differ`);
      if (!equalBytes(nodeSig, nobleSig)) failures.push(`${i}: signatures differ`);
      const [signature, verifier] = i % 2 === 0 ? [nodeSig, portableBackend] : [nobleSig, nodeBackend];
      if (!verifySignature(nodeKey, message, signature, { backend: verifier })) {
        failures.push(`${i}: ${verifier.name} refuses the other backend's signature`);
      }
      // Every 25th pair, the signature must fail on both backends for a neighbouring message.
      if (i % 25 === 0) {
        const other = concatBytes(message, sha256(message).subarray(0, 1));
        for (const backend of BACKENDS) {
          if (verifySignature(nodeKey, other, nodeSig, { backend }))
            failures.push(`${i}: ${backend.name} forgery`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
