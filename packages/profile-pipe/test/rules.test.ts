/**
 * Each rule on small hand-made histories: at least one that passes and one that breaks it, the
 * latter reporting exactly that code on the entry at fault. The generated scenarios
 * (scenario.test.ts) cover every rule again on a whole project.
 */
import type { SignedEntry } from '@liuhen/core';
import { toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { evaluate, RULES } from '../src/index.ts';
import type { Person } from '../src/scenario/cast.ts';
import {
  accept,
  DAY,
  designBody,
  History,
  HOUR,
  id,
  laidSewer,
  layer,
  PROJECT,
  SEGMENT,
  startedProject,
  T0,
  WATER,
} from './history.ts';

/** Only the findings of `code`, as `entry kind` pairs. */
function only(
  h: History,
  code: string,
  asOf?: number,
  options?: { operators?: boolean; witnessed?: boolean },
) {
  return h.findings(asOf, options).filter((f) => f.code === code);
}

describe('the rule catalogue', () => {
  it('has the 17 domain rules, each with code, severity, clause and explanation', () => {
    expect(RULES.map((r) => r.code)).toEqual([
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
      'P-REHAB',
      'P-CLASS-IV',
      'P-COVERS',
      'P-CONTEMPORANEOUS',
      'P-SEPARATION',
    ]);
    for (const r of RULES) {
      expect(r.title && r.standard && r.clause && r.explanation && r.onAppendReason).toBeTruthy();
      expect(['error', 'warning']).toContain(r.severity);
    }
  });
});

describe('P-LEADS', () => {
  it('passes when the five leads and the review precede the start order', () => {
    const h = new History();
    startedProject(h);
    expect(only(h, 'P-LEADS')).toEqual([]);
  });

  it('reports the start order when a lead or the review is missing from its ancestry', () => {
    const h = new History();
    const { started } = startedProject(h, { skip: 'supervision' });
    expect(only(h, 'P-LEADS').map((f) => f.entry)).toEqual([id(started)]);
    expect(only(h, 'P-LEADS')[0]?.message).toMatch(/supervision/);
    const r = new History();
    startedProject(r, { skip: 'review' });
    expect(only(r, 'P-LEADS')[0]?.message).toMatch(/design.review-passed/);
  });

  it('reports a replaced lead who signs as lead again, until re-appointed', () => {
    const h = new History();
    const { at } = startedProject(h);
    const huang = h.cast.person('pm-huang');
    h.add('pm-huang', 'PM', PROJECT, 'party.lead-appointed', at(20), {
      party: 'contractor',
      name: huang.name,
      creditCode: h.cast.orgs.find((o) => o.id === 'contractor')?.creditCode ?? '',
      licence: huang.licence,
      idHash: toHex(huang.idHash),
    });
    const report = { party: 'contractor', conclusion: 'qualified', reportNo: 'R' };
    const stale = h.add('pm-zhang', 'PM', PROJECT, 'acceptance.party-report', at(30), report);
    expect(only(h, 'P-LEADS').map((f) => f.entry)).toEqual([id(stale)]);
    expect(h.append(stale).refusals.map((r) => r.code)).toEqual(['P-LEADS']);
    const zhang = h.cast.person('pm-zhang');
    h.add('pm-zhang', 'PM', PROJECT, 'party.lead-appointed', at(31), {
      party: 'contractor',
      name: zhang.name,
      creditCode: h.cast.orgs.find((o) => o.id === 'contractor')?.creditCode ?? '',
      licence: zhang.licence,
      idHash: toHex(zhang.idHash),
    });
    const fresh = h.add('pm-zhang', 'PM', PROJECT, 'acceptance.party-report', at(32), report);
    expect(only(h, 'P-LEADS').map((f) => f.entry)).toEqual([id(stale)]);
    expect(h.append(fresh).ok).toBe(true);
  });
});

describe('P-MATERIAL', () => {
  it('passes for pipes from a batch the SE accepted, as designed', () => {
    const h = new History();
    laidSewer(h);
    expect(only(h, 'P-MATERIAL')).toEqual([]);
  });

  it('reports pipes citing no batch, or a batch of another material than designed', () => {
    const h = new History();
    const { at } = laidSewer(h);
    const concrete = h.add('se-feng', 'SE', PROJECT, 'material.batch-accepted', at(9), {
      batchNo: 'C9',
      maker: 'm',
      material: 'reinforced-concrete',
      dnMm: 500,
      pipeClass: 'II',
      quantityPieces: 5,
      totalLengthM: 10,
      certificateNo: 'C9',
      samplingRequired: true,
      conclusion: 'accepted',
    });
    const body = {
      chainage: [0, 10],
      batch: 'C9',
      dnMm: 500,
      axisOffsetMm: 0,
      invertDeviationMm: 0,
      stepMm: 0,
    };
    const swapped = h.add('qi-wu', 'QI', SEGMENT, 'construction.pipe-laid', at(13), body, {
      refs: [{ entry: concrete.id, rel: 'batch' }],
    });
    const uncited = h.add('qi-wu', 'QI', SEGMENT, 'construction.pipe-laid', at(13, 11), body);
    const found = only(h, 'P-MATERIAL');
    expect(found.map((f) => f.entry)).toEqual([id(swapped), id(uncited)]);
    expect(found[0]?.message).toMatch(
      /reinforced-concrete DN500 but the design in force .* specifies hdpe DN500/,
    );
    expect(found[0]?.message).toMatch(/requires sampling/);
    expect(found[1]?.message).toMatch(/without citing/);
  });
});

describe('P-TRENCH', () => {
  it('passes when all five signed the trench bottom before the bedding', () => {
    const h = new History();
    laidSewer(h);
    expect(only(h, 'P-TRENCH')).toEqual([]);
  });

  it('reports the bedding when a party had not signed', () => {
    const h = new History();
    const { bedding } = laidSewer(h, { attestTrench: ['own-chen:OWN', 'pm-zhang:PM'] });
    const found = only(h, 'P-TRENCH');
    expect(found.map((f) => f.entry)).toEqual([id(bedding)]);
    expect(found[0]?.message).toMatch(/lacks SUR, DES/);
  });
});

describe('P-COVER', () => {
  it('passes when an SE acceptance with a photo covers every joint before the first layer', () => {
    const h = new History();
    const { at } = laidSewer(h);
    accept(h, at(13), [0, 48]);
    layer(h, SEGMENT, at(13, 15), 1, 'haunch');
    expect(only(h, 'P-COVER')).toEqual([]);
  });

  it('reports the first layer only, and names the joints left outside the acceptance', () => {
    const h = new History();
    const { at } = laidSewer(h);
    accept(h, at(13), [0, 30]);
    const first = layer(h, SEGMENT, at(13, 15), 1, 'haunch');
    layer(h, SEGMENT, at(14), 2, 'side');
    const found = only(h, 'P-COVER');
    expect(found.map((f) => f.entry)).toEqual([id(first)]);
    expect(found[0]?.message).toMatch(/J06 at 36 m, J07 at 42 m/);
  });

  it('reports bedding placed over joints without acceptance, and an acceptance without photo', () => {
    const h = new History();
    const { at } = laidSewer(h);
    const haunch = h.add('qi-wu', 'QI', SEGMENT, 'construction.bedding', at(13), {
      chainage: [0, 48],
      type: 'sand',
      zone: 'haunch',
      thicknessMm: 300,
      compactionPct: 92,
    });
    accept(h, at(14), [0, 48], { photo: false });
    const first = layer(h, SEGMENT, at(15), 1, 'haunch');
    const found = only(h, 'P-COVER');
    expect(found.map((f) => f.entry)).toEqual([id(haunch), id(first)]);
    expect(found[1]?.message).toMatch(/has no photo or video/);
  });
});

describe('P-EVIDENCE-TIME', () => {
  it('passes for photos taken before the acceptance and reports one taken after', () => {
    const h = new History();
    const { at } = laidSewer(h);
    accept(h, at(13), [0, 48]);
    expect(only(h, 'P-EVIDENCE-TIME')).toEqual([]);
    const staged = accept(h, at(14), [0, 48], { capturedAt: at(14) + 3 * HOUR });
    const found = only(h, 'P-EVIDENCE-TIME');
    expect(found.map((f) => [f.entry, f.severity])).toEqual([[id(staged), 'warning']]);
  });
});

describe('P-TEST-BEFORE-BACKFILL', () => {
  it('gravity: passes with a passed closed-water test before the crown, reports the crown before it', () => {
    const h = new History();
    const { at } = laidSewer(h);
    accept(h, at(13), [0, 48]);
    layer(h, SEGMENT, at(13, 15), 1, 'haunch');
    layer(h, SEGMENT, at(14), 2, 'side');
    const crown = layer(h, SEGMENT, at(14, 15), 3, 'crown');
    h.add('pm-zhang', 'PM', SEGMENT, 'test.closed-water', at(15), {
      chainage: [0, 48],
      lengthM: 48,
      headM: 2,
      holdMin: 30,
      leakageLPerMinKm: 0.8,
      pass: true,
    });
    layer(h, SEGMENT, at(16), 4, 'upper');
    expect(only(h, 'P-TEST-BEFORE-BACKFILL').map((f) => f.entry)).toEqual([id(crown)]);
  });

  it('pressure: body backfill needs exposed joints and nothing above before the test', () => {
    const h = new History();
    const { at } = startedProject(h);
    const ok = layer(h, WATER, at(13), 1, 'haunch', { jointsExposed: true });
    const covered = layer(h, WATER, at(13, 12), 2, 'side');
    const above = layer(h, WATER, at(14), 3, 'upper');
    const found = only(h, 'P-TEST-BEFORE-BACKFILL').map((f) => f.entry);
    expect(found).toEqual([id(covered), id(above)]);
    expect(found).not.toContain(id(ok));
  });
});

function pressureTest(h: History, time: number, extra: Record<string, unknown> = {}) {
  return h.add('pm-zhang', 'PM', WATER, 'test.pressure', time, {
    chainage: [0, 48],
    lengthM: 48,
    workingPressureMPa: 0.4,
    testPressureMPa: 0.8,
    holdMin: 15,
    pressureDropMPa: 0.01,
    gaugeId: 'G1',
    gaugeAccuracyClass: 1,
    gaugeCalibratedAt: time - 30 * DAY,
    gaugeCalibrationExpiresAt: time + 300 * DAY,
    readings: [
      { atMin: 0, pressureMPa: 0.8 },
      { atMin: 5, pressureMPa: 0.797 },
      { atMin: 15, pressureMPa: 0.79 },
    ],
    pass: true,
    ...extra,
  } as never);
}

describe('P-TEST-CONDITIONS', () => {
  it('passes for a witnessed test with a calibrated class-1.0 gauge an hour after the joints', () => {
    const h = new History();
    const { at } = startedProject(h);
    h.add('qi-wu', 'QI', WATER, 'construction.joint-made', at(12), {
      joint: 'J01',
      chainage: [6, 6],
      type: 'rubber-ring',
      gasketChecked: true,
    });
    const test = pressureTest(h, at(12, 11));
    h.attest(test, 'se-feng', 'SE', at(12, 12));
    expect(only(h, 'P-TEST-CONDITIONS')).toEqual([]);
  });

  it('reports a test too soon after the last joint, with a class-2.5 gauge and no witness', () => {
    const h = new History();
    const { at } = startedProject(h);
    h.add('qi-wu', 'QI', WATER, 'construction.joint-made', at(12), {
      joint: 'J01',
      chainage: [6, 6],
      type: 'rubber-ring',
      gasketChecked: true,
    });
    const test = pressureTest(h, at(12) + 30 * 60_000, { gaugeAccuracyClass: 2.5 });
    const found = only(h, 'P-TEST-CONDITIONS');
    expect(found.map((f) => [f.entry, f.severity])).toEqual([[id(test), 'error']]);
    expect(found[0]?.message).toMatch(/30 min after the last joint.*class 2.5.*no supervision engineer/);
  });

  it('a test length over 1 km alone is a warning', () => {
    const h = new History();
    const { at } = startedProject(h);
    const test = pressureTest(h, at(12), { lengthM: 1_200 });
    h.attest(test, 'se-feng', 'SE', at(12, 10));
    expect(only(h, 'P-TEST-CONDITIONS').map((f) => f.severity)).toEqual(['warning']);
  });
});

describe('P-ASBUILT', () => {
  it('passes with the survey before the final layer and reports a final layer without it', () => {
    const h = new History();
    const { at } = startedProject(h);
    const early = layer(h, WATER, at(20), 5, 'upper', { final: true });
    h.add(
      'geo-zhao',
      'GEO',
      WATER,
      'survey.as-built',
      at(21),
      {
        points: [{ name: 'P1', xM: 1, yM: 2, zM: 3 }],
        planAccuracyMm: 30,
        heightAccuracyMm: 20,
      },
      { classification: 'restricted' },
    );
    layer(h, WATER, at(22), 6, 'upper', { final: true });
    expect(only(h, 'P-ASBUILT').map((f) => f.entry)).toEqual([id(early)]);
  });
});

describe('P-ASBUILT accuracy, sealed in the survey (a rule that needs restricted fields)', () => {
  const survey = (h: History, time: number, planAccuracyMm: number, heightAccuracyMm: number) =>
    h.add('geo-zhao', 'GEO', WATER, 'survey.as-built', time, {
      points: [{ name: 'P1', xM: 2_493_100, yM: 497_200, zM: 3.2 }],
      planAccuracyMm,
      heightAccuracyMm,
    });
  const asBuiltOf = (h: History, reader?: string) => {
    const r = h.evaluate(undefined, reader === undefined ? {} : { reader });
    return {
      findings: r.findings.filter((f) => f.code === 'P-ASBUILT'),
      unchecked: r.unchecked.filter((u) => u.code === 'P-ASBUILT'),
    };
  };

  it('is not checkable at this clearance for a reader who cannot open the survey, never passed', () => {
    const h = new History();
    const { at } = startedProject(h);
    const poor = survey(h, at(21), 300, 150);
    expect(poor.entry.sealed).toBeDefined();
    expect(Object.keys(poor.entry.body)).not.toContain('planAccuracyMm');
    // Without any key, and with the key of an org the survey is not sealed to (the lab).
    for (const reader of [undefined, 'lab']) {
      const { findings, unchecked } = asBuiltOf(h, reader);
      expect(findings).toEqual([]);
      expect(unchecked).toEqual([
        {
          code: 'P-ASBUILT',
          entry: id(poor),
          reason: `not checkable at this clearance: planAccuracyMm, heightAccuracyMm of survey.as-built ${id(poor).slice(0, 12)} are in its sealed section, which this reader cannot open`,
        },
      ]);
    }
  });

  it('passes for a cleared reader when the unsealed accuracies meet CJJ 61', () => {
    const h = new History();
    const { at } = startedProject(h);
    survey(h, at(21), 30, 20);
    expect(asBuiltOf(h, 'owner')).toEqual({ findings: [], unchecked: [] });
  });

  it('fails for a cleared reader when they do not, against the survey', () => {
    const h = new History();
    const { at } = startedProject(h);
    const poor = survey(h, at(21), 300, 20);
    const { findings, unchecked } = asBuiltOf(h, 'supervision');
    expect(unchecked).toEqual([]);
    expect(findings.map((f) => [f.entry, f.severity])).toEqual([[id(poor), 'error']]);
    expect(findings[0]?.message).toBe(
      'the as-built survey is not accurate enough to locate the pipe: plan accuracy 300 mm (at most 50)',
    );
  });

  it('never holds up the append: the node cannot open the survey', () => {
    const h = new History();
    const { at } = startedProject(h);
    const d = h.append(survey(h, at(21), 300, 150));
    expect(d).toEqual({ ok: true, refusals: [], flags: [] });
  });
});

describe('P-SERVICE and P-COMPLETION', () => {
  it('refuse handover and completion without their conditions, and accept them with', () => {
    const h = new History();
    const { at } = startedProject(h);
    const completion = h.add('own-chen', 'OWN', PROJECT, 'acceptance.completion', at(60), {
      conclusion: 'qualified',
      reportNo: 'C1',
    });
    const handover = h.add(
      'own-chen',
      'OWN',
      PROJECT,
      'handover.to-operator',
      at(61),
      { warrantyEndsAt: at(800), defects: [] },
      { refs: [{ entry: completion.id, rel: 'completion' }] },
    );
    expect(only(h, 'P-SERVICE').map((f) => f.entry)).toEqual([id(handover)]);
    expect(only(h, 'P-SERVICE')[0]?.message).toMatch(
      /SZ-WS000101-WS000102#1 \(tightness test\).*SZ-JS000301-JS000302#1 \(flush and disinfection\)|SZ-JS000301.*flush.*SZ-WS000101.*tightness/,
    );
    expect(only(h, 'P-COMPLETION').map((f) => f.entry)).toEqual([id(completion)]);
    expect(only(h, 'P-COMPLETION')[0]?.message).toMatch(
      /pre-acceptance.*party reports of survey, design, contractor; archive.pre-accepted/,
    );
    expect(h.append(handover).refusals.map((r) => r.code)).toEqual(['P-SERVICE']);
    expect(h.append(completion).refusals.map((r) => r.code)).toEqual(['P-COMPLETION']);

    const ok = new History();
    const p = startedProject(ok);
    const tw = ok.add('pm-zhang', 'PM', SEGMENT, 'test.closed-water', p.at(30), {
      chainage: [0, 48],
      lengthM: 48,
      headM: 2,
      holdMin: 30,
      leakageLPerMinKm: 0.5,
      pass: true,
    });
    const tp = pressureTest(ok, p.at(30));
    const flush = ok.add('pm-zhang', 'PM', WATER, 'commissioning.flush-disinfect', p.at(31), {
      chainage: [0, 48],
      turbidityNtu: 0.4,
      residualChlorineMgPerL: 0.5,
      coliformCfuPer100mL: 0,
      labReportNo: 'W',
      pass: true,
    });
    const lot = ok.add(
      'se-feng',
      'SE',
      `lot:440306202003020101/U1/pipeline/function-test/L001`,
      'acceptance.lot',
      p.at(32),
      { code: 'U1/pipeline/function-test/L001', result: 'pass', mainItemsPass: true, generalPassRatePct: 95 },
      { refs: [tw, tp, flush].map((e) => ({ entry: e.id, rel: 'evidence' })) },
    );
    const subitem = ok.add(
      'se-feng',
      'SE',
      PROJECT,
      'acceptance.subitem',
      p.at(33),
      { code: 'U1/pipeline/function-test', result: 'pass' },
      { refs: [{ entry: lot.id, rel: 'includes' }] },
    );
    ok.add(
      'cse-zheng',
      'CSE',
      PROJECT,
      'acceptance.subdivision',
      p.at(33, 15),
      { code: 'U1/pipeline', result: 'pass' },
      { refs: [{ entry: subitem.id, rel: 'includes' }] },
    );
    ok.add('cse-zheng', 'CSE', PROJECT, 'acceptance.pre-acceptance', p.at(34), {
      result: 'pass',
      findings: [],
      reportNo: 'P',
    });
    for (const [handle, role, party] of [
      ['sur-li', 'SUR', 'survey'],
      ['des-wang', 'DES', 'design'],
      ['pm-zhang', 'PM', 'contractor'],
    ] as const) {
      ok.add(handle, role, PROJECT, 'acceptance.party-report', p.at(35), {
        party,
        conclusion: 'qualified',
        reportNo: party,
      });
    }
    ok.add('arc-luo', 'ARC', PROJECT, 'archive.pre-accepted', p.at(36), {
      opinion: 'accepted',
      approvalNo: 'A',
    });
    const done = ok.add(
      'own-chen',
      'OWN',
      PROJECT,
      'acceptance.completion',
      p.at(40),
      { conclusion: 'qualified', reportNo: 'C1' },
      { refs: [{ entry: subitem.id, rel: 'basis' }] },
    );
    const handed = ok.add(
      'own-chen',
      'OWN',
      PROJECT,
      'handover.to-operator',
      p.at(41),
      { warrantyEndsAt: p.at(800), defects: [] },
      { refs: [{ entry: done.id, rel: 'completion' }] },
    );
    expect(only(ok, 'P-COMPLETION')).toEqual([]);
    expect(only(ok, 'P-SERVICE')).toEqual([]);
    expect(ok.append(done).ok).toBe(true);
    expect(ok.append(handed).ok).toBe(true);
  });
});

describe('P-DEADLINES', () => {
  function completed(h: History) {
    const { at } = startedProject(h);
    const completion = h.add('own-chen', 'OWN', PROJECT, 'acceptance.completion', at(60), {
      conclusion: 'qualified',
      reportNo: 'C',
    });
    return { at, completion };
  }

  it('is silent before the deadline and reports once it has passed', () => {
    const h = new History();
    const { at, completion } = completed(h);
    expect(only(h, 'P-DEADLINES', at(74))).toEqual([]);
    const overdue = only(h, 'P-DEADLINES', at(76));
    expect(overdue.map((f) => f.entry)).toEqual([id(completion)]);
    expect(overdue[0]?.message).toMatch(/acceptance.filed was due by .* and is missing/);
    expect(overdue[0]?.dueAt).toBe(completion.entry.time + 15 * DAY);
  });

  it('passes for filing and transfer in time, reports a late filing', () => {
    const h = new History();
    const { at, completion } = completed(h);
    h.add(
      'own-chen',
      'OWN',
      PROJECT,
      'archive.transferred',
      at(120),
      { archiveNo: 'A', items: ['all'], includesLifetimeResponsibilityFile: true },
      { refs: [{ entry: completion.id, rel: 'completion' }] },
    );
    const filing = h.add(
      'own-chen',
      'OWN',
      PROJECT,
      'acceptance.filed',
      at(70),
      { filingNo: 'F' },
      { refs: [{ entry: completion.id, rel: 'completion' }] },
    );
    expect(only(h, 'P-DEADLINES', at(400))).toEqual([]);
    const late = new History();
    const l = completed(late);
    late.add(
      'own-chen',
      'OWN',
      PROJECT,
      'archive.transferred',
      l.at(100),
      { archiveNo: 'A', items: ['all'], includesLifetimeResponsibilityFile: true },
      { refs: [{ entry: l.completion.id, rel: 'completion' }] },
    );
    const lateFiling = late.add(
      'own-chen',
      'OWN',
      PROJECT,
      'acceptance.filed',
      l.at(80),
      { filingNo: 'F' },
      { refs: [{ entry: l.completion.id, rel: 'completion' }] },
    );
    const found = only(late, 'P-DEADLINES', l.at(400));
    expect(found.map((f) => [f.entry, f.related])).toEqual([[id(l.completion), [id(lateFiling)]]]);
    expect(filing).toBeDefined();
  });

  it('needs an archive update within 3 months of a decommissioning', () => {
    const h = new History();
    const { at } = startedProject(h);
    const gone = h.add('opr-xie', 'OPR', WATER, 'lifecycle.decommissioned', at(300), {
      method: 'grout',
      decommissionedAt: at(300),
      reason: 'replaced',
    });
    expect(only(h, 'P-DEADLINES', at(380))).toEqual([]);
    expect(only(h, 'P-DEADLINES', at(400)).map((f) => f.entry)).toEqual([id(gone)]);
    h.add(
      'arc-luo',
      'ARC',
      WATER,
      'archive.updated',
      at(350),
      { reason: 'decommissioning', recordNo: 'U', drawingsUpdated: true },
      { refs: [{ entry: gone.id, rel: 'update-for' }] },
    );
    expect(only(h, 'P-DEADLINES', at(400))).toEqual([]);
  });
});

describe('P-DESIGN-CHANGE', () => {
  function revise(h: History, time: number, supersedes: SignedEntry, major: boolean, by?: Person) {
    return h.w.write({
      by: by ?? h.cast.person('des-wang'),
      role: 'DES',
      object: SEGMENT,
      kind: 'design.revised',
      time,
      body: { ...designBody('WS', { upstreamInvertM: 3.1 }), revisionNo: 1, reason: 'cable', major },
      refs: [{ entry: supersedes.id, rel: 'supersedes' }],
      classification: 'restricted',
    });
  }

  it('passes before the start, and after it when the owner approves and a major change is reviewed', () => {
    const before = new History();
    const early = startedProject(before);
    revise(before, early.at(6), early.sewer, true);
    expect(only(before, 'P-DESIGN-CHANGE')).toEqual([]);
    const h = new History();
    const { sewer, at } = startedProject(h);
    const revision = revise(h, at(9), sewer, true);
    h.attest(revision, 'own-chen', 'OWN', at(9, 12));
    h.add(
      'rev-gao',
      'REV',
      PROJECT,
      'design.review-passed',
      at(10),
      { certificateNo: 'R-2', scope: 'revision 1' },
      { refs: [{ entry: revision.id, rel: 'reviews' }] },
    );
    expect(only(h, 'P-DESIGN-CHANGE')).toEqual([]);
  });

  it('reports an unapproved, unreviewed major revision by another party after the start', () => {
    const h = new History();
    const { sewer, at } = startedProject(h);
    const outsider = { ...h.cast.person('des-liu'), org: 'contractor' };
    const revision = revise(h, at(9), sewer, true, outsider);
    const found = only(h, 'P-DESIGN-CHANGE');
    expect(found.map((f) => f.entry)).toEqual([id(revision)]);
    expect(found[0]?.message).toMatch(
      /not by the original design party design.*not approved by the owner.*major change without a new design.review-passed/,
    );
  });
});

describe('P-REHAB and P-CLASS-IV', () => {
  function assessment(h: History, time: number, structuralClass: string) {
    return h.add('cctv-tang', 'CCTV', SEGMENT, 'om.condition-assessment', time, {
      lengthInspectedM: 48,
      defects: [{ code: 'PL', grade: 4, distanceM: 20, clock: '1102', lengthM: 2 }],
      structuralF: 7.1,
      repairIndexRI: 6.4,
      maintenanceIndexMI: 0.5,
      structuralClass,
      functionalClass: 'I',
      videoSha256: 'a'.repeat(64),
    });
  }
  const rehabBody = { method: 'cipp', chainage: [0, 48], linerThicknessMm: 9, designLifeYears: 50 };

  it('P-REHAB: cites a recent assessment (passes), none (error) or an old one (warning)', () => {
    const h = new History();
    const found = assessment(h, T0, 'III');
    h.add('rpm-deng', 'PM', SEGMENT, 'om.rehabilitation', T0 + 60 * DAY, rehabBody, {
      refs: [{ entry: found.id, rel: 'assessment' }],
    });
    expect(only(h, 'P-REHAB')).toEqual([]);
    const blind = h.add('rpm-deng', 'PM', SEGMENT, 'om.rehabilitation', T0 + 90 * DAY, rehabBody);
    const stale = h.add('rpm-deng', 'PM', SEGMENT, 'om.rehabilitation', T0 + 500 * DAY, rehabBody, {
      refs: [{ entry: found.id, rel: 'assessment' }],
    });
    expect(only(h, 'P-REHAB', T0 + 600 * DAY).map((f) => [f.entry, f.severity])).toEqual([
      [id(blind), 'error'],
      [id(stale), 'warning'],
    ]);
  });

  it('P-CLASS-IV: a response within 30 days passes; none is reported once 30 days have passed', () => {
    const h = new History();
    const four = assessment(h, T0, 'IV');
    expect(only(h, 'P-CLASS-IV', T0 + 29 * DAY)).toEqual([]);
    expect(only(h, 'P-CLASS-IV', T0 + 31 * DAY).map((f) => [f.entry, f.severity])).toEqual([
      [id(four), 'warning'],
    ]);
    h.add(
      'opr-xie',
      'OPR',
      SEGMENT,
      'om.risk-accepted',
      T0 + 10 * DAY,
      { reason: 'traffic diverted pending CIPP', measures: ['monthly CCTV'], reviewBy: T0 + 90 * DAY },
      { refs: [{ entry: four.id, rel: 'assessment' }] },
    );
    expect(only(h, 'P-CLASS-IV', T0 + 31 * DAY)).toEqual([]);
  });
});

describe('P-COVERS', () => {
  it('a barrier within 2 h and the cover within 6 h pass; a late cover is reported', () => {
    const h = new History();
    const manhole = 'mh:SZ-WS000101';
    const patrol = h.add('opr-xie', 'OPR', manhole, 'om.patrol', T0, {
      durationMin: 20,
      observations: [{ code: 'cover-missing' }],
    });
    h.add(
      'opr-xie',
      'OPR',
      manhole,
      'om.cover-secured',
      T0 + HOUR,
      { action: 'barrier' },
      { refs: [{ entry: patrol.id, rel: 'patrol' }] },
    );
    expect(only(h, 'P-COVERS', T0 + 3 * HOUR)).toEqual([]);
    const found = only(h, 'P-COVERS', T0 + 7 * HOUR);
    expect(found.map((f) => f.entry)).toEqual([id(patrol)]);
    expect(found[0]?.message).toMatch(/restored cover/);
    h.add(
      'opr-xie',
      'OPR',
      manhole,
      'om.cover-secured',
      T0 + 5 * HOUR,
      { action: 'restored' },
      { refs: [{ entry: patrol.id, rel: 'patrol' }] },
    );
    expect(only(h, 'P-COVERS', T0 + 7 * HOUR)).toEqual([]);
  });
});

describe('P-CONTEMPORANEOUS', () => {
  it('uses first-witnessed times: within 24 h passes, later is a late recording', () => {
    const h = new History();
    const on = h.add(
      'opr-xie',
      'OPR',
      SEGMENT,
      'om.patrol',
      T0,
      { durationMin: 20, observations: [{ code: 'normal' }] },
      { witnessDelay: 2 * HOUR },
    );
    const late = h.add(
      'opr-xie',
      'OPR',
      SEGMENT,
      'om.patrol',
      T0 + DAY,
      { durationMin: 20, observations: [{ code: 'normal' }] },
      { witnessDelay: 30 * HOUR },
    );
    const found = only(h, 'P-CONTEMPORANEOUS', T0 + 10 * DAY, { witnessed: true });
    expect(found.map((f) => f.entry)).toEqual([id(late)]);
    expect(found.map((f) => f.entry)).not.toContain(id(on));
  });

  it('an unwitnessed entry is unchecked at first and late once 24 h have passed', () => {
    const h = new History();
    const e = h.add('opr-xie', 'OPR', SEGMENT, 'om.patrol', T0, {
      durationMin: 20,
      observations: [{ code: 'normal' }],
    });
    const witnessed = new Map<string, number>();
    const early = evaluate({ entries: h.entries, asOf: T0 + HOUR, firstWitnessed: witnessed });
    expect(early.unchecked.filter((u) => u.code === 'P-CONTEMPORANEOUS')).toEqual([
      { code: 'P-CONTEMPORANEOUS', entry: id(e), reason: 'not yet witnessed' },
    ]);
    const later = evaluate({ entries: h.entries, asOf: T0 + 2 * DAY, firstWitnessed: witnessed });
    expect(later.findings.map((f) => f.code)).toEqual(['P-CONTEMPORANEOUS']);
    expect(evaluate({ entries: h.entries, asOf: T0 }).unchecked.map((u) => u.code)).toEqual([
      'P-CONTEMPORANEOUS',
      'P-SEPARATION',
    ]);
  });
});

describe('P-SEPARATION', () => {
  it('reports an acceptance by the person who self-checked, under another org’s key', () => {
    const h = new History();
    const { at } = laidSewer(h);
    const check = h.add('qi-sun', 'QI', SEGMENT, 'inspection.hidden-works-selfcheck', at(13), {
      scope: 'joints',
      chainage: [0, 48],
      items: 9,
      passed: 9,
    });
    h.attest(check, 'tl-zhou', 'TL', at(13, 10));
    const fine = accept(h, at(13, 11), [0, 48]);
    const same = accept(h, at(13, 12), [0, 48], { by: 'se-sun' });
    const found = only(h, 'P-SEPARATION', undefined, { operators: true });
    expect(found.map((f) => [f.entry, f.severity])).toEqual([[id(same), 'warning']]);
    expect(found.map((f) => f.entry)).not.toContain(id(fine));
  });

  it('reports a signer who does not hold the role, or whose appointment has ended', () => {
    const h = new History();
    const check = h.add('qi-wu', 'QI', SEGMENT, 'inspection.hidden-works-selfcheck', T0, {
      scope: 'joints',
      chainage: [0, 48],
      items: 9,
      passed: 9,
    });
    const wrongRole = h.attest(check, 'tl-zhou', 'QI', T0 + HOUR);
    const expired = h.add('opr-xie', 'OPR', SEGMENT, 'om.patrol', T0 + 12 * 365 * DAY, {
      durationMin: 20,
      observations: [{ code: 'normal' }],
    });
    const found = only(h, 'P-SEPARATION', undefined, { operators: true });
    expect(found.map((f) => f.entry)).toEqual([id(wrongRole), id(expired)]);
    expect(found[0]?.message).toMatch(/signs as QI but holds TL/);
    expect(found[1]?.message).toMatch(/holds no appointment/);
  });
});
