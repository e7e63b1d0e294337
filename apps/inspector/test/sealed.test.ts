/**
 * liuhen-inspect on a bundle holding sealed entries (DESIGN §11), as a child process: without a
 * key a rule that needs a restricted field is "not checkable at this clearance"; a cleared
 * inspector (org, clearance restricted, the org's encryption key file as the node stores it)
 * judges it on the unsealed values; a wrong key, a wrong passphrase and an altered ciphertext
 * each come out cleanly with their codes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@liuhen/core';
import { encryptionPublicKey, sealSeed, writeKeyFile } from '@liuhen/node';
import { generateScenario, incidentScenario, type Scenario } from '@liuhen/profile-pipe/scenario';
import { assembleBundle, encodeBundle, type MemoryLedger, type TraceReport } from '@liuhen/trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { forgeSurvey } from '../../../packages/trace/test/forged-sealed.ts';
import { scenarioLedger } from '../../../packages/trace/test/scenario-ledger.ts';
import { run } from './cli.ts';

const BIN = 'apps/inspector/bin/liuhen-inspect.js';
const PASSPHRASE = 'inspector test passphrase';
const env = { LIUHEN_PASSPHRASE: PASSPHRASE };
let dir: string;
const file = (name: string) => join(dir, name);

const s = generateScenario({ segments: 3, years: 1, patrolsPerYear: 1 });
const SEGMENT = s.segments[2] as string;
const surveyOf = (scenario: Scenario, object: string) =>
  toHex(
    scenario.entries.find((e) => e.entry.object === object && e.entry.kind === 'survey.as-built')
      ?.id as Uint8Array,
  );

/** The org's encryption key as `liuhen-node encryption-key new` stores it. */
function keyFile(scenario: Scenario, org: string, name: string): string {
  const key = scenario.orgs.find((o) => o.id === org)?.encryptionKey;
  if (key === undefined) throw new Error(`no org ${org}`);
  const path = file(name);
  writeKeyFile(path, sealSeed(key.secretKey, PASSPHRASE, 'org encryption key', encryptionPublicKey));
  return path;
}

async function writeBundle(scenario: Scenario, object: string, name: string, ledger?: MemoryLedger) {
  const bundle = await assembleBundle(ledger ?? scenarioLedger(scenario), object, { attachments: true });
  writeFileSync(file(`${name}.bundle`), encodeBundle(bundle));
  writeFileSync(file(`${name}.genesis`), scenario.genesisBytes);
}

const verify = (name: string, object: string, asOf: number, extra: readonly string[] = []) =>
  run(
    BIN,
    [
      'verify',
      object,
      '--bundle',
      file(`${name}.bundle`),
      '--genesis',
      file(`${name}.genesis`),
      '--as-of',
      String(asOf),
      ...extra,
    ],
    { env },
  );

const owner = () => ['--org', 'owner', '--clearance', 'restricted', '--encryption-key', file('owner.json')];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-inspect-sealed-'));
  keyFile(s, 'owner', 'owner.json');
  keyFile(s, 'lab', 'lab.json');
  await writeBundle(s, SEGMENT, 'clean');
}, 120_000);

describe('liuhen-inspect verify on sealed entries', () => {
  it('without a key: the sealed accuracies are not checkable at this clearance, never passed', async () => {
    const r = await verify('clean', SEGMENT, s.asOf);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^VERIFIED WITH WARNINGS: seg:.* — 0 errors, 1 warning/);
    expect(r.stdout).toMatch(/read as any node \(internal\): 0 of \d+ sealed entries opened \(--org/);
    expect(r.stdout).toMatch(
      /P-ASBUILT {2}\[.*\] {2}profile · #\d+ survey\.as-built .*\n {6}not checkable at this clearance: planAccuracyMm, heightAccuracyMm of survey\.as-built/,
    );
    const json = await verify('clean', SEGMENT, s.asOf, ['--json']);
    const report = JSON.parse(json.stdout) as TraceReport;
    expect(report.findings.map((f) => [f.code, f.subject.entry])).toEqual([
      ['P-ASBUILT', surveyOf(s, SEGMENT)],
    ]);
  });

  it("with the owner's key, cleared for restricted: the survey opens and the rule passes", async () => {
    const r = await verify('clean', SEGMENT, s.asOf, owner());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^VERIFIED: seg:.* — 0 errors, 0 warnings/);
    expect(r.stdout).toMatch(/read as owner at clearance restricted: (\d+) of \1 sealed entries opened\n/);
    const report = JSON.parse(
      (await verify('clean', SEGMENT, s.asOf, [...owner(), '--json'])).stdout,
    ) as TraceReport;
    expect(report.reader).toEqual({ org: 'owner', clearance: 'restricted' });
    expect(report.entries.find((e) => e.id === surveyOf(s, SEGMENT))?.sealed).toMatchObject({
      opened: true,
      fields: { planAccuracyMm: expect.any(Number), heightAccuracyMm: expect.any(Number) },
    });
  });

  it('with a key, the rule fails on unsealed values that break it (incident 5’s poor survey)', async () => {
    const strike = incidentScenario('live-decommissioned-strike', { patrolsPerYear: 1 });
    const poor = strike.expected.find((e) => e.code === 'P-ASBUILT');
    if (poor === undefined) throw new Error('no poor survey planted');
    await writeBundle(strike, poor.object, 'strike');
    keyFile(strike, 'archive', 'strike-archive.json');
    const cleared = await verify('strike', poor.object, strike.asOf, [
      '--org',
      'archive',
      '--clearance',
      'restricted',
      '--encryption-key',
      file('strike-archive.json'),
      '--json',
    ]);
    expect(cleared.code).toBe(1);
    const report = JSON.parse(cleared.stdout) as TraceReport;
    const asBuilt = report.findings.filter((f) => f.code === 'P-ASBUILT');
    expect(asBuilt.map((f) => [f.severity, f.subject.entry])).toEqual([['error', poor.entry]]);
    expect(asBuilt[0]?.message).toMatch(/plan accuracy 300 mm \(at most 50\)/);
    const uncleared = JSON.parse(
      (await verify('strike', poor.object, strike.asOf, ['--json'])).stdout,
    ) as TraceReport;
    expect(uncleared.findings.filter((f) => f.code === 'P-ASBUILT').map((f) => f.severity)).toEqual([
      'warning',
    ]);
  }, 120_000);

  it('a clearance below restricted opens nothing, even with the key', async () => {
    const r = await verify('clean', SEGMENT, s.asOf, [
      '--org',
      'owner',
      '--clearance',
      'internal',
      '--encryption-key',
      file('owner.json'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/read as owner at clearance internal: 0 of \d+ sealed entries opened\n/);
    expect(r.stdout).toContain('not checkable at this clearance');
  });

  it('a wrong key: TRACE_SEALED_KEY against each sealed entry, SEAL_WRONG_KEY, nothing opened', async () => {
    const r = await verify('clean', SEGMENT, s.asOf, [
      '--org',
      'owner',
      '--clearance',
      'restricted',
      '--encryption-key',
      file('lab.json'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as TraceReport;
    const sealed = report.entries.filter((e) => e.sealed !== undefined).map((e) => e.id);
    const wrong = report.findings.filter((f) => f.code === 'TRACE_SEALED_KEY');
    expect(wrong.map((f) => f.subject.entry).sort()).toEqual([...sealed].sort());
    expect(new Set(wrong.map((f) => `${f.severity} ${f.cause}`))).toEqual(
      new Set(['warning SEAL_WRONG_KEY']),
    );
  });

  it('an altered ciphertext: TRACE_SEALED_UNREADABLE (SEAL_AEAD_FAILED) against that entry, exit 1', async () => {
    const ledger = scenarioLedger(s);
    const forged = forgeSurvey(s, ledger, SEGMENT);
    await writeBundle(s, SEGMENT, 'forged', ledger);
    const r = await verify('forged', SEGMENT, s.asOf, owner());
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^FAILED: /);
    expect(r.stdout).toMatch(
      new RegExp(
        `TRACE_SEALED_UNREADABLE {2}\\[DESIGN §11; protocol §15\\.4\\] {2}entry · #\\d+ survey\\.as-built · survey/\\d+ · entry ${forged.slice(0, 12)}`,
      ),
    );
    const report = JSON.parse(
      (await verify('forged', SEGMENT, s.asOf, [...owner(), '--json'])).stdout,
    ) as TraceReport;
    expect(report.findings.find((f) => f.code === 'TRACE_SEALED_UNREADABLE')?.cause).toBe('SEAL_AEAD_FAILED');
    expect(report.summary.validEntries).toBe(report.summary.entries);
  });

  it('exits 2 on a key it cannot use: no org, a wrong passphrase, a missing file', async () => {
    const noOrg = await verify('clean', SEGMENT, s.asOf, ['--encryption-key', file('owner.json')]);
    expect(noOrg.code).toBe(2);
    expect(noOrg.stderr).toMatch(/^error USAGE: --encryption-key needs --org/);
    const locked = await run(
      BIN,
      ['verify', SEGMENT, '--bundle', file('clean.bundle'), '--genesis', file('clean.genesis'), ...owner()],
      { env: { LIUHEN_PASSPHRASE: 'not the passphrase' } },
    );
    expect(locked.code).toBe(2);
    expect(locked.stderr).toMatch(/^error KEYSTORE_LOCKED: cannot unlock the encryption key .*owner\.json/);
    const missing = await verify('clean', SEGMENT, s.asOf, [
      '--org',
      'owner',
      '--clearance',
      'restricted',
      '--encryption-key',
      file('nope.json'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error KEYSTORE_INVALID/);
    const badClearance = await verify('clean', SEGMENT, s.asOf, ['--clearance', 'secret']);
    expect(badClearance.code).toBe(2);
  });
});
