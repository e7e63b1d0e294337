/**
 * Runs real `liuhen-node` processes on 127.0.0.1 for the demo, the benchmarks and the tests:
 * prepares data directories through the CLI, starts daemons as child processes, and stops them.
 * Every process started here is tracked and killed on exit, so nothing outlives its runner.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** A one-machine network: init, genesis, and operators with tokens. */
export function prepareNode(org: string, operators: Array<{ name: string; roles: string[] }>): PreparedNode {
  const dir = mkdtempSync(join(tmpdir(), `liuhen-${org}-`));
  cliJson(['init', '--data-dir', dir, '--org', org]);
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
