/**
 * `pnpm demo` end to end, as a user runs it: a child process (tsx scripts/demo.ts) that starts six
 * node daemons, feeds the project, inspects, replays, seals, equivocates and tampers, and must
 * exit 0 with its summary — and leave none of the processes it started behind.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/demo.ts')], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => {
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
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

describe('pnpm demo', () => {
  it('runs the six-department network end to end and stops everything it started', async () => {
    const r = await runDemo();
    console.log(`demo finished in ${(r.ms / 1000).toFixed(0)} s`);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const summary = r.stdout.slice(r.stdout.indexOf('== Summary'));
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
    expect(r.stdout).toContain('Done: every process the demo started has stopped.');
    // The six daemons' process ids are printed when they start; none may outlive the demo.
    const pids = [...r.stdout.matchAll(/ pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(6);
    for (const pid of pids) expect(alive(pid), `process ${pid}`).toBe(false);
  }, 1_500_000);
});
