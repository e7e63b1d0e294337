/**
 * X25519 and HKDF conformance: OpenSSL (node:crypto, imported through JWK) and noble must give the same
 * bytes, on RFC 7748's vectors and on random keys, and the key rules must refuse every point
 * whose shared secret would be zero.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeBackend } from '../src/backend/node.ts';
import { portableBackend } from '../src/backend/portable.ts';
import { fromHex, toHex } from '../src/bytes.ts';
import { failureCode } from '../src/errors.ts';
import { encryptionKeyPair, importEncryptionKey } from '../src/sealed.ts';

const backends = [nodeBackend, portableBackend];

describe('X25519 backends', () => {
  it('RFC 7748 §5.2 and §6.1 vectors', () => {
    const alice = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    for (const b of backends) {
      expect(toHex(b.x25519PublicKey(alice)), b.name).toBe(
        '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
      );
      expect(toHex(b.x25519PublicKey(bob)), b.name).toBe(
        'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
      );
      expect(toHex(b.x25519(alice, b.x25519PublicKey(bob))), b.name).toBe(
        '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
      );
      expect(
        toHex(
          b.x25519(
            fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
            fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
          ),
        ),
        b.name,
      ).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
    }
  });

  it('agree on random keys, public keys and shared secrets', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (a, b) => {
          const pa = nodeBackend.x25519PublicKey(a);
          expect(portableBackend.x25519PublicKey(a)).toEqual(pa);
          const pb = portableBackend.x25519PublicKey(b);
          expect(nodeBackend.x25519(a, pb)).toEqual(portableBackend.x25519(a, pb));
          expect(nodeBackend.x25519(b, pa)).toEqual(nodeBackend.x25519(a, pb));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a secret array overwritten in place is not served from the cache', () => {
    const secret = new Uint8Array(32).fill(7);
    const first = nodeBackend.x25519PublicKey(secret);
    secret.fill(9);
    expect(nodeBackend.x25519PublicKey(secret)).toEqual(portableBackend.x25519PublicKey(secret));
    expect(nodeBackend.x25519PublicKey(secret)).not.toEqual(first);
  });
});

describe('HKDF-SHA-256 backends', () => {
  it('RFC 5869 test case 3 (no salt, no info)', () => {
    const okm = '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8';
    for (const backend of backends)
      expect(
        toHex(backend.hkdfSha256(new Uint8Array(22).fill(0x0b), new Uint8Array(0), 42)),
        backend.name,
      ).toBe(okm);
  });

  it('agree on random inputs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 96 }),
        (ikm, info, length) => {
          expect(toHex(nodeBackend.hkdfSha256(ikm, info, length))).toBe(
            toHex(portableBackend.hkdfSha256(ikm, info, length)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('encryption key rules', () => {
  const p = 2n ** 255n - 19n;
  const le = (n: bigint) => {
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
    return out;
  };
  const lowOrder = [
    0n,
    1n,
    325606250916557431795983626356110631294008115727848805560023387167927233504n,
    39382357235489614581723060781553021112529911719440698176882885853963445705823n,
    p - 1n,
  ].map(le);

  it('refuses the small-order points, whose shared secret is zero for every secret', () => {
    const secret = new Uint8Array(32).fill(0x42);
    for (const point of lowOrder) {
      expect(
        failureCode(() => importEncryptionKey(point)),
        toHex(point),
      ).toBe('SEAL_KEY_INVALID');
      // noble refuses the all-zero result outright; that is what makes these points unusable.
      expect(() => x25519.getSharedSecret(secret, point)).toThrow();
    }
  });

  it('accepts one spelling only: bit 255 clear, u < p, 32 bytes', () => {
    const good = encryptionKeyPair(new Uint8Array(32).fill(3)).publicKey;
    expect(importEncryptionKey(good)).toBe(good);
    const high = good.slice();
    high[31] = (high[31] as number) | 0x80;
    expect(failureCode(() => importEncryptionKey(high))).toBe('SEAL_KEY_INVALID');
    expect(failureCode(() => importEncryptionKey(le(p)))).toBe('SEAL_KEY_INVALID');
    expect(failureCode(() => importEncryptionKey(le(p + 1n)))).toBe('SEAL_KEY_INVALID');
    expect(failureCode(() => importEncryptionKey(le(p + 5n)))).toBe('SEAL_KEY_INVALID');
    expect(failureCode(() => importEncryptionKey(good.subarray(1)))).toBe('SEAL_KEY_INVALID');
    expect(failureCode(() => importEncryptionKey(le(p - 2n)))).toBe('ok');
  });
});
