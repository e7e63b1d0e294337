/**
 * docs/protocol.md §13 must be enough on its own: the governance examples are checked here with
 * node:crypto and the document's rules only, importing nothing of ours. (test/protocol-doc.test.ts
 * checks that the examples are the ones the code generates today.)
 */
import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { docText, ed25519Key, readProtocolDoc, sha256 } from './helpers/protocol-doc.ts';

const doc = readProtocolDoc();
const section = doc.slice(doc.indexOf('## 13. Genesis and the governance log'));
const { fenceAfter, hexAfter, inline } = docText(section);
/** A CBOR text key followed by the head of a 32-byte byte string and the bytes. */
const keyAndBytes = (key: string, bytes: Buffer) =>
  Buffer.concat([Buffer.of(0x60 + key.length), Buffer.from(key), Buffer.of(0x58, 0x20), bytes]);
const bstrHead = (n: number) =>
  n < 24 ? Buffer.of(0x40 | n) : n < 256 ? Buffer.of(0x58, n) : Buffer.of(0x59, n >> 8, n & 255);

function signatures(label: string): { key: Buffer; sig: Buffer }[] {
  const lines = fenceAfter(label).split('\n');
  const pairs: { key: Buffer; sig: Buffer }[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    pairs.push({
      key: Buffer.from((lines[i] as string).replace('key ', ''), 'hex'),
      sig: Buffer.from((lines[i + 1] as string).replace('sig ', ''), 'hex'),
    });
  }
  return pairs;
}

describe('docs/protocol.md §13 governance examples', () => {
  const authorities = [1, 2, 3].map((n) =>
    Buffer.from(
      inline(new RegExp(`\\| ${n} \\| \`liuhen example authority ${n}\` \\| \`([0-9a-f]{64})\` \\|`)),
      'hex',
    ),
  );
  const genesis = hexAfter('Genesis bytes:');
  const network = Buffer.from(inline(/Network id = SHA-256\(genesis bytes\): `([0-9a-f]{64})`/), 'hex');
  const prefix = Buffer.from('liuhen/governance/v1\n');

  it('network id = SHA-256 of the genesis bytes, which list the authorities and a threshold of 2', () => {
    expect(sha256(genesis)).toEqual(network);
    const keys = Buffer.concat([Buffer.of(0x64), Buffer.from('keys'), Buffer.of(0x83)]);
    expect(
      genesis.includes(
        Buffer.concat([keys, ...authorities.map((k) => Buffer.concat([Buffer.of(0x58, 0x20), k]))]),
      ),
    ).toBe(true);
    expect(
      genesis.includes(Buffer.concat([Buffer.of(0x69), Buffer.from('threshold'), Buffer.of(0x02)])),
    ).toBe(true);
    expect(prefix.toString('hex')).toBe(inline(/\(prefix = ([0-9a-f]+)\)/));
  });

  it('lets an independent implementation verify and chain both actions', () => {
    const action1 = hexAfter('### Action 1');
    const hash1 = sha256(action1);
    expect(hash1.toString('hex')).toBe(
      inline(/### Action 1[\s\S]*?Action hash = SHA-256\(action bytes\): `([0-9a-f]{64})`/),
    );
    // seq 1, of this network, chained to position 0 = the network id.
    expect(action1.includes(Buffer.concat([Buffer.of(0x63), Buffer.from('seq'), Buffer.of(0x01)]))).toBe(
      true,
    );
    expect(action1.includes(keyAndBytes('network', network))).toBe(true);
    expect(action1.includes(keyAndBytes('previous', network))).toBe(true);

    // Two distinct authorities, ascending keys, each signature over prefix ‖ action bytes.
    const sigs1 = signatures('Signatures over "liuhen/governance/v1\\n" ‖ action bytes, in ascending');
    expect(sigs1).toHaveLength(2);
    expect(Buffer.compare(sigs1[0]?.key as Buffer, sigs1[1]?.key as Buffer)).toBe(-1);
    for (const { key, sig } of sigs1) {
      expect(authorities.some((a) => a.equals(key))).toBe(true);
      expect(verify(null, Buffer.concat([prefix, action1]), ed25519Key(key), sig)).toBe(true);
      expect(verify(null, action1, ed25519Key(key), sig)).toBe(false);
    }

    // The signed action: [bstr action, [[bstr key, bstr sig] …]].
    const signed = Buffer.concat([
      Buffer.of(0x82),
      bstrHead(action1.length),
      action1,
      Buffer.of(0x80 + sigs1.length),
      ...sigs1.flatMap(({ key, sig }) => [Buffer.of(0x82, 0x58, 0x20), key, Buffer.of(0x58, 0x40), sig]),
    ]);
    expect(signed.length).toBe(Number(inline(/Signed action = CBOR \[action bytes, [^(]*\((\d+) bytes\)/)));
    expect(sha256(signed).toString('hex')).toBe(
      inline(/Signed action = CBOR[^\n]*SHA-256 of it: `([0-9a-f]{64})`/),
    );

    // Action 2 extends action 1.
    const action2 = hexAfter('### Action 2');
    const hash2 = sha256(action2);
    expect(hash2.toString('hex')).toBe(
      inline(/### Action 2[\s\S]*?Action hash = SHA-256\(action bytes\): `([0-9a-f]{64})`/),
    );
    expect(action2.includes(Buffer.concat([Buffer.of(0x63), Buffer.from('seq'), Buffer.of(0x02)]))).toBe(
      true,
    );
    expect(action2.includes(keyAndBytes('previous', hash1))).toBe(true);
    const sigs2 = signatures('Signatures over "liuhen/governance/v1\\n" ‖ action bytes:');
    expect(new Set(sigs2.map((s) => s.key.toString('hex'))).size).toBe(2);
    for (const { key, sig } of sigs2) {
      expect(authorities.some((a) => a.equals(key))).toBe(true);
      expect(verify(null, Buffer.concat([prefix, action2]), ed25519Key(key), sig)).toBe(true);
    }
    expect(inline(/`governance 2 ([A-Za-z0-9+/=]+)`/)).toBe(hash2.toString('base64'));
  });
});
