/**
 * liuhen-replay on a bundle holding a sealed entry (sealed-segment.ts), as a child process. A
 * reader without a key sees the entry marked restricted — sealed to whom, and why not shown — in
 * the timeline, the walk, the state at T (which says what it lacks), the JSON and the HTML file,
 * and the sealed plaintext appears in none of them. A reader of a recipient org with its key file
 * (the node's keystore format) sees the fields, in the state too, and so does an org given access
 * by a later grant; a wrong key or another org does not, and says why.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptionPublicKey, sealSeed, writeKeyFile } from '@liuhen/node';
import { encodeBundle } from '@liuhen/trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { OBJECT } from '../../../packages/trace/test/fixtures.ts';
import { run } from '../../inspector/test/cli.ts';
import { GRANTED_TO, SEALED_AT, SECRETS, sealedSegment, secretOf } from './sealed-segment.ts';

const BIN = 'apps/replay/bin/liuhen-replay.js';
const PASSPHRASE = 'replay test passphrase';
const MARKER = '[restricted: sealed to contractor, supervision]';
const AFTER = new Date(SEALED_AT + 3_600_000).toISOString();
let dir: string;
let bundle: string;
const file = (name: string) => join(dir, name);

const withKey = (org: string, key: string, ...args: string[]) =>
  run(
    BIN,
    [OBJECT, '--bundle', bundle, '--org', org, '--clearance', 'restricted', '--encryption-key', key, ...args],
    { env: { LIUHEN_PASSPHRASE: PASSPHRASE } },
  );

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-replay-sealed-'));
  bundle = file('sealed.bundle');
  writeFileSync(bundle, encodeBundle(await sealedSegment().bundle()));
  for (const org of ['contractor', 'supervision', GRANTED_TO] as const)
    writeKeyFile(
      file(`${org}.key.json`),
      sealSeed(secretOf(org), PASSPHRASE, 'org encryption key', encryptionPublicKey),
    );
});

describe('liuhen-replay and a sealed entry', () => {
  it('the timeline, the walk and the state at T show it restricted, and never its plaintext', async () => {
    const r = await run(BIN, [OBJECT, '--bundle', bundle, '--at', AFTER], { offline: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /9\s+2024-05-12 01:00\s+contractor\s+张三 \(QI\)\s+construction\.as-built-survey\s+method=RTK surveyor=Li Wei pointCount=2\s+\[restricted: sealed to contractor, supervision\]/,
    );
    expect(r.stdout).toContain(
      [
        'Restricted content (reader: no org, internal clearance, no decryption key)',
        '  #9 construction.as-built-survey: restricted: sealed to contractor, supervision',
        '    sealed fields not shown — clearance: the sealed fields are restricted; the reader is cleared for internal (CLEARANCE_TOO_LOW)',
      ].join('\n'),
    );
    expect(r.stdout).toContain(
      '  not in this state (restricted to this reader):\n    #9 construction.as-built-survey (2024-05-12 01:00): restricted: sealed to contractor, supervision',
    );
    expectNoSecret(r.stdout);

    const step = await run(BIN, [OBJECT, '--bundle', bundle, '--step', '--diff', '8..9']);
    expect(step.code).toBe(0);
    expect(step.stdout.split('\n').filter((l) => l.endsWith(MARKER))).toHaveLength(1);
    expectNoSecret(step.stdout);
  }, 120_000);

  it('--json names the restricted entries and what the state at T lacks', async () => {
    const r = await run(BIN, [OBJECT, '--bundle', bundle, '--at', AFTER, '--step', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const sealed = out.report.entries[8];
    expect(out.reader).toEqual({ org: null, clearance: 'internal' });
    expect(out.restricted).toEqual([
      {
        step: 9,
        entry: sealed.id,
        kind: 'construction.as-built-survey',
        time: SEALED_AT,
        withheld: [],
        sealed: {
          recipients: ['contractor', 'supervision'],
          // Grants are consulted only for a reader with a key.
          granted: [],
          restricted: true,
          reason: 'clearance',
          code: 'CLEARANCE_TOO_LOW',
          detail: 'the sealed fields are restricted; the reader is cleared for internal',
        },
      },
    ]);
    expect(out.at.missing).toEqual([sealed.id]);
    expectNoSecret(r.stdout);
  }, 120_000);

  it('--html marks it in the timeline table, lists it with the reason, and says what the state lacks', async () => {
    const r = await run(BIN, [OBJECT, '--bundle', bundle, '--at', AFTER, '--html', file('sealed.html')]);
    expect(r.code).toBe(0);
    const html = readFileSync(file('sealed.html'), 'utf8');
    const badge = '<span class="restricted">restricted: sealed to contractor, supervision</span>';
    // The timeline row, the restricted-content table and the state's list.
    expect(html.split(badge)).toHaveLength(4);
    expect(html).toMatch(/<g class="entry" data-step="9" data-restricted="true">/);
    expect(html).toContain('<table id="restricted">');
    expect(html).toContain(
      'sealed fields not shown — clearance: the sealed fields are restricted; the reader is cleared for internal (CLEARANCE_TOO_LOW)',
    );
    expect(html).toMatch(/<ul id="state-restricted"><li>#9 <code>construction\.as-built-survey<\/code>/);
    expectNoSecret(html);
    expect(html).not.toMatch(/:\/\/|<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import/i);
  }, 120_000);

  it("a recipient org's key shows the sealed fields, in the state too; the marker says they were unsealed", async () => {
    const r = await withKey(
      'supervision',
      file('supervision.key.json'),
      '--at',
      AFTER,
      '--html',
      file('cleared.html'),
    );
    expect(r.code).toBe(0);
    // With a key the object's grants count: the lab, given access later, is named too.
    expect(r.stdout).toContain('[unsealed: sealed to contractor, supervision, lab (by grant)]');
    expect(r.stdout).toContain(
      'Restricted content (reader: org supervision, restricted clearance, 1 decryption key)',
    );
    expect(r.stdout).toContain('    sealed fields shown: opened with a key of supervision');
    expect(r.stdout).not.toContain('not in this state');
    // The state at T carries the unsealed fields: this is what every other test must not show.
    const state = r.stdout.slice(r.stdout.indexOf('State at'));
    for (const secret of SECRETS.slice(0, 4)) expect(state).toContain(secret);
    expect(readFileSync(file('cleared.html'), 'utf8')).toContain('SECRET-MARKER-7f3a');

    // The lab holds no wrap of the section itself, only the contractor's later grant.
    const granted = await withKey('lab', file('lab.key.json'), '--at', AFTER);
    expect(granted.code).toBe(0);
    expect(granted.stdout).toContain('[unsealed: sealed to contractor, supervision, lab (by grant)]');
    expect(granted.stdout).toContain('"note": "SECRET-MARKER-7f3a');
  }, 120_000);

  it('a key that opens no wrap, an org that holds none, or a clearance below restricted shows it restricted, with why', async () => {
    const wrong = await withKey('supervision', file('contractor.key.json'));
    expect(wrong.code).toBe(0);
    expect(wrong.stdout).toContain('[restricted: sealed to contractor, supervision, lab (by grant)]');
    expect(wrong.stdout).toContain(
      'wrong-key: entry 3509715a7b29710ad2d64bfa2c8c416292b5f9e604475cb1ce16ffa62875a676: no key given matches a wrapped key of "supervision" (SEAL_WRONG_KEY)',
    );
    expectNoSecret(wrong.stdout);

    const stranger = await withKey('design', file('contractor.key.json'));
    expect(stranger.stdout).toContain('not-recipient: "design" holds no wrapped key (SEAL_NOT_RECIPIENT)');
    expectNoSecret(stranger.stdout);

    const low = await run(
      BIN,
      [OBJECT, '--bundle', bundle, '--org', 'supervision', '--encryption-key', file('supervision.key.json')],
      { env: { LIUHEN_PASSPHRASE: PASSPHRASE } },
    );
    expect(low.stdout).toContain(
      'clearance: the sealed fields are restricted; the reader is cleared for internal',
    );
    expectNoSecret(low.stdout);

    const open = await run(BIN, [OBJECT, '--bundle', bundle, '--clearance', 'public']);
    expect(open.stdout).toContain(
      '[restricted: sealed to contractor, supervision; withheld: method, pointCount, surveyor]',
    );
    expect(open.stdout).not.toContain('surveyor=Li Wei');
  }, 120_000);

  it('exits 2 on a key it cannot use', async () => {
    const locked = await run(
      BIN,
      [OBJECT, '--bundle', bundle, '--org', 'supervision', '--encryption-key', file('supervision.key.json')],
      { env: { LIUHEN_PASSPHRASE: 'not the passphrase' } },
    );
    expect(locked.code).toBe(2);
    expect(locked.stderr).toMatch(/^error KEYSTORE_LOCKED: cannot unlock the encryption key/);
    const orgless = await run(BIN, [
      OBJECT,
      '--bundle',
      bundle,
      '--encryption-key',
      file('supervision.key.json'),
    ]);
    expect(orgless.code).toBe(2);
    expect(orgless.stderr).toContain('--encryption-key needs --org');
    const clearance = await run(BIN, [OBJECT, '--bundle', bundle, '--clearance', 'secret']);
    expect(clearance.code).toBe(2);
    expect(clearance.stderr).toMatch(/^error USAGE: --clearance wants public, internal or restricted/);
  }, 120_000);
});
