/**
 * The daemon's logs: structured JSON lines at the level asked for, and no secret in them. A real
 * `liuhen-node start` child process (with replication configured) runs at the most verbose level
 * while the test appends, uploads, sends a wrong token, a forged envelope and a bad request,
 * scrapes metrics and takes an online backup; everything it writes to stdout and stderr is then
 * searched for every secret the node holds or was sent: the API tokens, the passphrase, the node
 * and operator seeds (hex, base64, base64url) and the swarm key.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { toHex } from '@liuhen/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../packages/node/src/daemon.ts';
import { openSeed, readKeyFile } from '../packages/node/src/keystore.ts';
import {
  CLI,
  cliAsync,
  issueToken,
  type NetworkNode,
  operatorSeed,
  PASSPHRASE,
  prepareNetwork,
  removeDir,
} from '../scripts/lib/node-process.ts';
import { appendJoints } from './helpers/appends.ts';
import { request } from './helpers/http.ts';

let prepared: NetworkNode;
let daemon: ChildProcess | undefined;
const scratch: string[] = [];

function encodings(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  return [toHex(bytes), b.toString('base64'), b.toString('base64url'), toHex(bytes).toUpperCase()];
}

/** Starts the daemon, capturing stdout and stderr, and resolves with its URL once it listens. */
function start(dir: string, output: string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    [CLI, 'start', '--data-dir', dir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'trace'],
    { env: { ...process.env, LIUHEN_PASSPHRASE: PASSPHRASE }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  daemon = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 60 s:\n${output.join('')}`)), 60_000);
    child.stderr?.on('data', (d) => output.push(String(d)));
    child.stdout?.on('data', (d) => {
      output.push(String(d));
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"node started"/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code}):\n${output.join('')}`));
    });
  });
}

describe('logs', () => {
  beforeAll(async () => {
    [prepared] = (await prepareNetwork(['water'])) as [NetworkNode];
  }, 120_000);

  afterAll(() => {
    daemon?.kill('SIGKILL');
    if (prepared) removeDir(prepared.dir);
    for (const dir of scratch) removeDir(dir);
  });

  it('the logger redacts secret fields whatever a caller passes', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'trace', org: 'water', destination: sink });
    logger.info(
      {
        req: { headers: { authorization: 'Bearer s3cret-token-1' } },
        headers: { authorization: 'Bearer s3cret-token-2' },
        token: 's3cret-token-3',
        passphrase: 's3cret-passphrase',
        options: { passphrase: 's3cret-passphrase-2', seed: 's3cret-seed' },
      },
      'a careless line',
    );
    const text = lines.join('');
    expect(text).toContain('a careless line');
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/s3cret/);
    expect(() => createLogger({ level: 'loud', org: 'water' })).toThrow(/CONFIG_INVALID/);
  });

  it('an unknown --log-level is a usage error', async () => {
    const result = await cliAsync([
      'start',
      '--data-dir',
      prepared.dir,
      '--port',
      '0',
      '--log-level',
      'loud',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/CONFIG_INVALID.*loud/);
  }, 60_000);

  it('a daemon at level trace writes structured lines and no secret', async () => {
    const appToken = issueToken(prepared.dir, 'erp');
    const token = prepared.tokens.qi as string;
    const output: string[] = [];
    const url = await start(prepared.dir, output);
    await appendJoints(url, token, 6, 0);
    const uploaded = await request(url, '/v1/blobs', {
      token,
      body: new TextEncoder().encode('attachment'),
      contentType: 'application/octet-stream',
    });
    expect(uploaded.status).toBe(201);
    const wrongToken = 'not-a-token-but-looks-secret-0123456789';
    expect((await request(url, '/v1/status', { token: wrongToken })).status).toBe(401);
    expect(
      (
        await request(url, '/v1/status', {
          authorization: `Basic ${Buffer.from(`u:${PASSPHRASE}`).toString('base64')}`,
        })
      ).status,
    ).toBe(401);
    const forged = await request(url, '/v1/signed-entries', { token: appToken, body: { envelope: 'AAAA' } });
    expect(forged.status).toBe(400);
    const unsigned = await request(url, '/v1/entries', {
      token: appToken,
      body: { object: 'x', kind: 'y', role: 'QI', body: {} },
    });
    expect(unsigned.status).toBe(403);
    expect((await request(url, '/metrics', { token })).status).toBe(200);
    const backupDir = join(mkdtempSync(join(tmpdir(), 'liuhen-logs-backup-')), 'b');
    scratch.push(backupDir);
    const backup = await cliAsync([
      'backup',
      backupDir,
      '--data-dir',
      prepared.dir,
      '--node',
      url,
      '--token',
      token,
    ]);
    expect(backup.status).toBe(0);
    const exited = new Promise((resolve) => daemon?.once('exit', resolve));
    daemon?.kill('SIGTERM');
    await exited;
    daemon = undefined;

    const log = output.join('');
    const lines = log.split('\n').filter((l) => l !== '');
    // Structured: every line is a JSON object with a numeric level, the time and the node's org.
    for (const line of lines) {
      const parsed = JSON.parse(line) as { level: number; time: number; org: string; msg: string };
      expect(typeof parsed.level).toBe('number');
      expect(parsed.org).toBe('water');
    }
    // The level asked for: debug lines (each block committed) are there.
    expect(lines.some((l) => l.includes('"level":20') && l.includes('"msg":"block committed"'))).toBe(true);
    expect(log).toContain('"msg":"node stopped"');

    const secrets = [
      token,
      appToken,
      wrongToken,
      PASSPHRASE,
      Buffer.from(`u:${PASSPHRASE}`).toString('base64'),
      readFileSync(join(prepared.dir, 'swarm.key'), 'utf8').trim().split('\n').at(-1) as string,
      ...encodings(openSeed(readKeyFile(join(prepared.dir, 'keys', 'node.json')), PASSPHRASE)),
      ...encodings(operatorSeed(prepared.dir, 'qi')),
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(15);
      expect(log.includes(secret), `a secret (${secret.slice(0, 4)}…) is in the log`).toBe(false);
    }
  }, 180_000);
});
