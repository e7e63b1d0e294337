/**
 * liuhen-inspect as a person runs it: a child process on bundle files (offline, with the network
 * taken away), against a node's bundle endpoint, with its exit codes 0/1/2 and typed error codes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@liuhen/core';
import { genesisToJson } from '@liuhen/governance';
import { generateScenario, incidentScenario } from '@liuhen/profile-pipe/scenario';
import {
  assembleBundle,
  decodeBundle,
  encodeBundle,
  formatBundleJson,
  type TraceReport,
} from '@liuhen/trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genesis, OBJECT, segment } from '../../../packages/trace/test/fixtures.ts';
import { scenarioLedger } from '../../../packages/trace/test/scenario-ledger.ts';
import { flip } from '../../../packages/trace/test/tamper.ts';
import { canUnshare, run } from './cli.ts';

const BIN = 'apps/inspector/bin/liuhen-inspect.js';
let dir: string;
let network: string;
let cleanBytes: Uint8Array;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-inspect-'));
  // A profile this inspector does not know, so the CLI's plumbing is tested apart from pipe/1's rules.
  const s = segment({ lateJoint: true, profile: 'test/1' });
  network = toHex(s.net.network);
  const bundle = await s.bundle();
  cleanBytes = encodeBundle(bundle);
  writeFileSync(file('late.bundle'), cleanBytes);
  writeFileSync(file('late.json'), formatBundleJson(bundle));
  writeFileSync(file('genesis.cbor'), s.net.genesisBytes);
  writeFileSync(file('genesis.json'), genesisToJson(genesis('test/1')));
  const tampered = decodeBundle(cleanBytes);
  const contractor = tampered.logs.find((l) => l.org === 'contractor');
  const victim = contractor?.entries.at(-1) as { envelope: Uint8Array };
  victim.envelope = flip(victim.envelope, -1);
  writeFileSync(file('tampered.bundle'), encodeBundle(tampered));
  writeFileSync(file('garbage.bundle'), cleanBytes.slice(0, 100));
});

describe('liuhen-inspect verify --bundle', () => {
  it('verifies offline (network taken away): verdict line first, parties, findings, witnesses, late, gaps', async () => {
    const r = await run(BIN, ['verify', OBJECT, '--bundle', file('late.bundle'), '--network-id', network], {
      offline: true,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^VERIFIED WITH WARNINGS: SZ-WS000123-WS000124#1 — 0 errors, \d+ warnings — 8\/8 entries valid/,
    );
    expect(r.stdout).toContain('Responsible parties');
    expect(r.stdout).toMatch(/张三 \(QI, licence LIC-QI\) — contractor: 4 entries/);
    expect(r.stdout).toMatch(
      /Warnings \(\d+\)\n {4}TRACE_PROFILE_UNAVAILABLE|TRACE_LATE_RECORDING {2}\[DESIGN §4/,
    );
    expect(r.stdout).toContain('Witness coverage\n  8 of 8 entries meet the witness policy');
    expect(r.stdout).toMatch(
      /Late recordings \(补录\)\n {2}#4 construction\.joint-made by 张三: claims .* \(\+72\.0 h\)/,
    );
    expect(r.stdout).toContain('Missing evidence');
    expect(canUnshare || process.platform !== 'linux').toBe(true);
  });

  it('takes the JSON form and a JSON genesis, and prints the report as JSON', async () => {
    const r = await run(BIN, [
      'verify',
      OBJECT,
      '--bundle',
      file('late.json'),
      '--genesis',
      file('genesis.json'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as TraceReport;
    expect(report.verdict).toBe('verified-with-warnings');
    expect(report.anchored).toBe(true);
    expect(report.entries).toHaveLength(8);
    expect(report.lateRecordings.length).toBeGreaterThan(0);
  });

  it('exits 1 at --fail-on warning when there are warnings', async () => {
    const r = await run(BIN, [
      'verify',
      OBJECT,
      '--bundle',
      file('late.bundle'),
      '--genesis',
      file('genesis.cbor'),
      '--fail-on',
      'warning',
    ]);
    expect(r.code).toBe(1);
  });

  it('exits 1 on a tampered bundle and names the part and the code', async () => {
    const r = await run(BIN, [
      'verify',
      OBJECT,
      '--bundle',
      file('tampered.bundle'),
      '--network-id',
      network,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^FAILED: /);
    expect(r.stdout).toMatch(
      /TRACE_ENTRY_SIGNATURE {2}\[protocol §3, §4\] {2}entry · #8 construction\.backfill-layer · contractor\/\d+/,
    );
  });

  it('exits 1 on an unreadable bundle, with its code', async () => {
    const r = await run(BIN, [
      'verify',
      OBJECT,
      '--bundle',
      file('garbage.bundle'),
      '--network-id',
      network,
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'failed', error: { code: 'BUNDLE_MALFORMED' } });
  });

  it('exits 1 when the bundle is of another network than the trusted one', async () => {
    const r = await run(BIN, [
      'verify',
      OBJECT,
      '--bundle',
      file('late.bundle'),
      '--network-id',
      '00'.repeat(32),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('TRACE_GENESIS_UNTRUSTED');
  });

  it('exits 2 on usage and environment errors', async () => {
    const noAnchor = await run(BIN, ['verify', OBJECT, '--bundle', file('late.bundle')]);
    expect(noAnchor.code).toBe(2);
    expect(noAnchor.stderr).toMatch(/^error USAGE: say what to trust/);
    const noSource = await run(BIN, ['verify', OBJECT, '--network-id', network]);
    expect(noSource.code).toBe(2);
    const missing = await run(BIN, [
      'verify',
      OBJECT,
      '--bundle',
      file('nope.bundle'),
      '--network-id',
      network,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error FILE_UNREADABLE/);
    const badTime = await run(BIN, [
      'verify',
      OBJECT,
      '--bundle',
      file('late.bundle'),
      '--network-id',
      network,
      '--as-of',
      'soon',
    ]);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/^error TIME_INVALID/);
    const badOption = await run(BIN, [
      'verify',
      OBJECT,
      '--bundle',
      file('late.bundle'),
      '--network-id',
      network,
      '--fail-on',
      'info',
    ]);
    expect(badOption.code).toBe(2);
  });
});

describe('liuhen-inspect verify on pipe/1 histories (the scenario generator, rules included)', () => {
  it('a clean segment verifies clean; the J07 leak preset fails with P-COVER against the backfill', async () => {
    for (const [name, scenario] of [
      ['clean', generateScenario({ segments: 3 })],
      ['joint-leak', incidentScenario('joint-leak')],
    ] as const) {
      const object = scenario.expected[0]?.object ?? (scenario.segments[0] as string);
      const bytes = encodeBundle(
        await assembleBundle(scenarioLedger(scenario), object, { attachments: true }),
      );
      writeFileSync(file(`${name}.bundle`), bytes);
      writeFileSync(file(`${name}.genesis`), scenario.genesisBytes);
      const asOf = String(scenario.asOf);
      const r = await run(BIN, [
        'verify',
        object,
        '--bundle',
        file(`${name}.bundle`),
        '--genesis',
        file(`${name}.genesis`),
        '--as-of',
        asOf,
      ]);
      if (name === 'clean') {
        // Clean but for the as-built accuracies, sealed away from an inspector without a key
        // (sealed.test.ts opens them).
        expect(r.stdout.split('\n')[0]).toMatch(/^VERIFIED WITH WARNINGS: seg:.* — 0 errors, 1 warning —/);
        expect(r.stdout).toContain('not checkable at this clearance');
        expect(r.code).toBe(0);
      } else {
        expect(r.code).toBe(1);
        const expected = scenario.expected[0];
        expect(r.stdout).toMatch(/^FAILED: /);
        expect(r.stdout).toContain(`P-COVER  [GB 55032`);
        expect(r.stdout).toContain(`entry ${expected?.entry.slice(0, 12)}`);
      }
    }
  }, 120_000);
});

describe('liuhen-inspect bundle and explain', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const expected = `/v1/objects/${encodeURIComponent(OBJECT)}/bundle`;
      if (request.url === expected && request.headers.authorization === 'Bearer secret') {
        response.writeHead(200, { 'content-type': 'application/cbor' }).end(Buffer.from(cleanBytes));
      } else {
        response
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no entries for ${request.url}` } }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('writes the bundle a node exports, byte for byte', async () => {
    const r = await run(BIN, ['bundle', OBJECT, '--node', url, '--out', file('exported.bundle'), '--json'], {
      env: { LIUHEN_TOKEN: 'secret' },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ object: OBJECT, logs: 3 });
    expect(new Uint8Array(readFileSync(file('exported.bundle')))).toEqual(cleanBytes);
    const verified = await run(BIN, [
      'verify',
      OBJECT,
      '--node',
      url,
      '--token',
      'secret',
      '--network-id',
      network,
    ]);
    expect(verified.code).toBe(0);
  });

  it("passes on the node's refusal as an environment error with its code", async () => {
    const r = await run(BIN, [
      'bundle',
      'no-such-object',
      '--node',
      url,
      '--token',
      'secret',
      '--out',
      file('x.bundle'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error NOT_FOUND: the node answered: no entries/);
    const down = await run(BIN, [
      'bundle',
      OBJECT,
      '--node',
      'http://127.0.0.1:9',
      '--out',
      file('y.bundle'),
    ]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^error NODE_UNREACHABLE/);
  });

  it('explains a code, and refuses an unknown one', async () => {
    const r = await run(BIN, ['explain', 'TRACE_WITNESS_POLICY']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^TRACE_WITNESS_POLICY — Below the witness policy\nseverity: error\nclause: {3}DESIGN §4/,
    );
    const authority = await run(BIN, ['explain', 'OPERATOR_REVOKED', '--json']);
    expect(JSON.parse(authority.stdout)).toMatchObject({ code: 'OPERATOR_REVOKED', severity: 'error' });
    const unknown = await run(BIN, ['explain', 'NO_SUCH_RULE']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error UNKNOWN_RULE/);
  });
});
