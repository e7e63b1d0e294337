import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { AUDIT_KEY_BYTES, DIGEST_WORDS, RecordDigester } from '../src/record-digest.ts';

/** Deterministic bytes that differ from record to record. */
function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed * 131 + i * 17 + ((i * i) >>> 3)) & 0xff);
}

const key = bytes(AUDIT_KEY_BYTES, 7);

/** The accumulator's words as the digest bytes they hold. */
function asBytes(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer.slice(0));
}

function xorOf(digests: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(4 * DIGEST_WORDS);
  for (const d of digests) for (const [i, byte] of d.entries()) out[i] = (out[i] as number) ^ byte;
  return out;
}

describe('RecordDigester', () => {
  it('XORs HMAC-SHA-256 of each record into the accumulator, one reused hasher for every length', () => {
    const digester = new RecordDigester(key);
    const words = new Uint32Array(DIGEST_WORDS);
    const expected: Uint8Array[] = [];
    for (let length = 0; length <= 200; length++) {
      const record = bytes(length, length);
      digester.xorInto(words, record, length);
      expected.push(hmac(sha256, key, record));
      expect(asBytes(words)).toEqual(xorOf(expected));
    }
  });

  it('digests a prefix of the first part followed by the second part, as if joined', () => {
    const digester = new RecordDigester(key);
    for (const [aLength, extra, bLength] of [
      [33, 0, 3],
      [36, 8, 2],
      [41, 8, 9],
      [0, 5, 60],
      [70, 8, 0],
    ] as const) {
      const a = bytes(aLength + extra, aLength);
      const b = bytes(bLength, bLength + 1);
      const joined = new Uint8Array(aLength + bLength);
      joined.set(a.subarray(0, aLength));
      joined.set(b, aLength);
      const words = new Uint32Array(DIGEST_WORDS);
      digester.xorInto(words, a, aLength, b);
      expect(asBytes(words)).toEqual(hmac(sha256, key, joined));
    }
  });

  it('cancels a record added twice', () => {
    const digester = new RecordDigester(key);
    const words = new Uint32Array(DIGEST_WORDS);
    const record = bytes(40, 9);
    digester.xorInto(words, record, record.length);
    digester.xorInto(words, bytes(20, 3), 20);
    digester.xorInto(words, record, record.length);
    expect(asBytes(words)).toEqual(hmac(sha256, key, bytes(20, 3)));
  });

  it('draws a fresh random key for each digester by default', () => {
    const record = bytes(40, 1);
    const [a, b] = [new RecordDigester(), new RecordDigester()].map((digester) => {
      const words = new Uint32Array(DIGEST_WORDS);
      digester.xorInto(words, record, record.length);
      return asBytes(words);
    });
    expect(a).not.toEqual(b);
  });
});
