/**
 * A network of real `liuhen-node` daemons created by the offline ceremony itself: every node runs
 * `init`, the convener runs `network init` (genesis, swarm key, three authority key files, threshold
 * two), and each data directory gets the genesis and the swarm key. Orgs can be left out of the
 * genesis (a department that joins later through `org.add`), and the test can hold the key of a
 * genesis member that runs no daemon (a relay it plays itself).
 *
 * As in helpers/network.ts, nothing here asserts timing: state is polled with generous deadlines.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../packages/core/src/index.ts';
import { creditCodeCheckCharacter } from '../../packages/governance/src/index.ts';
import { peerIdFromNodeKey } from '../../packages/net/src/index.ts';
import {
  api,
  type CliResult,
  cliAsync,
  configureNode,
  type RunningNetworkNode,
  removeDir,
  startNetworkNode,
  stopAll,
} from '../../scripts/lib/node-process.ts';
import { type Ack, everyoneConnected, freePort, type PeerJson, type Status } from './network.ts';
import type { MemberKey } from './org-log.ts';
import { jointRecord, laneSegment } from './records.ts';

function creditCode(n: number): string {
  const first17 = `91440300MA5F${String(n + 10).padStart(5, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
}

export interface GovernanceJson {
  network: string;
  seq: number;
  head: string;
  orgs: Array<{ id: string; nodeKey: string; nodeKeys: Array<{ key: string; untilHeight?: number }> }>;
  removed: Array<{ org: string; seq: number; size: number }>;
  actions: Array<{ seq: number; type: string; hash: string }>;
}

export class GovernedNetwork {
  /** The ceremony's output: genesis.cbor, genesis.json, swarm.key, authority-{1,2,3}.json. */
  readonly ceremony: string;
  readonly networkId: string;
  readonly dirs = new Map<string, string>();
  readonly tokens = new Map<string, string>();
  readonly running = new Map<string, RunningNetworkNode>();
  readonly #ports = new Map<string, number>();
  readonly #scratch: string;
  #appended = 0;

  private constructor(ceremony: string, networkId: string, scratch: string) {
    this.ceremony = ceremony;
    this.networkId = networkId;
    this.#scratch = scratch;
  }

  /**
   * Data directories for `members` (in the genesis, each with operator `qi` appointed) and
   * `later` (initialised, with the genesis and swarm key, but not members yet); `externals` are
   * genesis members whose keys the test holds.
   */
  static async prepare(
    members: string[],
    later: string[],
    externals: MemberKey[] = [],
  ): Promise<GovernedNetwork> {
    const scratch = mkdtempSync(join(tmpdir(), 'liuhen-gov-'));
    const orgs = [...members, ...later];
    const dirs = new Map(orgs.map((org) => [org, mkdtempSync(join(tmpdir(), `liuhen-gov-${org}-`))]));
    try {
      return await GovernedNetwork.#prepare(members, externals, scratch, orgs, dirs);
    } catch (error) {
      for (const dir of [scratch, ...dirs.values()]) removeDir(dir);
      throw error;
    }
  }

  static async #prepare(
    members: string[],
    externals: MemberKey[],
    scratch: string,
    orgs: string[],
    dirs: Map<string, string>,
  ): Promise<GovernedNetwork> {
    const keys = new Map<string, string>();
    await Promise.all(
      orgs.map(async (org) => {
        const r = await cliAsync(['init', '--data-dir', dirs.get(org) as string, '--org', org, '--json']);
        if (r.status !== 0) throw new Error(`init of ${org} failed: ${r.stderr}`);
        keys.set(org, (JSON.parse(r.stdout) as { nodeKey: string }).nodeKey);
      }),
    );
    const orgsFile = join(scratch, 'orgs.json');
    writeFileSync(
      orgsFile,
      JSON.stringify(
        [
          ...members.map((id) => ({ id, key: keys.get(id) as string })),
          ...externals.map((e) => ({ id: e.id, key: toHex(e.nodeKey) })),
        ].map(({ id, key }, i) => ({
          id,
          name: `${id} department (test)`,
          creditCode: creditCode(i + 1),
          nodeKey: key,
          parties: ['contractor'],
        })),
      ),
    );
    const ceremony = join(scratch, 'ceremony');
    const init = await cliAsync([
      'network',
      'init',
      '--out-dir',
      ceremony,
      '--name',
      'governance test network',
      '--orgs',
      orgsFile,
      '--authorities',
      '3',
      '--threshold',
      '2',
      '--json',
    ]);
    if (init.status !== 0) throw new Error(`network init failed: ${init.stderr}`);
    const net = new GovernedNetwork(
      ceremony,
      (JSON.parse(init.stdout) as { networkId: string }).networkId,
      scratch,
    );
    for (const [org, dir] of dirs) {
      net.dirs.set(org, dir);
      net.#ports.set(org, await freePort());
      writeFileSync(join(dir, 'genesis.cbor'), readFileSync(join(ceremony, 'genesis.cbor')));
      writeFileSync(join(dir, 'swarm.key'), readFileSync(join(ceremony, 'swarm.key')), { mode: 0o600 });
      configureNode(dir, {
        p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], pskFile: 'swarm.key', bootstrap: [], antiEntropyMs: 1_500 },
      });
    }
    await Promise.all(members.map((org) => net.appoint(org)));
    return net;
  }

  /** Appoints operator `qi` on `org`'s log (node stopped) and keeps its token. */
  async appoint(org: string): Promise<void> {
    const validFrom = new Date(Date.now() - 90 * 86_400_000).toISOString();
    const r = await this.cli([
      'operator',
      'appoint',
      '--data-dir',
      this.dir(org),
      '--name',
      'qi',
      '--roles',
      'QI',
      '--licence',
      `LIC-${org}`,
      '--valid-from',
      validFrom,
      '--json',
    ]);
    if (r.status !== 0) throw new Error(`operator appoint on ${org} failed: ${r.stderr}`);
    this.tokens.set(org, (JSON.parse(r.stdout) as { token: string }).token);
  }

  dir(org: string): string {
    const dir = this.dirs.get(org);
    if (dir === undefined) throw new Error(`no data directory for ${org}`);
    return dir;
  }

  /** A file in the test's scratch directory. */
  file(name: string): string {
    return join(this.#scratch, name);
  }

  authority(n: number): string {
    return join(this.ceremony, `authority-${n}.json`);
  }

  /** The node key `org`'s data directory holds now (it changes with `node-key activate`). */
  nodeKey(org: string): string {
    return (
      JSON.parse(readFileSync(join(this.dir(org), 'keys', 'node.json'), 'utf8')) as { publicKey: string }
    ).publicKey;
  }

  addr(org: string): string {
    const peer = peerIdFromNodeKey(Uint8Array.from(Buffer.from(this.nodeKey(org), 'hex')));
    return `/ip4/127.0.0.1/tcp/${this.#ports.get(org)}/p2p/${peer.toString()}`;
  }

  cli(args: string[]): Promise<CliResult> {
    return cliAsync(args);
  }

  /** Runs the CLI and returns its JSON output; throws with stderr on a non-zero exit. */
  async cliJson<T>(args: string[]): Promise<T> {
    const r = await cliAsync([...args, '--json']);
    if (r.status !== 0) throw new Error(`liuhen-node ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** Starts `org`'s daemon on its fixed p2p port, bootstrapping to `peers` (default: every other org). */
  async start(
    org: string,
    peers: string[] = [...this.dirs.keys()].filter((o) => o !== org),
  ): Promise<RunningNetworkNode> {
    const node = await startNetworkNode(
      this.dir(org),
      peers.map((p) => this.addr(p)),
      {
        p2p: { listen: [`/ip4/127.0.0.1/tcp/${this.#ports.get(org)}`] },
      },
    );
    this.running.set(org, node);
    return node;
  }

  async stop(org: string): Promise<void> {
    const node = this.running.get(org);
    if (node === undefined) return;
    await node.stop('SIGTERM');
    this.running.delete(org);
  }

  url(org: string): string {
    const node = this.running.get(org);
    if (node === undefined) throw new Error(`${org} is not running`);
    return node.url;
  }

  token(org: string): string {
    const token = this.tokens.get(org);
    if (token === undefined) throw new Error(`no token for ${org}`);
    return token;
  }

  async get<T>(org: string, path: string): Promise<T> {
    const { status, json } = await api<T>(this.url(org), this.token(org), 'GET', path);
    if (status !== 200) throw new Error(`GET ${path} on ${org}: HTTP ${status} ${JSON.stringify(json)}`);
    return json;
  }

  status(org: string): Promise<Status> {
    return this.get<Status>(org, '/v1/status');
  }

  governance(org: string): Promise<GovernanceJson> {
    return this.get<GovernanceJson>(org, '/v1/governance');
  }

  async peers(org: string): Promise<PeerJson[]> {
    return (await this.get<{ peers: PeerJson[] }>(org, '/v1/peers')).peers;
  }

  /** One joint record through `org`'s API: the HTTP status and the body (an ack or an error). */
  async appendOne(org: string): Promise<{ status: number; json: Ack & { error?: { code: string } } }> {
    this.#appended++;
    return api<Ack & { error?: { code: string } }>(this.url(org), this.token(org), 'POST', '/v1/entries', {
      object: laneSegment(org, this.#appended % 3),
      kind: 'construction.joint-made',
      role: 'QI',
      time: Date.now() - 60_000,
      body: jointRecord(this.#appended),
    });
  }

  /** `n` records, one block each (the node cuts when idle); throws on a refusal. */
  async append(org: string, n: number): Promise<Ack[]> {
    const acks: Ack[] = [];
    for (let i = 0; i < n; i++) {
      const { status, json } = await this.appendOne(org);
      if (status !== 201) throw new Error(`append on ${org}: HTTP ${status} ${JSON.stringify(json)}`);
      acks.push(json);
    }
    return acks;
  }

  /** Undefined once every running node is at governance position `seq`. */
  async governanceAt(seq: number, holders: string[] = [...this.running.keys()]): Promise<string | undefined> {
    for (const org of holders) {
      const g = await this.governance(org);
      if (g.seq !== seq) return `${org} is at governance position ${g.seq}, not ${seq}`;
    }
    return undefined;
  }

  /** Undefined once every org in `orgs` sees each other one as a connected peer. */
  meshed(orgs: string[]): Promise<string | undefined> {
    return everyoneConnected(orgs, (org) => this.peers(org));
  }

  /** Undefined once every running node holds each of `orgs` as that org's own node reports it. */
  async converged(orgs: string[], holders: string[] = [...this.running.keys()]): Promise<string | undefined> {
    const statuses = new Map<string, Status>();
    for (const org of new Set([...holders, ...orgs])) statuses.set(org, await this.status(org));
    for (const org of orgs) {
      const own = statuses.get(org)?.log;
      if (own === undefined) return `${org} is not running`;
      for (const holder of holders) {
        const held = statuses.get(holder)?.orgs[org];
        if (held === undefined) return `${holder} shows no ${org}`;
        if (held.size !== own.size || held.height !== own.height)
          return `${holder} holds ${org} at ${held.size}/${held.height}, ${org} is at ${own.size}/${own.height}`;
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    await stopAll();
    this.running.clear();
    for (const dir of this.dirs.values()) removeDir(dir);
    removeDir(this.#scratch);
  }
}
