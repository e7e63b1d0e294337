/**
 * The demo network's processes: the offline ceremony and every `liuhen-node` run (CLI commands
 * and the six daemons), each with the simulated clock preloaded (clock.mjs). Every child is
 * tracked; `stopAll` ends them (SIGTERM, then SIGKILL after a grace period), and it runs on
 * success, on error and on Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../apps/node/bin/liuhen-node.js', import.meta.url));
export const INSPECT = fileURLToPath(new URL('../../apps/inspector/bin/liuhen-inspect.js', import.meta.url));
export const REPLAY = fileURLToPath(new URL('../../apps/replay/bin/liuhen-replay.js', import.meta.url));
const CLOCK = fileURLToPath(new URL('./clock.mjs', import.meta.url));
export const PASSPHRASE = 'liuhen demo passphrase';

const children = new Set<ChildProcess>();

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI of this repository to completion. `clock`: the simulated time the process starts
 * at (the ceremony and appointments happen on the project's timeline); without it, real time.
 */
export function run(
  bin: string,
  args: readonly string[],
  options: { clock?: number; timeoutMs?: number } = {},
): Promise<RunResult> {
  const child = spawn(
    process.execPath,
    [...(options.clock === undefined ? [] : ['--import', CLOCK]), bin, ...args],
    {
      env: {
        ...process.env,
        LIUHEN_PASSPHRASE: PASSPHRASE,
        ...(options.clock === undefined ? {} : { LIUHEN_DEMO_CLOCK: String(options.clock) }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ status: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

/** `liuhen-node … --json`, parsed; throws with stderr on failure. */
export async function nodeJson<T>(args: readonly string[], clock?: number): Promise<T> {
  const r = await run(CLI, [...args, '--json'], clock === undefined ? {} : { clock });
  if (r.status !== 0)
    throw new Error(`liuhen-node ${args.slice(0, 2).join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function patchConfig(dir: string, patch: Record<string, unknown>): void {
  const path = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, `${JSON.stringify({ ...config, ...patch }, null, 2)}\n`);
}

/** A running daemon: its API, its process, and the tail of its log (for errors). */
export class Daemon {
  readonly org: string;
  readonly dir: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly #log: () => string;
  readonly #exited: Promise<void>;

  private constructor(org: string, dir: string, url: string, child: ChildProcess, log: () => string) {
    this.org = org;
    this.dir = dir;
    this.url = url;
    this.child = child;
    this.#log = log;
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  log(): string {
    return this.#log();
  }

  /** Starts `liuhen-node start` with the simulated clock at `clock` and waits until it listens. */
  static start(org: string, dir: string, clock: number, port = 0): Promise<Daemon> {
    const child = spawn(
      process.execPath,
      ['--import', CLOCK, CLI, 'start', '--data-dir', dir, '--host', '127.0.0.1', '--port', String(port)],
      {
        env: { ...process.env, LIUHEN_PASSPHRASE: PASSPHRASE, LIUHEN_DEMO_CLOCK: String(clock) },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    children.add(child);
    child.once('exit', () => children.delete(child));
    // The log is kept short: it is only shown when something goes wrong.
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + d.toString()).slice(-200_000);
    };
    child.stderr?.on('data', keep);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${org}'s node did not start in 300 s:\n${out}`)),
        300_000,
      );
      const onData = (d: Buffer) => {
        keep(d);
        const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"node started"/.exec(out);
        if (match) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.stdout?.on('data', keep);
          resolve(new Daemon(org, dir, match[1] as string, child, () => out));
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${org}'s node exited (${code}) before listening:\n${out}`));
      });
    });
  }

  /** Moves the daemon's clock forward to `ms` and resolves once it is in force. */
  setClock(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.org}'s node did not take the clock`)), 10_000);
      const onMessage = (m: { clock?: number }) => {
        if (typeof m?.clock !== 'number') return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve();
      };
      this.child.on('message', onMessage);
      this.child.send({ clock: ms });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(killer);
  }
}

/** Stops every process started here: SIGTERM, then SIGKILL for any still running after 10 s. */
export async function stopAll(): Promise<void> {
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(killer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Last resort on exit: nothing this process started may outlive it. */
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

const cleanUps: Array<() => void> = [];

/** Registers work for `cleanUp` (removing directories), run once the processes have stopped. */
export function onCleanUp(task: () => void): void {
  cleanUps.push(task);
}

export function cleanUp(): void {
  for (const task of cleanUps.splice(0)) {
    try {
      task();
    } catch {
      // Best effort: a directory that cannot be removed is left in the temporary directory.
    }
  }
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
