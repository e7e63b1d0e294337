/**
 * XChaCha20-Poly1305 and ephemeral X25519 conformance: the Node backend (HChaCha20 + OpenSSL's
 * ChaCha20-Poly1305, keys generated inside OpenSSL) must give noble's bytes and open what the
 * portable backend sealed, and the other way round; a failed tag stays SEAL_AEAD_FAILED.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeBackend } from '../src/backend/node.ts';
import { portableBackend } from '../src/backend/portable.ts';
import { fromHex, toHex, utf8 } from '../src/bytes.ts';
import { encodeCanonical } from '../src/cbor.ts';
import { LiuhenError } from '../src/errors.ts';
import {
  grantWraps,
  parseSealed,
  type Rng,
  sealContext,
  sealFields,
  unsealFields,
  unwrapDataKey,
} from '../src/sealed.ts';
import { keys, recipientOf, restrictedFields, sealedDraft } from './sealed-fixtures.ts';

const backends = [nodeBackend, portableBackend];
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return error instanceof LiuhenError ? error.code : `untyped: ${(error as Error).message}`;
  }
  return 'ok';
}

describe('XChaCha20-Poly1305 backends', () => {
  it('draft-irtf-cfrg-xchacha-03 §A.3.1 vector', () => {
    const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657');
    const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
    const plaintext = utf8(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const expected =
      'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e' +
      'c0875924c1c7987947deafd8780acf49';
    for (const b of backends) {
      expect(toHex(b.xchacha20poly1305Seal(key, nonce, aad, plaintext)), b.name).toBe(expected);
      expect(b.xchacha20poly1305Open(key, nonce, aad, fromHex(expected)), b.name).toEqual(plaintext);
    }
  });

  it('give noble’s bytes for every length 0..300, with random keys, nonces and AAD', () => {
    for (let length = 0; length <= 300; length++) {
      fc.assert(
        fc.property(
          bytes(32),
          bytes(24),
          fc.uint8Array({ maxLength: 100 }),
          bytes(length),
          (k, n, aad, pt) => {
            const reference = xchacha20poly1305(k, n, aad).encrypt(pt);
            for (const b of backends) {
              expect(toHex(b.xchacha20poly1305Seal(k, n, aad, pt)), `${b.name} ${length}`).toBe(
                toHex(reference),
              );
              expect(toHex(b.xchacha20poly1305Open(k, n, aad, reference)), `${b.name} ${length}`).toBe(
                toHex(pt),
              );
            }
          },
        ),
        { numRuns: 3 },
      );
    }
  });

  it('read keys, nonces and messages at any offset, and leave the inputs as they were', () => {
    const buffer = fc.sample(bytes(512), { numRuns: 1, seed: 7 })[0] as Uint8Array;
    const snapshot = buffer.slice();
    for (const at of [0, 1, 3, 5]) {
      const k = buffer.subarray(at, at + 32);
      const n = buffer.subarray(at + 33, at + 57);
      const aad = buffer.subarray(at + 60, at + 71);
      const pt = buffer.subarray(at + 71, at + 300);
      const sealed = nodeBackend.xchacha20poly1305Seal(k, n, aad, pt);
      expect(sealed).toEqual(xchacha20poly1305(k.slice(), n.slice(), aad.slice()).encrypt(pt.slice()));
      expect(nodeBackend.xchacha20poly1305Open(k, n, aad, sealed)).toEqual(pt);
    }
    expect(buffer).toEqual(snapshot);
  });

  it('refuse any altered byte of the key, nonce, AAD, ciphertext or tag, and short or odd inputs', () => {
    fc.assert(
      fc.property(
        bytes(32),
        bytes(24),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (k, n, aad, pt, where, flip) => {
          const sealed = xchacha20poly1305(k, n, aad).encrypt(pt);
          const inputs = { k, n, aad, sealed };
          const names = (Object.keys(inputs) as (keyof typeof inputs)[]).filter((x) => inputs[x].length > 0);
          const name = names[where % names.length] as keyof typeof inputs;
          const altered = { ...inputs, [name]: inputs[name].slice() };
          const target = altered[name];
          target[where % target.length] = (target[where % target.length] as number) ^ flip;
          for (const b of backends)
            expect(
              () => b.xchacha20poly1305Open(altered.k, altered.n, altered.aad, altered.sealed),
              b.name,
            ).toThrow();
        },
      ),
      { numRuns: 300 },
    );
    const k = new Uint8Array(32);
    const n = new Uint8Array(24);
    for (const b of backends) {
      expect(() => b.xchacha20poly1305Open(k, n, new Uint8Array(0), new Uint8Array(15)), b.name).toThrow();
      expect(() => b.xchacha20poly1305Seal(k.subarray(1), n, new Uint8Array(0), k), b.name).toThrow();
      expect(() => b.xchacha20poly1305Seal(k, n.subarray(1), new Uint8Array(0), k), b.name).toThrow();
    }
  });
});

describe('ephemeral X25519 backends', () => {
  it('agree with the recipients’ own X25519 and hand out a fresh key each time', () => {
    const peers = ['contractor', 'utility'].map((org) => keys[org]);
    for (const b of backends) {
      const first = b.x25519Ephemeral(peers.map((p) => p?.publicKey as Uint8Array));
      const second = b.x25519Ephemeral(peers.map((p) => p?.publicKey as Uint8Array));
      expect(first.publicKey).not.toEqual(second.publicKey);
      for (const [i, peer] of peers.entries()) {
        for (const checker of backends)
          expect(first.shared[i], `${b.name} / ${checker.name}`).toEqual(
            checker.x25519(peer?.secretKey as Uint8Array, first.publicKey),
          );
      }
    }
  });
});

describe('sealing across backends', () => {
  const draft = sealedDraft();
  const context = sealContext(draft);
  const orgs = ['contractor', 'supervision', 'utility'];
  const recipients = orgs.map(recipientOf);
  /** A deterministic rng that records the length of each draw. */
  const countingRng =
    (draws: number[]): Rng =>
    (length) => {
      draws.push(length);
      return new Uint8Array(length).fill(draws.length);
    };

  it('a section sealed by either backend, with or without an rng, opens in both to the same fields', () => {
    const expected = toHex(encodeCanonical(restrictedFields));
    for (const sealer of backends) {
      for (const options of [{ backend: sealer }, { backend: sealer, rng: countingRng([]) }]) {
        const section = parseSealed(sealFields(restrictedFields, recipients, context, options));
        for (const opener of backends) {
          for (const org of orgs) {
            const fields = unsealFields(section, org, keys[org] as (typeof keys)[string], context, {
              backend: opener,
            });
            expect(toHex(encodeCanonical(fields)), `${sealer.name} → ${opener.name}, ${org}`).toBe(expected);
          }
        }
      }
    }
  });

  it('draws data key, nonce and ephemeral secret from a given rng, in that order; without one, each section has a fresh ephemeral key', () => {
    const withRng: number[] = [];
    sealFields(restrictedFields, recipients, context, countingRng(withRng));
    expect(withRng).toEqual([32, 24, 32]);
    // Without an rng the ephemeral key pair comes from the backend: two sections differ in it.
    const a = parseSealed(sealFields(restrictedFields, recipients, context));
    const b = parseSealed(sealFields(restrictedFields, recipients, context));
    expect(a.ephemeral).not.toEqual(b.ephemeral);
    expect(a.ciphertext).not.toEqual(b.ciphertext);
  });

  it('grants made without an rng open for the new reader in both backends', () => {
    const section = parseSealed(draft.sealed);
    for (const granter of backends) {
      const wraps = grantWraps(
        section,
        { org: 'contractor', keys: keys.contractor as (typeof keys)[string] },
        [recipientOf('lab')],
        context,
        { backend: granter },
      );
      for (const opener of backends)
        expect(
          unsealFields(section, 'lab', keys.lab as (typeof keys)[string], context, {
            backend: opener,
            grants: [wraps],
          }),
          `${granter.name} → ${opener.name}`,
        ).toEqual(restrictedFields);
    }
  });

  it('an altered ciphertext or wrapped key is SEAL_AEAD_FAILED in both backends', () => {
    const section = parseSealed(sealFields(restrictedFields, recipients, context));
    const [wrap, ...others] = section.recipients;
    if (wrap === undefined) throw new Error('the section has no recipients');
    const ciphertext = section.ciphertext.slice();
    ciphertext[5] = (ciphertext[5] as number) ^ 1;
    const wrappedKey = wrap.wrappedKey.slice();
    wrappedKey[40] = (wrappedKey[40] as number) ^ 0x80;
    const badContent = { ...section, ciphertext };
    const badWrap = { ...section, recipients: [{ ...wrap, wrappedKey }, ...others] };
    const first = wrap.org;
    for (const b of backends) {
      const key = keys[first] as (typeof keys)[string];
      expect(
        codeOf(() => unsealFields(parseSealed(badContent), first, key, context, { backend: b })),
        b.name,
      ).toBe('SEAL_AEAD_FAILED');
      expect(
        codeOf(() => unwrapDataKey(parseSealed(badWrap), first, key, context, { backend: b })),
        b.name,
      ).toBe('SEAL_AEAD_FAILED');
    }
  });
});
