/**
 * Replication between real `liuhen-node` processes on 127.0.0.1 (DESIGN §5): three department
 * nodes of three orgs append through their HTTP APIs and converge — every node holds every org's
 * log with the same size, height and root, and each org's latest checkpoint is cosigned by the
 * other two; a fourth node started later with an empty store catches up by sync; a node that was
 * stopped while the others appended catches up after its restart. Nothing here asserts timing:
 * state is polled with generous deadlines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  cliAsync,
  type NetworkNode,
  prepareNetwork,
  type RunningNetworkNode,
  removeDir,
  startNetworkNode,
  stopAll,
} from '../scripts/lib/node-process.ts';

interface OrgState {
  size: number;
  height: number;
  root: string | null;
  frozen: boolean;
  lastCosigners: string[];
}

interface Status {
  org: string;
  log: { size: number; height: number; pending: number };
  orgs: Record<string, OrgState>;
}

const ORGS = ['water', 'gas', 'power', 'archive'];
const FIRST_THREE = ORGS.slice(0, 3);

let network: NetworkNode[] = [];
const running = new Map<string, RunningNetworkNode>();

const prepared = (org: string) => network.find((n) => n.org === org) as NetworkNode;
const runningNode = (org: string) => running.get(org) as RunningNetworkNode;

async function status(org: string): Promise<Status> {
  const { status: code, json } = await api<Status>(
    runningNode(org).url,
    prepared(org).tokens.qi as string,
    'GET',
    '/v1/status',
  );
  if (code !== 200) throw new Error(`status of ${org}: HTTP ${code}`);
  return json;
}

async function start(org: string): Promise<void> {
  const bootstrap = [...running.values()].flatMap((n) => n.p2pAddrs);
  running.set(org, await startNetworkNode(prepared(org).dir, bootstrap));
}

async function stop(org: string): Promise<void> {
  await runningNode(org).stop('SIGTERM');
  running.delete(org);
}

let appended = 0;
async function append(org: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    appended++;
    const { status: code, json } = await api(
      runningNode(org).url,
      prepared(org).tokens.qi as string,
      'POST',
      '/v1/entries',
      {
        object: `pipe:${org}:segment-${appended % 3}`,
        kind: 'construction.joint-made',
        role: 'QI',
        time: Date.now() - 60_000,
        body: { joint: `J${appended}`, type: 'rubber-ring', gasketChecked: true },
      },
    );
    if (code !== 201) throw new Error(`append on ${org}: HTTP ${code} ${JSON.stringify(json)}`);
  }
}

/** Polls `check` until it returns undefined (done) or the deadline passes; the last reason fails. */
async function eventually(
  what: string,
  check: () => Promise<string | undefined>,
  ms = 60_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  let reason: string | undefined = 'never checked';
  while (Date.now() < deadline) {
    try {
      reason = await check();
    } catch (error) {
      reason = (error as Error).message;
    }
    if (reason === undefined) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} did not happen: ${reason}`);
}

/**
 * Every running node holds every org in `orgs` with the size, height and root that org's own node
 * reports; with `cosigned`, each org's latest checkpoint is cosigned (on every node) by every
 * other org in `cosigned`.
 */
async function converged(orgs: string[], cosigned: string[] = []): Promise<string | undefined> {
  const statuses = new Map<string, Status>();
  for (const org of running.keys()) statuses.set(org, await status(org));
  for (const org of orgs) {
    const own = statuses.get(org)?.orgs[org];
    if (own === undefined) return `${org} is not running`;
    if (own.size !== statuses.get(org)?.log.size) return `${org}'s status disagrees with its log`;
    for (const [holder, s] of statuses) {
      const held = s.orgs[org];
      if (held === undefined) return `${holder} shows no ${org}`;
      if (held.size !== own.size || held.height !== own.height || held.root !== own.root)
        return `${holder} holds ${org} at ${held.size}/${held.height}, ${org} is at ${own.size}/${own.height}`;
      const missing = cosigned.filter((w) => w !== org && !held.lastCosigners.includes(w));
      if (missing.length > 0) return `${holder}: ${org}'s head lacks cosignatures of ${missing.join(', ')}`;
    }
  }
  return undefined;
}

async function peersOf(org: string): Promise<string[]> {
  const { json } = await api<{ peers: Array<{ org?: string }> }>(
    runningNode(org).url,
    prepared(org).tokens.qi as string,
    'GET',
    '/v1/peers',
  );
  return json.peers.map((p) => p.org ?? '?').sort();
}

describe('replication between node processes', () => {
  beforeAll(async () => {
    network = await prepareNetwork(ORGS, { antiEntropyMs: 1_500 });
    for (const org of FIRST_THREE) await start(org);
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    for (const node of network) removeDir(node.dir);
  });

  it('three orgs append and converge, each cosigned by the other two', async () => {
    await eventually('a full mesh', async () => {
      for (const org of FIRST_THREE) {
        const peers = await peersOf(org);
        const others = FIRST_THREE.filter((o) => o !== org);
        if (!others.every((o) => peers.includes(o))) return `${org} sees ${peers.join(', ')}`;
      }
      return undefined;
    });
    await Promise.all(FIRST_THREE.map((org) => append(org, 6)));
    await eventually('convergence of three nodes', () => converged(FIRST_THREE, FIRST_THREE));
    const statuses = await Promise.all(FIRST_THREE.map(status));
    for (const s of statuses) {
      for (const org of FIRST_THREE) {
        // The operator appointment, then six entries.
        expect(s.orgs[org]?.size).toBe(7);
        expect(s.orgs[org]?.frozen).toBe(false);
      }
    }
    const { json } = await api<{ fraudProofs: unknown[] }>(
      runningNode('water').url,
      prepared('water').tokens.qi as string,
      'GET',
      '/v1/fraud-proofs',
    );
    expect(json.fraudProofs).toEqual([]);
    const cliPeers = await cliAsync([
      'peers',
      '--node',
      runningNode('gas').url,
      '--token',
      prepared('gas').tokens.qi as string,
      '--json',
    ]);
    expect(cliPeers.status).toBe(0);
    const listed = JSON.parse(cliPeers.stdout) as { peers: Array<{ org?: string }> };
    expect(listed.peers.map((p) => p.org).sort()).toEqual(['power', 'water']);
  }, 90_000);

  it('a node started later with an empty store catches up', async () => {
    await start('archive');
    await eventually('catch-up of the new node', () => converged(ORGS));
    const s = await status('archive');
    for (const org of FIRST_THREE) expect(s.orgs[org]?.size).toBe(7);
  }, 90_000);

  it('a node stopped while the others append catches up after its restart', async () => {
    await stop('power');
    await Promise.all(['water', 'gas', 'archive'].map((org) => append(org, 3)));
    await eventually('convergence without power', () => converged(['water', 'gas', 'archive']));
    await start('power');
    await append('power', 2);
    await eventually('convergence after the restart', () => converged(ORGS));
    const s = await status('power');
    expect(s.orgs.water?.size).toBe(10);
    expect(s.orgs.power?.size).toBe(9);
  }, 120_000);
});
