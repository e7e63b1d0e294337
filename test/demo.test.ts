/**
 * `pnpm demo --keep` end to end, as a user runs it: a child process (tsx scripts/demo.ts) that
 * starts six node daemons, feeds the project, inspects, replays, seals, equivocates and tampers,
 * prints its summary and keeps the network up. While it is up, every node's API and web
 * inspector answer at the URLs it printed; then SIGINT (Ctrl-C) must make it exit 0 and leave
 * none of the processes it started behind.
 *
 * One run covers both the demo and --keep: the demo is the heaviest test here (six daemons for
 * minutes), and its defaults are already the smallest project the joint-leak scenario allows.
 * --keep changes nothing before the summary, and the run still ends through the same stop path.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Status } from './helpers/http.ts';
import { eventually } from './helpers/network.ts';

const ROOT = join(import.meta.dirname, '..');
const KEPT_UP = 'Press Ctrl-C to stop the network.';
const DEPARTMENTS = ['design', 'contractor', 'supervision', 'lab', 'utility', 'qsa'];

interface Demo {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code once the demo has exited (and its output is read). */
  closed: Promise<number | null>;
}

function startDemo(args: readonly string[]): Demo {
  // Its own process group, so that whatever happens to the test nothing of it can outlive it.
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/demo.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, closed };
}

/** Resolves once the demo has printed `text`; fails with its output if it exits first. */
function printed(demo: Demo, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!demo.stdout().includes(text)) return;
      demo.child.stdout?.off('data', onData);
      resolve();
    };
    demo.child.stdout?.on('data', onData);
    onData();
    void demo.closed.then((code) =>
      reject(
        new Error(`the demo exited (${code}) before printing "${text}":\n${demo.stdout()}\n${demo.stderr()}`),
      ),
    );
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether anything still listens on 127.0.0.1:port (a refused connection says no). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolve(false);
      else reject(error);
    });
  });
}

describe('pnpm demo --keep', () => {
  let demo: Demo;
  const started = Date.now();
  /** What the demo printed for each department's node while the network was kept up. */
  const nodes = new Map<string, { url: string; token: string; pid: number }>();

  beforeAll(async () => {
    demo = startDemo(['--keep']);
    await printed(demo, KEPT_UP);
    console.log(`demo kept up after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const out = demo.stdout();
    for (const dept of DEPARTMENTS) {
      const url = new RegExp(`^ {4}${dept} +(http://127\\.0\\.0\\.1:\\d+)/ `, 'm').exec(out)?.[1];
      const kept = new RegExp(`^ {2}${dept} +token (\\S+) +pid (\\d+)$`, 'm').exec(out);
      if (url === undefined || kept === null) throw new Error(`no URL, token or pid for ${dept}:\n${out}`);
      nodes.set(dept, { url, token: kept[1] as string, pid: Number(kept[2]) });
    }
  }, 1_500_000);

  afterAll(async () => {
    // Only if a check failed with the network still up: end the demo's whole process group.
    if (demo?.child.exitCode === null && demo.child.signalCode === null) {
      try {
        process.kill(-(demo.child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
      await demo.closed;
    }
  }, 60_000);

  it('runs the six-department network end to end and prints its summary', () => {
    const out = demo.stdout();
    const summary = out.slice(out.indexOf('== Summary'));
    console.log(summary);
    expect(summary).toMatch(/^ {2}FAILED: seg:SZ-JS000301-JS000302#1 .*P-COVER/m);
    expect(summary).toMatch(/^ {2}VERIFIED(?: WITH WARNINGS)?: seg:/m);
    expect(summary).toContain('late recording flagged: yes');
    expect(summary).toContain('tamper detection: verify caught the altered entry');
    expect(summary).toContain('equivocation: fraud proof held by 6 of 6 nodes');
    expect(summary).toMatch(
      /classification: utility reads ✔, lab verifies ✔ and cannot read ✔, public export (verifies ✔ with 0 restricted values|not yet available)/,
    );
    const report = /replay report: (\S+\.html)/.exec(summary)?.[1];
    expect(report !== undefined && existsSync(report)).toBe(true);
    expect(summary).toMatch(/web inspector:\n(?: {4}\S+ +http:\/\/127\.0\.0\.1:\d+\/ .*\n){6}/);
  });

  it('keeps the network up: every node answers its API and serves the web inspector', async () => {
    for (const [dept, node] of nodes) {
      expect(alive(node.pid), `${dept}'s node, process ${node.pid}`).toBe(true);
      const status = await request<Status>(node.url, '/v1/status', { token: node.token });
      expect(status.status, `${dept} GET /v1/status`).toBe(200);
      expect(status.json.org).toBe(dept);
      expect(status.json.log.size).toBeGreaterThan(0);
      const page = await request(node.url, '/');
      expect(page.status, `${dept} GET /`).toBe(200);
      expect(new TextDecoder().decode(page.bytes)).toContain('<title>Liuhen web inspector</title>');
    }
  }, 120_000);

  it('stops on Ctrl-C (SIGINT): exits 0, and no process it started outlives it', async () => {
    // Signalled alone, the demo itself must stop its nodes (a terminal's Ctrl-C would also signal
    // them directly, which each node handles like any SIGINT).
    demo.child.kill('SIGINT');
    const code = await demo.closed;
    console.log(`demo finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(code, `${demo.stdout()}\n${demo.stderr()}`).toBe(0);
    expect(demo.stdout()).toContain('Done: every process the demo started has stopped.');
    // Every daemon it printed: the six at start and the one restarted after the tamper check.
    const pids = [...demo.stdout().matchAll(/ pid (\d+)/g)].map((m) => Number(m[1]));
    expect(new Set(pids).size).toBeGreaterThanOrEqual(7);
    for (const pid of pids) expect(alive(pid), `process ${pid}`).toBe(false);
    for (const [dept, node] of nodes)
      expect(await listening(Number(new URL(node.url).port)), `${dept}'s API port`).toBe(false);
    // Nothing else of its process group either (tsx's esbuild service ends once the demo has).
    await eventually('the demo’s process group to be empty', async () =>
      alive(-(demo.child.pid as number)) ? 'a process of the group is still running' : undefined,
    );
  }, 300_000);
});

describe('pnpm demo usage', () => {
  it.each([
    [['--segments', '2'], '--segments must be a whole number ≥ 3'],
    [['--years', 'four'], '--years must be a whole number ≥ 4'],
    [['--segment', '3'], "Unknown option '--segment'"],
  ])(
    'refuses %j with the usage line and exit 2, starting nothing',
    async (args, problem) => {
      const demo = startDemo(args);
      expect(await demo.closed).toBe(2);
      expect(demo.stderr()).toContain(`demo: ${problem}\nusage: pnpm demo`);
      expect(demo.stdout()).toBe('');
    },
    60_000,
  );
});
