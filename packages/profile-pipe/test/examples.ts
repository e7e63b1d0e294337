/**
 * One realistic body per kind, taken from generated projects (and one hand-written); the
 * restricted fields the generator seals are read back with the owner's key, so each body is whole.
 */
import type { CborMap } from '@liuhen/core';
import { KIND_NAMES } from '../src/index.ts';
import { generateScenario, incidentScenario, unsealedEntries } from '../src/scenario/index.ts';

let cached: Map<string, CborMap> | undefined;

export function examples(): Map<string, CborMap> {
  if (cached !== undefined) return cached;
  const out = new Map<string, CborMap>();
  for (const s of [
    generateScenario({ patrolsPerYear: 1 }),
    incidentScenario('road-collapse', { patrolsPerYear: 1 }),
  ]) {
    for (const e of unsealedEntries(s)) {
      if (!out.has(e.entry.kind)) out.set(e.entry.kind, { ...e.entry.body, ...e.unsealed });
    }
  }
  out.set('om.risk-accepted', {
    reason: 'CIPP lining scheduled after the flood season',
    measures: ['monthly CCTV at 18–24 m', 'load limit 10 t on the carriageway above'],
    reviewBy: Date.UTC(2021, 9, 1),
  });
  for (const kind of KIND_NAMES) if (!out.has(kind)) throw new Error(`no example for ${kind}`);
  cached = out;
  return out;
}
