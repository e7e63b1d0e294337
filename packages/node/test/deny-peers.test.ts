/**
 * `p2p.denyPeers` resolved against the governance state (issue 5): a department added by
 * governance after the genesis can be denied by its org id, and stays denied when governance
 * rotates its node key, while other members — a rotated key included — still connect. Real libp2p
 * on 127.0.0.1: the node's replication as the daemon starts it, and peers with the members' keys.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, type KeyPair } from '@liuhen/core';
import {
  createHost,
  encodeHeadsRequest,
  generateSwarmKey,
  HEADS_PROTOCOL,
  type Host,
  isNetError,
  multiaddr,
  peerIdFromNodeKey,
  requestAll,
} from '@liuhen/net';
import { LedgerStore } from '@liuhen/store';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeGovernance } from '../src/governance.ts';
import { deniesKey, type Replication, resolveDenyPeers, startReplication } from '../src/replication.ts';
import { code } from './fixtures.ts';
import { addLab, OWN, REMOTE, rotateKey, type TestNetwork, twoOrgNetwork } from './governance-fixtures.ts';

let dir: string;
let psk: string;
let supervisor: KeyPair;
let contractor: KeyPair;
let lab: KeyPair;
let net: TestNetwork;
let store: LedgerStore;
let governance: NodeGovernance;
const hosts: Host[] = [];
let replication: Replication | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-deny-peers-'));
  psk = generateSwarmKey();
  writeFileSync(join(dir, 'swarm.key'), psk);
  ({ contractor, supervisor, net } = twoOrgNetwork());
  lab = generateKeyPair();
  store = await LedgerStore.open(join(dir, 'db'));
  governance = await net.openGovernance(store);
  // The lab joins after the genesis.
  await governance.submit(net.act(governance.state, addLab(lab.publicKey)));
});

afterEach(async () => {
  await Promise.allSettled(hosts.splice(0).map((h) => h.stop()));
  await replication?.stop();
  replication = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(denyPeers: unknown): Promise<Replication> {
  return startReplication({
    dataDir: dir,
    config: { pskFile: 'swarm.key', listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], denyPeers } as never,
    org: OWN,
    genesis: net.genesis,
    networkId: net.network,
    nodeSeed: supervisor.seed,
    store,
    logger: pino({ level: 'silent' }),
    governance,
    maxBlobBytes: 1024,
  });
}

/** A peer with `key` asks the node for its heads: 'answered', or the code of the failure. */
async function ask(node: Replication, key: KeyPair): Promise<string> {
  const host = await createHost({ seed: key.seed, psk, members: [supervisor.publicKey] });
  hosts.push(host);
  try {
    await requestAll(host.node, multiaddr(node.addrs()[0] as string), HEADS_PROTOCOL, encodeHeadsRequest(), {
      timeoutMs: 15_000,
    });
    return 'answered';
  } catch (error) {
    return isNetError(error) ? error.code : String(error);
  } finally {
    hosts.splice(hosts.indexOf(host), 1);
    await host.stop();
  }
}

const REFUSED = ['NET_DIAL_FAILED', 'NET_STREAM_FAILED', 'NET_TIMEOUT'];

describe('p2p.denyPeers', () => {
  it('resolves org ids and peer ids against the governance state, and refuses unknown names', async () => {
    const state = governance.state;
    expect([...resolveDenyPeers(['lab'], state, OWN)]).toEqual(['lab']);
    // A peer id names its org: every key the org has or will have is denied.
    const byPeer = resolveDenyPeers([peerIdFromNodeKey(lab.publicKey).toString()], state, OWN);
    expect([...byPeer]).toEqual(['lab']);
    const next = generateKeyPair();
    await governance.submit(net.act(state, rotateKey('lab', next.publicKey)));
    expect(deniesKey(state, byPeer, next.publicKey)).toBe(true);
    expect(deniesKey(state, byPeer, lab.publicKey)).toBe(true);
    expect(deniesKey(state, byPeer, contractor.publicKey)).toBe(false);
    // The old key's peer id still names the lab.
    expect([...resolveDenyPeers([peerIdFromNodeKey(lab.publicKey).toString()], state, OWN)]).toEqual(['lab']);

    const refused = async (list: unknown) =>
      code(Promise.resolve().then(() => resolveDenyPeers(list, state, OWN)));
    expect(await refused(['nobody'])).toBe('CONFIG_INVALID');
    expect(await refused([peerIdFromNodeKey(generateKeyPair().publicKey).toString()])).toBe('CONFIG_INVALID');
    expect(await refused([OWN])).toBe('CONFIG_INVALID');
    expect(await refused('lab')).toBe('CONFIG_INVALID');
    expect(await code(start(['nobody']))).toBe('CONFIG_INVALID');
  });

  it('refuses an org added by governance, and its node key after a rotation; admits the others', {
    timeout: 180_000,
  }, async () => {
    replication = await start(['lab']);
    expect(replication.denied()).toEqual(['lab']);
    expect(await ask(replication, contractor)).toBe('answered');
    expect(REFUSED).toContain(await ask(replication, lab));

    // Governance gives both orgs new node keys: the lab's is refused, the contractor's admitted.
    const lab2 = generateKeyPair();
    const contractor2 = generateKeyPair();
    await governance.submit(net.act(governance.state, rotateKey('lab', lab2.publicKey)));
    await governance.submit(net.act(governance.state, rotateKey(REMOTE, contractor2.publicKey)));
    expect(await ask(replication, contractor2)).toBe('answered');
    expect(REFUSED).toContain(await ask(replication, lab2));
    expect(replication.peers().map((p) => p.org)).not.toContain('lab');

    // The same key without the denial connects: the refusals were the denial, not the key.
    await replication.stop();
    replication = await start([]);
    expect(await ask(replication, lab2)).toBe('answered');
  });
});
