/**
 * `liuhen-node backup` and `restore` with real daemons replicating over 127.0.0.1: a backup taken
 * through the running node's API while appends keep arriving, restored onto a fresh data
 * directory, verifies clean; started in place of the lost node, the restored node first fetches
 * from its peer the part of its own log cut after the backup (and the attachments), then catches
 * up the peer's log, and appends again without any equivocation. With no peer reachable it
 * waits, serving nothing; stopped then, or once --recovery-timeout runs out (RECOVERY_TIMEOUT),
 * it leaves the data directory as it was, and the later start still recovers. A damaged backup
 * is refused before anything is written; a stopped node is backed up directly, keys included on
 * request. Nothing here asserts timing: state is polled.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  cliAsync,
  configureNode,
  PASSPHRASE,
  type RunningNetworkNode,
  removeDir,
  startNetworkNode,
} from '../scripts/lib/node-process.ts';
import { appendJoints } from './helpers/appends.ts';
import { request, type Status } from './helpers/http.ts';
import { eventually, type Status as NetStatus, TestNetwork } from './helpers/network.ts';

const ORGS = ['water', 'gas'];
let net: TestNetwork;
const scratch: string[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `liuhen-backup-${name}-`));
  scratch.push(dir);
  return dir;
}

const daemons = new Set<ChildProcess>();

/**
 * `liuhen-node start` on `dir` until its log holds `line`, then SIGTERM; resolves with the log
 * once the process has exited. Fails with the log if the process exits before the line.
 */
function startUntilLogged(dir: string, line: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [CLI, 'start', '--data-dir', dir, '--host', '127.0.0.1', '--port', '0'],
    {
      env: { ...process.env, LIUHEN_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  daemons.add(child);
  let log = '';
  let seen = false;
  child.stdout?.on('data', (d) => {
    log += d;
    if (!seen && log.includes(line)) {
      seen = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr?.on('data', (d) => {
    log += d;
  });
  return new Promise((resolve, reject) => {
    child.once('close', (code, signal) => {
      daemons.delete(child);
      if (seen) resolve(log);
      else reject(new Error(`the node exited (${code ?? signal}) before logging ${line}:\n${log}`));
    });
  });
}

async function statusOf(url: string, token: string): Promise<NetStatus> {
  const response = await request<NetStatus>(url, '/v1/status', { token });
  if (response.status !== 200) throw new Error(`status: HTTP ${response.status}`);
  return response.json;
}

describe('backup and restore', () => {
  let backupDir: string;
  let blob: string;
  let blobBytes: Uint8Array;

  beforeAll(async () => {
    net = await TestNetwork.prepare(ORGS);
    await net.startAll(ORGS);
    await eventually('a mesh', () => net.meshed(ORGS));
  }, 120_000);

  afterAll(async () => {
    for (const child of daemons) child.kill('SIGKILL');
    await net?.close();
    for (const dir of scratch) removeDir(dir);
  });

  it('backs up online under concurrent appends, restores onto a fresh directory, verifies clean, recovers its own log and catches up', async () => {
    const water = net.node('water');
    const token = net.token('water');
    await appendJoints(water.url, token, 10, 0);
    blobBytes = new TextEncoder().encode('as-built photo of joint J07, bytes for the backup test');
    const uploaded = await request<{ sha256: string }>(water.url, '/v1/blobs', {
      token,
      body: blobBytes,
      contentType: 'application/octet-stream',
    });
    expect(uploaded.status).toBe(201);
    blob = uploaded.json.sha256;

    // Appends keep arriving, one after another, for as long as the backup runs (and a few more).
    backupDir = join(tempDir('out'), 'backup');
    let backupDone = false;
    const appending = (async () => {
      let n = 0;
      while (!backupDone || n < 5) n += (await appendJoints(water.url, token, 1, 0)).length;
      return n;
    })();
    const backup = await cliAsync([
      'backup',
      backupDir,
      '--data-dir',
      net.prepared('water').dir,
      '--node',
      water.url,
      '--token',
      token,
      '--json',
    ]);
    backupDone = true;
    const during = await appending;
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    const manifest = JSON.parse(backup.stdout) as {
      online: boolean;
      keys: boolean;
      org: string;
      store: { records: number };
      blobs: { count: number };
      files: Record<string, string>;
    };
    expect(manifest).toMatchObject({ online: true, keys: false, org: 'water' });
    expect(manifest.blobs.count).toBe(1);
    expect(manifest.store.records).toBeGreaterThan(0);
    // Secrets stay out unless asked for.
    expect(existsSync(join(backupDir, 'keys'))).toBe(false);
    expect(existsSync(join(backupDir, 'swarm.key'))).toBe(false);
    expect(Object.keys(manifest.files).sort()).toEqual(
      ['config.json', 'cosignatures.jsonl', 'genesis.cbor', 'tokens.json'].filter((f) =>
        existsSync(join(net.prepared('water').dir, f)),
      ),
    );
    expect(during).toBeGreaterThanOrEqual(5);

    // The tail the restored node must fetch: acknowledged and replicated after the backup.
    await appendJoints(water.url, token, 5, 0);
    await eventually('gas holds all of water', () => net.converged(ORGS));
    const lostSize = (await net.status('water')).log.size;
    await net.stop('water');
    // The peer moves on while water is down.
    await appendJoints(net.node('gas').url, net.token('gas'), 4, 1);
    const gasSize = (await net.status('gas')).log.size;

    // Keys must come from somewhere explicit; a used directory is never restored over.
    const fresh = join(tempDir('restored'), 'data');
    const noKeys = await cliAsync(['restore', backupDir, '--data-dir', fresh]);
    expect(noKeys.status).toBe(2);
    expect(noKeys.stderr).toMatch(/CONFIG_INVALID.*--keys-from/);
    expect(existsSync(fresh)).toBe(false);
    const over = await cliAsync([
      'restore',
      backupDir,
      '--data-dir',
      net.prepared('water').dir,
      '--keys-from',
      net.prepared('water').dir,
    ]);
    expect(over.status).toBe(2);
    expect(over.stderr).toMatch(/CONFIG_INVALID.*not empty/);

    const restored = await cliAsync([
      'restore',
      backupDir,
      '--data-dir',
      fresh,
      '--keys-from',
      net.prepared('water').dir,
      '--json',
    ]);
    expect(restored.stderr).toBe('');
    expect(restored.status).toBe(0);
    const report = JSON.parse(restored.stdout) as { ownLogSize: number; records: number; blobs: number };
    expect(report.records).toBe(manifest.store.records);
    expect(report.blobs).toBe(1);
    // The snapshot is one instant between two commits, before the tail.
    expect(report.ownLogSize).toBeGreaterThan(10);
    expect(report.ownLogSize).toBeLessThanOrEqual(lostSize - 5);

    const verified = await cliAsync(['verify', '--data-dir', fresh, '--json']);
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, findings: [], blobs: 1 });

    // `restore` itself never contacts a peer; the start does. With no peer reachable it waits,
    // serving nothing (the notice comes after 10 s of waiting). Stopped then, it has appended
    // nothing and kept the marker, so the start below, with its peer, still recovers the tail.
    const p2p = (JSON.parse(readFileSync(join(fresh, 'config.json'), 'utf8')) as { p2p: object }).p2p;
    configureNode(fresh, { p2p: { ...p2p, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] } });
    const waited = await startUntilLogged(fresh, '"msg":"waiting for a peer to recover the own log from"');
    expect(waited).not.toMatch(/"msg":"node started"/);
    expect(existsSync(join(fresh, 'restored.json'))).toBe(true);
    const untouched = await cliAsync(['verify', '--data-dir', fresh, '--json']);
    expect(untouched.status).toBe(0);
    expect(JSON.parse(untouched.stdout)).toMatchObject({
      ok: true,
      entries: (JSON.parse(verified.stdout) as { entries: number }).entries,
    });

    // A bounded wait: after --recovery-timeout the start fails with RECOVERY_TIMEOUT, having
    // appended nothing and kept the marker.
    const alone = await cliAsync([
      'start',
      '--data-dir',
      fresh,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--recovery-timeout',
      '2',
    ]);
    expect(alone.status, alone.stdout).toBe(2);
    expect(alone.stderr).toMatch(/RECOVERY_TIMEOUT: .*found no peer holding logs.*restored\.json is kept/);
    expect(alone.stdout).not.toMatch(/"msg":"node started"/);
    expect(existsSync(join(fresh, 'restored.json'))).toBe(true);
    const stillClean = await cliAsync(['verify', '--data-dir', fresh, '--json']);
    expect(stillClean.status).toBe(0);
    expect(JSON.parse(stillClean.stdout)).toMatchObject({
      ok: true,
      entries: (JSON.parse(verified.stdout) as { entries: number }).entries,
    });

    // Started in place of water (same key, same p2p address), it serves only once its own log
    // is whole again: the API's first answer already shows the tail fetched from gas.
    const own = net.addrs(['water'])[0] as string;
    const node: RunningNetworkNode = await startNetworkNode(fresh, net.addrs(['gas']), {
      p2p: { listen: [own.slice(0, own.indexOf('/p2p/'))] },
    });
    expect(node.log()).toMatch(/"msg":"own log recovered from peers"/);
    expect(existsSync(join(fresh, 'restored.json'))).toBe(false);
    const first = await statusOf(node.url, token);
    expect(first.log.size).toBe(lostSize);
    await eventually('the restored node catches up gas', async () => {
      const s = await statusOf(node.url, token);
      return s.orgs.gas?.size === gasSize ? undefined : `gas at ${s.orgs.gas?.size} of ${gasSize}`;
    });
    // It appends again after the recovered tail, and gas takes the blocks: no fork, no fraud.
    const acks = await appendJoints(node.url, token, 3, 0);
    expect(acks[0]?.index).toBe(lostSize);
    await eventually('gas takes the new blocks', async () => {
      const s = await net.status('gas');
      return s.orgs.water?.size === lostSize + 3 ? undefined : `gas holds water at ${s.orgs.water?.size}`;
    });
    for (const url of [node.url, net.node('gas').url]) {
      const proofs = await request<{ fraudProofs: unknown[] }>(url, '/v1/fraud-proofs', {
        token: url === node.url ? token : net.token('gas'),
      });
      expect(proofs.json.fraudProofs).toEqual([]);
    }
    const download = await request(node.url, `/v1/blobs/${blob}`, { token });
    expect(download.status).toBe(200);
    expect(download.bytes).toEqual(blobBytes);
    const status = (await statusOf(node.url, token)) as NetStatus & Status;
    expect(status.orgs.water?.frozen).toBe(false);
    await node.stop('SIGTERM');

    const again = await cliAsync(['verify', '--data-dir', fresh, '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, entries: lostSize + 3 + gasSize });
  }, 300_000);

  it('refuses a damaged backup before writing anything', async () => {
    const damaged = join(tempDir('damaged'), 'backup');
    await cp(backupDir, damaged, { recursive: true });
    const file = join(damaged, 'store.snapshot');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] as number) ^ 0xff;
    writeFileSync(file, bytes);
    const target = join(tempDir('target'), 'data');
    const refused = await cliAsync([
      'restore',
      damaged,
      '--data-dir',
      target,
      '--keys-from',
      net.prepared('water').dir,
    ]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/STORE_CORRUPT.*store\.snapshot/);
    expect(existsSync(target)).toBe(false);
  }, 60_000);

  it('backs up a stopped node directly, keys included on request, and restores without --keys-from', async () => {
    const dir = join(tempDir('offline'), 'backup');
    const backup = await cliAsync([
      'backup',
      dir,
      '--data-dir',
      net.prepared('water').dir,
      '--include-keys',
      '--json',
    ]);
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    const manifest = JSON.parse(backup.stdout) as {
      online: boolean;
      keys: boolean;
      files: Record<string, string>;
    };
    expect(manifest).toMatchObject({ online: false, keys: true });
    expect(Object.keys(manifest.files)).toEqual(expect.arrayContaining(['keys/node.json', 'swarm.key']));
    expect(readdirSync(join(dir, 'keys', 'operators'))).toContain('qi.json');
    // The key files are copied as they are on the node: sealed under the passphrase.
    const copied = readFileSync(join(dir, 'keys', 'node.json'), 'utf8');
    expect(copied).toBe(readFileSync(join(net.prepared('water').dir, 'keys', 'node.json'), 'utf8'));
    expect((JSON.parse(copied) as { cipher: { name: string } }).cipher.name).toBe('aes-256-gcm');
    const target = join(tempDir('offline-target'), 'data');
    const restored = await cliAsync(['restore', dir, '--data-dir', target, '--json']);
    expect(restored.status).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ keysFrom: 'backup' });
    const verified = await cliAsync(['verify', '--data-dir', target, '--json']);
    expect(verified.status).toBe(0);
  }, 120_000);
});
