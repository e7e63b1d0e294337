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
