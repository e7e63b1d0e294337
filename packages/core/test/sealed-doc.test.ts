/**
 * docs/protocol.md §15 must match the code and be enough on its own: the second test opens the
 * worked example with node:crypto, cborg and the document's rules only, importing nothing of ours
 * (XChaCha20 is RFC 8439 ChaCha20-Poly1305 from OpenSSL under a subkey from the HChaCha20 below).
 */
import {
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decode, encode } from 'cborg';
import { describe, expect, it } from 'vitest';
import { DOC_PATH, documentWithSealedExamples } from '../../../scripts/sealed-examples.ts';

const doc = readFileSync(DOC_PATH, 'utf8');
const section = doc.slice(doc.indexOf('## 15. Sealed sections'));
const sha256 = (data: Buffer | Uint8Array | string) => createHash('sha256').update(data).digest();
const label = (text: string) => sha256(`liuhen example ${text}`);

function fenceAfter(text: string): string {
  const at = section.indexOf(text);
  if (at < 0) throw new Error(`label not found: ${text}`);
  const fence = section.indexOf('```\n', at) + 4;
  return section.slice(fence, section.indexOf('\n```', fence));
}
const hexAfter = (text: string) => Buffer.from(fenceAfter(text).replace(/\s/g, ''), 'hex');
const inline = (pattern: RegExp) => {
  const m = pattern.exec(section);
  if (!m?.[1]) throw new Error(`not found: ${pattern}`);
  return Buffer.from(m[1], 'hex');
};

function x25519(secret: Buffer, publicKey: Uint8Array): Buffer {
  return diffieHellman({
    privateKey: createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), secret]),
      format: 'der',
      type: 'pkcs8',
    }),
    publicKey: createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), publicKey]),
      format: 'der',
      type: 'spki',
    }),
  });
}
const publicOf = (secret: Buffer) => x25519(secret, Buffer.concat([Buffer.of(9), Buffer.alloc(31)]));

/** HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2): 20 ChaCha rounds, no final addition. */
function hchacha20(key: Uint8Array, nonce16: Uint8Array): Buffer {
  const k = Buffer.from(key);
  const n = Buffer.from(nonce16);
  const s = new Uint32Array(16);
  s.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  for (let i = 0; i < 8; i++) s[4 + i] = k.readUInt32LE(4 * i);
  for (let i = 0; i < 4; i++) s[12 + i] = n.readUInt32LE(4 * i);
  const w = (i: number) => s[i] as number;
  const rotl = (v: number, c: number) => (v << c) | (v >>> (32 - c));
  // Uint32Array stores every sum and rotation modulo 2^32.
  const quarter = (a: number, b: number, c: number, d: number) => {
    s[a] = w(a) + w(b);
    s[d] = rotl(w(d) ^ w(a), 16);
    s[c] = w(c) + w(d);
    s[b] = rotl(w(b) ^ w(c), 12);
    s[a] = w(a) + w(b);
    s[d] = rotl(w(d) ^ w(a), 8);
    s[c] = w(c) + w(d);
    s[b] = rotl(w(b) ^ w(c), 7);
  };
  for (let round = 0; round < 10; round++) {
    quarter(0, 4, 8, 12);
    quarter(1, 5, 9, 13);
    quarter(2, 6, 10, 14);
    quarter(3, 7, 11, 15);
    quarter(0, 5, 10, 15);
    quarter(1, 6, 11, 12);
    quarter(2, 7, 8, 13);
    quarter(3, 4, 9, 14);
  }
  const out = Buffer.alloc(32);
  [0, 1, 2, 3, 12, 13, 14, 15].forEach((word, i) => {
    out.writeUInt32LE(w(word), 4 * i);
  });
  return out;
}

function xchachaOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer {
  const subkey = hchacha20(key, nonce.subarray(0, 16));
  const decipher = createDecipheriv(
    'chacha20-poly1305',
    subkey,
    Buffer.concat([Buffer.alloc(4), nonce.subarray(16, 24)]),
    { authTagLength: 16 },
  );
  decipher.setAAD(aad, { plaintextLength: sealed.length - 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

interface Wrap {
  org: string;
  keyId: Uint8Array;
  wrappedKey: Uint8Array;
}

describe('docs/protocol.md §15', () => {
  it('has the example the code generates today (run tsx scripts/sealed-examples.ts if not)', () => {
    expect(documentWithSealedExamples(doc)).toBe(doc);
  });

  it('HChaCha20 here matches the draft’s test vector', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const nonce = Buffer.from('000000090000004a0000000031415927', 'hex');
    expect(hchacha20(key, nonce).toString('hex')).toBe(
      '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
    );
  });

  it('lets an independent implementation open the example for every recipient and the grantee', () => {
    const secrets = Object.fromEntries(
      ['contractor', 'supervision', 'utility', 'archive'].map((org) => [org, label(`encryption ${org}`)]),
    );
    for (const [org, secret] of Object.entries(secrets)) {
      const row = new RegExp(
        `\\| ${org} encryption key \\| [^|]+\\| \`([0-9a-f]{64})\` \\| \`([0-9a-f]{64})\` \\|`,
      ).exec(section);
      expect(row?.[1]).toBe(publicOf(secret).toString('hex'));
      expect(row?.[2]).toBe(sha256(publicOf(secret)).toString('hex'));
    }

    const sealed = decode(hexAfter('### The sealed map')) as Record<string, unknown>;
    expect(Object.keys(sealed)).toEqual(['nonce', 'version', 'ephemeral', 'ciphertext', 'recipients']);
    expect(Buffer.from(encode(sealed)).equals(hexAfter('### The sealed map'))).toBe(true);
    const nonce = sealed.nonce as Uint8Array;
    const ephemeral = sealed.ephemeral as Uint8Array;
    const ciphertext = sealed.ciphertext as Uint8Array;
    const recipients = sealed.recipients as Wrap[];
    expect(Buffer.from(nonce).equals(label('nonce').subarray(0, 24))).toBe(true);
    expect(Buffer.from(ephemeral).equals(publicOf(label('ephemeral')))).toBe(true);
    expect(Buffer.from(ciphertext).equals(hexAfter('Ciphertext ='))).toBe(true);

    const network = inline(/Context: network `([0-9a-f]{64})`/);
    const context = {
      org: 'contractor',
      kind: 'construction.as-built-survey',
      object: 'seg:SZ-WS000123-WS000124#1',
      network,
    };
    const aad = Buffer.concat([Buffer.from('liuhen/sealed/v1\n'), encode(context)]);
    expect(aad.equals(hexAfter('Associated data ='))).toBe(true);
    const ciphertextHash = sha256(ciphertext);

    const unwrap = (org: string, wrap: Wrap, set: Uint8Array) => {
      const secret = secrets[org] as Buffer;
      const shared = x25519(secret, set);
      const info = Buffer.concat([
        Buffer.from('liuhen/sealed/v1/wrap\n'),
        encode({ ...context, keyId: wrap.keyId, ephemeral: set, recipient: org, ciphertextHash }),
      ]);
      const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), info, 56));
      return {
        shared,
        info,
        okm,
        key: xchachaOpen(okm.subarray(0, 32), okm.subarray(32), Buffer.alloc(0), wrap.wrappedKey),
      };
    };

    const dataKey = label('data key');
    expect(recipients.map((w) => w.org)).toEqual(['contractor', 'supervision', 'utility']);
    for (const wrap of recipients) {
      expect(Buffer.from(wrap.keyId).equals(sha256(publicOf(secrets[wrap.org] as Buffer)))).toBe(true);
      const opened = unwrap(wrap.org, wrap, ephemeral);
      expect(opened.key.equals(dataKey), wrap.org).toBe(true);
      if (wrap.org === 'supervision') {
        expect(
          opened.shared.equals(inline(/Shared secret s = X25519\(e, supervision key\): `([0-9a-f]{64})`/)),
        ).toBe(true);
        expect(opened.info.equals(hexAfter('HKDF info ='))).toBe(true);
        expect(opened.okm.subarray(0, 32).equals(inline(/KEK `([0-9a-f]{64})`/))).toBe(true);
        expect(opened.okm.subarray(32).equals(inline(/wrap nonce `([0-9a-f]{48})`/))).toBe(true);
        expect(Buffer.from(wrap.wrappedKey).equals(inline(/wrappedKey = [^`]+`([0-9a-f]{96})`/))).toBe(true);
      }
    }

    const plaintext = xchachaOpen(dataKey, nonce, aad, ciphertext);
    expect(plaintext.equals(hexAfter('Plaintext P ='))).toBe(true);
    expect(decode(plaintext)).toEqual({
      crs: 'CGCS2000',
      line: [
        [114.0579123, 22.5431234, -2.85],
        [114.0581456, 22.5433789, -2.91],
      ],
    });
    // Another context, or another ciphertext hash, and nothing opens.
    expect(() => xchachaOpen(dataKey, nonce, Buffer.concat([aad, Buffer.of(0)]), ciphertext)).toThrow();

    // The grant: the archive opens its wrap under the grant's ephemeral key, same context and hash.
    const grant = decode(hexAfter('The grant entry')) as { ephemeral: Uint8Array; recipients: Wrap[] };
    expect(Buffer.from(grant.ephemeral).equals(publicOf(label('grant ephemeral')))).toBe(true);
    const [toArchive] = grant.recipients;
    expect(toArchive?.org).toBe('archive');
    expect(unwrap('archive', toArchive as Wrap, grant.ephemeral).key.equals(dataKey)).toBe(true);
    expect(() => unwrap('archive', toArchive as Wrap, ephemeral)).toThrow();
  });
});
