/**
 * Operator certificates (DESIGN §2). An org appoints and revokes the people who sign for it by
 * entries on its own log, signed by its node key as role ORG, so every appointment is as
 * tamper-evident, ordered and witnessed as the entries it authorises.
 */
import { type CborMap, type CborValue, type Entry, equalBytes, ROLE } from '@liuhen/core';
import { FieldReader } from './fields.ts';

export const OPERATOR_APPOINTED = 'org.operator-appointed';
export const OPERATOR_REVOKED = 'org.operator-revoked';
/** The signing role of the org node key; reserved, so no operator can be appointed to it. */
export const ORG_ROLE = 'ORG';
/** Kinds under this prefix are the org's own acts, signed only by its node key. */
export const ORG_KIND_PREFIX = 'org.';

export const MAX_OPERATOR_ROLES = 16;

export interface Appointment {
  /** The operator's Ed25519 public key. */
  readonly operator: Uint8Array;
  /** The person's name as on their ID. */
  readonly name: string;
  /** The roles (profile codes such as `SE`) the person may sign as; non-empty, distinct. */
  readonly roles: readonly string[];
  /** Professional licence or certificate number. */
  readonly licence: string;
  /** `nationalIdHash(salt, id)`: the person's national ID, salted and hashed. */
  readonly idHash: Uint8Array;
  /** Valid from this time, ms, inclusive. */
  readonly validFrom: number;
  /** Valid until this time, ms, inclusive; after `validFrom`. */
  readonly validUntil: number;
  /** The same person's previous key; appointing this key ends that one's validity. */
  readonly replaces?: Uint8Array;
}

export interface Revocation {
  readonly operator: Uint8Array;
  readonly reason: string;
}

const appointmentRead = new FieldReader('OPERATOR_RECORD_INVALID', `${OPERATOR_APPOINTED} `);
const revocationRead = new FieldReader('OPERATOR_RECORD_INVALID', `${OPERATOR_REVOKED} `);

function appointmentFromBody(value: CborValue): Appointment {
  const read = appointmentRead;
  const body = read.map(
    value,
    'body',
    ['operator', 'name', 'roles', 'licence', 'idHash', 'validFrom', 'validUntil'],
    ['replaces'],
  );
  const operator = read.publicKey(body.operator, 'body.operator');
  const appointment: Appointment = {
    operator,
    name: read.text(body.name, 'body.name', 1, 256),
    roles: read.uniqueTexts(body.roles, 'body.roles', 1, MAX_OPERATOR_ROLES, (v, f) => {
      const role = read.text(v, f, 1, 16, ROLE);
      if (role === ORG_ROLE) read.fail(f, `${ORG_ROLE} is reserved for the org node key`);
      return role;
    }),
    licence: read.text(body.licence, 'body.licence', 1, 128),
    idHash: read.bytes(body.idHash, 'body.idHash', 32),
    validFrom: read.uint(body.validFrom, 'body.validFrom'),
    validUntil: read.uint(body.validUntil, 'body.validUntil'),
  };
  if (appointment.validUntil <= appointment.validFrom)
    read.fail('body.validUntil', 'must be after validFrom');
  if (body.replaces === undefined) return appointment;
  const replaces = read.publicKey(body.replaces, 'body.replaces');
  if (equalBytes(replaces, operator)) read.fail('body.replaces', 'a key cannot replace itself');
  return { ...appointment, replaces };
}

function revocationFromBody(value: CborValue): Revocation {
  const read = revocationRead;
  const body = read.map(value, 'body', ['operator', 'reason']);
  return {
    operator: read.publicKey(body.operator, 'body.operator'),
    reason: read.text(body.reason, 'body.reason', 1, 1024),
  };
}

function requireOrgAct(entry: Entry, kind: string, read: FieldReader): void {
  if (entry.kind !== kind) read.fail('kind', `expected ${kind}, got ${entry.kind}`);
  if (entry.role !== ORG_ROLE) read.fail('role', `expected ${ORG_ROLE}, got ${entry.role}`);
}

/** The body of an appointment entry; refuses (OPERATOR_RECORD_INVALID) what parsing would. */
export function appointmentBody(appointment: Appointment): CborMap {
  const body: CborMap = {
    operator: appointment.operator,
    name: appointment.name,
    roles: [...appointment.roles],
    licence: appointment.licence,
    idHash: appointment.idHash,
    validFrom: appointment.validFrom,
    validUntil: appointment.validUntil,
  };
  if (appointment.replaces !== undefined) body.replaces = appointment.replaces;
  appointmentFromBody(body);
  return body;
}

export function revocationBody(revocation: Revocation): CborMap {
  const body: CborMap = { operator: revocation.operator, reason: revocation.reason };
  revocationFromBody(body);
  return body;
}

/**
 * Reads an `org.operator-appointed` entry: kind, role ORG and body. Whether its signer is the
 * org's node key is `checkAuthority`'s question, asked of every entry.
 */
export function parseAppointment(entry: Entry): Appointment {
  requireOrgAct(entry, OPERATOR_APPOINTED, appointmentRead);
  return appointmentFromBody(entry.body);
}

export function parseRevocation(entry: Entry): Revocation {
  requireOrgAct(entry, OPERATOR_REVOKED, revocationRead);
  return revocationFromBody(entry.body);
}
