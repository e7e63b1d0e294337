/** The accountability view: who answered for each stage, and where an appointment was missing or lapsed. */
import { toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { accountability, pipeProfile } from '../src/index.ts';
import { generateScenario } from '../src/scenario/index.ts';
import { History, PROJECT, startedProject } from './history.ts';

describe('the accountability view', () => {
  const s = generateScenario({ years: 3, patrolsPerYear: 1 });

  it('lists the five leads and every signer per stage of the project', () => {
    const view = pipeProfile.accountability({
      object: s.project,
      entries: s.entries,
      operators: s.operators,
    });
    expect(view.stages.map((st) => st.stage)).toEqual([
      'preparation',
      'materials-start',
      'construction',
      'acceptance',
      'operation',
    ]);
    const construction = view.stages[2];
    expect(construction?.leads.map((l) => [l.party, l.role, l.status, l.name])).toEqual([
      ['owner', 'OWN', 'in-force', '陈国强'],
      ['survey', 'SUR', 'in-force', '李明'],
      ['design', 'DES', 'in-force', '王芳'],
      ['contractor', 'PM', 'in-force', '张伟'],
      ['supervision', 'CSE', 'in-force', '郑建华'],
    ]);
    const lead = construction?.leads[4];
    expect(lead?.licence).toBe('注册监理工程师44001123');
    expect(lead?.org).toBe('supervision');
    expect(lead?.entry).toMatch(/^[0-9a-f]{64}$/);
    const signers = construction?.signers ?? [];
    expect(
      signers.every((x) => x.status === 'valid' && x.name !== undefined && x.licence !== undefined),
    ).toBe(true);
    expect(new Set(signers.map((x) => x.name))).toContain('冯涛');
    const preparation = view.stages[0];
    expect(preparation?.leads.find((l) => l.party === 'owner')?.note).toBe('appointed after the stage began');
  });

  it('gives a segment the leads of its project', () => {
    const view = accountability({
      object: s.segments[0] as string,
      entries: s.entries,
      operators: s.operators,
    });
    const construction = view.stages.find((st) => st.stage === 'construction');
    expect(construction?.leads.filter((l) => l.status === 'in-force')).toHaveLength(5);
    expect(construction?.signers.every((x) => x.entry && x.time > 0)).toBe(true);
  });

  it('marks a missing lead, a lead appointed late and a replaced lead', () => {
    const late = generateScenario({ segments: 3, years: 1, plant: ['P-LEADS'] });
    const view = accountability({ object: late.project, entries: late.entries, operators: late.operators });
    const start = view.stages[1]?.leads.find((l) => l.party === 'supervision');
    expect([start?.status, start?.note]).toEqual(['in-force', 'appointed after the stage began']);
    const none = new History();
    startedProject(none, { skip: 'supervision' });
    const missing = accountability({ object: PROJECT, entries: none.entries, operators: none.operators() });
    expect(missing.stages[1]?.leads.find((l) => l.party === 'supervision')).toMatchObject({
      status: 'missing',
    });

    const h = new History();
    const { at } = startedProject(h);
    const huang = h.cast.person('pm-huang');
    h.add('pm-huang', 'PM', PROJECT, 'party.lead-appointed', at(9), {
      party: 'contractor',
      name: huang.name,
      creditCode: h.cast.orgs.find((o) => o.id === 'contractor')?.creditCode ?? '',
      licence: huang.licence,
      idHash: toHex(huang.idHash),
    });
    h.add('se-feng', 'SE', PROJECT, 'material.batch-accepted', at(10), {
      batchNo: 'B',
      maker: 'm',
      material: 'hdpe',
      dnMm: 500,
      pipeClass: 'SN8',
      quantityPieces: 1,
      totalLengthM: 6,
      certificateNo: 'C',
      samplingRequired: false,
      conclusion: 'accepted',
    });
    const replaced = accountability({ object: PROJECT, entries: h.entries, operators: h.operators() });
    const contractor = replaced.stages[1]?.leads.filter((l) => l.party === 'contractor');
    expect(contractor?.map((l) => [l.name, l.status])).toEqual([
      ['张伟', 'replaced'],
      ['黄海', 'in-force'],
    ]);
  });

  it('marks a lead whose operator certificate had ended, and signers without one', () => {
    const h = new History();
    const { at } = startedProject(h);
    const operators = h.operators().map((o) => (o.name === '郑建华' ? { ...o, validUntil: at(5) } : o));
    const view = accountability({ object: PROJECT, entries: h.entries, operators });
    const materials = view.stages[1];
    expect(materials?.leads.find((l) => l.party === 'supervision')?.status).toBe('lapsed');
    expect(materials?.signers.find((x) => x.kind === 'construction.started')?.status).toBe('lapsed');
    const unknown = accountability({ object: PROJECT, entries: h.entries });
    expect(unknown.stages[0]?.signers.every((x) => x.status === 'unknown')).toBe(true);
  });
});
