/**
 * docs/protocol.md §14.3: a JSON bundle lets an independent RFC 6962 and signed-note
 * implementation check inclusion without our code. The checker below uses node:crypto and the
 * document only — SHA-256, Ed25519, base64, and the RFC 9162 inclusion algorithm written out
 * here — on the file `formatBundleJson` writes; only the fixture that makes the file is ours.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bundleFromJson, formatBundleJson } from '../src/index.ts';
import { segment } from './fixtures.ts';

const sha256 = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const ed25519 = (raw: Uint8Array) =>
  createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
    format: 'der',
    type: 'spki',
  });

/** RFC 9162 §2.1.3.2. */
function rootFromInclusion(leaf: Buffer, index: number, size: number, proof: Buffer[]): Buffer {
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error('proof too long');
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = sha256(Buffer.from([1]), r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn !== 0) throw new Error('proof too short');
  return r;
}

/** The envelope is CBOR [bstr entry, bstr(64) signature]: read the two heads by hand (§2, §4). */
function openEnvelope(envelope: Buffer): { entry: Buffer; signature: Buffer } {
  expect(envelope[0]).toBe(0x82);
  const info = (envelope[1] as number) & 0x1f;
  const [length, start] =
    info < 24 ? [info, 2] : info === 24 ? [envelope[2] as number, 3] : [envelope.readUInt16BE(2), 4];
  const entry = envelope.subarray(start, start + length);
  expect(envelope.subarray(start + length, start + length + 2)).toEqual(Buffer.from([0x58, 64]));
  return { entry, signature: envelope.subarray(start + length + 2) };
}

describe('an independent check of a JSON bundle (§14.3)', () => {
  it('verifies the genesis hash, every checkpoint signature, every inclusion and every entry signature', async () => {
    const s = segment();
    const json = JSON.parse(formatBundleJson(await s.bundle()));
    const trusted = Buffer.from(s.net.network).toString('hex');

    // 1. The trust anchor.
    const genesis = Buffer.from(json.genesis, 'base64');
    expect(sha256(genesis).toString('hex')).toBe(trusted);
    expect(json.network).toBe(trusted);

    let checked = 0;
    for (const log of json.logs) {
      // The org's node key, from the genesis JSON (which a checker compares with the CBOR genesis).
      const org = json.genesisJson.orgs.find((o: { id: string }) => o.id === log.org);
      const nodeKey = Buffer.from(org.nodeKey, 'hex');
      const origin = `liuhen/${trusted}/${log.org}`;
      expect(log.origin).toBe(origin);
      // A verifier key is name+hex(key id)+base64(0x01 ‖ key); key id = first 4 bytes of H(name ‖ LF ‖ 0x01 ‖ key).
      const keyId = sha256(Buffer.from(`${origin}\n`), Buffer.from([1]), nodeKey).subarray(0, 4);
      expect(log.verifierKeys).toContain(
        `${origin}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([1]), nodeKey]).toString('base64')}`,
      );

      const roots = log.checkpoints.map((c: { note: string }) => {
        // 2. Split the note at the blank line; verify the org's line over the text.
        const [text, signatures] = c.note.split('\n\n') as [string, string];
        const body = `${text}\n`;
        const line = signatures.split('\n').find((l) => l.startsWith(`\u2014 ${origin} `)) as string;
        const raw = Buffer.from(line.slice(`\u2014 ${origin} `.length), 'base64');
        expect(raw.subarray(0, 4)).toEqual(keyId);
        expect(verify(null, Buffer.from(body), ed25519(nodeKey), raw.subarray(4))).toBe(true);
        const lines = body.split('\n');
        return { size: Number(lines[1]), root: Buffer.from(lines[2] as string, 'base64') };
      });

      for (const e of log.entries) {
        // 3. The leaf, its hash and its proof to the checkpoint's root.
        const leaf = Buffer.from(e.leaf, 'base64');
        const leafHash = sha256(Buffer.from([0]), leaf);
        expect(leafHash.toString('hex')).toBe(e.leafHash);
        const { size, root } = roots[e.checkpoint];
        const proof = e.proof.map((h: string) => Buffer.from(h, 'hex'));
        expect(rootFromInclusion(leafHash, e.index, size, proof)).toEqual(root);
        // 4. The entry id and the signer's signature over "liuhen/entry/v1\n" ‖ entry bytes.
        const { entry, signature } = openEnvelope(leaf);
        expect(sha256(entry).toString('hex')).toBe(e.id);
        const signerAt = entry.indexOf(Buffer.from('667369676e65725820', 'hex')); // "signer", bstr(32)
        const signer = entry.subarray(signerAt + 9, signerAt + 41);
        const message = Buffer.concat([Buffer.from('liuhen/entry/v1\n'), entry]);
        expect(verify(null, message, ed25519(signer), signature)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });
});

describe('the JSON rendering', () => {
  it('reads back to the same bundle, and refuses a derived value that lies', async () => {
    const bundle = await segment().bundle();
    const text = formatBundleJson(bundle);
    expect(formatBundleJson(bundleFromJson(text))).toBe(text);
    const json = JSON.parse(text);
    json.logs[0].entries[0].leafHash = '00'.repeat(32);
    expect(() => bundleFromJson(JSON.stringify(json))).toThrow(/\/logs\/0\/entries\/0\/leafHash/);
    const noNote = JSON.parse(text);
    delete noNote.logs[0].checkpoints[0].note;
    expect(() => bundleFromJson(JSON.stringify(noNote))).toThrow(/BUNDLE_MALFORMED/);
    expect(() => bundleFromJson('{"type":"liuhen-bundle","version":3}')).toThrow(/BUNDLE_VERSION/);
  });
});
