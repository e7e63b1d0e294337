import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../src/bytes.ts';
import { type CborValue, decodeCanonical, encodeCanonical } from '../src/cbor.ts';
import { publicKeyFromSeed, signMessage } from '../src/ed25519.ts';
import {
  buildEntry,
  decodeEntry,
  decodeEnvelope,
  type EntryDraft,
  encodeEntry,
  encodeEnvelope,
  entryFromCbor,
  entryId,
  entrySigningMessage,
  openEnvelope,
  signEntry,
} from '../src/entry.ts';
import { failureCode, LiuhenError } from '../src/errors.ts';
import { sha256 } from '../src/hash.ts';

const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const network = sha256(utf8('test genesis'));

function draft(overrides: Partial<EntryDraft> = {}): EntryDraft {
  return {
    network,
    org: 'contractor',
    object: 'seg:SZ-WS000123-WS000124#1',
    kind: 'construction.joint-made',
    time: 1_700_000_000_000,
    signer: publicKeyFromSeed(seed),
    role: 'QI',
    body: { joint: 'J07', type: 'rubber-ring', chainage: [42.5, 42.5] },
    ...overrides,
  };
}

describe('entries', () => {
  it('sign, open and verify round-trip; id is SHA-256 of the entry bytes', () => {
    const signed = signEntry(buildEntry(draft()), seed);
    const opened = openEnvelope(signed.envelope, { network });
    expect(opened.entry).toEqual(signed.entry);
    expect(toHex(opened.id)).toBe(toHex(sha256(signed.entryBytes)));
    expect(toHex(entryId(opened.entryBytes))).toBe(toHex(signed.id));
  });

  it('sorts and deduplicates parents when building', () => {
    const a = new Uint8Array(32).fill(2);
    const b = new Uint8Array(32).fill(1);
    const entry = buildEntry(draft({ parents: [a, b, a] }));
    expect(entry.parents.map(toHex)).toEqual([toHex(b), toHex(a)]);
  });

  it('refuses unsorted parents in received bytes', () => {
    const entry = buildEntry(draft({ parents: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)] }));
    const map = decodeCanonical(encodeEntry(entry)) as Record<string, unknown>;
    map.parents = [...(map.parents as Uint8Array[])].reverse();
    expect(failureCode(() => decodeEntry(encodeCanonical(map as never)))).toBe('ENTRY_INVALID');
  });

  it('signs over the domain-separated prefix, not the bare bytes', () => {
    const signed = signEntry(buildEntry(draft()), seed);
    const bare = encodeEnvelope(signed.entryBytes, signMessage(seed, signed.entryBytes));
    expect(failureCode(() => openEnvelope(bare))).toBe('SIGNATURE_INVALID');
    expect(toHex(entrySigningMessage(signed.entryBytes)).startsWith(toHex(utf8('liuhen/entry/v1\n')))).toBe(
      true,
    );
  });

  it('rejects an entry of another network', () => {
    const signed = signEntry(buildEntry(draft()), seed);
    expect(failureCode(() => openEnvelope(signed.envelope, { network: new Uint8Array(32) }))).toBe(
      'ENTRY_WRONG_NETWORK',
    );
  });

  it('rejects oversized entries on both sides', () => {
    const big = buildEntry(draft({ body: { note: 'x'.repeat(2000) } }));
    expect(failureCode(() => encodeEntry(big, 1000))).toBe('ENTRY_TOO_LARGE');
    const signed = signEntry(big, seed);
    expect(failureCode(() => openEnvelope(signed.envelope, { maxBytes: 1000 }))).toBe('ENTRY_TOO_LARGE');
  });

  it.each([
    ['an unknown kind shape', { kind: 'Construction Joint' }],
    ['a bad org id', { org: '' }],
    ['a lower-case role', { role: 'qi' }],
    ['a negative time', { time: -1 }],
    ['a fractional time', { time: 1.5 }],
    ['a short network id', { network: new Uint8Array(31) }],
    ['a short signer', { signer: new Uint8Array(31) }],
    ['a control character in the object id', { object: 'seg\u0000x' }],
    ['a ref with both targets', { refs: [{ entry: new Uint8Array(32), object: 'x' } as never] }],
    [
      'an attachment with a bad hash',
      { attachments: [{ sha256: new Uint8Array(3), size: 1, type: 'image/jpeg', name: 'a' }] },
    ],
    ['a bad classification', { classification: 'secret' as never }],
  ])('refuses to build an entry with %s', (_name, overrides) => {
    expect(failureCode(() => buildEntry(draft(overrides as Partial<EntryDraft>)))).toBe('ENTRY_INVALID');
  });

  it('refuses unknown top-level keys in received bytes', () => {
    const map = decodeCanonical(encodeEntry(buildEntry(draft()))) as Record<string, unknown>;
    map.extra = 1;
    expect(failureCode(() => decodeEntry(encodeCanonical(map as never)))).toBe('ENTRY_INVALID');
  });

  it('detects every single-byte change of a signed envelope', () => {
    const signed = signEntry(buildEntry(draft()), seed);
    for (let i = 0; i < signed.envelope.length; i++) {
      const tampered = signed.envelope.slice();
      tampered[i] = (tampered[i] as number) ^ 0x01;
      expect(() => openEnvelope(tampered), `byte ${i}`).toThrow(LiuhenError);
    }
  });

  it('random and mutated envelopes only ever produce a typed error', () => {
    const signed = signEntry(buildEntry(draft()), seed);
    const mutated = fc
      .tuple(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat({ max: 40 }))
      .map(([at, xor, cut]) => {
        const bytes = signed.envelope.slice();
        bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ xor;
        return bytes.subarray(0, bytes.length - cut);
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (bytes) => {
        expect(() => openEnvelope(bytes)).toThrow(LiuhenError);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads an envelope directly exactly when the general decoder accepts it', () => {
    // decodeEnvelope reads the common shape without the general decoder; any input either path
    // sees must get the same answer as decoding [entry, signature] in the deterministic profile.
    const general = (bytes: Uint8Array) => {
      const value = decodeCanonical(bytes, { maxDepth: 1 });
      if (!Array.isArray(value) || value.length !== 2) return 'invalid';
      const [entryBytes, signature] = value;
      if (
        !(entryBytes instanceof Uint8Array) ||
        !(signature instanceof Uint8Array) ||
        signature.length !== 64
      )
        return 'invalid';
      return `${toHex(entryBytes)}/${toHex(signature)}`;
    };
    const answer = (read: () => string) => {
      try {
        return read();
      } catch {
        return 'invalid';
      }
    };
    const shapes = fc.oneof(
      fc
        .uint8Array({ minLength: 0, maxLength: 400 })
        .map((e) => encodeEnvelope(e, new Uint8Array(64).fill(7))),
      fc.uint8Array({ minLength: 0, maxLength: 300 }).map((e) => encodeCanonical([e, new Uint8Array(63)])),
    );
    const mutated = fc
      .tuple(shapes, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 2 }))
      .map(([bytes, at, xor, cut]) => {
        const copy = bytes.slice();
        copy[at % copy.length] = (copy[at % copy.length] as number) ^ (at % 3 === 0 ? xor : 0);
        return copy.subarray(0, copy.length - cut);
      });
    fc.assert(
      fc.property(mutated, (bytes) => {
        const ours = answer(() => {
          const { entryBytes, signature } = decodeEnvelope(bytes);
          return `${toHex(entryBytes)}/${toHex(signature)}`;
        });
        expect(ours).toBe(answer(() => general(bytes)));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads an entry directly exactly when the general decoder accepts it, with the same entry', () => {
    // decodeEntry reads the common shape in place; any input must get the answer the general
    // decoder and the schema give: the same entry, or a failure with the same code.
    const answer = (read: () => Uint8Array) => {
      try {
        return toHex(read());
      } catch (error) {
        return (error as LiuhenError).code ?? 'untyped';
      }
    };
    const hash = (label: string) => sha256(utf8(label));
    const entries = fc
      .record({
        object: fc.constantFrom('seg:SZ-WS000123-WS000124#1', 'joint:J07', '管段:一号'),
        parents: fc.nat({ max: 3 }),
        refs: fc.nat({ max: 2 }),
        attachments: fc.nat({ max: 2 }),
        sealed: fc.boolean(),
        classification: fc.constantFrom('public', 'internal', 'restricted'),
        time: fc.constantFrom(0, 23, 24, 255, 65_536, 1_700_000_000_000),
      })
      .map((r) =>
        encodeEntry(
          buildEntry(
            draft({
              object: r.object,
              time: r.time,
              parents: Array.from({ length: r.parents }, (_, i) => hash(`p${i}`)),
              refs: Array.from({ length: r.refs }, (_, i) =>
                i === 0 ? { entry: hash(`r${i}`), rel: 'cites' } : { object: `seg:other-${i}` },
              ),
              attachments: Array.from({ length: r.attachments }, (_, i) => ({
                sha256: hash(`a${i}`),
                size: i * 1000,
                type: 'image/jpeg',
                name: `photo-${i}.jpg`,
              })),
              classification: r.classification as 'public',
              ...(r.sealed ? { sealed: { ciphertext: new Uint8Array(40).fill(3) } } : {}),
            }),
          ),
        ),
      );
    // A flipped byte, a run of 32 copied over another (a repeated or reordered hash), a cut.
    const mutated = fc
      .tuple(entries, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 3 }))
      .map(([bytes, at, from, xor, cut]) => {
        const copy = bytes.slice();
        if (from % 3 === 0) copy.copyWithin(at % copy.length, from % copy.length, (from % copy.length) + 32);
        else copy[at % copy.length] = (copy[at % copy.length] as number) ^ xor;
        return copy.subarray(0, copy.length - (at % 5 === 0 ? cut : 0));
      });
    // Field-level changes the schema must catch: a field replaced, removed or added.
    const keys = ['org', 'body', 'kind', 'refs', 'role', 'time', 'object', 'sealed', 'signer'];
    const fields = [...keys, 'network', 'parents', 'version', 'attachments', 'classification', 'extra'];
    const values: CborValue[] = [-1, 2, 2 ** 53 - 1, 1.5, '', 'QI', 'über', null, true, [], {}];
    const bytes32 = [new Uint8Array(31), new Uint8Array(32), new Uint8Array(33)];
    const changed = fc
      .tuple(
        entries,
        fc.constantFrom(...fields),
        fc.constantFrom<CborValue | undefined>(...values, ...bytes32, undefined),
      )
      .map(([bytes, field, value]) => {
        const map = decodeCanonical(bytes) as Record<string, CborValue>;
        if (field === 'parents' && value === true) map.parents = [...(map.parents as CborValue[])].reverse();
        else if (field === 'parents' && value === null) map.parents = [bytes32[1], bytes32[1]] as CborValue[];
        else if (value === undefined) delete map[field];
        else map[field] = value;
        return encodeCanonical(map);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, changed), (bytes) => {
        const ours = answer(() => encodeCanonical(decodeEntry(bytes) as never));
        expect(ours).toBe(
          answer(() => encodeCanonical(entryFromCbor(decodeCanonical(bytes, { maxBytes: 65536 })) as never)),
        );
      }),
      { numRuns: 5000 },
    );
  });

  it('writes an envelope directly with the bytes the general encoder gives', () => {
    const signature = new Uint8Array(64).fill(9);
    for (const n of [0, 1, 23, 24, 255, 256, 1000, 65535, 65536]) {
      const entryBytes = new Uint8Array(n).fill(n & 0xff);
      expect(toHex(encodeEnvelope(entryBytes, signature)), `${n} bytes`).toBe(
        toHex(encodeCanonical([entryBytes, signature])),
      );
    }
  });

  it('builds frozen entries whose encoding is that of an equal, hand-made entry', () => {
    const built = buildEntry(
      draft({
        body: { z: 1, a: { y: [1, { c: 2, b: 3 }], x: 'text' } },
        refs: [{ object: 'seg:other', rel: 'supersedes' }],
        attachments: [{ sha256: new Uint8Array(32), size: 1, type: 'image/png', name: 'a.png' }],
        sealed: { idHash: new Uint8Array(32) },
      }),
    );
    expect(Object.isFrozen(built)).toBe(true);
    expect(Object.isFrozen(built.body)).toBe(true);
    expect(Object.isFrozen(built.parents)).toBe(true);
    expect(() => {
      (built as { time: number }).time = 1;
    }).toThrow(TypeError);
    // A structurally equal entry that buildEntry did not make takes the copying path.
    const handMade = JSON.parse(
      JSON.stringify({ ...built, network: 0, signer: 0, attachments: 0, sealed: 0 }),
    );
    Object.assign(handMade, {
      network: built.network,
      signer: built.signer,
      attachments: built.attachments.map((a) => ({ ...a })),
      sealed: { ...built.sealed },
    });
    expect(toHex(encodeEntry(handMade))).toBe(toHex(encodeEntry(built)));
    expect(decodeEntry(encodeEntry(built))).toEqual(handMade);
  });
});
