/**
 * Sealed sections in verification (DESIGN §11): the scenario generator seals every restricted
 * field, as a department node does. Without a reader that opens them, integrity still verifies in
 * full and a rule that needs a sealed field is reported "not checkable at this clearance", never
 * as passed; with the org's key it passes or fails on the unsealed values. A section that does
 * not open (AEAD failure) and a key that is not the one wrapped to are findings against the entry.
 */
import { toHex } from '@liuhen/core';
import { pipeProfile } from '@liuhen/profile-pipe';
import { generateScenario, incidentScenario, type Scenario } from '@liuhen/profile-pipe/scenario';
import { describe, expect, it } from 'vitest';
import {
  assembleBundle,
  type Finding,
  hooksFromProfile,
  type MemoryLedger,
  type SealedReader,
  verifyBundle,
} from '../src/index.ts';
import { forgeSurvey, grantAccess } from './forged-sealed.ts';
import { scenarioLedger } from './scenario-ledger.ts';

const profile = hooksFromProfile(pipeProfile);
const s = generateScenario({ segments: 3, years: 1, patrolsPerYear: 1 });
const SEGMENT = s.segments[2] as string;
function keyOf(scenario: Scenario, org: string) {
  const key = scenario.orgs.find((o) => o.id === org)?.encryptionKey;
  if (key === undefined) throw new Error(`no org ${org}`);
  return key;
}
const key = (org: string) => keyOf(s, org);

async function verify(scenario: Scenario, object: string, reader?: SealedReader, ledger?: MemoryLedger) {
  const bundle = await assembleBundle(ledger ?? scenarioLedger(scenario), object, { attachments: true });
  return verifyBundle(bundle, {
    object,
    anchor: { genesis: scenario.genesisBytes },
    profile,
    asOf: scenario.asOf,
    ...(reader === undefined ? {} : { reader }),
  });
}

const survey = (scenario: Scenario, object: string) =>
  toHex(
    scenario.entries.find((e) => e.entry.object === object && e.entry.kind === 'survey.as-built')
      ?.id as Uint8Array,
  );
const codes = (findings: readonly Finding[]) => findings.map((f) => `${f.severity} ${f.code}`);

describe('a rule that needs a restricted field', () => {
  it('is not checkable at this clearance for an uncleared inspector, and integrity still verifies', async () => {
    const { report } = await verify(s, SEGMENT);
    expect(report.summary.validEntries).toBe(report.summary.entries);
    expect(codes(report.findings)).toEqual(['warning P-ASBUILT']);
    const [finding] = report.findings;
    expect(finding?.subject.entry).toBe(survey(s, SEGMENT));
    expect(finding?.message).toMatch(
      /^not checkable at this clearance: planAccuracyMm, heightAccuracyMm of survey\.as-built [0-9a-f]{12}/,
    );
    expect(report.verdict).toBe('verified-with-warnings');
    const entry = report.entries.find((e) => e.id === survey(s, SEGMENT));
    expect(entry?.sealed).toMatchObject({ opened: false, reason: 'clearance', code: 'CLEARANCE_TOO_LOW' });
    expect(entry?.sealed?.recipients).toContain('owner');
    expect(entry?.body).not.toHaveProperty('planAccuracyMm');
    expect(report.reader).toBeUndefined();
  });

  it('passes for a cleared inspector whose org key opens the survey', async () => {
    const { report } = await verify(s, SEGMENT, {
      org: 'owner',
      clearance: 'restricted',
      keys: key('owner'),
    });
    expect(codes(report.findings)).toEqual([]);
    expect(report.verdict).toBe('verified');
    expect(report.reader).toEqual({ org: 'owner', clearance: 'restricted' });
    const entry = report.entries.find((e) => e.id === survey(s, SEGMENT));
    expect(entry?.sealed).toMatchObject({ opened: true });
    expect(entry?.sealed?.fields).toMatchObject({ planAccuracyMm: expect.any(Number) });
  });

  it('fails for a cleared inspector when the unsealed accuracies break it (the poor survey of incident 5)', async () => {
    const strike = incidentScenario('live-decommissioned-strike', { patrolsPerYear: 1 });
    const main = strike.expected.find((e) => e.code === 'P-ASBUILT');
    if (main === undefined) throw new Error('the preset plants no poor survey');
    const archive = { org: 'archive', clearance: 'restricted', keys: keyOf(strike, 'archive') } as const;
    const cleared = (await verify(strike, main.object, archive)).report;
    const asBuilt = cleared.findings.filter((f) => f.code === 'P-ASBUILT');
    expect(asBuilt.map((f) => [f.severity, f.subject.entry])).toEqual([['error', main.entry]]);
    expect(asBuilt[0]?.message).toBe(
      'the as-built survey is not accurate enough to locate the pipe: plan accuracy 300 mm (at most 50), elevation accuracy 150 mm (at most 30)',
    );
    const uncleared = (await verify(strike, main.object)).report.findings.filter(
      (f) => f.code === 'P-ASBUILT',
    );
    expect(uncleared.map((f) => [f.severity, f.subject.entry])).toEqual([['warning', main.entry]]);
    expect(uncleared[0]?.message).toMatch(/^not checkable at this clearance/);
  }, 120_000);

  it('stays not checkable below restricted clearance, or for an org the survey is not sealed to', async () => {
    for (const reader of [
      { org: 'owner', clearance: 'internal', keys: key('owner') },
      { org: 'lab', clearance: 'restricted', keys: key('lab') },
    ] as const) {
      const { report } = await verify(s, SEGMENT, reader);
      expect(codes(report.findings)).toEqual(['warning P-ASBUILT']);
      const entry = report.entries.find((e) => e.id === survey(s, SEGMENT));
      expect(entry?.sealed?.reason).toBe(reader.org === 'lab' ? 'not-recipient' : 'clearance');
    }
  });
});

describe('a grant', () => {
  it('lets an org the survey was not sealed to read it, and the rule is judged for it', async () => {
    const ledger = scenarioLedger(s);
    const grant = grantAccess(s, ledger, survey(s, SEGMENT), 'owner', 'lab');
    const lab = { org: 'lab', clearance: 'restricted', keys: key('lab') } as const;
    const { report } = await verify(s, SEGMENT, lab, ledger);
    expect(report.entries.find((e) => e.id === grant)?.valid).toBe(true);
    const entry = report.entries.find((e) => e.id === survey(s, SEGMENT));
    expect(entry?.sealed).toMatchObject({ opened: true });
    expect(entry?.sealed?.recipients).toContain('lab');
    expect(codes(report.findings)).toEqual([]);
  });
});

describe('sealed sections that do not open', () => {
  it('a wrong key: reported against each sealed entry with SEAL_WRONG_KEY, the rules not checkable', async () => {
    const { report } = await verify(s, SEGMENT, { org: 'owner', clearance: 'restricted', keys: key('lab') });
    const sealed = report.entries.filter((e) => e.sealed !== undefined);
    expect(sealed.length).toBeGreaterThan(0);
    const wrong = report.findings.filter((f) => f.code === 'TRACE_SEALED_KEY');
    expect(wrong.map((f) => f.subject.entry).sort()).toEqual(sealed.map((e) => e.id).sort());
    expect(wrong.every((f) => f.severity === 'warning' && f.cause === 'SEAL_WRONG_KEY')).toBe(true);
    expect(report.findings.filter((f) => f.code === 'P-ASBUILT').map((f) => f.severity)).toEqual(['warning']);
    expect(report.verdict).toBe('verified-with-warnings');
  });

  it('an altered ciphertext under a valid signature: an AEAD failure reported against that entry', async () => {
    const ledger = scenarioLedger(s);
    const forged = forgeSurvey(s, ledger, SEGMENT);
    const { report } = await verify(
      s,
      SEGMENT,
      { org: 'owner', clearance: 'restricted', keys: key('owner') },
      ledger,
    );
    const failed = report.findings.filter((f) => f.code === 'TRACE_SEALED_UNREADABLE');
    expect(failed.map((f) => [f.severity, f.cause, f.subject.entry])).toEqual([
      ['error', 'SEAL_AEAD_FAILED', forged],
    ]);
    expect(failed[0]?.message).toContain(forged);
    // Nothing else is lost: the entry is valid evidence, and the honest survey still opens.
    const entry = report.entries.find((e) => e.id === forged);
    expect(entry).toMatchObject({ valid: true, sealed: { opened: false, reason: 'unreadable' } });
    expect(report.entries.find((e) => e.id === survey(s, SEGMENT))?.sealed?.opened).toBe(true);
    const rules = report.findings.filter((f) => f.code === 'P-ASBUILT');
    expect(rules.map((f) => [f.severity, f.subject.entry])).toEqual([['warning', forged]]);
    expect(report.verdict).toBe('failed');
  });

  it('restricted fields in plain in an entry classified restricted: a structural error the inspector flags', async () => {
    const ledger = scenarioLedger(s);
    const plain = forgeSurvey(s, ledger, SEGMENT, 'plain');
    const { report } = await verify(s, SEGMENT, undefined, ledger);
    const flagged = report.findings.filter((f) => f.code === 'PIPE_CLASSIFICATION');
    expect(flagged.map((f) => [f.severity, f.subject.entry])).toEqual([['error', plain]]);
    expect(flagged[0]?.message).toMatch(
      /^body\.points, body\.planAccuracyMm, body\.heightAccuracyMm are restricted/,
    );
    expect(report.verdict).toBe('failed');
  });
});
