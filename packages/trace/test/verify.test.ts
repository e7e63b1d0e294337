/**
 * What verification establishes beyond tampering: late recording from first-witnessed times, time
 * consistency, authority at the entry's position, the witness policy, the as-of time, gaps, and
 * the profile's rules and accountability view through the hooks.
 */
import { buildEntry, type Profile, signEntry, toHex } from '@liuhen/core';
import { revocationBody } from '@liuhen/governance';
import { describe, expect, it } from 'vitest';
import { assembleBundle, hooksFromProfile, verifyBundle } from '../src/index.ts';
import { DAY, HOUR, keyOf, Network, OBJECT, seedOf, segment, T0 } from './fixtures.ts';
import { testProfile } from './test-profile.ts';

const codesOf = (v: ReturnType<typeof verifyBundle>, entry?: Uint8Array) =>
  v.report.findings.filter((f) => entry === undefined || f.subject.entry === toHex(entry)).map((f) => f.code);

describe('verification', () => {
  it('flags a late recording from its first-witnessed time, and keeps it valid', async () => {
    const s = segment({ lateJoint: true });
    const v = verifyBundle(await s.bundle(), { anchor: { networkId: s.net.network }, profile: testProfile });
    const joint = toHex(s.ids.joint as Uint8Array);
    const late = v.report.lateRecordings.find((l) => l.entry === joint);
    expect(late?.witnessed).toBe(true);
    expect(late?.lagMs).toBeGreaterThan(72 * HOUR);
    expect(codesOf(v, s.ids.joint)).toEqual(['TRACE_LATE_RECORDING']);
    expect(v.report.verdict).toBe('verified-with-warnings');
    const entry = v.report.entries.find((e) => e.id === joint);
    expect(entry?.valid).toBe(true);
    expect(entry?.late?.lagMs).toBe(late?.lagMs);
    // Design, trench and pipe laid were witnessed within minutes.
    expect(v.report.entries.slice(0, 3).every((e) => e.late === undefined)).toBe(true);
  });

  it('an unwitnessed entry is below the policy, and late once the as-of time is a day past it', async () => {
    const s = segment();
    const extra = s.net.write(
      'se',
      'SE',
      'inspection.hidden-works-accepted',
      T0 + 6 * DAY,
      { scope: 'J08' },
      {
        parents: [s.ids.backfill as Uint8Array],
        witnesses: [],
      },
    );
    const bundle = await s.bundle();
    const soon = verifyBundle(bundle, { profile: testProfile, asOf: T0 + 6 * DAY + HOUR });
    expect(codesOf(soon, extra)).toEqual(['TRACE_WITNESS_POLICY']);
    expect(soon.report.gaps.cosignatures.find((g) => g.entry === toHex(extra))?.have).toEqual([]);
    const later = verifyBundle(bundle, { profile: testProfile, asOf: T0 + 9 * DAY });
    expect(codesOf(later, extra).sort()).toEqual(['TRACE_LATE_RECORDING', 'TRACE_WITNESS_POLICY']);
    expect(later.report.lateRecordings.find((l) => l.entry === toHex(extra))?.witnessed).toBe(false);
  });

  it('refuses claims that contradict causality or the log, beyond the clock-skew tolerance', async () => {
    const s = segment();
    const backdated = s.net.write(
      'qi',
      'QI',
      'construction.backfill-layer',
      T0 + 4 * DAY - HOUR,
      { layer: 2 },
      {
        parents: [s.ids.backfill as Uint8Array],
      },
    );
    const future = s.net.write(
      'qi',
      'QI',
      'construction.backfill-layer',
      T0 + 7 * DAY,
      { layer: 3 },
      {
        parents: [backdated],
        loggedAfterMs: -2 * HOUR,
      },
    );
    const v = verifyBundle(await s.bundle(), { profile: testProfile });
    // Its block could only be cut after its parent's, so it is also recorded late.
    expect(codesOf(v, backdated)).toContain('TRACE_TIME_PARENT');
    expect(codesOf(v, future)).toContain('TRACE_TIME_CHECKPOINT');
    const early = verifyBundle(await s.bundle(), { profile: testProfile, asOf: T0 + 6 * DAY });
    expect(codesOf(early, future)).toContain('TRACE_TIME_FUTURE');
  });

  it('judges authority at the entry position: a revoked operator, earlier entries still valid', async () => {
    const s = segment();
    const revocation = signEntry(
      buildEntry({
        network: s.net.network,
        org: 'contractor',
        object: 'operator:qi',
        kind: 'org.operator-revoked',
        time: T0 + 5 * DAY + HOUR,
        signer: keyOf('contractor node'),
        role: 'ORG',
        body: revocationBody({ operator: keyOf('qi'), reason: 'left the company' }),
      }),
      seedOf('contractor node'),
    );
    s.net.log('contractor', [revocation.envelope], T0 + 5 * DAY + HOUR);
    const after = s.net.write(
      'qi',
      'QI',
      'construction.backfill-layer',
      T0 + 5 * DAY + 2 * HOUR,
      { layer: 2 },
      {
        parents: [s.ids.backfill as Uint8Array],
      },
    );
    const v = verifyBundle(await s.bundle(), { profile: testProfile });
    expect(codesOf(v, after)).toEqual(['OPERATOR_REVOKED']);
    expect(v.report.findings.find((f) => f.code === 'OPERATOR_REVOKED')?.message).toContain(
      'left the company',
    );
    for (const k of ['trench', 'laid', 'joint', 'attest', 'backfill']) {
      expect(v.report.entries.find((e) => e.id === toHex(s.ids[k] as Uint8Array))?.valid).toBe(true);
    }
    expect(v.trace?.operators.find((o) => o.name === '张三')?.endedAt).toBe(T0 + 5 * DAY + HOUR);
  });

  it('checks the role the profile permits for the kind', async () => {
    const s = segment();
    const wrong = s.net.write(
      'qi',
      'TL',
      'construction.backfill-layer',
      T0 + 6 * DAY,
      { layer: 2 },
      {
        parents: [s.ids.backfill as Uint8Array],
      },
    );
    const v = verifyBundle(await s.bundle(), { profile: testProfile });
    expect(codesOf(v, wrong)).toEqual(['ROLE_NOT_PERMITTED']);
    // Without the profile, the role table is unknown: the entry passes and the report says so.
    const bare = verifyBundle(await s.bundle());
    expect(codesOf(bare, wrong)).toEqual([]);
    expect(codesOf(bare)).toContain('TRACE_PROFILE_UNAVAILABLE');
  });

  it("reports the profile's findings with their clauses, against the entry", async () => {
    const net = new Network();
    net.appointAll();
    const design = net.write('des', 'DES', 'design.issued', T0, { dnMm: 600 });
    const joint = net.write(
      'qi',
      'QI',
      'construction.joint-made',
      T0 + DAY,
      { joint: 'J07' },
      { parents: [design] },
    );
    const backfill = net.write(
      'qi',
      'QI',
      'construction.backfill-layer',
      T0 + 2 * DAY,
      { layer: 1 },
      { parents: [joint] },
    );
    const v = verifyBundle(await assembleBundle(net.ledger, OBJECT), { profile: testProfile });
    const finding = v.report.findings.find((f) => f.code === 'T-COVER');
    expect(finding).toMatchObject({
      severity: 'error',
      clause: 'GB 55032-2022 §3.3.4',
      subject: { part: 'profile', entry: toHex(backfill) },
    });
    expect(v.report.verdict).toBe('failed');
    expect(v.report.entries.at(-1)?.findings).toEqual(['T-COVER']);
  });

  it('applies a witness policy given by the inspector', async () => {
    const s = segment();
    const bundle = await s.bundle();
    const anchor = { networkId: s.net.network };
    expect(
      verifyBundle(bundle, { anchor, profile: testProfile, witnessPolicy: { threshold: 4 } }).report.verdict,
    ).toBe('verified');
    const strict = verifyBundle(bundle, {
      profile: testProfile,
      witnessPolicy: { witnesses: ['lab'], threshold: 2 },
    });
    expect(codesOf(strict)).toContain('TRACE_WITNESS_POLICY');
    expect(strict.report.witnessing.covered).toBe(0);
  });

  it('lists missing attachments and cited entries as gaps', async () => {
    const s = segment();
    const bare = await assembleBundle(s.net.ledger, OBJECT);
    const anchor = { networkId: s.net.network };
    const v = verifyBundle(bare, { anchor, profile: testProfile });
    expect(v.report.verdict).toBe('verified');
    expect(v.report.gaps.attachments.map((a) => a.name).sort()).toEqual([
      'construction.trench-excavated-1.jpg',
      'inspection.hidden-works-accepted-1.jpg',
    ]);
    const withoutBatch = {
      ...bare,
      logs: bare.logs.map((l) =>
        l.org !== 'supervision' ? l : { ...l, entries: l.entries.filter((e) => !isBatch(e.envelope)) },
      ),
    };
    const w = verifyBundle(withoutBatch, { anchor, profile: testProfile });
    expect(w.report.gaps.citedEntries).toEqual([
      { entry: toHex(s.ids.laid as Uint8Array), cites: toHex(s.ids.batch as Uint8Array) },
    ]);
    expect(w.report.verdict).toBe('verified-with-warnings');
  });

  it('reports progress by phase', async () => {
    const phases = new Set<string>();
    verifyBundle(await segment().bundle(), { onProgress: (p) => phases.add(p.phase) });
    expect([...phases]).toEqual(['governance', 'entries', 'authority', 'rules']);
  });
});

function isBatch(envelope: Uint8Array): boolean {
  return new TextDecoder().decode(envelope).includes('material.batch-accepted');
}

describe('a domain profile through core’s Profile interface', () => {
  const fake = {
    id: 'pipe/1',
    objectTypes: [],
    kinds: [{ kind: 'construction.joint-made', stage: 'construction' }],
    rules: [
      {
        code: 'P-COVER',
        title: 'Cover only after acceptance',
        severity: 'error',
        standard: 'GB 55032-2022',
        clause: '§3.3.4',
        explanation: 'x',
        onAppend: 'flag',
        onAppendReason: 'x',
        deadline: false,
      },
    ],
    isKnownKind: () => true,
    objectTypeOf: () => 'segment',
    checkBody: () => ({ ok: true }),
    mayRoleSign: () => true,
    requiredCosigners: () => [],
    checkAppend: () => ({ ok: true, refusals: [], flags: [] }),
    evaluate: (input: {
      entries: readonly { id: Uint8Array }[];
      firstWitnessed?: ReadonlyMap<string, number>;
    }) => {
      const first = input.entries[0];
      return {
        findings: [
          {
            code: 'P-COVER',
            severity: 'error',
            entry: toHex(first?.id as Uint8Array),
            object: OBJECT,
            kind: 'k',
            message: 'covered',
            related: [],
          },
        ],
        unchecked: [{ code: 'P-EVIDENCE-TIME', reason: `${input.firstWitnessed?.size} witnessed` }],
      };
    },
    initialState: () => ({ n: 0, seen: new Set<string>() }),
    reduce: (state: { n: number; seen: Set<string> }, e: { id: Uint8Array }) => ({
      n: state.n + 1,
      seen: new Set([...state.seen, toHex(e.id)]),
    }),
    accountability: (input: { object: string }) => ({
      object: input.object,
      stages: [
        {
          stage: 'construction',
          leads: [{ party: 'contractor', role: 'PM', status: 'missing' }],
          signers: [
            {
              entry: 'aa',
              kind: 'k',
              role: 'QI',
              org: 'contractor',
              key: 'bb',
              time: 1,
              status: 'valid',
              name: '张三',
            },
          ],
        },
      ],
    }),
  } as unknown as Profile;

  it('maps findings, not-checkable rules, stages, accountability and the reducer', async () => {
    const hooks = hooksFromProfile(fake);
    const s = segment();
    const v = verifyBundle(await s.bundle(), { profile: hooks });
    const cover = v.report.findings.find((f) => f.code === 'P-COVER');
    expect(cover?.clause).toBe('GB 55032-2022 — §3.3.4');
    const unchecked = v.report.findings.find((f) => f.code === 'P-EVIDENCE-TIME');
    expect(unchecked).toMatchObject({ severity: 'warning', message: 'not checkable: 9 witnessed' });
    expect(v.report.entries.find((e) => e.kind === 'construction.joint-made')?.stage).toBe('construction');
    expect(v.report.accountability.stages[0]?.parties.map((p) => [p.kind, p.note ?? p.name])).toEqual([
      ['lead', 'missing'],
      ['signer', '张三'],
    ]);
    expect(
      hooks.reducer?.toJson?.(hooks.reducer.apply(hooks.reducer.initial(OBJECT), v.entries[0] as never)),
    ).toEqual({
      n: 1,
      seen: [v.entries[0]?.idHex],
    });
  });
});
