/**
 * liuhen-replay as a review board runs it: a child process on bundle files — the terminal
 * timeline, the state and what was known at a time, a walk, a diff, JSON, and the self-contained
 * HTML incident file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@liuhen/core';
import { incidentScenario } from '@liuhen/profile-pipe/scenario';
import { assembleBundle, encodeBundle } from '@liuhen/trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { DAY, OBJECT, segment, T0 } from '../../../packages/trace/test/fixtures.ts';
import { scenarioLedger } from '../../../packages/trace/test/scenario-ledger.ts';
import { run } from '../../inspector/test/cli.ts';

const BIN = 'apps/replay/bin/liuhen-replay.js';
let dir: string;
let network: string;
let joint: string;
const file = (name: string) => join(dir, name);
const AT = new Date(T0 + 4 * DAY + 3 * 3_600_000).toISOString();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-replay-'));
  const s = segment({ lateJoint: true, profile: 'test/1' });
  network = toHex(s.net.network);
  joint = toHex(s.ids.joint as Uint8Array);
  writeFileSync(file('late.bundle'), encodeBundle(await s.bundle()));
});

describe('liuhen-replay', () => {
  it('prints the timeline: time, org, person and role, kind, key values, findings, late recordings', async () => {
    const r = await run(BIN, [OBJECT, '--bundle', file('late.bundle'), '--network-id', network], {
      offline: true,
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`${OBJECT} — 8 entries, verdict verified-with-warnings`);
    expect(r.stdout).toMatch(
      /4\s+2024-05-09 02:00\s+contractor\s+张三 \(QI\)\s+construction\.joint-made\s+joint=J07 gasketChecked=true\s+! TRACE_LATE_RECORDING\s+LATE \+72\.0h/,
    );
    expect(r.stdout).toContain('  [inspection]');
  });

  it('--at: the timeline marked at T, the state then, and what was known then', async () => {
    const r = await run(BIN, [OBJECT, '--bundle', file('late.bundle'), '--at', AT]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('---- 2024-05-10 04:00');
    expect(r.stdout).toContain('State at 2024-05-10 04:00 (7 of 8 entries claim a time by then)');
    expect(r.stdout).toContain('"construction.joint-made": 1');
    expect(r.stdout).toMatch(
      /What was known at 2024-05-10 04:00\n {2}7 entries claim a time by then; 4 had been witnessed\n {2}recorded only later \(补录\):\n {4}#4 construction\.joint-made/,
    );
  });

  it('--diff A..B and --step', async () => {
    const diff = await run(BIN, [OBJECT, '--bundle', file('late.bundle'), '--diff', '3..5']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(
      /Changes from step 3 to step 5\n(.*\n)* {2}\+ \/kinds\/inspection\.hidden-works-accepted = 1/,
    );
    const step = await run(BIN, [OBJECT, '--bundle', file('late.bundle'), '--step']);
    expect(step.code).toBe(0);
    expect(step.stdout.match(/^ {2}\d {2}2024-05/gm)).toHaveLength(8);
    expect(step.stdout).toContain('~ /entries: 4 → 5');
  });

  it('--json carries the report, the state at T, the walk and the diff', async () => {
    const r = await run(BIN, [
      OBJECT,
      '--bundle',
      file('late.bundle'),
      '--at',
      AT,
      '--step',
      '--diff',
      '0..8',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.report.entries).toHaveLength(8);
    expect(out.at.steps).toBe(7);
    expect(out.at.known.recordedLater).toContain(joint);
    expect(out.steps).toHaveLength(8);
    expect(out.diff.changes.length).toBeGreaterThan(0);
  });

  it('--html writes one self-contained file: timeline figure, state, parties, findings, hashes, no URL', async () => {
    const r = await run(BIN, [
      OBJECT,
      '--bundle',
      file('late.bundle'),
      '--at',
      AT,
      '--html',
      file('incident.html'),
    ]);
    expect(r.code).toBe(0);
    const html = readFileSync(file('incident.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toMatch(/<svg id="timeline"/);
    expect(html.match(/<g class="entry"/g)).toHaveLength(8);
    expect(html).toContain('补录 late +72h');
    expect(html).toContain('<pre id="state">');
    expect(html).toContain('Responsible parties');
    expect(html).toContain('TRACE_LATE_RECORDING');
    expect(html).toContain(joint);
    // Nothing that could make a browser fetch anything.
    expect(html).not.toMatch(/:\/\/|<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import/i);
  });

  it('an incident preset: the J07 leak, failing verification on P-COVER, shown in the HTML', async () => {
    const scenario = incidentScenario('joint-leak');
    const expected = scenario.expected[0];
    const object = expected?.object as string;
    writeFileSync(
      file('leak.bundle'),
      encodeBundle(await assembleBundle(scenarioLedger(scenario), object, { attachments: true })),
    );
    const r = await run(BIN, [object, '--bundle', file('leak.bundle'), '--html', file('leak.html')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('verification FAILED');
    const html = readFileSync(file('leak.html'), 'utf8');
    expect(html).toContain('P-COVER');
    expect(html).toContain('GB 55032');
  }, 120_000);

  it('exits 2 on usage errors', async () => {
    expect((await run(BIN, [OBJECT, '--bundle', file('late.bundle'), '--diff', '3-5'])).code).toBe(2);
    expect((await run(BIN, [OBJECT])).code).toBe(2);
    expect((await run(BIN, [OBJECT, '--bundle', file('late.bundle'), '--at', 'noon'])).stderr).toMatch(
      /^error TIME_INVALID/,
    );
  });
});
