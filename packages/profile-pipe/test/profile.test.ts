/** pipe/1 through the generic Profile interface the node and the inspector use. */
import { type Profile, replayObject } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { KIND_NAMES, PIPE_ERROR_CODES, pipeProfile, RULE_CODES } from '../src/index.ts';
import { generateScenario } from '../src/scenario/index.ts';

describe('pipeProfile', () => {
  const profile: Profile<unknown> = pipeProfile as Profile<unknown>;

  it('is pipe/1 and describes its objects, kinds and rules', () => {
    expect(profile.id).toBe('pipe/1');
    expect(profile.objectTypes.map((o) => o.type)).toEqual(['project', 'segment', 'manhole', 'joint', 'lot']);
    expect(profile.kinds.map((k) => k.kind)).toEqual(KIND_NAMES);
    expect(profile.rules.map((r) => r.code)).toEqual(RULE_CODES);
    expect(new Set(profile.rules.map((r) => r.code)).size).toBe(profile.rules.length);
    for (const k of profile.kinds) {
      expect(k.signers.length, k.kind).toBeGreaterThan(0);
      expect(k.objectTypes.length, k.kind).toBeGreaterThan(0);
    }
  });

  it('answers the node’s questions: known kind, object type, body, role, cosigners', () => {
    expect(profile.isKnownKind('construction.joint-made')).toBe(true);
    expect(profile.isKnownKind('construction.teleported')).toBe(false);
    expect(profile.objectTypeOf('seg:SZ-WS000123-WS000124#1')).toBe('segment');
    expect(profile.objectTypeOf('seg:SZ')).toBeUndefined();
    expect(profile.checkBody('om.patrol', { durationMin: 10, observations: [{ code: 'normal' }] })).toEqual({
      ok: true,
    });
    expect(profile.checkBody('om.patrol', { durationMin: -1, observations: [] })).toMatchObject({
      ok: false,
    });
    expect(profile.mayRoleSign('inspection.hidden-works-accepted', 'SE')).toBe(true);
    expect(profile.mayRoleSign('inspection.hidden-works-accepted', 'QI')).toBe(false);
    expect(profile.mayRoleSign('attest', 'OPR')).toBe(true);
    expect(profile.mayRoleSign('attest', 'NOBODY')).toBe(false);
    expect(profile.requiredCosigners('acceptance.completion', 'OWN')).toEqual(['SUR', 'DES', 'PM', 'CSE']);
    expect(profile.requiredCosigners('inspection.trench-bottom', 'SE')).toEqual(['OWN', 'SUR', 'DES', 'PM']);
    expect(profile.requiredCosigners('construction.joint-made', 'QI')).toEqual([]);
  });

  it('replays through core’s generic replayObject', () => {
    const s = generateScenario({ segments: 3, years: 1 });
    const state = replayObject(pipeProfile, s.segments[0] as string, s.entries);
    expect(state.entries).toBe(s.entries.filter((e) => e.entry.object === s.segments[0]).length);
  });

  it('has stable profile error codes', () => {
    expect(Object.keys(PIPE_ERROR_CODES)).toEqual([
      'PIPE_KIND_UNKNOWN',
      'PIPE_OBJECT_INVALID',
      'PIPE_ROLE_NOT_PERMITTED',
      'PIPE_BODY_INVALID',
      'PIPE_REFS_INVALID',
      'PIPE_ALIAS_INVALID',
      'PIPE_CLASSIFICATION',
    ]);
  });
});
