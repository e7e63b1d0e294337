/**
 * A stand-in for the pipe profile with one hook of each kind: a role table, one ancestry rule
 * (cover only after accepted hidden works), stages, summaries and a reducer. It exercises the
 * ProfileHooks interface as packages/profile-pipe will fill it.
 */
import { toHex } from '@liuhen/core';
import type { ProfileFinding, ProfileHooks, ProfileTrace, TracedEntry } from '../src/index.ts';

const SIGNERS: Record<string, readonly string[]> = {
  'design.issued': ['DES'],
  'material.batch-accepted': ['SE'],
  'construction.trench-excavated': ['QI'],
  'construction.pipe-laid': ['QI'],
  'construction.joint-made': ['QI'],
  'inspection.hidden-works-accepted': ['SE'],
  'test.closed-water': ['PM'],
  'construction.backfill-layer': ['QI'],
  attest: ['QI', 'TL', 'PM', 'SE', 'CSE', 'DES', 'OWN'],
};

function ancestors(trace: ProfileTrace, t: TracedEntry): Set<string> {
  const seen = new Set<string>();
  const stack = t.entry.parents.map(toHex);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const p of trace.entry(id)?.entry.parents ?? []) stack.push(toHex(p));
  }
  return seen;
}

export interface JointState {
  readonly laid: boolean;
  readonly joints: { readonly [joint: string]: { readonly accepted: boolean } };
  readonly tests: readonly string[];
  readonly backfilled: number;
}

export const testProfile: ProfileHooks<JointState> = {
  id: 'pipe/1',
  mayRoleSign: (kind, role) => SIGNERS[kind]?.includes(role) ?? false,
  rules: [
    {
      code: 'T-COVER',
      severity: 'error',
      clause: 'GB 55032-2022 §3.3.4',
      title: 'Covered before acceptance',
      explanation: 'Backfill needs an accepted hidden-works inspection in its ancestry.',
    },
  ],
  check(trace) {
    const out: ProfileFinding[] = [];
    for (const t of trace.entries) {
      if (t.entry.kind !== 'construction.backfill-layer') continue;
      const before = ancestors(trace, t);
      const ok = [...before].some((id) => trace.entry(id)?.entry.kind === 'inspection.hidden-works-accepted');
      if (!ok) {
        out.push({
          code: 'T-COVER',
          severity: 'error',
          clause: 'GB 55032-2022 §3.3.4',
          message: 'backfill placed before the hidden works were accepted',
          entry: t.idHex,
        });
      }
    }
    return out;
  },
  stageOf: (kind) =>
    kind.startsWith('construction.') || kind === 'attest' ? 'construction' : kind.split('.')[0],
  summarize: (entry) =>
    Object.entries(entry.body)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', '),
  reducer: {
    initial: () => ({ laid: false, joints: {}, tests: [], backfilled: 0 }),
    apply(state, t) {
      const body = t.entry.body as Record<string, unknown>;
      switch (t.entry.kind) {
        case 'construction.pipe-laid':
          return { ...state, laid: true };
        case 'construction.joint-made':
          return { ...state, joints: { ...state.joints, [String(body.joint)]: { accepted: false } } };
        case 'inspection.hidden-works-accepted':
          return { ...state, joints: { ...state.joints, [String(body.scope)]: { accepted: true } } };
        case 'test.closed-water':
          return {
            ...state,
            tests: [...state.tests, body.pass === true ? 'closed-water passed' : 'closed-water failed'],
          };
        case 'construction.backfill-layer':
          return { ...state, backfilled: state.backfilled + 1 };
        default:
          return state;
      }
    },
    toJson: (state) => state as never,
  },
};
