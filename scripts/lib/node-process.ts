/**
 * Runs real `liuhen-node` processes on 127.0.0.1 for the demo, the benchmarks and the tests:
 * prepares data directories through the CLI, starts daemons as child processes, and stops them.
 * Every process started here is tracked and killed on exit, so nothing outlives its runner.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSeed, readKeyFile } from '../../packages/node/src/keystore.ts';

export const CLI = fileURLToPath(new URL('../../apps/node/bin/liuhen-node.js', import.meta.url));
export const PASSPHRASE = 'liuhen local test passphrase';

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LIUHEN_PASSPHRASE: PASSPHRASE, ...options.env },
    ...(options.input === undefined ? {} : { input: options.input }),
    timeout: 120_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Like `cli`, without blocking the event loop: for use while this process also talks to a daemon. */
export function cliAsync(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, LIUHEN_PASSPHRASE: PASSPHRASE, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.stdin?.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

export function cliJson<T>(args: string[]): T {
  const result = cli([...args, '--json']);
  if (result.status !== 0)
    throw new Error(`liuhen-node ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export interface PreparedNode {
  dir: string;
  org: string;
  /** API tokens by operator name. */
  tokens: Record<string, string>;
  operatorKeys: Record<string, string>;
}

/**
 * A one-machine network: init, genesis, and operators with tokens. `config` is merged into the
 * data directory's config.json (e.g. a small maxBlobBytes).
 */
export function prepareNode(
  org: string,
  operators: Array<{ name: string; roles: string[] }>,
  options: { config?: Record<string, unknown> } = {},
): PreparedNode {
  const dir = mkdtempSync(join(tmpdir(), `liuhen-${org}-`));
  cliJson(['init', '--data-dir', dir, '--org', org]);
  if (options.config) configureNode(dir, options.config);
  cliJson(['genesis', 'create', '--data-dir', dir, '--legal-name', `${org} (test)`]);
  const tokens: Record<string, string> = {};
  const operatorKeys: Record<string, string> = {};
  for (const op of operators) {
    const out = cliJson<{ token: string; operator: string }>([
      'operator',
      'add',
      '--data-dir',
      dir,
      '--name',
      op.name,
      '--roles',
      op.roles.join(','),
      '--licence',
      `LIC-${op.name}`,
      '--valid-from',
      new Date(Date.now() - 90 * 86_400_000).toISOString(),
    ]);
    tokens[op.name] = out.token;
    operatorKeys[op.name] = out.operator;
  }
  return { dir, org, tokens, operatorKeys };
}

/** Merges settings into a data directory's config.json (the node must be restarted to see them). */
export function configureNode(dir: string, patch: Record<string, unknown>): void {
  const path = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, `${JSON.stringify({ ...config, ...patch }, null, 2)}\n`);
}

/** Revokes an operator on the org's log (`liuhen-node operator revoke`; the node must be stopped). */
export function revokeOperator(dir: string, name: string, reason = 'left the project'): { index: number } {
  return cliJson<{ entry: { index: number } }>([
    'operator',
    'revoke',
    '--data-dir',
    dir,
    '--name',
    name,
    '--reason',
    reason,
  ]).entry;
}

/** An API token not bound to an operator: reads and pre-signed appends only. */
export function issueToken(dir: string, name: string): string {
  return cliJson<{ token: string }>(['token', '--data-dir', dir, '--name', name]).token;
}

/** The seed of an operator key the data directory holds, for signing entries outside the node. */
export function operatorSeed(dir: string, name: string): Uint8Array {
  return openSeed(readKeyFile(join(dir, 'keys', 'operators', `${name}.json`)), PASSPHRASE);
}

/** Removes a directory made by prepareNode (or any other temporary directory). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Kills every process this module started that is still running, and waits for them to exit. */
export async function stopAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill(signal);
        }),
    ),
  );
}

export interface RunningNode {
  url: string;
  process: ChildProcess;
  /** Everything the daemon wrote to stdout (its JSON log). */
  log: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `liuhen-node start` on a free loopback port and waits until it listens. */
export function startNode(dir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningNode> {
  const child = spawn(
    process.execPath,
    [CLI, 'start', '--data-dir', dir, '--host', '127.0.0.1', '--port', '0'],
    {
      env: { ...process.env, LIUHEN_PASSPHRASE: PASSPHRASE, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start in 60 s:\n${out}\n${err}`)), 60_000);
    child.stderr?.on('data', (d) => {
      err += d;
    });
    child.stdout?.on('data', (d) => {
      out += d;
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"node started"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1] as string,
          process: child,
          log: () => out,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited (${code}) before listening:\n${out}\n${err}`));
    });
  });
}

export async function api<T = unknown>(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await fetch(new URL(path, url), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json().catch(() => undefined)) as T };
}
