/**
 * A network of real `liuhen-node` daemons for the replication tests: start and stop them by org,
 * talk to their HTTP APIs, and poll for convergence. Nothing here asserts timing: state is polled
 * with generous deadlines, so the tests hold on a loaded 2-core machine.
 *
 * Each node keeps one p2p port on 127.0.0.1 for the whole test, like a real department node, so
 * every node's bootstrap list names every other node before any has started: nodes start in
 * parallel, and a restarted node is found again at the same address.
 */
import { createServer } from 'node:net';
import { peerIdFromNodeKey } from '../../packages/net/src/index.ts';
import type { WitnessInfo } from '../../packages/node/src/index.ts';
import {
  api,
  type NetworkNode,
  prepareNetwork,
  type RunningNetworkNode,
  removeDir,
  startNetworkNode,
  stopAll,
} from '../../scripts/lib/node-process.ts';
import { jointRecord, laneSegment } from './records.ts';

export interface OrgState {
  size: number;
  height: number;
  root: string | null;
  frozen: boolean;
  /** The size a fraud proof froze the log at (null: not frozen by one). */
  frozenAt: number | null;
  lastCosigners: string[];
  bestKnown: number;
  lag: number;
  syncing: boolean;
}

export interface Status {
  org: string;
  log: { size: number; height: number; pending: number };
  orgs: Record<string, OrgState>;
}

export interface PeerJson {
  peerId: string;
  org?: string;
  addrs: string[];
  score: number;
}

export interface Ack {
  id: string;
  org: string;
  index: number;
  height: number;
}

export interface EntryJson {
  id: string;
  org: string;
  index: number;
  entry: { time: number; object: string; kind: string };
  witness?: WitnessInfo;
}

export interface FraudProofJson {
  org: string;
  kind: string;
  first: string;
  second: string;
  proof: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port free on 127.0.0.1 right now (the kernel's choice). */
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

/** Polls `check` until it returns undefined (done) or the deadline passes; the last reason fails. */
export async function eventually(
  what: string,
  check: () => Promise<string | undefined>,
  ms = 60_000,
  intervalMs = 300,
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
    await sleep(intervalMs);
  }
  throw new Error(`${what} did not happen in ${ms} ms: ${reason}`);
}

/** Undefined once every org in `orgs` lists every other one among its connected `peers`. */
export async function everyoneConnected(
  orgs: string[],
  peers: (org: string) => Promise<PeerJson[]>,
): Promise<string | undefined> {
  for (const org of orgs) {
    const connected = (await peers(org)).map((p) => p.org ?? '?');
    const missing = orgs.filter((o) => o !== org && !connected.includes(o));
    if (missing.length > 0) return `${org} does not see ${missing.join(', ')}`;
  }
  return undefined;
}

export class TestNetwork {
  readonly nodes: NetworkNode[];
  readonly running = new Map<string, RunningNetworkNode>();
  /** org → its p2p multiaddr (fixed port, with /p2p/<peer id>). */
  readonly #p2p: Map<string, string>;
  #appended = 0;

  private constructor(nodes: NetworkNode[], p2p: Map<string, string>) {
    this.nodes = nodes;
    this.#p2p = p2p;
  }

  /** Data directories for `orgs` (daemons) plus `externalOrgs` (members whose keys the test holds). */
  static async prepare(
    orgs: string[],
    options: Parameters<typeof prepareNetwork>[1] = {},
  ): Promise<TestNetwork> {
    const nodes = await prepareNetwork(orgs, { antiEntropyMs: 1_500, ...options });
    const p2p = new Map<string, string>();
    for (const node of nodes) {
      const peer = peerIdFromNodeKey(Uint8Array.from(Buffer.from(node.nodeKey, 'hex')));
      p2p.set(node.org, `/ip4/127.0.0.1/tcp/${await freePort()}/p2p/${peer.toString()}`);
    }
    return new TestNetwork(nodes, p2p);
  }

  prepared(org: string): NetworkNode {
    const node = this.nodes.find((n) => n.org === org);
    if (node === undefined) throw new Error(`no prepared node ${org}`);
    return node;
  }

  node(org: string): RunningNetworkNode {
    const node = this.running.get(org);
    if (node === undefined) throw new Error(`${org} is not running`);
    return node;
  }

  token(org: string): string {
    return this.prepared(org).tokens.qi as string;
  }

  /** The p2p addresses of `orgs` (default: every node's), running or not. */
  addrs(orgs: Iterable<string> = this.#p2p.keys()): string[] {
    return [...orgs].map((org) => {
      const address = this.#p2p.get(org);
      if (address === undefined) throw new Error(`no p2p address for ${org}`);
      return address;
    });
  }

  /**
   * Starts `org`'s daemon on its fixed p2p port, bootstrapping to `bootstrap` (default: every
   * other node of the network; those not up yet are retried with backoff).
   */
  async start(
    org: string,
    options: { bootstrap?: string[]; p2p?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
  ): Promise<RunningNetworkNode> {
    const own = this.addrs([org])[0] as string;
    const listen = own.slice(0, own.indexOf('/p2p/'));
    const bootstrap = options.bootstrap ?? this.addrs().filter((a) => a !== own);
    const node = await startNetworkNode(this.prepared(org).dir, bootstrap, {
      p2p: { listen: [listen], ...options.p2p },
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    this.running.set(org, node);
    return node;
  }

  /** Starts several daemons at once (each knows the others' fixed addresses). */
  async startAll(
    orgs: string[],
    options: { p2p?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
  ): Promise<void> {
    await Promise.all(orgs.map((org) => this.start(org, options)));
  }

  async stop(org: string): Promise<void> {
    await this.node(org).stop('SIGTERM');
    this.running.delete(org);
  }

  async get<T>(org: string, path: string): Promise<T> {
    const { status, json } = await api<T>(this.node(org).url, this.token(org), 'GET', path);
    if (status !== 200) throw new Error(`GET ${path} on ${org}: HTTP ${status} ${JSON.stringify(json)}`);
    return json;
  }

  status(org: string): Promise<Status> {
    return this.get<Status>(org, '/v1/status');
  }

  async peers(org: string): Promise<PeerJson[]> {
    return (await this.get<{ peers: PeerJson[] }>(org, '/v1/peers')).peers;
  }

  async fraudProofs(org: string): Promise<FraudProofJson[]> {
    return (await this.get<{ fraudProofs: FraudProofJson[] }>(org, '/v1/fraud-proofs')).fraudProofs;
  }

  /** Appends `n` joint records through `org`'s API (operator qi); returns the acknowledgements. */
  async append(org: string, n: number, options: { time?: number } = {}): Promise<Ack[]> {
    const acks: Ack[] = [];
    for (let i = 0; i < n; i++) {
      this.#appended++;
      const { status, json } = await api<Ack>(this.node(org).url, this.token(org), 'POST', '/v1/entries', {
        object: laneSegment(org, this.#appended % 3),
        kind: 'construction.joint-made',
        role: 'QI',
        time: options.time ?? Date.now() - 60_000,
        body: jointRecord(this.#appended),
      });
      if (status !== 201) throw new Error(`append on ${org}: HTTP ${status} ${JSON.stringify(json)}`);
      acks.push(json);
    }
    return acks;
  }

  /** Every entry id of `kind` that `holder` indexes, in index order, paged through the API. */
  async entryIds(holder: string, kind = 'construction.joint-made'): Promise<string[]> {
    const ids: string[] = [];
    let after = '';
    for (;;) {
      const page = await this.get<{ entries: Array<{ id: string }> }>(
        holder,
        `/v1/entries?kind=${encodeURIComponent(kind)}&limit=1000${after === '' ? '' : `&after=${after}`}`,
      );
      ids.push(...page.entries.map((e) => e.id));
      if (page.entries.length < 1000) return ids;
      after = (page.entries.at(-1) as { id: string }).id;
    }
  }

  /** Undefined once every org in `orgs` sees every other one as a connected peer. */
  meshed(orgs: string[]): Promise<string | undefined> {
    return everyoneConnected(orgs, (org) => this.peers(org));
  }

  /**
   * Undefined once every node in `holders` (default: every running node) holds every org in
   * `orgs` with the size, height and root that org's own node reports; with `cosigned`, each
   * org's latest checkpoint is cosigned (on every holder) by every other org in `cosigned`.
   */
  async converged(
    orgs: string[],
    cosigned: string[] = [],
    holders: string[] = [...this.running.keys()],
  ): Promise<string | undefined> {
    const statuses = new Map<string, Status>();
    for (const org of new Set([...holders, ...orgs])) statuses.set(org, await this.status(org));
    for (const org of orgs) {
      const own = statuses.get(org)?.orgs[org];
      if (own === undefined) return `${org} is not running`;
      if (own.size !== statuses.get(org)?.log.size) return `${org}'s status disagrees with its log`;
      for (const holder of holders) {
        const held = statuses.get(holder)?.orgs[org];
        if (held === undefined) return `${holder} shows no ${org}`;
        if (held.size !== own.size || held.height !== own.height || held.root !== own.root)
          return `${holder} holds ${org} at ${held.size}/${held.height}, ${org} is at ${own.size}/${own.height}`;
        const missing = cosigned.filter((w) => w !== org && !held.lastCosigners.includes(w));
        if (missing.length > 0) return `${holder}: ${org}'s head lacks cosignatures of ${missing.join(', ')}`;
      }
    }
    return undefined;
  }

  /** Kills every daemon still running and removes the data directories. */
  async close(): Promise<void> {
    await stopAll();
    this.running.clear();
    for (const node of this.nodes) removeDir(node.dir);
  }
}
