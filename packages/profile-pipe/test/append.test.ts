/**
 * checkAppend, the node's question on every append: structural faults and the refusing rules
 * refuse with a stable code; the flagging rules let the entry in with its findings.
 */
import { buildEntry, type CborMap, signEntry, toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { causalClosure, checkAppend, pipeProfile, RULES } from '../src/index.ts';
import { generateScenario } from '../src/scenario/index.ts';
import { DAY, designBody, History, HOUR, PROJECT, SEGMENT, startedProject, T0 } from './history.ts';

function refused(
  h: History,
  handle: string,
  role: never,
  object: string,
  kind: string,
  body: CborMap,
  options = {},
) {
  const e = h.add(handle, role, object, kind, T0 + 50 * DAY, body, options);
  return h.append(e);
}

describe('structural checks refuse', () => {
  const h = new History();
  startedProject(h);

  it('an unknown kind', () => {
    const d = refused(h, 'qi-wu', 'QI' as never, SEGMENT, 'construction.teleported', {});
    expect(d.refusals.map((r) => r.code)).toEqual(['PIPE_KIND_UNKNOWN']);
  });

  it('a kind on the wrong object type, or an id that is not a pipe/1 id', () => {
    const body = { chainage: [0, 10], widthM: 1.2, bottomDeviationMm: 0 };
    expect(
      refused(h, 'qi-wu', 'QI' as never, PROJECT, 'construction.trench-excavated', body).refusals.map(
        (r) => r.code,
      ),
    ).toEqual(['PIPE_OBJECT_INVALID']);
    expect(
      refused(h, 'qi-wu', 'QI' as never, 'seg:nonsense', 'construction.trench-excavated', body).refusals[0]
        ?.message,
    ).toMatch(/not a pipe\/1 primary id/);
  });

  it('a role that may not sign the kind', () => {
    const d = refused(h, 'qi-wu', 'QI' as never, SEGMENT, 'test.pressure', {});
    expect(d.refusals[0]).toMatchObject({ code: 'PIPE_ROLE_NOT_PERMITTED' });
    expect(d.refusals[0]?.message).toMatch(/role QI may not sign test.pressure; signers: PM/);
  });

  it('a lead appointment signed in another party’s lead role', () => {
    const p = h.cast.person('pm-zhang');
    const d = refused(h, 'pm-zhang', 'PM' as never, PROJECT, 'party.lead-appointed', {
      party: 'owner',
      name: p.name,
      creditCode: '91440300MA5D300040',
      licence: p.licence,
      idHash: toHex(p.idHash),
    });
    expect(d.refusals.map((r) => [r.code, r.field])).toContainEqual([
      'PIPE_ROLE_NOT_PERMITTED',
      'body.party',
    ]);
  });

  it('a body that does not match its schema, naming every field', () => {
    const d = refused(h, 'qi-wu', 'QI' as never, SEGMENT, 'construction.bedding', {
      chainage: [0, 48],
      type: 'sand',
      thicknessM: 0.15,
      compactionPct: 120,
    });
    expect(d.ok).toBe(false);
    expect(d.refusals.map((r) => [r.code, r.field])).toEqual([
      ['PIPE_BODY_INVALID', 'body.thicknessMm'],
      ['PIPE_BODY_INVALID', 'body.compactionPct'],
      ['PIPE_BODY_INVALID', 'body.thicknessM'],
    ]);
  });

  it('missing or wrong citations', () => {
    const d = refused(h, 'own-chen', 'OWN' as never, PROJECT, 'acceptance.filed', { filingNo: 'F' });
    expect(d.refusals.map((r) => r.code)).toEqual(['PIPE_REFS_INVALID']);
    const patrol = h.add('opr-xie', 'OPR', SEGMENT, 'om.patrol', T0 + 60 * DAY, {
      durationMin: 10,
      observations: [{ code: 'normal' }],
    });
    const wrong = refused(
      h,
      'own-chen',
      'OWN' as never,
      PROJECT,
      'acceptance.filed',
      { filingNo: 'F' },
      { refs: [{ entry: patrol.id, rel: 'completion' }] },
    );
    expect(wrong.refusals[0]?.message).toMatch(/must cite acceptance.completion, not om.patrol/);
  });

  it('an attestation of an unknown entry', () => {
    const orphan = h.add(
      'own-chen',
      'OWN',
      SEGMENT,
      'attest',
      T0 + 70 * DAY,
      { statement: 'agreed' },
      { refs: [{ entry: new Uint8Array(32), rel: 'attests' }] },
    );
    expect(h.append(orphan).refusals[0]?.message).toMatch(/attested entry .* is not known/);
  });

  it('an alias that does not follow the scheme', () => {
    const d = refused(h, 'opr-xie', 'OPR' as never, SEGMENT, 'object.alias', {
      alias: 'SZ-WS000101',
      scheme: 'census',
      validFrom: T0,
    });
    expect(d.refusals.map((r) => [r.code, r.field])).toEqual([['PIPE_ALIAS_INVALID', 'body.alias']]);
  });

  it('restricted fields in plain, whatever the entry is classified', () => {
    for (const classification of ['public', 'restricted'] as const) {
      const d = refused(h, 'des-wang', 'DES' as never, SEGMENT, 'design.issued', designBody('WS'), {
        refs: [{ object: PROJECT, rel: 'project' }],
        classification,
        inPlain: true,
      });
      expect(d.refusals.map((r) => [r.code, r.field])).toEqual([
        ['PIPE_CLASSIFICATION', 'body.upstreamInvertM'],
      ]);
      expect(d.refusals[0]?.message).toMatch(
        /^body\.upstreamInvertM, body\.downstreamInvertM are restricted and may travel only in the sealed section/,
      );
    }
  });

  it('nothing for the same fields sealed', () => {
    const d = refused(h, 'des-wang', 'DES' as never, SEGMENT, 'design.issued', designBody('WS'), {
      refs: [{ object: PROJECT, rel: 'project' }],
    });
    expect(d.ok).toBe(true);
  });
});

describe('rules on append', () => {
  it('refuses exactly with the refusing rules', () => {
    expect(RULES.filter((r) => r.onAppend === 'refuse').map((r) => r.code)).toEqual([
      'P-LEADS',
      'P-SERVICE',
      'P-COMPLETION',
    ]);
    const h = new History();
    const { started } = startedProject(h, { skip: 'owner' });
    expect(h.append(started)).toMatchObject({ ok: false, refusals: [{ code: 'P-LEADS' }], flags: [] });
  });

  it('lets a flagged entry in, with its finding', () => {
    const h = new History();
    const { at } = startedProject(h);
    const layer = h.add('qi-wu', 'QI', SEGMENT, 'construction.backfill-layer', at(20), {
      chainage: [0, 48],
      layer: 1,
      zone: 'haunch',
      liftMm: 200,
      compactionPct: 94,
      material: 'sand',
    });
    const d = h.append(layer);
    expect(d.ok).toBe(true);
    expect(d.flags.map((f) => f.code)).toEqual(['P-COVER']);
  });

  it('flags a late recording against the node’s clock', () => {
    const h = new History();
    const e = h.add('opr-xie', 'OPR', SEGMENT, 'om.patrol', T0, {
      durationMin: 10,
      observations: [{ code: 'normal' }],
    });
    expect(h.append(e, T0 + 2 * HOUR).flags).toEqual([]);
    const late = h.append(e, T0 + 3 * DAY);
    expect(late.ok).toBe(true);
    expect(late.flags.map((f) => f.code)).toEqual(['P-CONTEMPORANEOUS']);
  });

  it('leaves governance acts to governance', () => {
    const h = new History();
    const org = h.cast.orgs[0] as (typeof h.cast.orgs)[number];
    const act = signEntry(
      buildEntry({
        network: h.network,
        org: org.id,
        object: `org:${org.id}`,
        kind: 'org.operator-revoked',
        time: T0,
        signer: org.nodeKey,
        role: 'ORG',
        body: {},
      }),
      org.nodeSeed,
    );
    expect(checkAppend({ candidate: act, context: [], now: T0 })).toEqual({
      ok: true,
      refusals: [],
      flags: [],
    });
    expect(pipeProfile.isKnownKind('org.operator-appointed')).toBe(true);
    expect(pipeProfile.mayRoleSign('org.operator-appointed', 'ORG')).toBe(true);
  });

  it('accepts every entry of the generated clean project, appended in order, without flags', () => {
    const s = generateScenario({ segments: 3, years: 3, patrolsPerYear: 2 });
    for (let i = 0; i < s.entries.length; i++) {
      const candidate = s.entries[i] as (typeof s.entries)[number];
      const context = causalClosure(s.entries.slice(0, i), [candidate]);
      const d = checkAppend({
        candidate,
        context,
        now: candidate.entry.time + 600_000,
        operators: s.operators,
      });
      expect(d, `${i} ${candidate.entry.kind}`).toEqual({ ok: true, refusals: [], flags: [] });
    }
  });
});

describe('causalClosure', () => {
  it('follows parents and entry refs across objects', () => {
    const h = new History();
    const { started, geotech } = startedProject(h);
    const e = h.add(
      'qi-wu',
      'QI',
      SEGMENT,
      'construction.trench-excavated',
      T0 + 10 * DAY,
      { chainage: [0, 10], widthM: 1.2, bottomDeviationMm: 0 },
      { refs: [{ entry: started.id, rel: 'start-order' }] },
    );
    const closure = causalClosure(h.entries, [e]).map((x) => toHex(x.id));
    expect(closure).toContain(toHex(started.id));
    expect(closure).toContain(toHex(geotech.id));
    expect(closure).toContain(toHex(e.id));
  });
});
