import { toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import {
  appointmentBody,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  OperatorRegistry,
  revocationBody,
} from '../src/index.ts';
import { appointment, failure, keyOf, orgAct } from './fixtures.ts';

const zhang = appointment();
const appointed = orgAct('contractor', OPERATOR_APPOINTED, appointmentBody(zhang));
const revoked = orgAct(
  'contractor',
  OPERATOR_REVOKED,
  revocationBody({ operator: zhang.operator, reason: 'left' }),
);

describe('operator registry', () => {
  it('answers the state just before an index: an appointment takes effect after its own entry', () => {
    const registry = new OperatorRegistry();
    registry.apply('contractor', 10, appointed);
    registry.apply('contractor', 100, revoked);
    expect(registry.stateAt('contractor', zhang.operator, 10)).toBeUndefined();
    expect(registry.stateAt('contractor', zhang.operator, 11)).toEqual({
      type: 'appointed',
      logIndex: 10,
      appointment: zhang,
    });
    expect(registry.stateAt('contractor', zhang.operator, 100)?.type).toBe('appointed');
    expect(registry.stateAt('contractor', zhang.operator, 101)).toEqual({
      type: 'revoked',
      logIndex: 100,
      reason: 'left',
    });
    expect(registry.stateAt('supervision', zhang.operator, 101)).toBeUndefined();
  });

  it('records that an appointment with `replaces` ends the previous key', () => {
    const registry = new OperatorRegistry();
    registry.apply('contractor', 1, appointed);
    const next = appointment({ operator: keyOf('Zhang San new phone'), replaces: zhang.operator });
    registry.apply('contractor', 5, orgAct('contractor', OPERATOR_APPOINTED, appointmentBody(next)));
    const state = registry.stateAt('contractor', zhang.operator, 6);
    expect(state?.type).toBe('replaced');
    expect(state?.type === 'replaced' && toHex(state.by)).toBe(toHex(next.operator));
    expect(registry.stateAt('contractor', next.operator, 6)?.type).toBe('appointed');
  });

  it('ignores other kinds', () => {
    const registry = new OperatorRegistry();
    registry.apply('contractor', 3, orgAct('contractor', 'org.notice', {}));
    registry.apply('contractor', 2, appointed);
    expect(registry.stateAt('contractor', zhang.operator, 3)?.type).toBe('appointed');
  });

  it('refuses records out of log order, or of another org', () => {
    const registry = new OperatorRegistry();
    registry.apply('contractor', 7, appointed);
    expect(failure(() => registry.apply('contractor', 7, revoked)).code).toBe('RANGE_INVALID');
    expect(failure(() => registry.apply('contractor', 6, revoked)).code).toBe('RANGE_INVALID');
    expect(failure(() => registry.apply('contractor', -1, revoked)).code).toBe('RANGE_INVALID');
    expect(failure(() => registry.apply('supervision', 8, revoked)).message).toContain('org:');
  });

  it('a malformed record throws and changes nothing', () => {
    const registry = new OperatorRegistry();
    registry.apply('contractor', 1, appointed);
    const bad = orgAct('contractor', OPERATOR_REVOKED, { operator: zhang.operator, reason: '' });
    expect(failure(() => registry.apply('contractor', 2, bad)).code).toBe('OPERATOR_RECORD_INVALID');
    expect(registry.stateAt('contractor', zhang.operator, 3)?.type).toBe('appointed');
    registry.apply('contractor', 2, revoked);
    expect(registry.stateAt('contractor', zhang.operator, 3)?.type).toBe('revoked');
  });
});

describe('operator lifecycle and identity', () => {
  const phone2 = keyOf('Zhang San new phone');
  const phone3 = keyOf('Zhang San third phone');
  const appoint = (overrides: Parameters<typeof appointment>[0]) =>
    orgAct('contractor', OPERATOR_APPOINTED, appointmentBody(appointment(overrides)));
  const revoke = (operator: Uint8Array) =>
    orgAct('contractor', OPERATOR_REVOKED, revocationBody({ operator, reason: 'lost' }));

  it('rotation links the keys into one identity, over several rotations', () => {
    const registry = new OperatorRegistry();
    registry.apply('contractor', 0, appointed);
    registry.apply('contractor', 5, appoint({ operator: phone2, replaces: zhang.operator }));
    registry.apply('contractor', 9, appoint({ operator: phone3, replaces: phone2 }));
    for (const key of [zhang.operator, phone2, phone3]) {
      expect(toHex(registry.identityOf('contractor', key) as Uint8Array)).toBe(toHex(zhang.operator));
      expect(registry.identityKeys('contractor', key).map(toHex)).toEqual(
        [zhang.operator, phone2, phone3].map(toHex),
      );
    }
    expect(registry.identityOf('contractor', keyOf('stranger'))).toBeUndefined();
    expect(registry.identityKeys('contractor', keyOf('stranger'))).toEqual([]);
    expect(registry.identityOf('supervision', zhang.operator)).toBeUndefined();
    expect(registry.eventsOf('contractor', phone2).map((e) => e.type)).toEqual(['appointed', 'replaced']);
  });

  it('a lost key is revoked at once and rotated later, still one identity', () => {
    const registry = new OperatorRegistry();
    registry.apply('contractor', 0, appointed);
    registry.apply('contractor', 3, revoke(zhang.operator));
    registry.apply('contractor', 8, appoint({ operator: phone2, replaces: zhang.operator }));
    expect(registry.stateAt('contractor', zhang.operator, 9)?.type).toBe('replaced');
    expect(registry.stateAt('contractor', phone2, 9)?.type).toBe('appointed');
    expect(toHex(registry.identityOf('contractor', phone2) as Uint8Array)).toBe(toHex(zhang.operator));
  });

  it('re-appointment (new roles, new window) keeps the key and its identity; expiry is by the window', () => {
    const registry = new OperatorRegistry();
    registry.apply('contractor', 0, appointed);
    registry.apply('contractor', 4, revoke(zhang.operator));
    registry.apply('contractor', 6, appoint({ roles: ['QI'], validUntil: 1_950_000_000_000 }));
    const state = registry.stateAt('contractor', zhang.operator, 7);
    expect(state?.type === 'appointed' && state.appointment.validUntil).toBe(1_950_000_000_000);
    expect(registry.identityKeys('contractor', zhang.operator).map(toHex)).toEqual([toHex(zhang.operator)]);
  });

  it('refuses appointments that would break an identity, and changes nothing', () => {
    const registry = new OperatorRegistry();
    registry.apply('contractor', 0, appointed);
    registry.apply('contractor', 2, appoint({ operator: phone2, replaces: zhang.operator }));
    const refused = (index: number, entry: ReturnType<typeof appoint>, field: string) => {
      const { code, message } = failure(() => registry.apply('contractor', index, entry));
      expect(code).toBe('OPERATOR_RECORD_INVALID');
      expect(message).toContain(field);
    };
    const otherPerson = appointment({ name: '王五' }).idHash.map((b, i) => (i === 0 ? b ^ 1 : b));
    // A replaced key cannot come back: the person would have two live keys.
    refused(3, appoint({}), 'body.operator');
    // A key already replaced cannot be replaced again (a fork of the identity).
    refused(3, appoint({ operator: phone3, replaces: zhang.operator }), 'already replaced');
    // `replaces` must name a key appointed on this log, of the same person.
    refused(3, appoint({ operator: phone3, replaces: keyOf('stranger') }), 'no appointment');
    refused(3, appoint({ operator: phone3, replaces: phone2, idHash: otherPerson }), "another person's key");
    // A key is one person's: re-appointing it with another idHash is refused.
    refused(3, appoint({ operator: phone2, idHash: otherPerson }), 'body.idHash');
    // Only a key without records can replace another.
    registry.apply('contractor', 3, appoint({ operator: keyOf('Li Si') }));
    refused(4, appoint({ operator: keyOf('Li Si'), replaces: phone2 }), 'already has records');
    // None of it changed anything.
    expect(registry.identityKeys('contractor', zhang.operator).map(toHex)).toEqual(
      [zhang.operator, phone2].map(toHex),
    );
    expect(registry.stateAt('contractor', phone2, 10)?.type).toBe('appointed');
    registry.apply('contractor', 4, appoint({ operator: phone3, replaces: phone2 }));
    expect(registry.identityKeys('contractor', phone3)).toHaveLength(3);
  });
});
