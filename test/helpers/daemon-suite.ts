/**
 * The frame of a test suite that runs real `liuhen-node` daemons (helpers/network.ts), often next to
 * libp2p peers the test plays itself (helpers/peer.ts): the daemons are prepared, started and
 * meshed before the suite's tests, and every peer and daemon is stopped, and every data directory
 * removed, after them. Also the checks such suites end with: nothing acknowledged is missing on any
 * daemon, and every store verifies clean.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { type PeerId, replicationTopics } from '../../packages/net/src/index.ts';
import { cliAsync, networkOf } from '../../scripts/lib/node-process.ts';
import { type Ack, eventually, TestNetwork } from './network.ts';
import type { MemberKey } from './org-log.ts';
import { daemonPeer, TestPeers } from './peer.ts';

export interface DaemonSuiteOptions {
  /** Genesis members whose node keys the test holds (no daemon runs for them). */
  externalOrgs?: MemberKey[];
  /** Environment of each daemon's process, by org. */
  env?: (org: string) => NodeJS.ProcessEnv;
  /** How long the daemons may take to connect to each other (default: `eventually`'s). */
  meshMs?: number;
  /** The limit of the whole set-up: preparing, starting and meshing. */
  setupMs: number;
}

/** What a peer of the test needs to know of the daemons' network. */
export interface NetworkView {
  /** A daemon's data directory (every one holds the same genesis and swarm key). */
  dir: string;
  genesis: ReturnType<typeof networkOf>['genesis'];
  networkId: Uint8Array;
  topics: ReturnType<typeof replicationTopics>;
}

export class DaemonSuite {
  readonly daemons: string[];
  readonly peers = new TestPeers();
  #net: TestNetwork | undefined;

  constructor(daemons: string[]) {
    this.daemons = daemons;
  }

  /** The network, once the suite's set-up has run. */
  get net(): TestNetwork {
    if (this.#net === undefined) throw new Error('the daemons are not prepared yet');
    return this.#net;
  }

  async setUp(options: DaemonSuiteOptions): Promise<void> {
    this.#net = await TestNetwork.prepare(
      this.daemons,
      options.externalOrgs === undefined ? {} : { externalOrgs: options.externalOrgs },
    );
    const net = this.#net;
    const env = options.env;
    await Promise.all(this.daemons.map((org) => net.start(org, env === undefined ? {} : { env: env(org) })));
    await eventually(`${this.daemons.join(', ')} connected`, () => net.meshed(this.daemons), options.meshMs);
  }

  async tearDown(): Promise<void> {
    await this.peers.stopAll();
    await this.#net?.close();
  }

  view(): NetworkView {
    const dir = this.net.prepared(this.daemons[0] as string).dir;
    const { genesis, networkId } = networkOf(dir);
    return { dir, genesis, networkId, topics: replicationTopics(networkId) };
  }

  /** The libp2p identity of `org`'s daemon. */
  peerOf(org: string): PeerId {
    return daemonPeer(this.net.prepared(org).nodeKey);
  }

  /** Undefined once every daemon lists member `org` (a peer the test plays) as connected. */
  async connected(org: string): Promise<string | undefined> {
    for (const daemon of this.daemons)
      if (!(await this.net.peers(daemon)).some((p) => p.org === org)) return `${daemon} does not see ${org}`;
    return undefined;
  }
}

/**
 * Registers the suite's set-up (beforeAll) and tear-down (afterAll) for `daemons`, in the suite that
 * calls it; the returned suite gives the tests their network once set up.
 */
export function daemonSuite(daemons: string[], options: DaemonSuiteOptions): DaemonSuite {
  const suite = new DaemonSuite(daemons);
  beforeAll(() => suite.setUp(options), options.setupMs);
  afterAll(() => suite.tearDown());
  return suite;
}

/** Every acknowledged entry is indexed by each of `holders`. */
export async function expectEveryAckHeld(net: TestNetwork, holders: string[], acks: Ack[]): Promise<void> {
  for (const holder of holders) {
    const ids = new Set(await net.entryIds(holder));
    for (const ack of acks) expect(ids.has(ack.id), `${holder} holds ${ack.org}/${ack.index}`).toBe(true);
  }
}

/** Stops the daemons of `orgs`, then checks each store entry by entry (`liuhen-node verify`). */
export async function stopAndVerify(net: TestNetwork, orgs: string[]): Promise<void> {
  for (const org of orgs) await net.stop(org);
  for (const org of orgs) {
    const result = await cliAsync(['verify', '--data-dir', net.prepared(org).dir, '--json']);
    expect(result.status, `${org}: ${result.stdout}${result.stderr}`).toBe(0);
  }
}
