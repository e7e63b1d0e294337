/**
 * The generator: its clean project breaks no rule, each planted violation yields exactly its
 * finding on the planted entry, and each incident preset yields exactly the findings its story
 * implies. Plants double as the violating history of every rule (rules.test.ts adds sub-cases).
 */
import { entryFromCbor, openEnvelope, toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { evaluate, RULE_CODES } from '../src/index.ts';
import {
  generateScenario,
  incidentScenario,
  PLANT_CODES,
  PRESET_NAMES,
  PRESETS,
  type Scenario,
  unsealedEntries,
} from '../src/scenario/index.ts';

const FAST = { years: 22, patrolsPerYear: 1 } as const;

/** As a reader cleared for restricted data sees it: the owner's key opens every sealed section. */
function judge(s: Scenario, cleared = true) {
  return evaluate({
    entries: cleared ? unsealedEntries(s) : s.entries,
    asOf: s.asOf,
    firstWitnessed: s.firstWitnessed,
    operators: s.operators,
  });
}

function timeOrdered(s: Scenario): boolean {
  const time = new Map(s.entries.map((e) => [toHex(e.id), e.entry.time]));
  return s.entries.every((e) => e.entry.parents.every((p) => (time.get(toHex(p)) ?? 0) <= e.entry.time));
}

const pairs = (list: readonly { code: string; entry: string }[]) =>
  list.map((f) => `${f.code}@${f.entry}`).sort();

describe('the clean project', () => {
  const s = generateScenario();

  it('is a realistic project of decades', () => {
    expect(s.segments).toHaveLength(6);
    expect(s.manholes.length).toBeGreaterThanOrEqual(9);
    expect(s.lots.length).toBe(6 * 3 + s.manholes.length);
    const kinds = new Set(s.entries.map((e) => e.entry.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(44);
    const years =
      (Math.max(...s.entries.map((e) => e.entry.time)) - Math.min(...s.entries.map((e) => e.entry.time))) /
      (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(24);
    expect(s.entries.filter((e) => e.entry.kind === 'om.patrol').length).toBeGreaterThan(500);
  });

  it('produces zero findings and nothing unchecked', () => {
    const result = judge(s);
    expect(result.findings).toEqual([]);
    expect(result.unchecked).toEqual([]);
    expect(s.expected).toEqual([]);
  });

  it('seals every restricted field, and a reader without a key cannot check the as-built accuracies', () => {
    const sealed = s.entries.filter((e) => e.entry.sealed !== undefined);
    expect(new Set(sealed.map((e) => e.entry.kind))).toEqual(
      new Set([
        'design.issued',
        'design.revised',
        'construction.setting-out',
        'construction.manhole-built',
        'survey.as-built',
      ]),
    );
    for (const e of sealed) expect(e.entry.classification).toBe('restricted');
    const result = judge(s, false);
    expect(result.findings).toEqual([]);
    const surveys = s.entries.filter((e) => e.entry.kind === 'survey.as-built').map((e) => toHex(e.id));
    expect(result.unchecked.map((u) => `${u.code}@${u.entry}`).sort()).toEqual(
      surveys.map((id) => `P-ASBUILT@${id}`).sort(),
    );
    expect(result.unchecked[0]?.reason).toMatch(
      /^not checkable at this clearance: planAccuracyMm, heightAccuracyMm of survey\.as-built [0-9a-f]{12} are in its sealed section/,
    );
  });

  it('consists of real signed entries whose parents and cited entries come first', () => {
    const seen = new Set<string>();
    for (const e of s.entries) {
      const opened = openEnvelope(e.envelope, { network: s.network });
      expect(toHex(opened.id)).toBe(toHex(e.id));
      for (const p of e.entry.parents) expect(seen.has(toHex(p))).toBe(true);
      for (const r of e.entry.refs) if ('entry' in r) expect(seen.has(toHex(r.entry))).toBe(true);
      seen.add(toHex(e.id));
    }
  });

  it('keeps each object’s history in claimed-time order along its DAG', () => {
    expect(timeOrdered(s)).toBe(true);
  });

  it('ships every attachment it cites, by SHA-256', () => {
    for (const e of s.entries) {
      for (const a of e.entry.attachments) {
        const blob = s.blobs.get(toHex(a.sha256));
        expect(blob?.length).toBe(a.size);
      }
    }
  });

  it('appoints its operators by certificate entries of their orgs', () => {
    for (const a of s.appointments) {
      expect(entryFromCbor(openEnvelope(a.envelope, { network: s.network }).entry as never).kind).toBe(
        'org.operator-appointed',
      );
    }
    expect(s.operators).toHaveLength(s.people.length);
    const signers = new Set(s.entries.map((e) => toHex(e.entry.signer)));
    for (const key of signers) expect(s.operators.some((o) => o.key === key)).toBe(true);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = generateScenario({ segments: 3, years: 3 });
    const same = generateScenario({ segments: 3, years: 3 });
    const other = generateScenario({ segments: 3, years: 3, seed: 'other' });
    expect(again.entries.map((e) => toHex(e.id))).toEqual(same.entries.map((e) => toHex(e.id)));
    expect(other.entries[0]?.id).not.toEqual(again.entries[0]?.id);
  });

  it('scales to more segments and units', () => {
    const big = generateScenario({ segments: 24, years: 2, patrolsPerYear: 1 });
    expect(new Set(big.lots.map((l) => l.split('/')[1])).size).toBe(2);
    expect(judge(big).findings).toEqual([]);
  });
});

describe('planted violations', () => {
  it('has a plant for every rule', () => {
    expect([...PLANT_CODES].sort()).toEqual([...RULE_CODES].sort());
  });

  for (const code of PLANT_CODES) {
    it(`${code}: exactly one finding, of that code, on the planted entry`, () => {
      const s = generateScenario({ ...FAST, plant: [code] });
      expect(s.expected.map((e) => e.code)).toEqual([code]);
      expect(pairs(judge(s).findings)).toEqual(pairs(s.expected));
    });
  }

  it('all plants together yield exactly all their findings', () => {
    const s = generateScenario({ ...FAST, plant: PLANT_CODES });
    expect(pairs(judge(s).findings)).toEqual(pairs(s.expected));
    expect(s.expected).toHaveLength(PLANT_CODES.length);
  });
});

describe('incident-review presets', () => {
  for (const name of PRESET_NAMES) {
    it(`${name}: ${PRESETS[name].title}`, () => {
      const s = incidentScenario(name);
      expect(s.expected.map((e) => e.code)).toEqual([...PRESETS[name].expected]);
      expect(pairs(judge(s).findings)).toEqual(pairs(s.expected));
      expect(timeOrdered(s)).toBe(true);
    });
  }

  it('road collapse: the TJ/SL trend, the settlement patrols, the collapse and the repair are on record', () => {
    const s = incidentScenario('road-collapse');
    const seg = s.segments[0] as string;
    const on = s.entries.filter((e) => e.entry.object === seg);
    const grades = on
      .filter((e) => e.entry.kind === 'om.condition-assessment')
      .map(
        (e) =>
          (e.entry.body.defects as { code: string; grade: number }[]).find((d) => d.code === 'TJ')?.grade,
      )
      .filter((g) => g !== undefined);
    expect(grades).toEqual([1, 2, 4]);
    const settlement = on.filter(
      (e) => e.entry.kind === 'om.patrol' && JSON.stringify(e.entry.body).includes('settlement'),
    );
    expect(settlement).toHaveLength(2);
    expect(on.some((e) => e.entry.kind === 'om.incident' && e.entry.body.type === 'collapse')).toBe(true);
  });

  it('falsified test: the readings equal another main’s', () => {
    const s = incidentScenario('falsified-pressure-test');
    const tests = s.entries.filter((e) => e.entry.kind === 'test.pressure');
    expect(JSON.stringify(tests[1]?.entry.body.readings)).toBe(JSON.stringify(tests[0]?.entry.body.readings));
  });

  it('refuses options it cannot honour', () => {
    expect(() => generateScenario({ segments: 2 })).toThrow(RangeError);
    expect(() => generateScenario({ years: 5, plant: ['P-REHAB'] })).toThrow(/22 years/);
    expect(() => generateScenario({ segments: 3, preset: 'falsified-pressure-test' })).toThrow(/6 segments/);
    expect(() => generateScenario({ plant: ['P-NOPE' as never] })).toThrow(/no plant/);
  });
});
