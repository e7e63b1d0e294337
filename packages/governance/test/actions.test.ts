import {
  type CborMap,
  concatBytes,
  decodeCanonical,
  encodeCanonical,
  publicKeyFromSeed,
  toHex,
  utf8,
} from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import {
  ACTION_SIGNATURE_CONTEXT,
  type ActionChange,
  actionHash,
  actionSigningMessage,
  decodeAction,
  decodeSignedAction,
  describeAction,
  encodeAction,
  encodeSignedAction,
  MAX_ACTION_SIGNATURES,
  mergeSignatures,
  signAction,
  signedActionToJson,
  verifyActionSignature,
} from '../src/index.ts';
import {
  authoritySeed,
  failure,
  keyOf,
  labOrg,
  propose,
  SMALL_ORDER_KEY,
  sampleState,
  seedOf,
  signBy,
} from './fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into decoded maps to break them
type Mutable = any;

const CHANGES: ActionChange[] = [
  { type: 'org.add', body: labOrg() },
  { type: 'org.set-parties', body: { org: 'supervision', parties: ['supervision'] } },
  {
    type: 'org.rotate-key',
    body: { org: 'contractor', nodeKey: keyOf('contractor node 2'), oldKeyUntilHeight: 500 },
  },
  { type: 'org.remove', body: { org: 'supervision', freezeSize: 120, reason: '营业执照吊销' } },
  { type: 'authority.rotate', body: { keys: [keyOf('authority 4'), keyOf('authority 5')], threshold: 2 } },
  { type: 'parameter.set', body: { name: 'blockIntervalMs', value: 200 } },
];

const state = sampleState();

/** Decodes a proposal's action bytes, lets `change` break the map, and decodes the re-encoding. */
function decodeChanged(change: (map: Mutable) => void, base: ActionChange = CHANGES[0] as ActionChange) {
  const map = decodeCanonical(propose(state, base).actionBytes) as Mutable;
  change(map);
  return failure(() => decodeAction(encodeCanonical(map)));
}

function expectInvalid(field: string, change: (map: Mutable) => void, base?: ActionChange): void {
  const { code, message } = decodeChanged(change, base);
  expect(code).toBe('GOV_ACTION_INVALID');
  expect(message).toContain(`${field}:`);
}

describe('governance action encoding', () => {
  it('round-trips every action type, and re-encodes to the same bytes', () => {
    for (const change of CHANGES) {
      const proposal = propose(state, change);
      const action = decodeAction(proposal.actionBytes);
      expect(action).toEqual({ ...proposal.action });
      expect(action.type).toBe(change.type);
      expect(action.body).toEqual(change.body);
      expect(toHex(encodeAction(action))).toBe(toHex(proposal.actionBytes));
      expect(toHex(proposal.hash)).toBe(toHex(actionHash(proposal.actionBytes)));
    }
  });

  it('uses the documented keys', () => {
    const map = decodeCanonical(propose(state, CHANGES[2] as ActionChange).actionBytes) as CborMap;
    expect(Object.keys(map).sort()).toEqual([
      'body',
      'network',
      'previous',
      'seq',
      'time',
      'type',
      'version',
    ]);
    expect(Object.keys(map.body as CborMap).sort()).toEqual(['nodeKey', 'oldKeyUntilHeight', 'org']);
    expect(map.seq).toBe(1);
    expect(toHex(map.previous as Uint8Array)).toBe(toHex(state.network));
  });

  it('refuses a bad action, naming the field', () => {
    expectInvalid('version', (m) => (m.version = 2));
    expectInvalid('network', (m) => (m.network = new Uint8Array(31)));
    expectInvalid('seq', (m) => (m.seq = 0));
    expectInvalid('seq', (m) => (m.seq = -1));
    expectInvalid('previous', (m) => (m.previous = 'x'));
    expectInvalid('time', (m) => (m.time = 1.5));
    expectInvalid('type', (m) => (m.type = 'org.merge'));
    expectInvalid('action', (m) => (m.note = 'hello'));
    expectInvalid('action', (m) => delete m.body);
    expectInvalid('body.id', (m) => (m.body.id = 'has space'));
    expectInvalid('body.nodeKey', (m) => (m.body.nodeKey = SMALL_ORDER_KEY));
    expectInvalid('body.parties[0]', (m) => (m.body.parties = ['bank']));
    expectInvalid('body.creditCode', (m) => (m.body.creditCode = '91440300MA5F000030'));
    expectInvalid('body', (m) => (m.body.extra = 1));
    const [, parties, rotate, remove, authority, parameter] = CHANGES as ActionChange[];
    expectInvalid('body.parties', (m) => (m.body.parties = []), parties);
    expectInvalid('body.org', (m) => (m.body.org = ''), parties);
    expectInvalid('body.nodeKey', (m) => (m.body.nodeKey = SMALL_ORDER_KEY), rotate);
    expectInvalid('body.oldKeyUntilHeight', (m) => (m.body.oldKeyUntilHeight = -1), rotate);
    expectInvalid('body.freezeSize', (m) => (m.body.freezeSize = 'all'), remove);
    expectInvalid('body.reason', (m) => (m.body.reason = ''), remove);
    expectInvalid('body.keys', (m) => (m.body.keys = []), authority);
    expectInvalid('body.keys[1]', (m) => (m.body.keys[1] = m.body.keys[0]), authority);
    expectInvalid('body.threshold', (m) => (m.body.threshold = 3), authority);
    expectInvalid('body.threshold', (m) => (m.body.threshold = 0), authority);
    expectInvalid('body.name', (m) => (m.body.name = 'gas'), parameter);
    expectInvalid('body.value', (m) => (m.body.value = 5), parameter);
  });

  it('refuses non-canonical bytes with a CBOR code', () => {
    const bytes = propose(state, CHANGES[5] as ActionChange).actionBytes;
    expect(failure(() => decodeAction(concatBytes(bytes, Uint8Array.of(0)))).code).toBe(
      'CBOR_TRAILING_BYTES',
    );
    const map = decodeCanonical(bytes) as CborMap;
    const pairs = Object.entries(map).reverse();
    const reordered = concatBytes(
      Uint8Array.of(0xa0 + pairs.length),
      ...pairs.flatMap(([k, v]) => [encodeCanonical(k), encodeCanonical(v)]),
    );
    expect(failure(() => decodeAction(reordered)).code).toBe('CBOR_NON_CANONICAL');
  });

  it('encodeAction refuses what decodeAction would', () => {
    const proposal = propose(state, CHANGES[5] as ActionChange);
    const bad = { ...proposal.action, body: { name: 'blockIntervalMs', value: 1 } } as typeof proposal.action;
    expect(failure(() => encodeAction(bad)).message).toContain('body.value:');
  });
});

describe('signing governance actions', () => {
  const proposal = propose(state, CHANGES[0] as ActionChange);

  it('signs "liuhen/governance/v1\\n" ‖ action bytes, signatures in ascending key order', () => {
    expect(new TextDecoder().decode(ACTION_SIGNATURE_CONTEXT)).toBe('liuhen/governance/v1\n');
    expect(toHex(actionSigningMessage(proposal.actionBytes))).toBe(
      toHex(concatBytes(utf8('liuhen/governance/v1\n'), proposal.actionBytes)),
    );
    const signed = signBy(proposal, [authoritySeed(3), authoritySeed(1)]);
    expect(signed.signatures.map((s) => toHex(s.key))).toEqual(
      [keyOf('authority 1'), keyOf('authority 3')].map(toHex).sort(),
    );
    for (const s of signed.signatures) expect(verifyActionSignature(signed.actionBytes, s)).toBe(true);
    const other = propose(state, CHANGES[1] as ActionChange);
    expect(
      verifyActionSignature(other.actionBytes, signed.signatures[0] as (typeof signed.signatures)[0]),
    ).toBe(false);
  });

  it('round-trips a signed action, with and without signatures', () => {
    for (const signed of [proposal, signBy(proposal, [authoritySeed(2), authoritySeed(1)])]) {
      const decoded = decodeSignedAction(encodeSignedAction(signed));
      expect(decoded).toEqual(signed);
      expect(toHex(encodeSignedAction(decoded))).toBe(toHex(encodeSignedAction(signed)));
    }
  });

  it('refuses a second signature by the same key, when signing and when decoding', () => {
    const once = signAction(proposal, authoritySeed(1));
    const twice = failure(() => signAction(once, authoritySeed(1)));
    expect(twice.code).toBe('GOV_DUPLICATE_SIGNER');
    const pair = [once.signatures[0]?.key, once.signatures[0]?.signature] as Uint8Array[];
    const bytes = encodeCanonical([once.actionBytes, [pair, pair]]);
    expect(failure(() => decodeSignedAction(bytes)).code).toBe('GOV_DUPLICATE_SIGNER');
  });

  it('refuses signatures out of order, of the wrong shape, or by a key that cannot be enrolled', () => {
    const signed = signBy(proposal, [authoritySeed(1), authoritySeed(2)]);
    const pairs = signed.signatures.map((s) => [s.key, s.signature]);
    const decode = (list: unknown) =>
      failure(() => decodeSignedAction(encodeCanonical([signed.actionBytes, list as Uint8Array[]])));
    expect(decode([...pairs].reverse()).message).toContain('ascending');
    expect(decode([[pairs[0]?.[0]]]).message).toContain('signatures[0]:');
    expect(decode([[pairs[0]?.[0], new Uint8Array(63)]]).message).toContain('signatures[0][1]:');
    const small = decode([[SMALL_ORDER_KEY, new Uint8Array(64)]]);
    expect(small.code).toBe('GOV_ACTION_INVALID');
    expect(small.message).toContain('KEY_SMALL_ORDER');
    expect(decode('none').code).toBe('GOV_ACTION_INVALID');
    expect(failure(() => decodeSignedAction(encodeCanonical([signed.actionBytes]))).code).toBe(
      'GOV_ACTION_INVALID',
    );
    expect(failure(() => decodeSignedAction(encodeCanonical(['text', []]))).code).toBe('GOV_ACTION_INVALID');
    const many = Array.from({ length: MAX_ACTION_SIGNATURES + 1 }, (_, i) => [
      publicKeyFromSeed(seedOf(`k${i}`)),
      new Uint8Array(64),
    ]);
    expect(decode(many).message).toContain('signatures:');
  });

  it('merges copies signed in parallel, keeping each key once', () => {
    const a = signBy(proposal, [authoritySeed(1)]);
    const b = signBy(proposal, [authoritySeed(3), authoritySeed(1)]);
    const merged = mergeSignatures(a, b);
    expect(merged.signatures.map((s) => toHex(s.key))).toEqual(
      [keyOf('authority 1'), keyOf('authority 3')].map(toHex).sort(),
    );
    const other = signBy(propose(state, CHANGES[1] as ActionChange), [authoritySeed(2)]);
    expect(failure(() => mergeSignatures(a, other)).code).toBe('GOV_ACTION_INVALID');
  });

  it('renders JSON and one-line descriptions for people', () => {
    const signed = signBy(proposal, [authoritySeed(1)]);
    const json = signedActionToJson(signed);
    expect(json).toMatchObject({ seq: 1, type: 'org.add', hash: toHex(signed.hash) });
    expect((json.body as { nodeKey: string }).nodeKey).toBe(toHex(keyOf('lab node')));
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    const lines = CHANGES.map(describeAction);
    expect(lines[0]).toContain('add org "lab"');
    expect(lines[2]).toContain('up to height 500');
    expect(lines[3]).toContain('freezing its log at size 120');
    expect(lines[4]).toContain('2 of 2');
    expect(lines[5]).toBe('set parameter blockIntervalMs to 200');
  });
});
