import { type Entry, toHex } from '@liuhen/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuthorityInput,
  appointmentBody,
  checkAuthority,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  OperatorRegistry,
  revocationBody,
} from '../src/index.ts';
import { appointment, keyOf, orgAct, sampleGenesis } from './fixtures.ts';

const genesis = sampleGenesis();
const contractorNode = keyOf('contractor node');
const T = 1_800_000_000_000;

// The profile stand-in: which roles may sign which kinds.
const POLICY: Record<string, readonly string[]> = {
  'construction.joint-made': ['QI'],
  'inspection.hidden-works-selfcheck': ['QI', 'TL'],
};
const rolePolicy = (kind: string, role: string) => POLICY[kind]?.includes(role) ?? false;

const zhang = appointment();
const li = appointment({
  operator: keyOf('Li Si'),
  name: '李四',
  roles: ['QI'],
  validFrom: 1_750_000_000_000,
  validUntil: 1_850_000_000_000,
});
const wang = appointment({
  operator: keyOf('Li Si new phone'),
  name: '李四',
  roles: ['QI'],
  replaces: li.operator,
});

/** The contractor's operator records, by log index. */
const records: [number, Entry][] = [
  [0, orgAct('contractor', OPERATOR_APPOINTED, appointmentBody(zhang))],
  [1, orgAct('contractor', OPERATOR_APPOINTED, appointmentBody(li))],
  [100, orgAct('contractor', OPERATOR_REVOKED, revocationBody({ operator: zhang.operator, reason: 'left' }))],
  [120, orgAct('contractor', OPERATOR_APPOINTED, appointmentBody({ ...zhang, roles: ['QI'] }))],
  [130, orgAct('contractor', OPERATOR_APPOINTED, appointmentBody(wang))],
];
const registry = new OperatorRegistry();
for (const [index, entry] of records) registry.apply('contractor', index, entry);

function check(overrides: Partial<AuthorityInput>) {
  return checkAuthority({
    genesis,
    registry,
    org: 'contractor',
    signer: zhang.operator,
    role: 'QI',
    kind: 'construction.joint-made',
    logIndex: 50,
    time: T,
    rolePolicy,
    ...overrides,
  });
}

function codeOf(overrides: Partial<AuthorityInput>): string {
  const result = check(overrides);
  return result.ok ? 'ok' : result.code;
}

describe('checkAuthority', () => {
  it('accepts an appointed operator signing a held, permitted role within its window', () => {
    expect(check({})).toEqual({ ok: true });
  });

  it('UNKNOWN_ORG: the org must be in the genesis', () => {
    expect(codeOf({ org: 'ghost' })).toBe('UNKNOWN_ORG');
  });

  it('the node key signs org.* kinds as ORG, and nothing else', () => {
    expect(codeOf({ signer: contractorNode, role: 'ORG', kind: OPERATOR_APPOINTED })).toBe('ok');
    expect(codeOf({ signer: contractorNode, role: 'ORG', kind: OPERATOR_REVOKED, logIndex: 0 })).toBe('ok');
    expect(codeOf({ signer: contractorNode, role: 'ORG', kind: 'construction.joint-made' })).toBe(
      'NODE_KEY_MISUSE',
    );
    expect(codeOf({ signer: contractorNode, role: 'QI', kind: OPERATOR_APPOINTED })).toBe('NODE_KEY_MISUSE');
    expect(codeOf({ signer: contractorNode, role: 'QI' })).toBe('NODE_KEY_MISUSE');
  });

  it('ORG_KIND_RESERVED: operators and other orgs cannot sign org.* kinds', () => {
    expect(codeOf({ kind: OPERATOR_APPOINTED })).toBe('ORG_KIND_RESERVED');
    expect(codeOf({ signer: keyOf('supervision node'), role: 'ORG', kind: OPERATOR_APPOINTED })).toBe(
      'ORG_KIND_RESERVED',
    );
  });

  it('OPERATOR_UNKNOWN: no appointment on this org log before the entry', () => {
    expect(codeOf({ signer: keyOf('stranger') })).toBe('OPERATOR_UNKNOWN');
    expect(codeOf({ logIndex: 0 })).toBe('OPERATOR_UNKNOWN');
    expect(codeOf({ logIndex: 1 })).toBe('ok');
    expect(codeOf({ org: 'supervision' })).toBe('OPERATOR_UNKNOWN');
  });

  it('OPERATOR_REVOKED: revocation at index 100 leaves earlier entries valid', () => {
    expect(codeOf({ logIndex: 99 })).toBe('ok');
    expect(codeOf({ logIndex: 100 })).toBe('ok');
    expect(codeOf({ logIndex: 101 })).toBe('OPERATOR_REVOKED');
    expect(codeOf({ logIndex: 120 })).toBe('OPERATOR_REVOKED');
    const result = check({ logIndex: 101 });
    expect(!result.ok && result.reason).toContain('revoked at log index 100: left');
  });

  it('re-appointment after revocation makes the key valid again, with the new roles', () => {
    expect(codeOf({ logIndex: 121 })).toBe('ok');
    expect(codeOf({ logIndex: 50, role: 'TL', kind: 'inspection.hidden-works-selfcheck' })).toBe('ok');
    expect(codeOf({ logIndex: 121, role: 'TL', kind: 'inspection.hidden-works-selfcheck' })).toBe(
      'ROLE_NOT_HELD',
    );
  });

  it('key rotation: `replaces` ends the previous key at the new appointment', () => {
    expect(codeOf({ signer: li.operator, logIndex: 130 })).toBe('ok');
    const result = check({ signer: li.operator, logIndex: 131 });
    expect(result.ok ? 'ok' : result.code).toBe('OPERATOR_REVOKED');
    expect(!result.ok && result.reason).toContain(`replaced by ${toHex(wang.operator)}`);
    expect(codeOf({ signer: wang.operator, logIndex: 131 })).toBe('ok');
    expect(codeOf({ signer: wang.operator, logIndex: 130 })).toBe('OPERATOR_UNKNOWN');
  });

  it('OPERATOR_NOT_YET_VALID and OPERATOR_EXPIRED: the window is inclusive', () => {
    expect(codeOf({ signer: li.operator, time: li.validFrom })).toBe('ok');
    expect(codeOf({ signer: li.operator, time: li.validFrom - 1 })).toBe('OPERATOR_NOT_YET_VALID');
    expect(codeOf({ signer: li.operator, time: li.validUntil })).toBe('ok');
    expect(codeOf({ signer: li.operator, time: li.validUntil + 1 })).toBe('OPERATOR_EXPIRED');
  });

  it('ROLE_NOT_HELD: the operator signs as a role not in its appointment', () => {
    expect(codeOf({ role: 'SE' })).toBe('ROLE_NOT_HELD');
    expect(codeOf({ role: 'ORG' })).toBe('ROLE_NOT_HELD');
  });

  it('ROLE_NOT_PERMITTED: the profile does not let the role sign the kind', () => {
    expect(codeOf({ role: 'TL' })).toBe('ROLE_NOT_PERMITTED');
    expect(codeOf({ kind: 'acceptance.completion' })).toBe('ROLE_NOT_PERMITTED');
  });

  it('in a log pipeline, an operator cannot forge an appointment', () => {
    // Each entry is judged against the registry before it, then applied only if accepted.
    const pipeline = new OperatorRegistry();
    const forged = appointment({ operator: keyOf('accomplice'), roles: ['QI'] });
    const log: Entry[] = [
      orgAct('contractor', OPERATOR_APPOINTED, appointmentBody(zhang)),
      orgAct('contractor', OPERATOR_APPOINTED, appointmentBody(forged), zhang.operator),
    ];
    const verdicts = log.map((entry, logIndex) => {
      const result = checkAuthority({
        genesis,
        registry: pipeline,
        org: entry.org,
        signer: entry.signer,
        role: entry.role,
        kind: entry.kind,
        logIndex,
        time: entry.time,
        rolePolicy,
      });
      if (result.ok) pipeline.apply(entry.org, logIndex, entry);
      return result.ok ? 'ok' : result.code;
    });
    expect(verdicts).toEqual(['ok', 'ORG_KIND_RESERVED']);
    expect(pipeline.stateAt('contractor', forged.operator, 2)).toBeUndefined();
  });
});

describe('checkAuthority over arbitrary histories', () => {
  // One operator's records at increasing indexes; the verdict at every index must match a
  // straightforward replay of the records before it.
  const windows = [
    { validFrom: 1_000, validUntil: 2_000 },
    { validFrom: 1_500, validUntil: 3_000 },
  ];
  const recordArb = fc.record({
    gap: fc.integer({ min: 1, max: 5 }),
    appoint: fc.boolean(),
    window: fc.constantFrom(...windows),
    roles: fc.constantFrom<readonly string[]>(['QI'], ['TL'], ['QI', 'TL']),
  });

  it('agree with a replay of the log', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 6 }),
        fc.constantFrom(900, 1_200, 1_700, 2_500),
        (history, time) => {
          const reg = new OperatorRegistry();
          let index = 0;
          const placed = history.map((r) => {
            index += r.gap;
            const entry = r.appoint
              ? orgAct(
                  'contractor',
                  OPERATOR_APPOINTED,
                  appointmentBody({ ...zhang, ...r.window, roles: r.roles }),
                )
              : orgAct(
                  'contractor',
                  OPERATOR_REVOKED,
                  revocationBody({ operator: zhang.operator, reason: 'x' }),
                );
            reg.apply('contractor', index, entry);
            return { ...r, index };
          });
          for (let at = 0; at <= index + 1; at++) {
            const last = placed.filter((p) => p.index < at).at(-1);
            const expected =
              last === undefined
                ? 'OPERATOR_UNKNOWN'
                : !last.appoint
                  ? 'OPERATOR_REVOKED'
                  : time < last.window.validFrom
                    ? 'OPERATOR_NOT_YET_VALID'
                    : time > last.window.validUntil
                      ? 'OPERATOR_EXPIRED'
                      : last.roles.includes('QI')
                        ? 'ok'
                        : 'ROLE_NOT_HELD';
            expect(codeOf({ registry: reg, logIndex: at, time })).toBe(expected);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
