import { encodeCanonical, sha256, toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import {
  type ActionChange,
  DEFAULT_PARAMETERS,
  decodeSignedAction,
  encodeGenesis,
  encodeSignedAction,
  foldGovernance,
  GovernanceState,
  networkId,
  type SignedAction,
  signAction,
} from '../src/index.ts';
import {
  authoritySeed,
  enact,
  failure,
  keyOf,
  labOrg,
  propose,
  sampleGenesis,
  sampleState,
  seedOf,
  signBy,
} from './fixtures.ts';

const A1 = authoritySeed(1);
const A2 = authoritySeed(2);
const A3 = authoritySeed(3);
const ADD_LAB: ActionChange = { type: 'org.add', body: labOrg() };
const SET_INTERVAL: ActionChange = { type: 'parameter.set', body: { name: 'blockIntervalMs', value: 250 } };

/** The code `state.apply(signed)` fails with; checks that a failure leaves the state as it was. */
function applyCode(state: GovernanceState, signed: SignedAction): string {
  const before = {
    seq: state.seq,
    head: toHex(state.head.hash),
    view: JSON.stringify(state.view(), replacer),
  };
  try {
    state.apply(signed);
  } catch (error) {
    const { code } = error as { code?: string };
    if (code === undefined) throw error;
    expect({
      seq: state.seq,
      head: toHex(state.head.hash),
      view: JSON.stringify(state.view(), replacer),
    }).toEqual(before);
    return code;
  }
  return 'ok';
}

function replacer(_: string, value: unknown): unknown {
  return value instanceof Uint8Array ? toHex(value) : value;
}

describe('the governance state at position 0', () => {
  it('is the genesis: position 0 has the network id as its hash', () => {
    const bytes = encodeGenesis(sampleGenesis());
    const state = GovernanceState.fromGenesisBytes(bytes);
    expect(state.seq).toBe(0);
    expect(toHex(state.network)).toBe(toHex(networkId(bytes)));
    expect(toHex(state.head.hash)).toBe(toHex(networkId(bytes)));
    // Computed from the genesis when not given.
    expect(toHex(GovernanceState.fromGenesis(sampleGenesis()).network)).toBe(toHex(networkId(bytes)));
    expect(state.orgsAt(0).map((o) => o.id)).toEqual(['contractor', 'supervision']);
    expect(state.authoritiesAt(0).threshold).toBe(2);
    expect(state.parametersAt(0)).toEqual(DEFAULT_PARAMETERS);
    expect(failure(() => state.position(1)).code).toBe('GOV_POSITION_UNKNOWN');
    expect(failure(() => state.action(0)).code).toBe('GOV_POSITION_UNKNOWN');
  });
});

describe('applying governance actions', () => {
  it('applies an action signed by a threshold of distinct authorities, and chains the next to it', () => {
    const state = sampleState();
    const first = signBy(propose(state, ADD_LAB), [A1, A2]);
    expect(applyCode(state, first)).toBe('ok');
    expect(state.head).toEqual({ seq: 1, hash: first.hash });
    expect(toHex(first.hash)).toBe(toHex(sha256(first.actionBytes)));
    const second = signBy(propose(state, SET_INTERVAL), [A3, A2]);
    expect(toHex(second.action.previous)).toBe(toHex(first.hash));
    expect(applyCode(state, second)).toBe('ok');
    expect(state.seq).toBe(2);
    expect(state.actions().map((a) => a.action.type)).toEqual(['org.add', 'parameter.set']);
    expect(state.action(1).hash).toEqual(first.hash);
    expect(state.actions(2, 2)).toHaveLength(1);
    // All three signatures are fine too.
    expect(applyCode(state, signBy(propose(state, SET_INTERVAL), [A1, A2, A3]))).toBe('ok');
  });

  it('GOV_UNDER_THRESHOLD: threshold − 1 signatures, or none', () => {
    const state = sampleState();
    expect(applyCode(state, signBy(propose(state, ADD_LAB), [A1]))).toBe('GOV_UNDER_THRESHOLD');
    expect(applyCode(state, propose(state, ADD_LAB))).toBe('GOV_UNDER_THRESHOLD');
    expect(applyCode(state, signBy(propose(state, ADD_LAB), [A1, A3]))).toBe('ok');
  });

  it('GOV_DUPLICATE_SIGNER: one authority signing twice does not count twice', () => {
    const state = sampleState();
    const once = signBy(propose(state, ADD_LAB), [A1]);
    const doubled: SignedAction = { ...once, signatures: [once.signatures[0], once.signatures[0]] as never };
    expect(applyCode(state, doubled)).toBe('GOV_DUPLICATE_SIGNER');
    // Nor can it be smuggled through the bytes.
    const pair = [once.signatures[0]?.key, once.signatures[0]?.signature] as Uint8Array[];
    expect(failure(() => decodeSignedAction(encodeCanonical([once.actionBytes, [pair, pair]]))).code).toBe(
      'GOV_DUPLICATE_SIGNER',
    );
  });

  it('GOV_SIGNER_NOT_AUTHORITY: any signature by a non-authority refuses the action', () => {
    const state = sampleState();
    const outsider = seedOf('not an authority');
    expect(applyCode(state, signBy(propose(state, ADD_LAB), [A1, outsider]))).toBe(
      'GOV_SIGNER_NOT_AUTHORITY',
    );
    // Even when the authorities alone reach the threshold.
    expect(applyCode(state, signBy(propose(state, ADD_LAB), [A1, A2, outsider]))).toBe(
      'GOV_SIGNER_NOT_AUTHORITY',
    );
    // An org node key is not an authority either.
    expect(applyCode(state, signBy(propose(state, ADD_LAB), [A1, seedOf('contractor node')]))).toBe(
      'GOV_SIGNER_NOT_AUTHORITY',
    );
  });

  it('GOV_SIGNATURE_INVALID: an authority signature over other bytes', () => {
    const state = sampleState();
    const signed = signBy(propose(state, ADD_LAB), [A1, A2]);
    const elsewhere = signBy(propose(state, SET_INTERVAL), [A2]);
    const theirs = new Map(elsewhere.signatures.map((s) => [toHex(s.key), s]));
    const forged: SignedAction = {
      ...signed,
      signatures: signed.signatures.map((s) => theirs.get(toHex(s.key)) ?? s),
    };
    expect(applyCode(state, forged)).toBe('GOV_SIGNATURE_INVALID');
  });

  it('GOV_ACTION_REPLAYED and GOV_ACTION_CONFLICT: a position is taken once', () => {
    const state = sampleState();
    const first = enact(state, ADD_LAB);
    expect(applyCode(state, first)).toBe('GOV_ACTION_REPLAYED');
    // The same bytes re-sent through the wire format are the same action.
    expect(applyCode(state, decodeSignedAction(encodeSignedAction(first)))).toBe('GOV_ACTION_REPLAYED');
    // Another action made for position 1 (a fork by the authorities, or a stale proposal).
    const fork = signBy(propose(sampleState(), SET_INTERVAL), [A1, A2]);
    expect(applyCode(state, fork)).toBe('GOV_ACTION_CONFLICT');
  });

  it('GOV_ACTION_OUT_OF_ORDER: actions applied in another order than their sequence', () => {
    const source = sampleState();
    const first = enact(source, ADD_LAB);
    const second = enact(source, SET_INTERVAL);
    const state = sampleState();
    expect(applyCode(state, second)).toBe('GOV_ACTION_OUT_OF_ORDER');
    expect(applyCode(state, first)).toBe('ok');
    expect(applyCode(state, second)).toBe('ok');
    expect(applyCode(state, first)).toBe('GOV_ACTION_REPLAYED');
  });

  it('GOV_CHAIN_BROKEN: the previous hash or the time does not extend the log', () => {
    const state = sampleState();
    enact(state, ADD_LAB);
    const badPrevious = signBy(propose(state, SET_INTERVAL, { previous: sha256(new Uint8Array(1)) }), [
      A1,
      A2,
    ]);
    expect(applyCode(state, badPrevious)).toBe('GOV_CHAIN_BROKEN');
    const earlier = signBy(propose(state, SET_INTERVAL, { time: state.action(1).action.time - 1 }), [A1, A2]);
    expect(applyCode(state, earlier)).toBe('GOV_CHAIN_BROKEN');
    const same = signBy(propose(state, SET_INTERVAL, { time: state.action(1).action.time }), [A1, A2]);
    expect(applyCode(state, same)).toBe('ok');
    const fresh = sampleState();
    const beforeGenesis = signBy(propose(fresh, ADD_LAB, { time: fresh.genesis.created - 1 }), [A1, A2]);
    expect(applyCode(fresh, beforeGenesis)).toBe('GOV_CHAIN_BROKEN');
  });

  it('GOV_WRONG_NETWORK: an action of another network', () => {
    const state = sampleState();
    const other = signBy(propose(state, ADD_LAB, { network: sha256(new Uint8Array(2)) }), [A1, A2]);
    expect(applyCode(state, other)).toBe('GOV_WRONG_NETWORK');
  });

  it('check validates without applying', () => {
    const state = sampleState();
    const signed = signBy(propose(state, ADD_LAB), [A1, A2]);
    state.check(signed);
    expect(state.seq).toBe(0);
    expect(failure(() => state.check(signBy(propose(state, ADD_LAB), [A1]))).code).toBe(
      'GOV_UNDER_THRESHOLD',
    );
  });

  it('re-derives the action from its bytes, never trusting the decoded copy', () => {
    const state = sampleState();
    const signed = signBy(propose(state, ADD_LAB), [A1, A2]);
    const lying = { ...signed, action: { ...signed.action, body: labOrg({ id: 'ghost' }) } } as SignedAction;
    state.apply(lying);
    expect(state.orgAt('lab')).toBeDefined();
    expect(state.orgAt('ghost')).toBeUndefined();
  });

  it('folds a log into the same state as applying it step by step', () => {
    const source = sampleState();
    const log = [enact(source, ADD_LAB), enact(source, SET_INTERVAL)];
    const folded = foldGovernance(sampleGenesis(), log);
    expect(folded.head).toEqual(source.head);
    expect(JSON.stringify(folded.view(), replacer)).toBe(JSON.stringify(source.view(), replacer));
    expect(failure(() => foldGovernance(sampleGenesis(), [log[1] as SignedAction])).code).toBe(
      'GOV_ACTION_OUT_OF_ORDER',
    );
  });
});

describe('authority rotation', () => {
  const B = [seedOf('authority B1'), seedOf('authority B2'), seedOf('authority B3')];
  const rotation: ActionChange = {
    type: 'authority.rotate',
    body: { keys: B.map((s) => keyOf(`authority B${B.indexOf(s) + 1}`)), threshold: 3 },
  };

  it('is signed by the old set; afterwards only the new set signs, at the new threshold', () => {
    const state = sampleState();
    // The new set cannot authorise its own installation.
    expect(applyCode(state, signBy(propose(state, rotation), B))).toBe('GOV_SIGNER_NOT_AUTHORITY');
    expect(applyCode(state, signBy(propose(state, rotation), [A1, A3]))).toBe('ok');
    expect(state.authoritiesAt(0).keys.map(toHex)).toEqual(sampleGenesis().authorities.keys.map(toHex));
    expect(state.authoritiesAt(1).threshold).toBe(3);
    // The old set is out.
    expect(applyCode(state, signBy(propose(state, ADD_LAB), [A1, A2]))).toBe('GOV_SIGNER_NOT_AUTHORITY');
    expect(applyCode(state, signBy(propose(state, ADD_LAB), [A1, A2, A3]))).toBe('GOV_SIGNER_NOT_AUTHORITY');
    // 2 of the new 3 is under the new threshold; 3 of 3 passes.
    expect(applyCode(state, signBy(propose(state, ADD_LAB), B.slice(0, 2)))).toBe('GOV_UNDER_THRESHOLD');
    expect(applyCode(state, signBy(propose(state, ADD_LAB), B))).toBe('ok');
  });

  it('may keep some old keys and lower the threshold', () => {
    const state = sampleState();
    enact(state, { type: 'authority.rotate', body: { keys: [keyOf('authority 1')], threshold: 1 } });
    expect(applyCode(state, signBy(propose(state, ADD_LAB), [A2]))).toBe('GOV_SIGNER_NOT_AUTHORITY');
    expect(applyCode(state, signBy(propose(state, ADD_LAB), [A1]))).toBe('ok');
  });

  it('refuses a node key as an authority key', () => {
    const state = sampleState();
    const change: ActionChange = {
      type: 'authority.rotate',
      body: { keys: [keyOf('authority 1'), keyOf('contractor node')], threshold: 1 },
    };
    expect(applyCode(state, signBy(propose(state, change), [A1, A2]))).toBe('GOV_ACTION_REFUSED');
  });
});

describe('membership actions', () => {
  it('org.add: a new member from its position on', () => {
    const state = sampleState();
    enact(state, SET_INTERVAL);
    enact(state, ADD_LAB);
    expect(state.isMember('lab', 1)).toBe(false);
    expect(state.isMember('lab', 2)).toBe(true);
    expect(state.orgAt('lab', 1)).toBeUndefined();
    expect(state.orgAt('lab')).toMatchObject({ id: 'lab', addedAt: 2, parties: ['lab'] });
    expect(state.orgsAt().map((o) => o.id)).toEqual(['contractor', 'supervision', 'lab']);
    expect(state.nodeKeyRecord(keyOf('lab node'))).toEqual({
      org: 'lab',
      key: keyOf('lab node'),
      enrolledAt: 2,
    });
  });

  it('org.add refuses a used id, a member credit code, or a key already enrolled anywhere', () => {
    const state = sampleState();
    const code = (change: ActionChange) => applyCode(state, signBy(propose(state, change), [A1, A2]));
    const genesisOrg = sampleGenesis().orgs[0];
    expect(code({ type: 'org.add', body: labOrg({ id: 'contractor' }) })).toBe('GOV_ACTION_REFUSED');
    expect(code({ type: 'org.add', body: labOrg({ creditCode: genesisOrg?.creditCode as string }) })).toBe(
      'GOV_ACTION_REFUSED',
    );
    expect(code({ type: 'org.add', body: labOrg({ nodeKey: keyOf('contractor node') }) })).toBe(
      'GOV_ACTION_REFUSED',
    );
    expect(code({ type: 'org.add', body: labOrg({ nodeKey: keyOf('authority 2') }) })).toBe(
      'GOV_ACTION_REFUSED',
    );
    expect(code(ADD_LAB)).toBe('ok');
  });

  it('org.set-parties: the parties change from the action on, earlier positions keep the old ones', () => {
    const state = sampleState();
    enact(state, { type: 'org.set-parties', body: { org: 'supervision', parties: ['supervision'] } });
    expect(state.partiesAt('supervision', 0)).toEqual(['supervision', 'lab']);
    expect(state.partiesAt('supervision', 1)).toEqual(['supervision']);
    expect(state.orgAt('supervision', 0)?.parties).toEqual(['supervision', 'lab']);
    const ghost: ActionChange = { type: 'org.set-parties', body: { org: 'ghost', parties: ['lab'] } };
    expect(applyCode(state, signBy(propose(state, ghost), [A1, A2]))).toBe('GOV_ACTION_REFUSED');
  });

  it('org.remove: the org leaves, its freeze point is known, and it cannot act again', () => {
    const state = sampleState();
    const remove: ActionChange = {
      type: 'org.remove',
      body: { org: 'supervision', freezeSize: 120, reason: 'node compromised' },
    };
    enact(state, remove);
    expect(state.freezeOf('supervision')).toEqual({ seq: 1, size: 120, reason: 'node compromised' });
    expect(state.freezeOf('contractor')).toBeUndefined();
    expect(state.isMember('supervision', 0)).toBe(true);
    expect(state.isMember('supervision', 1)).toBe(false);
    expect(state.view().removed).toEqual([{ org: 'supervision', freeze: state.freezeOf('supervision') }]);
    expect(state.view(0).removed).toEqual([]);
    expect(state.orgIds()).toEqual(['contractor', 'supervision']);
    const code = (change: ActionChange) => applyCode(state, signBy(propose(state, change), [A1, A2]));
    expect(code(remove)).toBe('GOV_ACTION_REFUSED');
    expect(code({ type: 'org.set-parties', body: { org: 'supervision', parties: ['lab'] } })).toBe(
      'GOV_ACTION_REFUSED',
    );
    // Its id and key are never reused; its credit code may join again under a new id.
    const rejoin = labOrg({ id: 'supervision', creditCode: sampleGenesis().orgs[1]?.creditCode as string });
    expect(code({ type: 'org.add', body: rejoin })).toBe('GOV_ACTION_REFUSED');
    expect(
      code({ type: 'org.add', body: { ...rejoin, id: 'supervision-2', nodeKey: keyOf('supervision node') } }),
    ).toBe('GOV_ACTION_REFUSED');
    expect(code({ type: 'org.add', body: { ...rejoin, id: 'supervision-2' } })).toBe('ok');
  });

  it('parameter.set: the value applies from the action on', () => {
    const state = sampleState();
    enact(state, SET_INTERVAL);
    expect(state.parametersAt(0).blockIntervalMs).toBe(100);
    expect(state.parametersAt(1)).toEqual({ ...DEFAULT_PARAMETERS, blockIntervalMs: 250 });
  });
});

describe('org node key rotation', () => {
  const NEW = keyOf('contractor node 2');
  const OLD = keyOf('contractor node');
  const rotate: ActionChange = {
    type: 'org.rotate-key',
    body: { org: 'contractor', nodeKey: NEW, oldKeyUntilHeight: 1_000 },
  };

  function rotated(): GovernanceState {
    const state = sampleState();
    enact(state, SET_INTERVAL);
    enact(state, rotate); // position 2
    return state;
  }

  it('the new key is in force from the rotation on; the old key keeps its history', () => {
    const state = rotated();
    expect(toHex(state.orgAt('contractor', 1)?.nodeKey as Uint8Array)).toBe(toHex(OLD));
    expect(toHex(state.orgAt('contractor', 2)?.nodeKey as Uint8Array)).toBe(toHex(NEW));
    expect(state.nodeKeysOf('contractor')).toEqual([
      { org: 'contractor', key: OLD, enrolledAt: 0, retiredAt: 2, untilHeight: 1_000 },
      { org: 'contractor', key: NEW, enrolledAt: 2 },
    ]);
  });

  it('old key: valid up to its last height whatever position the block claims, rejected after', () => {
    const state = rotated();
    const status = (key: Uint8Array, governance: number, height?: number) => {
      const v = state.nodeKeyStatus(
        'contractor',
        key,
        height === undefined ? { governance } : { governance, height },
      );
      return v.ok ? 'ok' : v.code;
    };
    expect(status(OLD, 1, 999)).toBe('ok');
    expect(status(OLD, 1, 1_000)).toBe('ok');
    expect(status(OLD, 2, 1_000)).toBe('ok'); // the overlap window
    expect(status(OLD, 2, 1_001)).toBe('NODE_KEY_RETIRED');
    expect(status(OLD, 1, 1_001)).toBe('NODE_KEY_RETIRED'); // claiming an old position does not help
    expect(status(OLD, 1)).toBe('ok');
    expect(status(OLD, 2)).toBe('NODE_KEY_RETIRED'); // no height: no overlap
    expect(status(NEW, 2, 5)).toBe('ok');
    expect(status(NEW, 1, 5)).toBe('NODE_KEY_NOT_YET_VALID');
    expect(status(keyOf('stranger'), 2, 5)).toBe('NODE_KEY_UNKNOWN');
    expect(status(OLD, 3, 5)).toBe('GOV_POSITION_UNKNOWN');
    expect(state.isNodeKeyValid('contractor', OLD, { governance: 2, height: 10 })).toBe(true);
    expect(state.nodeKeysFor('contractor', { governance: 2, height: 1_000 }).map(toHex)).toEqual(
      [OLD, NEW].map(toHex),
    );
    expect(state.nodeKeysFor('contractor', { governance: 2, height: 1_001 }).map(toHex)).toEqual([
      toHex(NEW),
    ]);
    expect(state.nodeKeysFor('contractor', { governance: 1, height: 1_001 })).toEqual([]);
  });

  it('checkHeader: the claimed position, the org, the freeze point and the key', () => {
    const state = rotated();
    const header = { org: 'contractor', signer: OLD, size: 10, height: 7, governance: state.position(1) };
    const code = (changes: Partial<typeof header>) => {
      const v = state.checkHeader({ ...header, ...changes });
      return v.ok ? 'ok' : v.code;
    };
    expect(code({})).toBe('ok');
    expect(code({ height: 1_001 })).toBe('NODE_KEY_RETIRED');
    expect(code({ signer: NEW })).toBe('NODE_KEY_NOT_YET_VALID');
    expect(code({ signer: NEW, governance: state.head })).toBe('ok');
    expect(code({ governance: { seq: 3, hash: state.head.hash } })).toBe('GOV_POSITION_UNKNOWN');
    expect(code({ governance: { seq: 1, hash: state.head.hash } })).toBe('GOV_POSITION_MISMATCH');
    expect(code({ org: 'lab' })).toBe('UNKNOWN_ORG');
    expect(code({ signer: keyOf('supervision node') })).toBe('NODE_KEY_UNKNOWN');
  });

  it('the gater admits the old key only while the org is within the overlap window', () => {
    const state = rotated();
    const admitted = (height?: number) =>
      state
        .admittedNodeKeys(height === undefined ? undefined : () => height)
        .map(toHex)
        .sort();
    expect(admitted()).toEqual([NEW, keyOf('supervision node')].map(toHex).sort());
    expect(admitted(1_000)).toEqual([OLD, NEW, keyOf('supervision node')].map(toHex).sort());
    expect(admitted(1_001)).toEqual([NEW, keyOf('supervision node')].map(toHex).sort());
  });

  it('refuses a key used before (the org’s own old key included) or a removed org', () => {
    const state = rotated();
    const code = (change: ActionChange) => applyCode(state, signBy(propose(state, change), [A1, A2]));
    expect(code({ ...rotate, body: { ...rotate.body, nodeKey: OLD } } as ActionChange)).toBe(
      'GOV_ACTION_REFUSED',
    );
    expect(code(rotate)).toBe('GOV_ACTION_REFUSED');
    expect(code({ ...rotate, body: { ...rotate.body, nodeKey: keyOf('authority 3') } } as ActionChange)).toBe(
      'GOV_ACTION_REFUSED',
    );
    expect(code({ type: 'org.remove', body: { org: 'contractor', freezeSize: 50, reason: 'merged' } })).toBe(
      'ok',
    );
    expect(
      code({ ...rotate, body: { ...rotate.body, nodeKey: keyOf('contractor node 3') } } as ActionChange),
    ).toBe('GOV_ACTION_REFUSED');
    // A removed org's keys are no longer admitted.
    expect(state.admittedNodeKeys(() => 1).map(toHex)).toEqual([toHex(keyOf('supervision node'))]);
  });
});

describe('revocation with a freeze point', () => {
  it('blocks up to the freeze size stay valid, beyond it they are invalid whatever position they claim', () => {
    const state = sampleState();
    enact(state, {
      type: 'org.remove',
      body: { org: 'supervision', freezeSize: 120, reason: 'compromised' },
    });
    const header = {
      org: 'supervision',
      signer: keyOf('supervision node'),
      size: 120,
      height: 9,
      governance: state.position(0),
    };
    const code = (changes: Partial<typeof header>) => {
      const v = state.checkHeader({ ...header, ...changes });
      return v.ok ? 'ok' : v.code;
    };
    expect(code({})).toBe('ok');
    expect(code({ size: 121 })).toBe('ORG_FROZEN');
    // A block validated against the removal is a block of a non-member.
    expect(code({ governance: state.head })).toBe('UNKNOWN_ORG');
  });
});

describe('positions', () => {
  it('positionVerdict: known, and with our hash', () => {
    const state = sampleState();
    const signed = enact(state, ADD_LAB);
    const verdict = (seq: number, hash: Uint8Array) => {
      const v = state.positionVerdict({ seq, hash });
      return v.ok ? 'ok' : v.code;
    };
    expect(verdict(0, state.network)).toBe('ok');
    expect(verdict(1, signed.hash)).toBe('ok');
    expect(verdict(1, state.network)).toBe('GOV_POSITION_MISMATCH');
    expect(verdict(2, signed.hash)).toBe('GOV_POSITION_UNKNOWN');
    expect(verdict(-1, signed.hash)).toBe('RANGE_INVALID');
    expect(failure(() => state.orgAt('lab', 2)).code).toBe('GOV_POSITION_UNKNOWN');
    expect(failure(() => state.actions(1, 5)).code).toBe('GOV_POSITION_UNKNOWN');
  });

  it('signAction on a copy leaves the applied action as applied', () => {
    const state = sampleState();
    const signed = enact(state, ADD_LAB);
    signAction(signed, A3);
    expect(state.action(1).signatures).toHaveLength(2);
  });
});
