/**
 * Key validation at enrolment (DESIGN §2): every path by which a key enters the network — genesis
 * orgs and authorities, governance actions, signatures on actions, operator certificates — goes
 * through core's importPublicKey, so small-order, mixed-order and non-canonical keys are refused
 * wherever they are offered.
 */
import { type CborValue, decodeCanonical, encodeCanonical, fromHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import {
  type ActionChange,
  appointmentBody,
  decodeAction,
  decodeGenesis,
  decodeSignedAction,
  encodeGenesis,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  parseAppointment,
  parseRevocation,
} from '../src/index.ts';
import {
  appointment,
  failure,
  keyOf,
  labOrg,
  orgAct,
  propose,
  SMALL_ORDER_KEY,
  sampleGenesis,
  sampleState,
} from './fixtures.ts';

// From packages/core/test/vectors/ed25519-crafted.json.
const BAD_KEYS: [string, Uint8Array][] = [
  ['KEY_SMALL_ORDER', SMALL_ORDER_KEY],
  // A + T, T of order 8.
  ['KEY_MIXED_ORDER', fromHex('eb5512c4571763c0c7f6458457ea1be0488b0c656ea82dc38aa12cf9c404ed8c')],
  // The identity with the sign bit set (x = 0).
  ['KEY_NON_CANONICAL', fromHex('0100000000000000000000000000000000000000000000000000000000000080')],
  // y = p.
  ['KEY_NON_CANONICAL', Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xed : i === 31 ? 0x7f : 0xff))],
];

// biome-ignore lint/suspicious/noExplicitAny: tests reach into decoded maps to break them
type Mutable = any;

function refusedWith(fn: () => unknown, code: string, keyCode: string, field: string): void {
  const error = failure(fn);
  expect(error.code).toBe(code);
  expect(error.message).toContain(field);
  expect(error.message).toContain(keyCode);
}

const state = sampleState();

function actionWith(change: ActionChange, edit: (map: Mutable) => void): Uint8Array {
  const map = decodeCanonical(propose(state, change).actionBytes) as Mutable;
  edit(map);
  return encodeCanonical(map);
}

describe.each(BAD_KEYS)('a %s key is refused at enrolment', (keyCode, bad) => {
  it('in the genesis: an org node key or an authority key', () => {
    const genesis = decodeCanonical(encodeGenesis(sampleGenesis())) as Mutable;
    genesis.orgs[0].nodeKey = bad;
    refusedWith(() => decodeGenesis(encodeCanonical(genesis)), 'GENESIS_INVALID', keyCode, 'orgs[0].nodeKey');
    const other = decodeCanonical(encodeGenesis(sampleGenesis())) as Mutable;
    other.authorities.keys[1] = bad;
    refusedWith(
      () => decodeGenesis(encodeCanonical(other)),
      'GENESIS_INVALID',
      keyCode,
      'authorities.keys[1]',
    );
  });

  it('in governance actions: org.add, org.rotate-key, authority.rotate', () => {
    const add = actionWith({ type: 'org.add', body: labOrg() }, (m) => (m.body.nodeKey = bad));
    refusedWith(() => decodeAction(add), 'GOV_ACTION_INVALID', keyCode, 'body.nodeKey');
    const rotate = actionWith(
      { type: 'org.rotate-key', body: { org: 'contractor', nodeKey: keyOf('new'), oldKeyUntilHeight: 1 } },
      (m) => (m.body.nodeKey = bad),
    );
    refusedWith(() => decodeAction(rotate), 'GOV_ACTION_INVALID', keyCode, 'body.nodeKey');
    const authorities = actionWith(
      { type: 'authority.rotate', body: { keys: [keyOf('a'), keyOf('b')], threshold: 1 } },
      (m) => (m.body.keys[1] = bad),
    );
    refusedWith(() => decodeAction(authorities), 'GOV_ACTION_INVALID', keyCode, 'body.keys[1]');
  });

  it('as the key of a signature on an action', () => {
    const proposal = propose(state, { type: 'org.add', body: labOrg() });
    const bytes = encodeCanonical([proposal.actionBytes, [[bad, new Uint8Array(64)]]] as CborValue);
    refusedWith(() => decodeSignedAction(bytes), 'GOV_ACTION_INVALID', keyCode, 'signatures[0][0]');
  });

  it('in operator certificates: the appointed key, the replaced key, the revoked key', () => {
    const body = appointmentBody(appointment()) as Mutable;
    refusedWith(
      () => parseAppointment(orgAct('contractor', OPERATOR_APPOINTED, { ...body, operator: bad })),
      'OPERATOR_RECORD_INVALID',
      keyCode,
      'body.operator',
    );
    refusedWith(
      () => parseAppointment(orgAct('contractor', OPERATOR_APPOINTED, { ...body, replaces: bad })),
      'OPERATOR_RECORD_INVALID',
      keyCode,
      'body.replaces',
    );
    refusedWith(
      () => parseRevocation(orgAct('contractor', OPERATOR_REVOKED, { operator: bad, reason: 'x' })),
      'OPERATOR_RECORD_INVALID',
      keyCode,
      'body.operator',
    );
  });
});
