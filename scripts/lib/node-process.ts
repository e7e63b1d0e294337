/**
 * Runs real `liuhen-node` processes on 127.0.0.1 for the demo, the benchmarks and the tests:
 * prepares data directories through the CLI, starts daemons as child processes, and stops them.
 * Every process started here is tracked and killed on exit, so nothing outlives its runner.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, generateKeyPair, toHex } from '../../packages/core/src/index.ts';
import {
  creditCodeCheckCharacter,
  DEFAULT_PARAMETERS,
  decodeGenesis,
  encodeGenesis,
  type Genesis,
  networkId,
} from '../../packages/governance/src/index.ts';
import { generateSwarmKey } from '../../packages/net/src/pnet.ts';
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

/** `liuhen-node operator add` for a test operator appointed from `validFrom` (ISO 8601). */
function operatorAddArgs(dir: string, op: { name: string; roles: string[] }, validFrom: string): string[] {
  return [
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
    validFrom,
  ];
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
    const out = cliJson<{ token: string; operator: string }>(
      operatorAddArgs(dir, op, new Date(Date.now() - 90 * 86_400_000).toISOString()),
    );
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
    // Generous: on a loaded 2-core machine a start (tsx, libp2p, worker threads) can take a minute.
    const timer = setTimeout(
      () => reject(new Error(`node did not start in 180 s:\n${out}\n${err}`)),
      180_000,
    );
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

// ---- multi-node networks ---------------------------------------------------------------------

export interface NetworkNode extends PreparedNode {
  nodeKey: string;
}

/**
 * N data directories of one network: every org's node key in one genesis (the same genesis.cbor in
 * each directory), one swarm key, a `p2p` config section listening on 127.0.0.1 (bootstrap empty:
 * `startNetworkNode` fills it in), and the given operators appointed on each org's log.
 * `externalOrgs` are members too, but run no daemon: their node keys belong to the caller (a test
 * playing a hostile or equivocating member).
 */
export async function prepareNetwork(
  orgs: string[],
  options: {
    operators?: Array<{ name: string; roles: string[] }>;
    antiEntropyMs?: number;
    externalOrgs?: Array<{ id: string; nodeKey: Uint8Array }>;
  } = {},
): Promise<NetworkNode[]> {
  const operators = options.operators ?? [{ name: 'qi', roles: ['QI'] }];
  const dirs = orgs.map((org) => mkdtempSync(join(tmpdir(), `liuhen-net-${org}-`)));
  const inits = await Promise.all(
    orgs.map((org, i) => cliAsync(['init', '--data-dir', dirs[i] as string, '--org', org, '--json'])),
  );
  const nodeKeys = inits.map((r, i) => {
    if (r.status !== 0) throw new Error(`init of ${orgs[i]} failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { nodeKey: string }).nodeKey;
  });
  const creditCode = () => {
    const first17 = `91440300${toHex(randomBytes(5))
      .toUpperCase()
      .replace(/[IOSVZ]/g, '0')
      .slice(0, 9)}`;
    return first17 + creditCodeCheckCharacter(first17);
  };
  const genesis: Genesis = {
    version: 1,
    name: 'liuhen-test-network',
    profile: 'pipe/1',
    created: Date.now(),
    authorities: { keys: [generateKeyPair().publicKey], threshold: 1 },
    orgs: [
      ...orgs.map((org, i) => ({ id: org, nodeKey: fromHex(nodeKeys[i] as string) })),
      ...(options.externalOrgs ?? []),
    ].map(({ id, nodeKey }) => ({
      id,
      name: `${id} (test)`,
      creditCode: creditCode(),
      nodeKey,
      parties: ['contractor'],
      bootstrap: [],
    })),
    parameters: DEFAULT_PARAMETERS,
  } as never;
  const genesisBytes = encodeGenesis(genesis);
  const swarmKey = generateSwarmKey();
  for (const dir of dirs) {
    writeFileSync(join(dir, 'genesis.cbor'), genesisBytes);
    writeFileSync(join(dir, 'swarm.key'), swarmKey, { mode: 0o600 });
    configureNode(dir, {
      p2p: {
        listen: ['/ip4/127.0.0.1/tcp/0'],
        pskFile: 'swarm.key',
        bootstrap: [],
        ...(options.antiEntropyMs === undefined ? {} : { antiEntropyMs: options.antiEntropyMs }),
      },
    });
  }
  const validFrom = new Date(Date.now() - 90 * 86_400_000).toISOString();
  return Promise.all(
    orgs.map(async (org, i) => {
      const dir = dirs[i] as string;
      const tokens: Record<string, string> = {};
      const operatorKeys: Record<string, string> = {};
      // One after another: each opens the data directory's store.
      for (const op of operators) {
        const r = await cliAsync([...operatorAddArgs(dir, op, validFrom), '--json']);
        if (r.status !== 0) throw new Error(`operator add on ${org} failed: ${r.stderr}`);
        const out = JSON.parse(r.stdout) as { token: string; operator: string };
        tokens[op.name] = out.token;
        operatorKeys[op.name] = out.operator;
      }
      return { dir, org, tokens, operatorKeys, nodeKey: nodeKeys[i] as string };
    }),
  );
}

/** What a peer outside the daemons needs to join a prepared network: its genesis, id and swarm key. */
export function networkOf(dir: string): { genesis: Genesis; networkId: Uint8Array; swarmKey: string } {
  const bytes = new Uint8Array(readFileSync(join(dir, 'genesis.cbor')));
  return {
    genesis: decodeGenesis(bytes),
    networkId: networkId(bytes),
    swarmKey: readFileSync(join(dir, 'swarm.key'), 'utf8'),
  };
}

export interface RunningNetworkNode extends RunningNode {
  /** The daemon's libp2p listen addresses, each with /p2p/<peer id>. */
  p2pAddrs: string[];
}

/** The addresses of the daemon's "p2p listening" log line. */
export function p2pAddrsOf(log: string): string[] {
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"p2p listening"')) continue;
    return (JSON.parse(line) as { addrs: string[] }).addrs;
  }
  throw new Error(`no "p2p listening" line in the node log:\n${log}`);
}

/**
 * Starts a node of a `prepareNetwork` network with `bootstrap` (other running nodes' p2p
 * addresses) written into its config first, and returns it with its own p2p addresses. `p2p` is
 * merged into the config's p2p section (e.g. `{ denyPeers: ['gas'] }`; `{ denyPeers: [] }` lifts
 * it); `env` reaches the daemon (e.g. `LIUHEN_LOG_LEVEL`).
 */
export async function startNetworkNode(
  dir: string,
  bootstrap: string[],
  options: { p2p?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningNetworkNode> {
  const path = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as { p2p: Record<string, unknown> };
  configureNode(dir, { p2p: { ...config.p2p, ...options.p2p, bootstrap } });
  const node = await startNode(dir, options.env);
  return Object.assign(node, { p2pAddrs: p2pAddrsOf(node.log()) });
}
