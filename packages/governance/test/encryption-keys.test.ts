/**
 * Encryption keys through governance (docs/protocol.md §13.6, §15): published, rotated and
 * withdrawn by threshold-signed actions, asked for at a position, and used to seal for the
 * authorised orgs at that position.
 */
import {
  buildGrant,
  encodeCanonical,
  encryptionKeyPair,
  grantWraps,
  parseSealed,
  sealContext,
  sealFields,
  sha256,
  signEntry,
  toHex,
  unsealEntry,
  utf8,
} from '@liuhen/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActionChange,
  decodeAction,
  decodeSignedAction,
  describeAction,
  encodeSignedAction,
  type GovernanceState,
  signedActionToJson,
} from '../src/index.ts';
import {
  authoritySeed,
  enact,
  failure,
  isTyped,
  keyOf,
  labOrg,
  propose,
  sampleState,
  seedOf,
  signBy,
} from './fixtures.ts';

const pair = (label: string) => encryptionKeyPair(seedOf(`encryption ${label}`));
const SIGNERS = [authoritySeed(1), authoritySeed(2)];

const setKey = (org: string, label: string): ActionChange => ({
  type: 'org.set-encryption-key',
  body: { org, key: pair(label).publicKey },
});
const withdraw = (org: string, label: string, reason = 'key file lost'): ActionChange => ({
  type: 'org.remove-encryption-key',
  body: { org, keyId: pair(label).keyId, reason },
});

function applyCode(state: GovernanceState, change: ActionChange): string {
  try {
    state.apply(signBy(propose(state, change), SIGNERS));
  } catch (error) {
    if (!isTyped(error)) throw error;
    return (error as { code: string }).code;
  }
  return 'ok';
}

const ids = (state: GovernanceState, org: string, g?: number) =>
  state.encryptionKeysAt(org, g).map((k) => toHex(k.keyId));

describe('org.set-encryption-key and org.remove-encryption-key', () => {
  it('encode, decode and describe like every action', () => {
    const state = sampleState();
    for (const change of [setKey('contractor', 'c1'), withdraw('contractor', 'c1')]) {
      const signed = signBy(propose(state, change), SIGNERS);
      const bytes = encodeSignedAction(signed);
      const decoded = decodeSignedAction(bytes);
      expect(decoded.action).toEqual(signed.action);
      expect(encodeSignedAction(decoded)).toEqual(bytes);
      expect(describeAction(change)).toContain('"contractor"');
      expect(JSON.stringify(signedActionToJson(signed))).toContain(change.type);
    }
    expect(describeAction(setKey('contractor', 'c1'))).toContain(toHex(pair('c1').keyId));
  });

  it('refuses a key that is not a usable X25519 key, and a body of the wrong shape', () => {
    const state = sampleState();
    const bad = (key: Uint8Array) => () =>
      propose(state, { type: 'org.set-encryption-key', body: { org: 'contractor', key } });
    expect(failure(bad(new Uint8Array(32))).code).toBe('GOV_ACTION_INVALID');
    expect(failure(bad(new Uint8Array(31))).code).toBe('GOV_ACTION_INVALID');
    expect(failure(bad(new Uint8Array(32).fill(0xff))).code).toBe('GOV_ACTION_INVALID');
    expect(failure(bad(new Uint8Array(32))).message).toContain('SEAL_KEY_INVALID');
    const noReason = {
      type: 'org.remove-encryption-key',
      body: { org: 'contractor', keyId: pair('c1').keyId, reason: '' },
    };
    expect(failure(() => propose(state, noReason as ActionChange)).code).toBe('GOV_ACTION_INVALID');
    const shortId = {
      type: 'org.remove-encryption-key',
      body: { org: 'contractor', keyId: new Uint8Array(8), reason: 'x' },
    };
    expect(failure(() => propose(state, shortId as ActionChange)).code).toBe('GOV_ACTION_INVALID');
  });

  it('publishes, rotates and withdraws, answering for every position', () => {
    const state = sampleState();
    expect(state.encryptionKeysAt('contractor')).toEqual([]);
    enact(state, setKey('contractor', 'c1')); // 1
    enact(state, setKey('supervision', 's1')); // 2
    enact(state, setKey('contractor', 'c2')); // 3: rotation
    enact(state, withdraw('supervision', 's1')); // 4: withdrawal
    const c1 = toHex(pair('c1').keyId);
    const c2 = toHex(pair('c2').keyId);
    const s1 = toHex(pair('s1').keyId);
    expect([0, 1, 2, 3, 4].map((g) => ids(state, 'contractor', g))).toEqual([[], [c1], [c1], [c2], [c2]]);
    expect([0, 1, 2, 3, 4].map((g) => ids(state, 'supervision', g))).toEqual([[], [], [s1], [s1], []]);
    const [first, second] = state.encryptionKeysOf('contractor');
    expect(first).toMatchObject({ org: 'contractor', from: 1, until: 3 });
    expect(first?.key).toEqual(pair('c1').publicKey);
    expect(second).toMatchObject({ from: 3 });
    expect(second && 'until' in second).toBe(false);
    expect(state.encryptionKeysOf('supervision')[0]).toMatchObject({
      from: 2,
      until: 4,
      withdrawn: 'key file lost',
    });
    expect(state.encryptionKeyById(pair('s1').keyId)?.org).toBe('supervision');
    expect(state.encryptionKeyById(pair('zz').keyId)).toBeUndefined();

    expect(state.encryptionKeyVerdict('contractor', pair('c1').keyId, 2)).toEqual({ ok: true });
    const retired = state.encryptionKeyVerdict('contractor', pair('c1').keyId, 3);
    expect(retired).toMatchObject({ ok: false, code: 'ENCRYPTION_KEY_UNKNOWN' });
    expect(!retired.ok && retired.reason).toContain('replaced at position 3');
    const withdrawn = state.encryptionKeyVerdict('supervision', pair('s1').keyId, 4);
    expect(!withdrawn.ok && withdrawn.reason).toContain('withdrawn at position 4');
    expect(state.encryptionKeyVerdict('contractor', pair('s1').keyId, 2)).toMatchObject({
      code: 'ENCRYPTION_KEY_UNKNOWN',
    });
    expect(state.encryptionKeyVerdict('contractor', pair('c2').keyId, 2)).toMatchObject({
      code: 'ENCRYPTION_KEY_UNKNOWN',
    });
    expect(state.encryptionKeyVerdict('lab', pair('c2').keyId, 2)).toMatchObject({ code: 'UNKNOWN_ORG' });
    expect(state.encryptionKeyVerdict('contractor', pair('c2').keyId, 9)).toMatchObject({
      code: 'GOV_POSITION_UNKNOWN',
    });
    expect(failure(() => state.encryptionKeysAt('contractor', 9)).code).toBe('GOV_POSITION_UNKNOWN');
  });

  it('refuses what does not apply, changing nothing', () => {
    const state = sampleState();
    enact(state, setKey('contractor', 'c1'));
    const head = toHex(state.head.hash);
    expect(applyCode(state, setKey('lab', 'l1'))).toBe('GOV_ACTION_REFUSED'); // not a member
    expect(applyCode(state, setKey('supervision', 'c1'))).toBe('GOV_ACTION_REFUSED'); // another org's key
    expect(applyCode(state, setKey('contractor', 'c1'))).toBe('GOV_ACTION_REFUSED'); // set again
    expect(applyCode(state, withdraw('contractor', 'c9'))).toBe('GOV_ACTION_REFUSED'); // not the key in force
    expect(applyCode(state, withdraw('supervision', 's1'))).toBe('GOV_ACTION_REFUSED'); // none in force
    expect(toHex(state.head.hash)).toBe(head);
    expect(ids(state, 'contractor')).toEqual([toHex(pair('c1').keyId)]);
    // A withdrawn key is never set again, by anyone.
    enact(state, withdraw('contractor', 'c1'));
    expect(applyCode(state, withdraw('contractor', 'c1'))).toBe('GOV_ACTION_REFUSED');
    expect(applyCode(state, setKey('contractor', 'c1'))).toBe('GOV_ACTION_REFUSED');
    expect(applyCode(state, setKey('contractor', 'c2'))).toBe('ok');
  });

  it('a removed org has no encryption key from its removal on; an added org sets its own', () => {
    const state = sampleState();
    enact(state, setKey('supervision', 's1')); // 1
    enact(state, {
      type: 'org.remove',
      body: { org: 'supervision', freezeSize: 0, reason: 'licence revoked' },
    }); // 2
    expect(ids(state, 'supervision', 1)).toHaveLength(1);
    expect(ids(state, 'supervision', 2)).toEqual([]);
    expect(applyCode(state, setKey('supervision', 's2'))).toBe('GOV_ACTION_REFUSED');
    enact(state, { type: 'org.add', body: labOrg() }); // 3
    enact(state, setKey('lab', 'l1')); // 4
    expect(ids(state, 'lab', 3)).toEqual([]);
    expect(ids(state, 'lab', 4)).toEqual([toHex(pair('l1').keyId)]);
  });

  it('new and mutated action bytes fail only with typed errors', () => {
    const state = sampleState();
    const valid = [setKey('contractor', 'c1'), withdraw('contractor', 'c1')].map((c) =>
      encodeSignedAction(signBy(propose(state, c), SIGNERS)),
    );
    // `check` never changes the state, so one state serves every run.
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, at, xor) => {
        const bytes = (valid[which] as Uint8Array).slice();
        bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ xor;
        try {
          state.check(decodeSignedAction(bytes));
        } catch (error) {
          if (!isTyped(error)) throw error;
        }
      }),
      { numRuns: 300 },
    );
    const body = (value: unknown) => () =>
      decodeAction(
        encodeCanonical({
          ...(decodeSignedAction(valid[0] as Uint8Array).action as unknown as Record<string, never>),
          body: value as never,
        }),
      );
    for (const value of [
      {},
      { org: 'contractor' },
      { org: 'contractor', key: 'x' },
      { org: 'contractor', key: pair('c1').publicKey, x: 1 },
    ]) {
      expect(failure(body(value)).code).toBe('GOV_ACTION_INVALID');
    }
  });
});

describe('sealing for the authorised orgs at a position', () => {
  const network = sha256(utf8('governance sealing'));
  const operatorSeed = seedOf('sealing operator');
  const draftAt = (time: number) => ({
    network,
    org: 'contractor',
    object: 'seg:SZ-WS000123-WS000124#1',
    kind: 'construction.as-built-survey',
    time,
    signer: keyOf('sealing operator'),
    role: 'QI',
    body: { pointCount: 2 },
    classification: 'restricted' as const,
  });
  const fields = { asBuilt: [[114.05, 22.54, -2.85]], idHash: sha256(utf8('id')) };

  function sealAt(state: GovernanceState, g: number, time: number) {
    const { recipients, missing } = state.sealRecipientsAt(['contractor', 'supervision', 'lab'], g);
    const draft = draftAt(time);
    const sealed = sealFields(fields, recipients, sealContext(draft));
    return {
      signed: signEntry(
        { ...draft, parents: [], refs: [], attachments: [], version: 1, sealed },
        operatorSeed,
      ),
      missing,
    };
  }

  it('wraps to the keys in force; after a withdrawal, entries sealed from then on leave the org out', () => {
    const state = sampleState();
    enact(state, setKey('contractor', 'c1')); // 1
    enact(state, setKey('supervision', 's1')); // 2
    const before = sealAt(state, 2, 1_778_600_000_000);
    expect(before.missing).toEqual(['lab']);
    expect(parseSealed(before.signed.entry.sealed).recipients.map((r) => r.org)).toEqual([
      'contractor',
      'supervision',
    ]);
    expect(unsealEntry(before.signed, 'supervision', pair('s1'))).toEqual(fields);

    enact(state, withdraw('supervision', 's1', 'compromised')); // 3
    const after = sealAt(state, 3, 1_778_600_060_000);
    expect(after.missing).toEqual(['supervision', 'lab']);
    const section = parseSealed(after.signed.entry.sealed);
    expect(section.recipients.map((r) => r.org)).toEqual(['contractor']);
    expect(section.recipients.some((r) => toHex(r.keyId) === toHex(pair('s1').keyId))).toBe(false);
    expect(failure(() => unsealEntry(after.signed, 'supervision', pair('s1'))).code).toBe(
      'SEAL_NOT_RECIPIENT',
    );
    // What was sealed before the withdrawal stays readable with the old key.
    expect(unsealEntry(before.signed, 'supervision', pair('s1'))).toEqual(fields);
    // A verifier finds every wrap of the earlier entry in force at its position, and not later.
    for (const r of parseSealed(before.signed.entry.sealed).recipients) {
      expect(state.encryptionKeyVerdict(r.org, r.keyId, 2).ok).toBe(true);
    }
    expect(state.encryptionKeyVerdict('supervision', pair('s1').keyId, 3).ok).toBe(false);
  });

  it('after a rotation, new entries wrap to the new key; the org reads old and new with both keys', () => {
    const state = sampleState();
    enact(state, setKey('contractor', 'c1')); // 1
    const old = sealAt(state, 1, 1_778_600_000_000);
    enact(state, setKey('contractor', 'c2')); // 2
    const fresh = sealAt(state, 2, 1_778_600_060_000);
    expect(toHex(parseSealed(fresh.signed.entry.sealed).recipients[0]?.keyId as Uint8Array)).toBe(
      toHex(pair('c2').keyId),
    );
    expect(state.encryptionKeysOf('contractor').map((k) => toHex(k.keyId))).toEqual(
      [pair('c1'), pair('c2')].map((p) => toHex(p.keyId)),
    );
    const keys = [pair('c1'), pair('c2')];
    expect(unsealEntry(old.signed, 'contractor', keys)).toEqual(fields);
    expect(unsealEntry(fresh.signed, 'contractor', keys)).toEqual(fields);
    expect(failure(() => unsealEntry(fresh.signed, 'contractor', pair('c1'))).code).toBe('SEAL_WRONG_KEY');
  });

  it('a grant checks its new recipients against the governance keys at its position', () => {
    const state = sampleState();
    enact(state, setKey('contractor', 'c1')); // 1
    enact(state, { type: 'org.add', body: labOrg() }); // 2
    enact(state, setKey('lab', 'l1')); // 3
    const { signed } = sealAt(state, 3, 1_778_600_000_000);
    const context = sealContext(signed.entry, signed.id);
    const toLab = grantWraps(
      signed.entry.sealed,
      { org: 'contractor', keys: pair('c1') },
      state.sealRecipientsAt(['lab'], 3).recipients,
      context,
    );
    const draft = { org: 'contractor', signer: keyOf('contractor node'), time: 1_778_600_100_000 };
    const isKeyAt = (g: number) => (org: string, keyId: Uint8Array) =>
      state.encryptionKeyVerdict(org, keyId, g).ok;
    const grant = buildGrant(draft, signed, toLab, { isEncryptionKey: isKeyAt(3) });
    expect(unsealEntry(signed, 'lab', pair('l1'), { grants: [toLab] })).toEqual(fields);
    expect(failure(() => buildGrant(draft, signed, toLab, { isEncryptionKey: isKeyAt(2) })).code).toBe(
      'ENCRYPTION_KEY_UNKNOWN',
    );
    expect(grant.refs[0]).toMatchObject({ rel: 'grants' });
  });
});
