/**
 * Generator of the crafted Ed25519 conformance vectors in `vectors/ed25519-crafted.json`.
 *
 * Everything is derived deterministically from fixed labels with noble's `Point` API and SHA-512,
 * so the conformance test can regenerate the list in memory and require the committed file to be
 * identical. To rewrite the file after changing this generator:
 *
 *   npx tsx packages/core/test/ed25519-vectors.ts
 *
 * The expected outcomes are those of Liuhen's single verification rule (docs/protocol.md §3):
 * RFC 8032 §5.1.7 cofactorless `[S]B = R + [k]A`, with A canonical, not of small order and
 * torsion-free (checked when the key is imported), R canonically encoded and S < L.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Point } from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export type Expected =
  | 'accept'
  | 'reject'
  | 'KEY_LENGTH'
  | 'KEY_NON_CANONICAL'
  | 'KEY_SMALL_ORDER'
  | 'KEY_MIXED_ORDER';

export interface CraftedVector {
  /** Stable identifier, referenced by the conformance test. */
  name: string;
  /** Why the rule gives `expected`. */
  comment: string;
  publicKey: string;
  message: string;
  signature: string;
  /** `accept`/`reject` from verification, or the LiuhenError code raised when the key is imported. */
  expected: Expected;
}

export interface CraftedVectorFile {
  description: string;
  rule: string;
  fields: Record<string, string>;
  vectors: CraftedVector[];
}

export const P = 2n ** 255n - 19n;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export function le32(n: bigint): Uint8Array {
  if (n < 0n || n >= 2n ** 256n) throw new RangeError('does not fit in 32 bytes');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

export function fromLe(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

/** k = SHA-512(R || A || M) mod L, over the exact bytes given (RFC 8032 §5.1.7 step 2). */
export function challenge(rBytes: Uint8Array, aBytes: Uint8Array, message: Uint8Array): bigint {
  return fromLe(sha512(concatBytes(rBytes, aBytes, message))) % L;
}

/** A 32-byte little-endian encoding of y, with the x sign bit (bit 255) set or not. */
function encodeY(y: bigint, signBit: boolean): Uint8Array {
  const out = le32(y);
  if (signBit) out[31] = (out[31] as number) | 0x80;
  return out;
}

/** Smallest n in {1, 2, 4, 8} with [n]P = identity, for a point of small order. */
function smallOrder(point: Point): 1 | 2 | 4 | 8 {
  if (point.is0()) return 1;
  if (point.double().is0()) return 2;
  if (point.double().double().is0()) return 4;
  if (point.clearCofactor().is0()) return 8;
  throw new Error('not a small-order point');
}

/** A signer whose private scalar we know, so we can build signatures around crafted R values. */
interface Signer {
  seed: Uint8Array;
  /** Secret scalar a: clamped first half of SHA-512(seed), reduced mod L (RFC 8032 §5.1.5). */
  scalar: bigint;
  prefix: Uint8Array;
  publicKey: Uint8Array;
}

/** The 32-byte seed of the conformance signer `label` ('alice', 'bob'). */
export function signerSeed(label: string): Uint8Array {
  return sha256(utf8ToBytes(`liuhen ed25519 conformance seed: ${label}`));
}

function signer(label: string): Signer {
  const seed = signerSeed(label);
  const h = sha512(seed);
  const head = h.slice(0, 32);
  head[0] = (head[0] as number) & 248;
  head[31] = ((head[31] as number) & 127) | 64;
  const scalar = fromLe(head) % L;
  return { seed, scalar, prefix: h.slice(32), publicKey: Point.BASE.multiply(scalar).toBytes() };
}

/** S = r + k·a mod L, for a signature whose R bytes were chosen by the caller. */
function respond(r: bigint, k: bigint, a: bigint): Uint8Array {
  return le32((r + k * a) % L);
}

/** Plain RFC 8032 §5.1.6 signing (what both backends must produce for the same seed). */
function rfcSign(s: Signer, message: Uint8Array): Uint8Array {
  const r = fromLe(sha512(concatBytes(s.prefix, message))) % L;
  const rBytes = Point.BASE.multiply(r).toBytes();
  return concatBytes(rBytes, respond(r, challenge(rBytes, s.publicKey, message), s.scalar));
}

/** A deterministic non-zero nonce, for signatures built by hand. */
function nonce(label: string): bigint {
  const r = fromLe(sha512(utf8ToBytes(`liuhen ed25519 conformance nonce: ${label}`))) % L;
  if (r === 0n) throw new Error('zero nonce');
  return r;
}

/** First message `${base} #i` whose challenge satisfies `accept`, so searches are reproducible. */
function findMessage(base: string, accept: (message: Uint8Array) => boolean): Uint8Array {
  for (let i = 0; i < 1000; i++) {
    const message = utf8ToBytes(`${base} #${i}`);
    if (accept(message)) return message;
  }
  throw new Error(`no message found for ${base}`);
}

/** A generator of the torsion subgroup: the order-8 point with canonical encoding c7176a…037a. */
export const T8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');

/** The eight small-order points, T[i] = [i]T8: T[0] identity, T[4] order 2, T[2], T[6] order 4. */
export const TORSION: readonly Point[] = (() => {
  const points: Point[] = [];
  let t = Point.ZERO;
  for (let i = 0; i < 8; i++) {
    points.push(t);
    t = t.add(T8);
  }
  return points;
})();

function torsion(i: number): Point {
  const t = TORSION[i];
  if (t === undefined) throw new RangeError('torsion index');
  return t;
}

/**
 * Vectors from "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, SSR 2020), copied as data
 * from novifinancial/ed25519-speccheck `cases.txt` (the 12-case version of the paper), with our
 * rule's outcome and the reason.
 */
const SPECCHECK: readonly (readonly [string, string, string, Expected, string])[] = [
  [
    '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000',
    'KEY_SMALL_ORDER',
    'paper case 0: S = 0, A and R of small order, both equations hold; A has order 8, refused at import',
  ],
  [
    '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
    'KEY_SMALL_ORDER',
    'paper case 1: 0 < S < L, A of small order, R of mixed order, both equations hold; A has order 8',
  ],
  [
    'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e',
    'KEY_MIXED_ORDER',
    'paper case 2: 0 < S < L, A of mixed order, R of small order, both equations hold; A has a torsion component',
  ],
  [
    '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009',
    'KEY_MIXED_ORDER',
    'paper case 3: A and R of mixed order, both equations hold (every raw library accepts); A has a torsion component',
  ],
  [
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09',
    'KEY_MIXED_ORDER',
    'paper case 4: A and R of mixed order, only the cofactored equation holds; A has a torsion component',
  ],
  [
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405',
    'KEY_MIXED_ORDER',
    'paper case 5: A of mixed order, R of order L, only the cofactored equation holds (unless 8k is pre-reduced mod L); A has a torsion component',
  ],
  [
    '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514',
    'reject',
    'paper case 6: A and R of order L, both equations hold with S reduced, but S > L: S must be below L',
  ],
  [
    '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22',
    'reject',
    'paper case 7: as case 6 with S >> L (high bits set): S must be below L',
  ],
  [
    '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f',
    'KEY_MIXED_ORDER',
    'paper case 8: R = (0, -1) encoded with the sign bit set (non-canonical), accepted by implementations that re-encode R before hashing; A (as in case 2) has a torsion component, refused first',
  ],
  [
    '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908',
    'KEY_MIXED_ORDER',
    'paper case 9: as case 8, accepted by implementations that hash R as received; A has a torsion component, refused first',
  ],
  [
    'e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
    'KEY_NON_CANONICAL',
    'paper case 10: A = (0, -1) with the sign bit set, x = 0 (non-canonical, RFC 8032 §5.1.3 step 4), accepted by implementations that re-encode A before hashing',
  ],
  [
    '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
    'KEY_NON_CANONICAL',
    'paper case 11: as case 10, accepted by implementations that hash A as received',
  ],
];

export function generateCraftedVectors(): CraftedVectorFile {
  const vectors: CraftedVector[] = [];
  const add = (
    name: string,
    comment: string,
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
    expected: Expected,
  ): void => {
    if (vectors.some((v) => v.name === name)) throw new Error(`duplicate vector ${name}`);
    vectors.push({
      name,
      comment,
      publicKey: bytesToHex(publicKey),
      message: bytesToHex(message),
      signature: bytesToHex(signature),
      expected,
    });
  };

  // ── An honest key and its ordinary signatures ────────────────────────────────────────────────
  const alice = signer('alice');
  const bob = signer('bob');
  const msg = utf8ToBytes('liuhen conformance message');
  const good = rfcSign(alice, msg);
  const goodR = good.slice(0, 32);
  const goodS = fromLe(good.slice(32));

  add('honest', 'RFC 8032 signature by a prime-order key', alice.publicKey, msg, good, 'accept');
  add(
    'honest-empty-message',
    'RFC 8032 signature of the empty message',
    alice.publicKey,
    new Uint8Array(0),
    rfcSign(alice, new Uint8Array(0)),
    'accept',
  );
  add(
    'honest-wrong-message',
    'signature of another message',
    alice.publicKey,
    utf8ToBytes('liuhen conformance message.'),
    good,
    'reject',
  );
  add('honest-wrong-key', "Alice's signature checked against Bob's key", bob.publicKey, msg, good, 'reject');
  const flipR = good.slice();
  flipR[0] = (flipR[0] as number) ^ 0x01;
  add('honest-bit-flip-R', 'lowest bit of R flipped', alice.publicKey, msg, flipR, 'reject');
  const flipS = good.slice();
  flipS[32] = (flipS[32] as number) ^ 0x01;
  add('honest-bit-flip-S', 'lowest bit of S flipped', alice.publicKey, msg, flipS, 'reject');

  // ── Crafted R, by a signer who knows the private scalar a ────────────────────────────────────
  {
    const identity = Point.ZERO.toBytes();
    const k = challenge(identity, alice.publicKey, msg);
    add(
      'R-identity-valid',
      'R = identity (canonical 01 00…00), S = k·a: [S]B = R + [k]A holds exactly, R is canonical and torsion-free, so RFC 8032 accepts it (an honest signer never produces it: r = 0 mod L)',
      alice.publicKey,
      msg,
      concatBytes(identity, respond(0n, k, alice.scalar)),
      'accept',
    );
  }
  for (const i of [4, 2, 1]) {
    const T = torsion(i);
    const order = smallOrder(T);
    const r = nonce(`R + T${i}`);
    const rBytes = Point.BASE.multiply(r).add(T).toBytes();
    const k = challenge(rBytes, alice.publicKey, msg);
    add(
      `R-torsion-order-${order}`,
      `R' = rB + T with T of order ${order}, S = r + k·a: only the cofactored equation [8][S]B = [8]R' + [8][k]A holds; cofactorless is off by T`,
      alice.publicKey,
      msg,
      concatBytes(rBytes, respond(r, k, alice.scalar)),
      'reject',
    );
  }
  {
    const rBytes = T8.toBytes();
    const k = challenge(rBytes, alice.publicKey, msg);
    add(
      'R-small-order-8',
      'R = T (order 8, no prime-order part), S = k·a: only the cofactored equation holds',
      alice.publicKey,
      msg,
      concatBytes(rBytes, respond(0n, k, alice.scalar)),
      'reject',
    );
  }
  {
    const rBytes = encodeY(1n, true);
    const k = challenge(rBytes, alice.publicKey, msg);
    add(
      'R-identity-sign-bit',
      'R = 01 00…80: identity with x = 0 but the sign bit set, S = k·a. RFC 8032 §5.1.3 decoding fails (x = 0 with x_0 = 1), so the signature is invalid; implementations that decode leniently accept it',
      alice.publicKey,
      msg,
      concatBytes(rBytes, respond(0n, k, alice.scalar)),
      'reject',
    );
  }
  {
    const rBytes = encodeY(P + 1n, false);
    const k = challenge(rBytes, alice.publicKey, msg);
    add(
      'R-non-canonical-y-p-plus-1',
      'R = ee ff…7f: y = p + 1, a non-canonical encoding of the identity, S = k·a. The equation holds for the decoded point but y ≥ p is refused',
      alice.publicKey,
      msg,
      concatBytes(rBytes, respond(0n, k, alice.scalar)),
      'reject',
    );
  }
  {
    const rBytes = encodeY(P, false);
    const k = challenge(rBytes, alice.publicKey, msg);
    add(
      'R-non-canonical-y-p',
      'R = ed ff…7f: y = p, a non-canonical encoding of an order-4 point, S = k·a: y ≥ p is refused (and only the cofactored equation would hold)',
      alice.publicKey,
      msg,
      concatBytes(rBytes, respond(0n, k, alice.scalar)),
      'reject',
    );
  }
  add(
    'R-all-ones',
    'R = ff…ff: y = 2^255 − 1 ≥ p',
    alice.publicKey,
    msg,
    concatBytes(new Uint8Array(32).fill(0xff), good.slice(32)),
    'reject',
  );
  add(
    'R-not-on-curve',
    'R = 02 00…00: y = 2 has no x on the curve',
    alice.publicKey,
    msg,
    concatBytes(encodeY(2n, false), good.slice(32)),
    'reject',
  );

  // ── S out of range ───────────────────────────────────────────────────────────────────────────
  const withS = (s: bigint): Uint8Array => concatBytes(goodR, le32(s));
  add(
    'S-plus-L',
    'valid signature with S replaced by S + L (malleability): the equation holds mod L, but S must be below L',
    alice.publicKey,
    msg,
    withS(goodS + L),
    'reject',
  );
  if (goodS + 15n * L >= 2n ** 256n) throw new Error('S + 15L does not fit');
  add(
    'S-plus-15L',
    'valid signature with S replaced by S + 15L, so the top four bits of S are set: equation holds mod L, S ≥ L',
    alice.publicKey,
    msg,
    withS(goodS + 15n * L),
    'reject',
  );
  add(
    'S-bit-255-set',
    'valid signature with bit 255 of S set (S + 2^255)',
    alice.publicKey,
    msg,
    withS(goodS + 2n ** 255n),
    'reject',
  );
  add('S-equals-L', 'S = L exactly', alice.publicKey, msg, withS(L), 'reject');
  add('S-equals-L-plus-1', 'S = L + 1', alice.publicKey, msg, withS(L + 1n), 'reject');
  add('S-all-ones', 'S = 2^256 − 1', alice.publicKey, msg, withS(2n ** 256n - 1n), 'reject');
  add(
    'S-zero',
    'S = 0 with an honest R: in range, but the equation fails',
    alice.publicKey,
    msg,
    withS(0n),
    'reject',
  );

  // ── Lengths ──────────────────────────────────────────────────────────────────────────────────
  add('key-31-bytes', 'public key one byte short', alice.publicKey.slice(0, 31), msg, good, 'KEY_LENGTH');
  add(
    'key-33-bytes',
    'public key with a trailing zero byte',
    concatBytes(alice.publicKey, new Uint8Array(1)),
    msg,
    good,
    'KEY_LENGTH',
  );
  add('key-empty', 'empty public key', new Uint8Array(0), msg, good, 'KEY_LENGTH');
  add(
    'signature-63-bytes',
    'valid signature less its last byte',
    alice.publicKey,
    msg,
    good.slice(0, 63),
    'reject',
  );
  add(
    'signature-65-bytes',
    'valid signature with a trailing zero byte',
    alice.publicKey,
    msg,
    concatBytes(good, new Uint8Array(1)),
    'reject',
  );
  add('signature-empty', 'empty signature', alice.publicKey, msg, new Uint8Array(0), 'reject');

  // ── Small-order public keys, R = identity, S = 0 ─────────────────────────────────────────────
  // With A of order n and k ≡ 0 (mod n), [0]B = identity + [k]A holds even cofactorless, so any
  // verifier without a small-order check accepts: the message is searched for such a k.
  const smallOrderKeys: [string, string, Uint8Array, Expected][] = [];
  for (let i = 0; i < 8; i++) {
    const T = torsion(i);
    smallOrderKeys.push([
      `A-small-order-T${i}`,
      `A = [${i}]T8, order ${smallOrder(T)}, canonical encoding`,
      T.toBytes(),
      'KEY_SMALL_ORDER',
    ]);
  }
  const nonCanonicalSmall: [string, string, Uint8Array][] = [
    ['identity-sign-bit', 'A = 01 00…80: identity (x = 0) with the sign bit set', encodeY(1n, true)],
    ['order-2-sign-bit', 'A = ec ff…ff: (0, −1) (x = 0) with the sign bit set', encodeY(P - 1n, true)],
    ['y-p', 'A = ed ff…7f: y = p ≡ 0, an order-4 point', encodeY(P, false)],
    ['y-p-sign-bit', 'A = ed ff…ff: y = p ≡ 0, the other order-4 point', encodeY(P, true)],
    ['y-p-plus-1', 'A = ee ff…7f: y = p + 1 ≡ 1, the identity', encodeY(P + 1n, false)],
    ['y-p-plus-1-sign-bit', 'A = ee ff…ff: y = p + 1 ≡ 1 with the sign bit set', encodeY(P + 1n, true)],
  ];
  for (const [suffix, comment, bytes] of nonCanonicalSmall) {
    smallOrderKeys.push([`A-non-canonical-${suffix}`, comment, bytes, 'KEY_NON_CANONICAL']);
  }
  const identity = Point.ZERO.toBytes();
  const zeroSignature = concatBytes(identity, new Uint8Array(32));
  for (const [name, comment, aBytes, expected] of smallOrderKeys) {
    const order = BigInt(smallOrder(Point.fromBytes(aBytes, true)));
    const message = findMessage(name, (m) => challenge(identity, aBytes, m) % order === 0n);
    const why =
      expected === 'KEY_SMALL_ORDER'
        ? 'small-order keys are refused at import'
        : 'non-canonical encodings are refused at import, before any order check';
    add(
      name,
      `${comment}; R = identity, S = 0, message chosen so that k ≡ 0 mod ${order}, making even the cofactorless equation hold: ${why}`,
      aBytes,
      message,
      zeroSignature,
      expected,
    );
  }

  // ── Other unacceptable public keys ───────────────────────────────────────────────────────────
  add(
    'A-non-canonical-y-p-plus-3',
    'A = f0 ff…7f: y = p + 3, a non-canonical encoding of a mixed-order point',
    encodeY(P + 3n, false),
    msg,
    good,
    'KEY_NON_CANONICAL',
  );
  add(
    'A-all-ones',
    'A = ff…ff: y = 2^255 − 1 = p + 18 with the sign bit set',
    new Uint8Array(32).fill(0xff),
    msg,
    good,
    'KEY_NON_CANONICAL',
  );
  add(
    'A-not-on-curve',
    'A = 02 00…00: y = 2 has no x on the curve (reported as KEY_NON_CANONICAL: not a valid point encoding)',
    encodeY(2n, false),
    msg,
    good,
    'KEY_NON_CANONICAL',
  );

  // ── Mixed-order public keys: A' = aB + T ─────────────────────────────────────────────────────
  for (const [i, cofactorless] of [
    [1, true],
    [1, false],
    [4, true],
  ] as const) {
    const T = torsion(i);
    const order = BigInt(smallOrder(T));
    const aBytes = Point.BASE.multiply(alice.scalar).add(T).toBytes();
    const label = `A' = A + T${i} ${cofactorless ? 'cofactorless' : 'cofactored-only'}`;
    const r = nonce(label);
    const rBytes = Point.BASE.multiply(r).toBytes();
    const message = findMessage(label, (m) => (challenge(rBytes, aBytes, m) % order === 0n) === cofactorless);
    const k = challenge(rBytes, aBytes, message);
    add(
      `A-mixed-order-${order}-${cofactorless ? 'cofactorless-valid' : 'cofactored-only'}`,
      `A' = A + T with T of order ${order}, R = rB, S = r + k·a, ` +
        (cofactorless
          ? `message chosen so that k ≡ 0 mod ${order}: both equations hold`
          : `k ≢ 0 mod ${order}: only the cofactored equation holds`) +
        '; keys with a torsion component are refused at import',
      aBytes,
      message,
      concatBytes(rBytes, respond(r, k, alice.scalar)),
      'KEY_MIXED_ORDER',
    );
  }

  // ── "Taming the many EdDSAs" ─────────────────────────────────────────────────────────────────
  SPECCHECK.forEach(([message, publicKey, signature, expected, comment], i) => {
    add(
      `speccheck-${i}`,
      comment,
      hexToBytes(publicKey),
      hexToBytes(message),
      hexToBytes(signature),
      expected,
    );
  });

  return {
    description:
      'Liuhen Ed25519 conformance vectors: crafted edge cases with the outcome every Liuhen verifier must give. Generated by packages/core/test/ed25519-vectors.ts; the speccheck-* cases are the 12 vectors of "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, SSR 2020; github.com/novifinancial/ed25519-speccheck).',
    rule: 'RFC 8032 §5.1.7 cofactorless verification [S]B = R + [k]A, k = SHA-512(R || A || M) mod L over the bytes as received. At key import: 32 bytes (else KEY_LENGTH); canonical encoding per RFC 8032 §5.1.3, y < p, and x = 0 only with the sign bit clear, and on the curve (else KEY_NON_CANONICAL); not of small order (else KEY_SMALL_ORDER); torsion-free, [L]A = identity (else KEY_MIXED_ORDER); checked in that order. At verification: signature of 64 bytes; R decodes per RFC 8032 §5.1.3 (y < p, no x = 0 with the sign bit set, on the curve); S < L; else reject.',
    fields: {
      name: 'stable identifier',
      comment: 'why the rule gives the expected outcome',
      publicKey: 'hex, normally 32 bytes',
      message: 'hex',
      signature: 'hex, normally 64 bytes (R || S)',
      expected:
        '"accept" or "reject" for verification; KEY_LENGTH, KEY_NON_CANONICAL, KEY_SMALL_ORDER or KEY_MIXED_ORDER when the public key is refused at import (verification never starts)',
    },
    vectors,
  };
}

export const CRAFTED_VECTORS_URL = new URL('./vectors/ed25519-crafted.json', import.meta.url);

/** The exact file text: two-space JSON with a final newline. */
export function serializeCraftedVectors(file: CraftedVectorFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(CRAFTED_VECTORS_URL, serializeCraftedVectors(generateCraftedVectors()));
  console.log(`wrote ${CRAFTED_VECTORS_URL.pathname}`);
}
