/**
 * docs/protocol.md must match the code, and must be enough on its own: the second test checks
 * the worked examples with node:crypto and the document's rules only, importing nothing of ours.
 */
import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { documentWithExamples } from '../scripts/protocol-examples.ts';
import { docText, ed25519Key, readProtocolDoc, sha256 } from './helpers/protocol-doc.ts';

const doc = readProtocolDoc();
const { fenceAfter, hexAfter, inline } = docText(doc);

describe('docs/protocol.md', () => {
  it('has the examples the code generates today (run pnpm protocol:examples if not)', () => {
    expect(documentWithExamples(doc)).toBe(doc);
  });

  it('lets an independent implementation verify an entry, a checkpoint, a cosignature and an inclusion', () => {
    // Entry signature: Ed25519 over "liuhen/entry/v1\n" ‖ entry bytes (§4).
    const operator = Buffer.from(inline(/\| operator \(QI\) \| [^|]+\| `([0-9a-f]{64})` \|/), 'hex');
    const entryBytes = hexAfter('Entry bytes (');
    const signature = hexAfter('Signature (Ed25519 by the operator key)');
    const message = Buffer.concat([Buffer.from('liuhen/entry/v1\n'), entryBytes]);
    expect(verify(null, message, ed25519Key(operator), signature)).toBe(true);
    expect(sha256(entryBytes).toString('hex')).toBe(
      inline(/Entry id = SHA-256\(entry bytes\): `([0-9a-f]+)`/),
    );

    // Envelope = CBOR [bstr entry, bstr signature]; leaf hash = H(0x00 ‖ envelope) (§4, §5).
    const head = (n: number, major: number) =>
      n < 24
        ? Buffer.of((major << 5) | n)
        : n < 256
          ? Buffer.of((major << 5) | 24, n)
          : Buffer.of((major << 5) | 25, n >> 8, n & 255);
    const envelope = Buffer.concat([
      Buffer.of(0x82),
      head(entryBytes.length, 2),
      entryBytes,
      head(64, 2),
      signature,
    ]);
    const leaf1 = sha256(Buffer.of(0), envelope);
    expect(leaf1.toString('hex')).toBe(inline(/Leaf hash = SHA-256\(0x00 ‖ envelope\): `([0-9a-f]+)`/));

    // Checkpoint: C2SP signed note; key id = H(name ‖ 0x0a ‖ 0x01 ‖ key)[:4]; signature over the text (§6, §7).
    const note = fenceAfter('Signed note, with the org signature');
    const [text, sigLines] = [`${note.split('\n\n')[0]}\n`, note.split('\n\n')[1]?.split('\n') ?? []];
    const origin = text.split('\n')[0] as string;
    const nodeKey = Buffer.from(inline(/\| contractor node \| [^|]+\| `([0-9a-f]{64})` \|/), 'hex');
    const orgLine = sigLines.find((l) => l.startsWith(`— ${origin} `)) as string;
    const orgSig = Buffer.from(orgLine.split(' ')[2] as string, 'base64');
    const keyId = sha256(Buffer.from(`${origin}\n`), Buffer.of(1), nodeKey).subarray(0, 4);
    expect(orgSig.subarray(0, 4)).toEqual(keyId);
    expect(verify(null, Buffer.from(text), ed25519Key(nodeKey), orgSig.subarray(4))).toBe(true);

    // Cosignature/v1: key type 0x04, key id ‖ u64 time ‖ signature over "cosignature/v1\ntime T\n" ‖ text (§9).
    const witnessKey = Buffer.from(inline(/\| supervision witness \| [^|]+\| `([0-9a-f]{64})` \|/), 'hex');
    const coLine = sigLines.find((l) => l.startsWith('— liuhen/witness/supervision ')) as string;
    const co = Buffer.from(coLine.split(' ')[2] as string, 'base64');
    expect(co.subarray(0, 4)).toEqual(
      sha256(Buffer.from('liuhen/witness/supervision\n'), Buffer.of(4), witnessKey).subarray(0, 4),
    );
    const t = co.readBigUInt64BE(4);
    const coMessage = Buffer.from(`cosignature/v1\ntime ${t}\n${text}`);
    expect(verify(null, coMessage, ed25519Key(witnessKey), co.subarray(12))).toBe(true);

    // Inclusion of leaf 1 in a tree of 3 (RFC 9162 §2.1.3.2), to the checkpoint's root.
    const proof = fenceAfter('### Inclusion proof of leaf 1')
      .split('\n')
      .map((h) => Buffer.from(h, 'hex'));
    let fn = 1;
    let sn = 2;
    let r = leaf1;
    for (const p of proof) {
      if (fn % 2 === 1 || fn === sn) {
        r = sha256(Buffer.of(1), p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        r = sha256(Buffer.of(1), r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    expect(sn).toBe(0);
    expect(r).toEqual(Buffer.from(text.split('\n')[2] as string, 'base64'));
  });
});
