/**
 * checkAuthority judged against the governance log: the entry's causal position is its index in
 * the org's log and the governance position its block claims.
 */
import { buildEntry, type Entry, toHex } from '@liuhen/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuthorityResult,
  appointmentBody,
  checkAuthority,
  type GovernanceState,
  type GovernedAuthorityInput,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  OperatorRegistry,
  type Party,
  revocationBody,
} from '../src/index.ts';
import {
  appointment,
  enact,
  keyOf,
  labOrg,
  NETWORK,
  orgAct,
  sampleGenesis,
  sampleState,
} from './fixtures.ts';

const T = 1_800_000_000_000;
const POLICY: Record<string, readonly string[]> = {
  'construction.joint-made': ['QI'],
  'test.compaction': ['QI'],
};
const rolePolicy = (kind: string, role: string) => POLICY[kind]?.includes(role) ?? false;
// Test results come from labs only.
const partyPolicy = (kind: string, parties: readonly Party[]) =>
  !kind.startsWith('test.') || parties.includes('lab');

/** An operator's entry on `org`'s log. */
function operatorEntry(org: string, signer: Uint8Array, kind = 'construction.joint-made'): Entry {
  return buildEntry({ network: NETWORK, org, object: 'seg:1', kind, time: T, signer, role: 'QI', body: {} });
}

/**
 * Judges an org log entry by entry, as a node does: each entry against the registry built from
 * the accepted entries before it, then fed to the registry if accepted. Returns the verdicts.
 */
function judgeLog(
  governance: GovernanceState,
  log: readonly { entry: Entry; position?: number; height?: number }[],
  registry = new OperatorRegistry(),
): string[] {
  return log.map(({ entry, position, height }, logIndex) => {
    const verdict = checkAuthority({
      governance,
      registry,
      org: entry.org,
      signer: entry.signer,
      role: entry.role,
      kind: entry.kind,
      logIndex,
      time: entry.time,
      rolePolicy,
      partyPolicy,
      ...(position === undefined ? {} : { governancePosition: position }),
      ...(height === undefined ? {} : { blockHeight: height }),
    });
    if (verdict.ok) registry.apply(entry.org, logIndex, entry);
    return verdict.ok ? 'ok' : verdict.code;
  });
}

const zhang = appointment();
const appointZhang = (org = 'contractor', nodeKey = keyOf(`${org} node`)) =>
  orgAct(org, OPERATOR_APPOINTED, appointmentBody(zhang), nodeKey);

describe('checkAuthority with the governance log', () => {
  it('at position 0 it answers exactly as the genesis-only form', () => {
    const genesis = sampleGenesis();
    const governance = sampleState();
    const registry = new OperatorRegistry();
    registry.apply('contractor', 0, appointZhang());
    const signers = [zhang.operator, keyOf('contractor node'), keyOf('supervision node'), keyOf('stranger')];
    fc.assert(
      fc.property(
        fc.constantFrom('contractor', 'supervision', 'ghost'),
        fc.constantFrom(...signers),
        fc.constantFrom('QI', 'TL', 'ORG'),
        fc.constantFrom('construction.joint-made', OPERATOR_APPOINTED, 'acceptance.completion'),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(T, 1_600_000_000_000, 1_950_000_000_000),
        (org, signer, role, kind, logIndex, time) => {
          const base = { registry, org, signer, role, kind, logIndex, time, rolePolicy };
          const plain: AuthorityResult = checkAuthority({ genesis, ...base });
          const governed = checkAuthority({ governance, ...base });
          expect(governed.ok ? 'ok' : governed.code).toBe(plain.ok ? 'ok' : plain.code);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an org added by governance may act only from the position that added it', () => {
    const governance = sampleState();
    enact(governance, { type: 'org.add', body: labOrg() });
    const log = [{ entry: appointZhang('lab') }, { entry: operatorEntry('lab', zhang.operator) }];
    expect(
      judgeLog(
        governance,
        log.map((l) => ({ ...l, position: 0 })),
      ),
    ).toEqual(['UNKNOWN_ORG', 'UNKNOWN_ORG']);
    expect(
      judgeLog(
        governance,
        log.map((l) => ({ ...l, position: 1 })),
      ),
    ).toEqual(['ok', 'ok']);
    // The default position is the state's current one.
    expect(judgeLog(governance, log)).toEqual(['ok', 'ok']);
  });

  it('a revoked org: entries below the freeze point stay valid, those at or past it are rejected', () => {
    const governance = sampleState();
    const log = [
      { entry: appointZhang('supervision'), position: 0 },
      { entry: operatorEntry('supervision', zhang.operator), position: 0 },
      { entry: operatorEntry('supervision', zhang.operator), position: 0 },
      { entry: operatorEntry('supervision', zhang.operator), position: 0 },
      { entry: operatorEntry('supervision', zhang.operator), position: 0 },
    ];
    expect(judgeLog(governance, log)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    enact(governance, {
      type: 'org.remove',
      body: { org: 'supervision', freezeSize: 3, reason: 'compromised' },
    });
    // The same log judged again, e.g. by an inspector offline, once the removal is known.
    expect(judgeLog(governance, log)).toEqual(['ok', 'ok', 'ok', 'ORG_FROZEN', 'ORG_FROZEN']);
    // Entries of a block that claims the removal's position belong to a non-member.
    const after = judgeLog(
      governance,
      log.map((l) => ({ ...l, position: 1 })),
    );
    expect(after).toEqual(['UNKNOWN_ORG', 'UNKNOWN_ORG', 'UNKNOWN_ORG', 'UNKNOWN_ORG', 'UNKNOWN_ORG']);
    const result = checkAuthority({
      governance,
      registry: new OperatorRegistry(),
      org: 'supervision',
      signer: zhang.operator,
      role: 'QI',
      kind: 'construction.joint-made',
      logIndex: 3,
      time: T,
      rolePolicy,
      governancePosition: 0,
    });
    expect(!result.ok && result.reason).toContain('frozen at size 3');
  });

  it('org key rotation: the old node key signs org acts within its overlap window only', () => {
    const governance = sampleState();
    const NEW = keyOf('contractor node 2');
    const OLD = keyOf('contractor node');
    enact(governance, {
      type: 'org.rotate-key',
      body: { org: 'contractor', nodeKey: NEW, oldKeyUntilHeight: 10 },
    });
    const code = (signer: Uint8Array, extra: Partial<GovernedAuthorityInput>, role = 'ORG') => {
      const result = checkAuthority({
        governance,
        registry: new OperatorRegistry(),
        org: 'contractor',
        signer,
        role,
        kind: OPERATOR_APPOINTED,
        logIndex: 0,
        time: T,
        rolePolicy,
        ...extra,
      });
      return result.ok ? 'ok' : result.code;
    };
    expect(code(OLD, { governancePosition: 0, blockHeight: 5 })).toBe('ok');
    expect(code(OLD, { governancePosition: 0 })).toBe('ok');
    expect(code(OLD, { governancePosition: 1, blockHeight: 10 })).toBe('ok');
    expect(code(OLD, { governancePosition: 1, blockHeight: 11 })).toBe('NODE_KEY_RETIRED');
    expect(code(OLD, { governancePosition: 0, blockHeight: 11 })).toBe('NODE_KEY_RETIRED');
    expect(code(OLD, { governancePosition: 1 })).toBe('NODE_KEY_RETIRED');
    expect(code(NEW, { governancePosition: 0, blockHeight: 5 })).toBe('NODE_KEY_NOT_YET_VALID');
    expect(code(NEW, { governancePosition: 1, blockHeight: 5 })).toBe('ok');
    expect(code(NEW, { governancePosition: 1 }, 'QI')).toBe('NODE_KEY_MISUSE');
  });

  it('an operator revoked on the org log: later entries rejected, earlier ones valid, on every replay', () => {
    const governance = sampleState();
    const revoke = orgAct(
      'contractor',
      OPERATOR_REVOKED,
      revocationBody({ operator: zhang.operator, reason: 'key stolen' }),
    );
    const log = [
      { entry: appointZhang() },
      { entry: operatorEntry('contractor', zhang.operator) },
      { entry: operatorEntry('contractor', zhang.operator) },
      { entry: revoke },
      { entry: operatorEntry('contractor', zhang.operator) },
    ];
    const online = judgeLog(governance, log);
    expect(online).toEqual(['ok', 'ok', 'ok', 'ok', 'OPERATOR_REVOKED']);
    // An inspector replaying the log offline, later, with more governance applied, agrees.
    enact(governance, { type: 'parameter.set', body: { name: 'blockIntervalMs', value: 500 } });
    expect(
      judgeLog(
        governance,
        log.map((l) => ({ ...l, position: 0 })),
      ),
    ).toEqual(online);
    expect(judgeLog(governance, log)).toEqual(online);
  });

  it('operator key rotation: the new key continues the person, the old key ends at the rotation', () => {
    const governance = sampleState();
    const phone2 = keyOf('Zhang San new phone');
    const rotate = orgAct(
      'contractor',
      OPERATOR_APPOINTED,
      appointmentBody({ ...zhang, operator: phone2, replaces: zhang.operator }),
    );
    const registry = new OperatorRegistry();
    const verdicts = judgeLog(
      governance,
      [
        { entry: appointZhang() },
        { entry: operatorEntry('contractor', zhang.operator) },
        { entry: rotate },
        { entry: operatorEntry('contractor', phone2) },
        { entry: operatorEntry('contractor', zhang.operator) },
      ],
      registry,
    );
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'ok', 'OPERATOR_REVOKED']);
    expect(toHex(registry.identityOf('contractor', phone2) as Uint8Array)).toBe(toHex(zhang.operator));
    expect(registry.identityKeys('contractor', zhang.operator).map(toHex)).toEqual(
      [zhang.operator, phone2].map(toHex),
    );
  });

  it('PARTY_NOT_PERMITTED: the org’s parties at the entry’s position decide', () => {
    const governance = sampleState();
    enact(governance, { type: 'org.set-parties', body: { org: 'supervision', parties: ['supervision'] } });
    const log = (position: number) => [
      { entry: appointZhang('supervision'), position },
      { entry: operatorEntry('supervision', zhang.operator, 'test.compaction'), position },
    ];
    expect(judgeLog(governance, log(0))).toEqual(['ok', 'ok']);
    expect(judgeLog(governance, log(1))).toEqual(['ok', 'PARTY_NOT_PERMITTED']);
  });

  it('the position: known, with our hash when given as a position', () => {
    const governance = sampleState();
    const signed = enact(governance, { type: 'org.add', body: labOrg() });
    const code = (governancePosition: GovernedAuthorityInput['governancePosition']) => {
      const result = checkAuthority({
        governance,
        registry: new OperatorRegistry(),
        org: 'contractor',
        signer: keyOf('contractor node'),
        role: 'ORG',
        kind: OPERATOR_APPOINTED,
        logIndex: 0,
        time: T,
        rolePolicy,
        ...(governancePosition === undefined ? {} : { governancePosition }),
      });
      return result.ok ? 'ok' : result.code;
    };
    expect(code({ seq: 1, hash: signed.hash })).toBe('ok');
    expect(code({ seq: 0, hash: governance.network })).toBe('ok');
    expect(code({ seq: 1, hash: governance.network })).toBe('GOV_POSITION_MISMATCH');
    expect(code({ seq: 2, hash: signed.hash })).toBe('GOV_POSITION_UNKNOWN');
    expect(code(2)).toBe('GOV_POSITION_UNKNOWN');
    expect(code(-1)).toBe('RANGE_INVALID');
    expect(code(undefined)).toBe('ok');
  });
});
