import { buildEntry, type CborMap, toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import {
  appointmentBody,
  nationalIdHash,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  parseAppointment,
  parseRevocation,
  revocationBody,
} from '../src/index.ts';
import { appointment, failure, keyOf, NETWORK, orgAct, SMALL_ORDER_KEY, seedOf } from './fixtures.ts';

const salt = seedOf('salt of Zhang San');

function appointmentEntry(body: CborMap) {
  return orgAct('contractor', OPERATOR_APPOINTED, body);
}

function expectInvalid(fn: () => unknown, field: string): void {
  const { code, message } = failure(fn);
  expect(code).toBe('OPERATOR_RECORD_INVALID');
  expect(message).toContain(`${field}:`);
}

describe('operator appointments', () => {
  it('round-trip through an entry, with and without a replaced key', () => {
    const plain = appointment();
    expect(parseAppointment(appointmentEntry(appointmentBody(plain)))).toEqual(plain);
    const rotated = appointment({ operator: keyOf('Zhang San new phone'), replaces: plain.operator });
    expect(parseAppointment(appointmentEntry(appointmentBody(rotated)))).toEqual(rotated);
  });

  it('refuses a bad body, naming the field', () => {
    expectInvalid(() => appointmentBody(appointment({ roles: [] })), 'body.roles');
    expectInvalid(() => appointmentBody(appointment({ roles: ['QI', 'QI'] })), 'body.roles[1]');
    expectInvalid(() => appointmentBody(appointment({ roles: ['ORG'] })), 'body.roles[0]');
    expectInvalid(() => appointmentBody(appointment({ roles: ['qi'] })), 'body.roles[0]');
    expectInvalid(() => appointmentBody(appointment({ validUntil: 1_700_000_000_000 })), 'body.validUntil');
    expectInvalid(() => appointmentBody(appointment({ operator: SMALL_ORDER_KEY })), 'body.operator');
    expectInvalid(() => appointmentBody(appointment({ idHash: new Uint8Array(20) })), 'body.idHash');
    expectInvalid(() => appointmentBody(appointment({ licence: '' })), 'body.licence');
    expectInvalid(() => appointmentBody(appointment({ name: 'a\u0000b' })), 'body.name');
    expectInvalid(() => appointmentBody(appointment({ validFrom: -5 })), 'body.validFrom');
    const self = appointment();
    expectInvalid(() => appointmentBody({ ...self, replaces: self.operator }), 'body.replaces');
  });

  it('refuses unknown body keys and a national ID in clear', () => {
    const body = { ...appointmentBody(appointment()), nationalId: '440301199001011234' };
    const { message } = failure(() => parseAppointment(appointmentEntry(body)));
    expect(message).toContain('unknown key "nationalId"');
    expect(message).toContain(OPERATOR_APPOINTED);
  });

  it('refuses an entry of another kind or signed as another role', () => {
    const body = appointmentBody(appointment());
    expectInvalid(() => parseAppointment(orgAct('contractor', OPERATOR_REVOKED, body)), 'kind');
    const asQi = buildEntry({
      network: NETWORK,
      org: 'contractor',
      object: 'org:contractor',
      kind: OPERATOR_APPOINTED,
      time: 1,
      signer: keyOf('contractor node'),
      role: 'QI',
      body,
    });
    expectInvalid(() => parseAppointment(asQi), 'role');
  });
});

describe('operator revocations', () => {
  it('round-trip through an entry', () => {
    const revocation = { operator: keyOf('Zhang San phone'), reason: 'left the company' };
    const entry = orgAct('contractor', OPERATOR_REVOKED, revocationBody(revocation));
    expect(parseRevocation(entry)).toEqual(revocation);
  });

  it('refuses a bad body or the wrong kind', () => {
    expectInvalid(() => revocationBody({ operator: keyOf('x'), reason: '' }), 'body.reason');
    expectInvalid(() => revocationBody({ operator: new Uint8Array(32), reason: 'lost' }), 'body.operator');
    const body = revocationBody({ operator: keyOf('x'), reason: 'lost' });
    expectInvalid(() => parseRevocation(orgAct('contractor', OPERATOR_APPOINTED, body)), 'kind');
    expectInvalid(
      () => parseRevocation(orgAct('contractor', OPERATOR_REVOKED, { ...body, extra: 1 })),
      'body',
    );
  });
});

describe('national ID hash', () => {
  it('is salted, deterministic and domain-separated', () => {
    const a = nationalIdHash(salt, '440301199001011234');
    expect(toHex(nationalIdHash(salt, '440301199001011234'))).toBe(toHex(a));
    expect(toHex(nationalIdHash(seedOf('another salt'), '440301199001011234'))).not.toBe(toHex(a));
    expect(toHex(nationalIdHash(salt, '440301199001011235'))).not.toBe(toHex(a));
    expect(a.length).toBe(32);
    expect(toHex(a)).toMatchInlineSnapshot(
      `"3774c652e6446974be6e9b7ed599603870803a53dddd7bf577bb89f5d12521ed"`,
    );
  });

  it('needs a 32-byte salt and a non-empty ID', () => {
    expect(failure(() => nationalIdHash(new Uint8Array(16), '4403')).message).toContain('salt:');
    expect(failure(() => nationalIdHash(salt, '')).message).toContain('nationalId:');
  });
});
