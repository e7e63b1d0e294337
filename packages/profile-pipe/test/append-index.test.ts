/**
 * The incremental append judgement (`appendIndex`) decides exactly as `checkAppend` over the
 * candidate's causal closure — refusals, flags, messages and related entries — for every entry
 * of generated projects appended in order, and for mutants of them: broken bodies and roles
 * (refused, and taken out of the index again), backdated entries (placed mid-order), entries
 * made on stale parents and concurrent branches (which later candidates must not see).
 */
import { createHash } from 'node:crypto';
import type { ProfileEntry } from '@liuhen/core';
import { toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { generateScenario, unsealedEntries } from '../src/scenario/index.ts';
import { Judges } from './incremental.ts';

const DAY = 86_400_000;

function mutantId(e: ProfileEntry, tag: string): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(`${toHex(e.id)}/${tag}`)
      .digest(),
  );
}

/** Variations of `e` a careless or dishonest client might send instead. */
function mutants(e: ProfileEntry, held: ReadonlyMap<string, ProfileEntry>): [string, ProfileEntry][] {
  const out: [string, ProfileEntry][] = [
    ['empty body', { id: mutantId(e, 'body'), entry: { ...e.entry, body: {} } }],
    ['foreign role', { id: mutantId(e, 'role'), entry: { ...e.entry, role: 'OPR' } }],
    ['backdated', { id: mutantId(e, 'time'), entry: { ...e.entry, time: e.entry.time - 3 * DAY } }],
    ['concurrent', { id: mutantId(e, 'twin'), entry: { ...e.entry, time: e.entry.time + 1 } }],
  ];
  const parent = e.entry.parents[0];
  const grand = parent === undefined ? undefined : held.get(toHex(parent))?.entry.parents;
  if (grand !== undefined && grand.length > 0) {
    out.push(['stale parents', { id: mutantId(e, 'stale'), entry: { ...e.entry, parents: grand } }]);
  }
  return out;
}

/** `reader`: an org whose key opens the sealed sections, as a node of that org reads them. */
function replay(options: Parameters<typeof generateScenario>[0], every: number, reader?: string) {
  const s = generateScenario(options);
  const entries: readonly ProfileEntry[] = reader === undefined ? s.entries : unsealedEntries(s, reader);
  const judges = new Judges(s.operators);
  const byId = new Map<string, ProfileEntry>();
  let refusedMutants = 0;
  let acceptedMutants = 0;
  let opened = 0;
  let judged = 0;
  entries.forEach((e, i) => {
    if (e.unsealed !== undefined) opened++;
    const { scratch, incremental } = judges.judge(e);
    expect(incremental, `${i} ${e.entry.kind}`).toEqual(scratch);
    judged++;
    byId.set(toHex(e.id), e);
    if (i % every !== 0) return;
    for (const [what, m] of mutants(e, byId)) {
      const d = judges.judge(m);
      expect(d.incremental, `${i} ${e.entry.kind} ${what}`).toEqual(d.scratch);
      judged++;
      if (d.incremental.ok) acceptedMutants++;
      else refusedMutants++;
    }
  });
  return { judged, refusedMutants, acceptedMutants, opened, s };
}

describe('appendIndex decides as checkAppend over the causal closure', () => {
  it('on a clean project with mutants of every fifth entry', () => {
    const r = replay({ seed: 'equal-clean', segments: 3, years: 3, patrolsPerYear: 2 }, 5);
    expect(r.judged).toBeGreaterThan(r.s.entries.length);
    expect(r.refusedMutants).toBeGreaterThan(10);
    expect(r.acceptedMutants).toBeGreaterThan(10);
  }, 300_000);

  it('on a project with every violation planted that a short history allows', () => {
    const plant = [
      'P-LEADS',
      'P-MATERIAL',
      'P-TRENCH',
      'P-COVER',
      'P-EVIDENCE-TIME',
      'P-TEST-BEFORE-BACKFILL',
      'P-TEST-CONDITIONS',
      'P-ASBUILT',
      'P-SERVICE',
      'P-COMPLETION',
      'P-DEADLINES',
      'P-DESIGN-CHANGE',
      'P-CONTEMPORANEOUS',
      'P-SEPARATION',
    ] as const;
    const r = replay({ seed: 'equal-plants', segments: 3, years: 2, patrolsPerYear: 2, plant }, 7);
    expect(r.refusedMutants).toBeGreaterThan(10);
  }, 300_000);

  it('on entries read with their sealed sections opened', () => {
    const r = replay({ seed: 'equal-sealed', segments: 3, years: 2, patrolsPerYear: 1 }, 9, 'owner');
    expect(r.opened).toBeGreaterThan(0);
  }, 300_000);

  it('on the falsified pressure test and material swap incident reviews', () => {
    replay(
      {
        seed: 'equal-falsified',
        segments: 6,
        years: 5,
        patrolsPerYear: 1,
        preset: 'falsified-pressure-test',
      },
      11,
    );
    replay({ seed: 'equal-swap', segments: 3, years: 10, patrolsPerYear: 1, preset: 'material-swap' }, 11);
  }, 300_000);
});

describe('a refused candidate leaves nothing behind', () => {
  it('takes the candidate and the ancestry it brought out of the index again', () => {
    const s = generateScenario({ seed: 'rollback', segments: 3, years: 1, patrolsPerYear: 2 });
    const judges = new Judges(s.operators);
    const last = s.entries.length - 1;
    s.entries.slice(0, last).forEach((e) => {
      judges.judge(e, undefined, false);
    });
    const e = s.entries[last] as ProfileEntry;
    const index = judges.index(e.entry.object);
    const before = index?.size ?? 0;
    const broken = { id: mutantId(e, 'rollback'), entry: { ...e.entry, body: {} } };
    const d = judges.judge(broken, undefined, false);
    expect(d.incremental.ok).toBe(false);
    expect(judges.index(e.entry.object)?.size ?? 0).toBe(before);
    expect(judges.index(e.entry.object)?.has(toHex(broken.id))).toBe(false);
  });
});

describe('the work of an append does not grow with the object’s history', () => {
  it('builds and steps over a bounded number of nodes per append on a 1,000-entry segment', () => {
    const s = generateScenario({ seed: 'long', segments: 3, years: 3, patrolsPerYear: 400 });
    const segment = s.segments[0] as string;
    const judges = new Judges(s.operators);
    const costs: { closure: number; inserted: number; stepped: number }[] = [];
    let seen = 0;
    for (const e of s.entries) {
      const mine = e.entry.object === segment;
      if (mine) seen++;
      // The from-scratch cost is measured on a sample only: it is the quadratic part.
      const judged = judges.judge(e, undefined, mine && seen % 100 === 0);
      if (mine) {
        expect(judged.incremental.ok).toBe(true);
        if (seen % 100 === 0) expect(judged.incremental).toEqual(judged.scratch);
        costs.push(judged);
      }
    }
    expect(costs.length).toBeGreaterThanOrEqual(1_000);
    const late = costs.slice(-300);
    // From scratch, each append indexes the whole closure: the history and more.
    expect(Math.max(...costs.map((c) => c.closure))).toBeGreaterThanOrEqual(1_000);
    // Incrementally, the candidate itself (and what it newly cites) and a few steps.
    expect(Math.max(...late.map((c) => c.inserted))).toBeLessThanOrEqual(3);
    expect(Math.max(...late.map((c) => c.stepped))).toBeLessThanOrEqual(8);
  }, 600_000);
});
