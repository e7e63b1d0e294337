/** Replay: the reducer folds an object's ordered entries into its state. */
import { replayObject, toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { initialState, pipeProfile, reduce } from '../src/index.ts';
import { generateScenario } from '../src/scenario/index.ts';
import { TraceIndex } from '../src/trace-index.ts';

function ordered(entries: Parameters<typeof replayObject>[2]) {
  const trace = new TraceIndex([...entries]);
  const byId = new Map([...entries].map((e) => [toHex(e.id), e]));
  return trace.nodes.map((n) => byId.get(n.id) as typeof entries extends Iterable<infer T> ? T : never);
}

describe('the reducer', () => {
  const s = generateScenario({ years: 25, patrolsPerYear: 2 });
  const all = ordered(s.entries);
  const segment = s.segments[0] as string;

  it('folds a segment: design, progress by chainage, joints, tests, conditions, status', () => {
    const state = replayObject(pipeProfile, segment, all);
    expect(state.type).toBe('segment');
    expect(state.status).toBe('in-service');
    expect(state.design?.params.material).toBe('hdpe');
    expect(state.design?.params.dnMm).toBe(500);
    const length = state.design?.params.lengthM as number;
    for (const key of ['excavated', 'bedded', 'laid', 'backfilled', 'finalBackfill'] as const) {
      expect(state.progress[key]).toEqual([[0, length]]);
    }
    expect(state.progress.asBuiltSurveyed).toBe(true);
    const joints = Object.values(state.joints);
    expect(joints.length).toBeGreaterThan(4);
    for (const j of joints) {
      expect(j.hiddenWorks).toBe('accepted');
      expect(j.coveredUnaccepted).toBe(false);
      expect(j.coveredBy).toBeDefined();
    }
    expect(state.tests.map((t) => [t.kind, t.pass, t.witnessedBy])).toEqual([
      ['test.closed-water', true, ['SE']],
    ]);
    expect(state.conditions.map((c) => c.structuralClass)).toContain('III');
    expect(state.maintenance.some((m) => m.kind === 'om.repair')).toBe(true);
    expect(state.obligations).toEqual([]);
    expect(state.skipped).toBe(0);
  });

  it('keeps the alias history with validity periods closed by a census', () => {
    const state = replayObject(pipeProfile, segment, all);
    expect(state.aliases).toHaveLength(2);
    const [first, second] = state.aliases;
    expect(first?.alias).toBe(segment.slice(4));
    expect(first?.validUntil).toBe(second?.validFrom);
    expect(second?.validUntil).toBeUndefined();
    expect(second?.alias).toBe('SZ-WS000601-WS000602#1');
  });

  it('folds the project: leads, acceptance hierarchy, completion, handover', () => {
    const state = replayObject(pipeProfile, s.project, all);
    expect(state.status).toBe('in-service');
    expect(Object.keys(state.leads).sort()).toEqual([
      'contractor',
      'design',
      'owner',
      'supervision',
      'survey',
    ]);
    expect(state.leads.supervision?.name).toBe('郑建华');
    expect(state.acceptance.completion?.conclusion).toBe('qualified');
    expect(state.acceptance.filed).toBeDefined();
    expect(state.acceptance.archiveTransferred).toBeDefined();
    expect(state.acceptance.handedOver).toBeDefined();
    expect(Object.keys(state.acceptance.subitems)).toContain('U1/pipeline/function-test');
    expect(Object.keys(state.acceptance.partyReports).sort()).toEqual(['contractor', 'design', 'survey']);
    expect(state.obligations).toEqual([]);
  });

  it('shows open obligations at any step of a replay, and closes them', () => {
    const project = all.filter((e) => e.entry.object === s.project);
    const completionAt = project.findIndex((e) => e.entry.kind === 'acceptance.completion');
    let state = initialState(s.project);
    for (const e of project.slice(0, completionAt + 1)) state = reduce(state, e);
    expect(state.obligations.map((o) => o.code).sort()).toEqual([
      'COSIGN',
      'COSIGN',
      'COSIGN',
      'COSIGN',
      'P-DEADLINES',
      'P-DEADLINES',
    ]);
    const filing = state.obligations.find((o) => o.description === 'acceptance.filed');
    expect(filing?.dueAt).toBe((project[completionAt]?.entry.time as number) + 15 * 86_400_000);
    const decommissioned = replayObject(pipeProfile, s.segments[5] as string, all);
    expect(decommissioned.status).toBe('decommissioned');
    expect(decommissioned.obligations).toEqual([]);
  });

  it('tracks a class IV finding as an obligation until the rehabilitation answers it', () => {
    const seg = all.filter((e) => e.entry.object === s.segments[1]);
    const at = seg.findIndex(
      (e) => e.entry.kind === 'om.condition-assessment' && e.entry.body.structuralClass === 'IV',
    );
    let state = initialState(s.segments[1] as string);
    for (const e of seg.slice(0, at + 1)) state = reduce(state, e);
    expect(state.obligations.map((o) => o.code)).toEqual(['P-CLASS-IV']);
    for (const e of seg.slice(at + 1)) state = reduce(state, e);
    expect(state.obligations).toEqual([]);
    expect(state.conditions.at(-1)?.grades).toEqual({ PL: 4, TL: 3 });
  });

  it('records joints covered before their hidden works were accepted, and a failed water test', () => {
    const planted = generateScenario({ segments: 3, years: 2, plant: ['P-COVER', 'P-SERVICE'] });
    const entries = ordered(planted.entries);
    const seg = replayObject(pipeProfile, planted.segments[0] as string, entries);
    expect(Object.values(seg.joints).every((j) => j.coveredUnaccepted)).toBe(true);
    const water = replayObject(pipeProfile, planted.segments[2] as string, entries);
    expect(water.tests.map((t) => [t.kind, t.pass])).toEqual([
      ['test.pressure', true],
      ['commissioning.flush-disinfect', false],
    ]);
  });

  it('counts but does not fold an entry whose body is invalid', () => {
    const e = s.entries.find((x) => x.entry.kind === 'construction.bedding') as (typeof s.entries)[number];
    const broken = { ...e, entry: { ...e.entry, body: { ...e.entry.body, compactionPct: 'high' } } };
    const state = reduce(initialState(e.entry.object), broken);
    expect(state.entries).toBe(1);
    expect(state.skipped).toBe(1);
    expect(state.progress.bedded).toEqual([]);
  });

  it('shares unchanged parts between steps', () => {
    const seg = all.filter((e) => e.entry.object === segment);
    const before = replayObject(pipeProfile, segment, seg.slice(0, -1));
    const after = reduce(before, seg.at(-1) as (typeof seg)[number]);
    expect(after.design).toBe(before.design);
    expect(after.joints).toBe(before.joints);
  });
});
