/**
 * Replay: the verified entries in causal order folded through the reducer — state at a time, the
 * walk with its changes, the difference between steps, and what was known at a time.
 */
import { toHex } from '@liuhen/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  diffStates,
  genericReducer,
  isTraceError,
  Replay,
  type Verification,
  verifyBundle,
} from '../src/index.ts';
import { DAY, HOUR, type Segment, segment, T0 } from './fixtures.ts';
import { testProfile } from './test-profile.ts';

let s: Segment;
let v: Verification;
let hex: (k: string) => string;

beforeAll(async () => {
  s = segment({ lateJoint: true });
  v = verifyBundle(await s.bundle(), { anchor: { networkId: s.net.network }, profile: testProfile });
  hex = (k) => toHex(s.ids[k] as Uint8Array);
});

describe('replay', () => {
  it('steps through the entries in causal order with a deterministic tie-break', () => {
    const replay = new Replay(v, testProfile);
    expect(replay.steps.map((t) => t.idHex)).toEqual(
      ['design', 'trench', 'laid', 'joint', 'accepted', 'attest', 'test', 'backfill'].map((k) => hex(k)),
    );
  });

  it('reconstructs the state at a time from the entries claimed by then', () => {
    const replay = new Replay(v, testProfile);
    expect(replay.stateAfter(0)).toEqual({ laid: false, joints: {}, tests: [], backfilled: 0 });
    const before = replay.stateAt(T0 + 4 * DAY - HOUR);
    expect(before).toEqual({
      steps: 4,
      state: { laid: true, joints: { J07: { accepted: false } }, tests: [], backfilled: 0 },
    });
    const after = replay.stateAt(T0 + 5 * DAY);
    expect(after.state).toEqual({
      laid: true,
      joints: { J07: { accepted: true } },
      tests: ['closed-water passed'],
      backfilled: 1,
    });
    expect(after.state).toEqual(replay.stateAfter(8));
  });

  it('walks step by step with what each step changed', () => {
    const steps = [...new Replay(v, testProfile).walk()];
    expect(steps).toHaveLength(8);
    expect(steps[4]?.changes).toEqual([
      { path: '/joints/J07/accepted', op: 'replace', before: false, after: true },
    ]);
    expect(steps[0]?.changes).toEqual([]);
  });

  it('diffs any two steps', () => {
    const replay = new Replay(v, testProfile);
    expect(replay.diff(3, 6)).toEqual([{ path: '/joints/J07', op: 'add', after: { accepted: true } }]);
    expect(replay.diff(6, 3)).toEqual([{ path: '/joints/J07', op: 'remove', before: { accepted: true } }]);
    expect(() => replay.diff(0, 9)).toThrow(expect.objectContaining({ code: 'STEP_INVALID' }));
    try {
      replay.stateAfter(-1);
    } catch (error) {
      expect(isTraceError(error, 'STEP_INVALID')).toBe(true);
    }
  });

  it('says what was known at a time: the late joint existed by its claim, but only on record days later', () => {
    const replay = new Replay(v, testProfile);
    const known = replay.knownAt(T0 + 4 * DAY + 3 * HOUR);
    expect(known.claimed).toEqual(
      ['design', 'trench', 'laid', 'joint', 'accepted', 'attest', 'test'].map((k) => hex(k)),
    );
    expect(known.recordedLater).toContain(hex('joint'));
    expect(known.witnessed).toEqual(['design', 'trench', 'laid', 'accepted'].map((k) => hex(k)));
    // What the ledger could show then: an acceptance of J07 on record, the joint itself not yet.
    expect(known.state).toEqual({
      laid: true,
      joints: { J07: { accepted: true } },
      tests: [],
      backfilled: 0,
    });
  });

  it('folds with the generic reducer when the profile has none', () => {
    const replay = new Replay(v);
    const state = replay.stateAt(T0 + 3 * DAY + 2 * HOUR).state as {
      entries: number;
      kinds: Record<string, number>;
    };
    expect(state.entries).toBe(4);
    expect(state.kinds['construction.joint-made']).toBe(1);
    expect(genericReducer.initial('x')).toEqual({
      object: 'x',
      entries: 0,
      lastTime: null,
      kinds: {},
      latest: {},
    });
  });
});

describe('diffStates', () => {
  it('addresses changes by JSON Pointer, escaping ~ and /', () => {
    expect(diffStates({ 'a/b': 1, 'c~d': [1, 2] }, { 'a/b': 2, 'c~d': [1] })).toEqual([
      { path: '/a~1b', op: 'replace', before: 1, after: 2 },
      { path: '/c~0d/1', op: 'remove', before: 2 },
    ]);
    expect(diffStates(1, 1)).toEqual([]);
    expect(diffStates({ a: 1 }, [1])).toEqual([{ path: '', op: 'replace', before: { a: 1 }, after: [1] }]);
  });
});
