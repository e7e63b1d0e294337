import { type CborMap, concatBytes, decodeCanonical, encodeCanonical, sha256, toHex } from '@liuhen/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PARAMETERS,
  decodeGenesis,
  encodeGenesis,
  type Genesis,
  type GenesisOrg,
  genesisFromJson,
  genesisToJson,
  networkId,
  PARAMETER_RANGES,
  PARTIES,
} from '../src/index.ts';
import { creditCode, failure, keyOf, SMALL_ORDER_KEY, sampleGenesis } from './fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into the decoded map to break it
type Mutable = any;

/** Decodes the sample, lets `change` break the map, re-encodes canonically and decodes it. */
function decodeChanged(change: (map: Mutable) => void): { code: string; message: string } {
  const map = decodeCanonical(encodeGenesis(sampleGenesis())) as Mutable;
  change(map);
  return failure(() => decodeGenesis(encodeCanonical(map)));
}

function expectInvalid(field: string, change: (map: Mutable) => void, detail?: string): void {
  const { code, message } = decodeChanged(change);
  expect(code).toBe('GENESIS_INVALID');
  expect(message).toContain(`${field}:`);
  if (detail !== undefined) expect(message).toContain(detail);
}

describe('genesis encoding', () => {
  it('round-trips through CBOR, and re-encodes to the same bytes', () => {
    const genesis = sampleGenesis();
    const bytes = encodeGenesis(genesis);
    const decoded = decodeGenesis(bytes);
    expect(decoded).toEqual(genesis);
    expect(toHex(encodeGenesis(decoded))).toBe(toHex(bytes));
  });

  it('uses the documented key names', () => {
    const map = decodeCanonical(encodeGenesis(sampleGenesis())) as CborMap;
    expect(Object.keys(map).sort()).toEqual(
      ['authorities', 'created', 'name', 'orgs', 'parameters', 'profile', 'version'].sort(),
    );
    expect(Object.keys((map.orgs as CborMap[])[0] as CborMap).sort()).toEqual(
      ['bootstrap', 'creditCode', 'id', 'name', 'nodeKey', 'parties'].sort(),
    );
    expect(Object.keys(map.authorities as CborMap).sort()).toEqual(['keys', 'threshold']);
    expect(Object.keys(map.parameters as CborMap).sort()).toEqual(
      ['blockIntervalMs', 'blockMaxEntries', 'maxClockSkewMs', 'maxEntryBytes'].sort(),
    );
  });

  it('network id is SHA-256 of the exact bytes, stable across re-encoding', () => {
    const bytes = encodeGenesis(sampleGenesis());
    const id = networkId(bytes);
    expect(toHex(id)).toBe(toHex(sha256(bytes)));
    expect(toHex(networkId(encodeGenesis(decodeGenesis(bytes))))).toBe(toHex(id));
    expect(toHex(networkId(encodeGenesis(genesisFromJson(genesisToJson(sampleGenesis())))))).toBe(toHex(id));
    // Pinned: a change here changes every network id, so it must be deliberate.
    expect(toHex(id)).toMatchInlineSnapshot(
      `"b48e1655bd76fce4ba968032cb1955b44b265408910a2a85a4cdcf152e90974a"`,
    );
  });

  it('default parameters lie within their accepted ranges', () => {
    for (const [name, [min, max]] of Object.entries(PARAMETER_RANGES)) {
      const value = DEFAULT_PARAMETERS[name as keyof typeof DEFAULT_PARAMETERS];
      expect(value).toBeGreaterThanOrEqual(min);
      expect(value).toBeLessThanOrEqual(max);
    }
  });
});

describe('genesis JSON rendering', () => {
  it('round-trips exactly, keys as lowercase hex', () => {
    const genesis = sampleGenesis();
    const json = genesisToJson(genesis);
    expect(genesisFromJson(json)).toEqual(genesis);
    expect(genesisToJson(genesisFromJson(json))).toBe(json);
    const value = JSON.parse(json);
    expect(value.authorities.keys[0]).toBe(toHex(keyOf('authority 1')));
    expect(value.orgs[1].nodeKey).toBe(toHex(keyOf('supervision node')));
    expect(Object.keys(value)).toEqual([
      'version',
      'name',
      'profile',
      'created',
      'authorities',
      'orgs',
      'parameters',
    ]);
    expect(json.endsWith('}\n')).toBe(true);
  });

  it('refuses keys not in lowercase hex, and text that is not JSON', () => {
    const value = JSON.parse(genesisToJson(sampleGenesis()));
    value.orgs[1].nodeKey = value.orgs[1].nodeKey.toUpperCase();
    const upper = failure(() => genesisFromJson(JSON.stringify(value)));
    expect(upper.code).toBe('GENESIS_INVALID');
    expect(upper.message).toContain('orgs[1].nodeKey:');
    value.orgs[1].nodeKey = 'ab';
    expect(failure(() => genesisFromJson(JSON.stringify(value))).message).toContain('orgs[1].nodeKey:');
    value.orgs[1].nodeKey = toHex(keyOf('supervision node'));
    value.authorities.keys[2] = 7;
    expect(failure(() => genesisFromJson(JSON.stringify(value))).message).toContain('authorities.keys[2]:');
    expect(failure(() => genesisFromJson('{"version": 1,')).code).toBe('GENESIS_INVALID');
  });

  it('applies the same checks as the CBOR decoder', () => {
    const value = JSON.parse(genesisToJson(sampleGenesis()));
    value.authorities.threshold = 4;
    expect(failure(() => genesisFromJson(JSON.stringify(value))).message).toContain('authorities.threshold:');
    value.authorities.threshold = 1.5;
    expect(failure(() => genesisFromJson(JSON.stringify(value))).message).toContain('authorities.threshold:');
    value.authorities.threshold = 2;
    value.extra = true;
    expect(failure(() => genesisFromJson(JSON.stringify(value))).message).toContain('unknown key "extra"');
  });
});

describe('genesis validation names the field at fault', () => {
  it('duplicate org id', () =>
    expectInvalid('orgs[1].id', (m) => (m.orgs[1].id = 'contractor'), 'orgs[0].id'));
  it('duplicate node key', () =>
    expectInvalid('orgs[1].nodeKey', (m) => (m.orgs[1].nodeKey = m.orgs[0].nodeKey), 'orgs[0].nodeKey'));
  it('node key that is also an authority key', () =>
    expectInvalid(
      'orgs[0].nodeKey',
      (m) => (m.orgs[0].nodeKey = m.authorities.keys[1]),
      'authorities.keys[1]',
    ));
  it('duplicate authority key', () =>
    expectInvalid('authorities.keys[2]', (m) => (m.authorities.keys[2] = m.authorities.keys[0])));
  it('duplicate credit code', () =>
    expectInvalid('orgs[1].creditCode', (m) => (m.orgs[1].creditCode = m.orgs[0].creditCode)));
  it('credit code in the wrong format', () =>
    expectInvalid('orgs[0].creditCode', (m) => (m.orgs[0].creditCode = '91440300MA5F0000I8')));
  it('credit code with a wrong check character', () =>
    expectInvalid(
      'orgs[0].creditCode',
      (m) =>
        (m.orgs[0].creditCode = `${m.orgs[0].creditCode.slice(0, 17)}${m.orgs[0].creditCode[17] === '0' ? '1' : '0'}`),
      'check character',
    ));
  it('small-order node key', () =>
    expectInvalid('orgs[1].nodeKey', (m) => (m.orgs[1].nodeKey = SMALL_ORDER_KEY), 'KEY_SMALL_ORDER'));
  it('non-canonical authority key (y = p)', () =>
    expectInvalid(
      'authorities.keys[0]',
      (m) =>
        (m.authorities.keys[0] = Uint8Array.from({ length: 32 }, (_, i) =>
          i === 0 ? 0xed : i === 31 ? 0x7f : 0xff,
        )),
      'KEY_NON_CANONICAL',
    ));
  it('node key of the wrong length', () =>
    expectInvalid('orgs[0].nodeKey', (m) => (m.orgs[0].nodeKey = new Uint8Array(31))));
  it('threshold 0', () => expectInvalid('authorities.threshold', (m) => (m.authorities.threshold = 0)));
  it('threshold above the number of keys', () =>
    expectInvalid('authorities.threshold', (m) => (m.authorities.threshold = 4)));
  it('no authority keys', () => expectInvalid('authorities.keys', (m) => (m.authorities.keys = [])));
  it('unknown top-level key', () =>
    expectInvalid('genesis', (m) => (m.comment = 'x'), 'unknown key "comment"'));
  it('unknown org key', () =>
    expectInvalid('orgs[0]', (m) => (m.orgs[0].email = 'x'), 'unknown key "email"'));
  it('unknown parameter', () =>
    expectInvalid('parameters', (m) => (m.parameters.gas = 1), 'unknown key "gas"'));
  it('missing key', () => expectInvalid('genesis', (m) => delete m.created, 'missing key "created"'));
  it('version other than 1', () => expectInvalid('version', (m) => (m.version = 2)));
  it('profile without a version', () => expectInvalid('profile', (m) => (m.profile = 'pipe')));
  it('network name with a control character', () => expectInvalid('name', (m) => (m.name = 'a\nb')));
  it('negative creation time', () => expectInvalid('created', (m) => (m.created = -1)));
  it('org id outside the pattern', () => expectInvalid('orgs[0].id', (m) => (m.orgs[0].id = 'has space')));
  it('empty legal name', () => expectInvalid('orgs[0].name', (m) => (m.orgs[0].name = '')));
  it('unknown party', () => expectInvalid('orgs[1].parties[1]', (m) => (m.orgs[1].parties[1] = 'bank')));
  it('duplicate party', () =>
    expectInvalid('orgs[1].parties[1]', (m) => (m.orgs[1].parties[1] = 'supervision')));
  it('no party', () => expectInvalid('orgs[0].parties', (m) => (m.orgs[0].parties = [])));
  it('bootstrap address that is not a multiaddr', () =>
    expectInvalid('orgs[0].bootstrap[0]', (m) => (m.orgs[0].bootstrap[0] = 'contractor.example:4001')));
  it('no orgs', () => expectInvalid('orgs', (m) => (m.orgs = [])));
  it('parameter out of range', () => {
    expectInvalid('parameters.blockIntervalMs', (m) => (m.parameters.blockIntervalMs = 0));
    expectInvalid('parameters.maxEntryBytes', (m) => (m.parameters.maxEntryBytes = 2 ** 21));
    expectInvalid('parameters.blockMaxEntries', (m) => (m.parameters.blockMaxEntries = 0.5));
  });

  it('non-canonical bytes: map keys out of order', () => {
    const map = decodeCanonical(encodeGenesis(sampleGenesis())) as CborMap;
    // Hand-assemble the top-level map with its seven keys in reverse canonical order.
    const pairs = Object.entries(map).reverse();
    const bytes = concatBytes(
      Uint8Array.of(0xa0 + pairs.length),
      ...pairs.flatMap(([k, v]) => [encodeCanonical(k), encodeCanonical(v)]),
    );
    expect(failure(() => decodeGenesis(bytes)).code).toBe('CBOR_NON_CANONICAL');
  });

  it('non-canonical bytes: trailing data', () => {
    const bytes = concatBytes(encodeGenesis(sampleGenesis()), Uint8Array.of(0));
    expect(failure(() => decodeGenesis(bytes)).code).toBe('CBOR_TRAILING_BYTES');
  });

  it('encodeGenesis refuses what decodeGenesis would', () => {
    const genesis = sampleGenesis();
    const bad = { ...genesis, authorities: { ...genesis.authorities, threshold: 0 } };
    expect(failure(() => encodeGenesis(bad)).message).toContain('authorities.threshold:');
  });
});

// Arbitrary valid genesis documents: keys from distinct seeds, ids and codes made unique by index.
const printable = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /^[^\p{Cc}\p{Cs}]+$/u.test(s));
const parameterArb = fc.record({
  maxEntryBytes: fc.integer({
    min: PARAMETER_RANGES.maxEntryBytes[0],
    max: PARAMETER_RANGES.maxEntryBytes[1],
  }),
  blockIntervalMs: fc.integer({
    min: PARAMETER_RANGES.blockIntervalMs[0],
    max: PARAMETER_RANGES.blockIntervalMs[1],
  }),
  blockMaxEntries: fc.integer({
    min: PARAMETER_RANGES.blockMaxEntries[0],
    max: PARAMETER_RANGES.blockMaxEntries[1],
  }),
  maxClockSkewMs: fc.integer({
    min: PARAMETER_RANGES.maxClockSkewMs[0],
    max: PARAMETER_RANGES.maxClockSkewMs[1],
  }),
});
const orgArb = (i: number, nonce: number): fc.Arbitrary<GenesisOrg> =>
  fc.record({
    id: fc.constant(`org-${i}`),
    name: printable,
    creditCode: fc.constant(creditCode(`91440300MA${String(i).padStart(7, '0')}`)),
    nodeKey: fc.constant(keyOf(`node ${nonce} ${i}`)),
    parties: fc.subarray([...PARTIES], { minLength: 1 }),
    bootstrap: fc.subarray(['/ip4/10.0.0.1/tcp/4001', '/ip6/::1/tcp/4001', '/dns4/a.example/tcp/1'], {
      minLength: 0,
    }),
  });
const genesisArb: fc.Arbitrary<Genesis> = fc
  .record({
    authorities: fc.integer({ min: 1, max: 4 }),
    orgs: fc.integer({ min: 1, max: 4 }),
    nonce: fc.nat(),
  })
  .chain(({ authorities, orgs, nonce }) =>
    fc.record({
      version: fc.constant(1 as const),
      name: printable,
      profile: fc.constantFrom('pipe/1', 'water-main/12'),
      created: fc.nat(),
      authorities: fc.record({
        keys: fc.constant(Array.from({ length: authorities }, (_, i) => keyOf(`authority ${nonce} ${i}`))),
        threshold: fc.integer({ min: 1, max: authorities }),
      }),
      orgs: fc.tuple(...Array.from({ length: orgs }, (_, i) => orgArb(i, nonce))),
      parameters: parameterArb,
    }),
  );

describe('genesis properties', () => {
  it('every valid genesis round-trips through CBOR and JSON', () => {
    fc.assert(
      fc.property(genesisArb, (genesis) => {
        const bytes = encodeGenesis(genesis);
        expect(decodeGenesis(bytes)).toEqual(genesis);
        const json = genesisToJson(genesis);
        expect(genesisFromJson(json)).toEqual(genesis);
        expect(toHex(encodeGenesis(genesisFromJson(json)))).toBe(toHex(bytes));
      }),
      { numRuns: 20 },
    );
  });
});
