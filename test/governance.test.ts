/**
 * Governance between real `liuhen-node` processes (DESIGN §3, §5; issue 5). The network is made by
 * the offline ceremony (`network init`: three authority key files, threshold two); each governance
 * action is proposed, signed by two authorities from their separate key files, and submitted to one
 * node, and every node applies it:
 *
 * 1. `org.add` of a department (lab) that is not in the genesis: its node imports the action, joins,
 *    is admitted by every gater, appends and replicates both ways. Under-threshold and
 *    other-network files are refused with their codes.
 * 2. `org.rotate-key` of gas with an overlap window: the old key's blocks are accepted up to the
 *    overlap height; gas's own node refuses to sign above it (NODE_KEY_RETIRED); an old-key block
 *    above it, gossiped by a peer holding the old key, is rejected by every node; after
 *    `node-key activate` gas continues with the new key and every node accepts its blocks.
 * 3. `org.remove` of power with a freeze point: every node disconnects power and refuses it from
 *    then on; power's blocks beyond the freeze point, relayed by another member, are accepted
 *    nowhere; and `liuhen-node verify` finds power's store clean against the governance log (lab's
 *    log, gas's blocks on both sides of its rotation).
 *
 * Nothing here asserts timing: state is polled with generous deadlines.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Block,
  buildEntry,
  cutBlock,
  fromHex,
  type GovernancePosition,
  type LogState,
  publicKeyFromSeed,
  signEntry,
} from '../packages/core/src/index.ts';
import { encodeGossipBlock, type Host, replicationTopics } from '../packages/net/src/index.ts';
import { openSeed, readKeyFile } from '../packages/node/src/keystore.ts';
import { LedgerStore } from '../packages/store/src/index.ts';
import { networkOf, operatorSeed, PASSPHRASE } from '../scripts/lib/node-process.ts';
import { GovernedNetwork } from './helpers/governance-network.ts';
import { eventually } from './helpers/network.ts';
import { MemberLog, memberKey } from './helpers/org-log.ts';
import { daemonPeer, subscribed, TestPeers } from './helpers/peer.ts';
import { jointRecord, laneSegment } from './helpers/records.ts';

const MEMBERS = ['water', 'gas', 'power'];
const relay = memberKey('relay');

let net: GovernedNetwork;
const peers = new TestPeers();

/** propose → sign by authorities `signers` (separate key files) → the signed action's file. */
async function ceremony(name: string, args: string[], signers: number[]): Promise<string> {
  const file = net.file(`${name}.cbor`);
  await net.cliJson(['governance', 'propose', ...args, '--out', file]);
  for (const n of signers) await net.cliJson(['governance', 'sign', file, '--key', net.authority(n)]);
  return file;
}

/** The node seed `org`'s data directory holds now. */
function nodeSeed(org: string): Uint8Array {
  return openSeed(readKeyFile(join(net.dir(org), 'keys', 'node.json')), PASSPHRASE);
}

/** The head of `org`'s own log, read from its store (its node must be stopped). */
async function logHead(org: string): Promise<LogState> {
  const store = await LedgerStore.open(join(net.dir(org), 'db'));
  try {
    const head = await store.logHead(org);
    if (head === undefined) throw new Error(`${org} has no log`);
    return head;
  } finally {
    await store.close();
  }
}

/** A block of `org`'s log on `state`, cut by `seed`, with `n` records of its operator qi. */
function cutFor(
  org: string,
  state: LogState,
  seed: Uint8Array,
  governance: GovernancePosition,
  n = 1,
): Block {
  const network = fromHex(net.networkId);
  const operator = operatorSeed(net.dir(org), 'qi');
  const envelopes = Array.from(
    { length: n },
    (_, i) =>
      signEntry(
        buildEntry({
          network,
          org,
          object: laneSegment(`${org}-forged`, 0),
          kind: 'construction.joint-made',
          time: Date.now() - 60_000,
          signer: publicKeyFromSeed(operator),
          role: 'QI',
          // Fresh bytes on every call: the forged block must not repeat an earlier one.
          body: jointRecord(i + (Date.now() % 900)),
        }),
        operator,
      ).envelope,
  );
  return cutBlock(state, envelopes, { network, org, seed, time: Date.now(), governance }).block;
}

async function position(org: string, seq: number): Promise<GovernancePosition> {
  const g = await net.governance(org);
  const hash = seq === 0 ? g.network : (g.actions.find((a) => a.seq === seq)?.hash as string);
  return { seq, hash: fromHex(hash) };
}

/** A test peer with `seed` as identity, connected to and gossiping with `orgs`. */
async function joinAs(seed: Uint8Array, orgs: string[]): Promise<Host> {
  const { genesis } = networkOf(net.dir(orgs[0] as string));
  const members = [...genesis.orgs.map((o) => o.nodeKey), ...orgs.map((o) => fromHex(net.nodeKey(o)))];
  const host = await peers.join(
    net.dir(orgs[0] as string),
    seed,
    orgs.map((o) => net.addr(o)),
    { members },
  );
  const topics = replicationTopics(fromHex(net.networkId));
  await subscribed(
    host,
    topics.blocks,
    orgs.map((o) => daemonPeer(net.nodeKey(o))),
    60_000,
  );
  return host;
}

async function scoreOf(holder: string, host: Host): Promise<number | undefined> {
  return (await net.peers(holder)).find((p) => p.peerId === host.peerId.toString())?.score;
}

describe('governance between node processes', () => {
  beforeAll(async () => {
    net = await GovernedNetwork.prepare(MEMBERS, ['lab'], [relay]);
    await Promise.all(MEMBERS.map((org) => net.start(org)));
    await eventually('a full mesh of the genesis members', () => net.meshed(MEMBERS));
    await Promise.all(MEMBERS.map((org) => net.append(org, 2)));
    await eventually('convergence of the genesis members', () => net.converged(MEMBERS));
  }, 180_000);

  afterAll(async () => {
    await peers.stopAll();
    await net?.close();
  });

  it('org.add: 2 of 3 authorities sign, one node takes it, every node applies it, the new department joins', async () => {
    const online = ['--node', net.url('water'), '--token', net.token('water')];
    const file = await ceremony(
      'add-lab',
      [
        'org.add',
        ...online,
        '--id',
        'lab',
        '--legal-name',
        'Shenzhen Test Lab Ltd',
        '--credit-code',
        '91440300MA5F00003G',
        '--node-key',
        net.nodeKey('lab'),
        '--parties',
        'lab',
      ],
      [1],
    );
    // One signature of the two needed: refused, with its code, and nothing changes.
    const under = await net.cli(['governance', 'submit', file, ...online]);
    expect(under.status).toBe(2);
    expect(under.stderr).toMatch(/GOV_UNDER_THRESHOLD/);
    // The same authority again: refused before anything is written.
    const twice = await net.cli(['governance', 'sign', file, '--key', net.authority(1)]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/GOV_DUPLICATE_SIGNER/);
    // An authority of another network refuses to sign it.
    const other = await net.cli([
      'network',
      'init',
      '--out-dir',
      net.file('other-network'),
      '--name',
      'another network',
      '--orgs',
      net.file('orgs.json'),
      '--authorities',
      '1',
      '--threshold',
      '1',
    ]);
    expect(other.status).toBe(0);
    const foreign = await net.cli([
      'governance',
      'sign',
      file,
      '--key',
      `${net.file('other-network')}/authority-1.json`,
    ]);
    expect(foreign.status).toBe(2);
    expect(foreign.stderr).toMatch(/GOV_WRONG_NETWORK/);

    const signed = await net.cliJson<{ signatures: unknown[]; network: string }>([
      'governance',
      'sign',
      file,
      '--key',
      net.authority(3),
    ]);
    expect(signed.signatures).toHaveLength(2);
    expect(signed.network).toBe(net.networkId);
    const applied = await net.cliJson<{ seq: number }>(['governance', 'submit', file, ...online]);
    expect(applied.seq).toBe(1);
    await eventually('every node applies org.add', () => net.governanceAt(1));
    // A replay is refused.
    const replay = await net.cli([
      'governance',
      'submit',
      file,
      '--node',
      net.url('gas'),
      '--token',
      net.token('gas'),
    ]);
    expect(replay.status).toBe(2);
    expect(replay.stderr).toMatch(/GOV_ACTION_REPLAYED/);

    // The new department's node: imports the action that admits it, appoints its operator, starts.
    const imported = await net.cliJson<{ seq: number }>([
      'governance',
      'import',
      file,
      '--data-dir',
      net.dir('lab'),
    ]);
    expect(imported.seq).toBe(1);
    await net.appoint('lab');
    await net.start('lab', MEMBERS);
    await eventually('lab connected to every member', () => net.meshed([...MEMBERS, 'lab']));
    await net.append('lab', 3);
    await Promise.all(MEMBERS.map((org) => net.append(org, 1)));
    await eventually('every node holds every log, lab included', () => net.converged([...MEMBERS, 'lab']));
    const log = await net.cliJson<{ seq: number; orgs: Array<{ id: string }> }>([
      'governance',
      'log',
      '--node',
      net.url('power'),
      '--token',
      net.token('power'),
    ]);
    expect(log.seq).toBe(1);
    expect(log.orgs.map((o) => o.id)).toContain('lab');
  }, 240_000);

  it('org.rotate-key: the old key signs up to the overlap height, no further; the new key takes over', async () => {
    const gasHeight = (await net.status('gas')).log.height;
    const until = gasHeight + 2;
    const next = await net.cliJson<{ nodeKey: string }>(['node-key', 'new', '--data-dir', net.dir('gas')]);
    const file = await ceremony(
      'rotate-gas',
      [
        'org.rotate-key',
        '--node',
        net.url('power'),
        '--token',
        net.token('power'),
        '--org',
        'gas',
        '--node-key',
        next.nodeKey,
        '--old-key-until-height',
        String(until),
      ],
      [1, 2],
    );
    await net.cliJson([
      'governance',
      'submit',
      file,
      '--node',
      net.url('power'),
      '--token',
      net.token('power'),
    ]);
    await eventually('every node applies org.rotate-key', () => net.governanceAt(2));

    // Within the overlap window the old key still signs, and every node accepts.
    const acks = await net.append('gas', 2);
    expect(acks.map((a) => a.height)).toEqual([gasHeight + 1, until]);
    await eventually('gas up to the overlap height everywhere', () => net.converged(['gas']));
    // Above it, gas's own node refuses to sign with the old key.
    const refused = await net.appendOne('gas');
    expect(refused.status).toBe(403);
    expect(refused.json.error?.code).toBe('NODE_KEY_RETIRED');

    // An old-key block above the window, gossiped by a peer that holds the old key: rejected by all.
    const oldSeed = nodeSeed('gas');
    await net.stop('gas');
    const forged = cutFor('gas', await logHead('gas'), oldSeed, await position('water', 2));
    expect(forged.header.height).toBe(until + 1);
    const holders = ['water', 'power', 'lab'];
    const stale = await joinAs(oldSeed, holders);
    await stale.pubsub.publish(
      replicationTopics(fromHex(net.networkId)).blocks,
      encodeGossipBlock({ header: forged.header, entries: forged.envelopes }),
    );
    await eventually('the old-key block above the window is rejected (its sender penalised)', async () => {
      for (const holder of ['water', 'power']) {
        const score = await scoreOf(holder, stale);
        if (!(score !== undefined && score < 0)) return `${holder} scores the sender ${score}`;
      }
      return undefined;
    });
    for (const holder of holders) expect((await net.status(holder)).orgs.gas?.height).toBe(until);
    await peers.stop(stale);

    // The new key: activated on gas's node (stopped), which continues its log above the window.
    await net.cliJson(['node-key', 'activate', '--data-dir', net.dir('gas')]);
    expect(net.nodeKey('gas')).toBe(next.nodeKey);
    await net.start('gas');
    await eventually('gas, with its new key, connected to every node', () => net.meshed([...holders, 'gas']));
    const after = await net.append('gas', 2);
    expect(after[0]?.height).toBe(until + 1);
    await eventually('gas above the window everywhere', () => net.converged(['gas', ...holders]));
    const keys = (await net.governance('water')).orgs.find((o) => o.id === 'gas')?.nodeKeys;
    expect(keys?.map((k) => k.key)).toEqual([
      Buffer.from(publicKeyFromSeed(oldSeed)).toString('hex'),
      next.nodeKey,
    ]);
    expect(keys?.[0]?.untilHeight).toBe(until);
  }, 300_000);

  it('org.remove with a freeze point: the org is disconnected, refused, and its later blocks rejected', async () => {
    const holders = ['water', 'gas', 'lab'];
    const frozenAt = (await net.status('power')).log.size;
    const file = await ceremony(
      'remove-power',
      [
        'org.remove',
        '--node',
        net.url('lab'),
        '--token',
        net.token('lab'),
        '--org',
        'power',
        '--freeze-size',
        String(frozenAt),
        '--reason',
        'node key compromised',
      ],
      [2, 3],
    );
    await net.cliJson(['governance', 'submit', file, '--node', net.url('lab'), '--token', net.token('lab')]);
    await eventually('every remaining node applies org.remove', () => net.governanceAt(3, holders));
    await eventually('every node disconnects power', async () => {
      for (const holder of holders)
        if ((await net.peers(holder)).some((p) => p.org === 'power')) return `${holder} still sees power`;
      return undefined;
    });
    // Power's node keeps dialling (bootstrap, with backoff): every node refuses it every time, so
    // no connection to it ever completes on their side. (Power itself may see a dial succeed for a
    // moment: the initiator finishes its handshake before the responder's gater has judged it.)
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline) {
      for (const holder of holders)
        expect((await net.peers(holder)).map((p) => p.org)).not.toContain('power');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    for (const holder of holders) {
      const held = (await net.status(holder)).orgs.power;
      expect(held?.size).toBe(frozenAt);
      expect(held?.frozen).toBe(true);
    }

    // Power's blocks beyond the freeze point, relayed by another member: accepted nowhere, whatever
    // governance position they claim (before the removal: ORG_FROZEN; after: UNKNOWN_ORG).
    const powerSeed = nodeSeed('power');
    await net.stop('power');
    const state = await logHead('power');
    expect(state.frontier.size).toBe(frozenAt);
    // Its store verifies clean against the governance log: lab's log (an org added by an action)
    // and gas's blocks on both sides of its key rotation.
    const verified = await net.cli(['verify', '--data-dir', net.dir('power'), '--json']);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
    const beforeRemoval = cutFor('power', state, powerSeed, await position('water', 2));
    const afterRemoval = cutFor('power', state, powerSeed, await position('water', 3), 2);
    const host = await joinAs(relay.seed, holders);
    const topics = replicationTopics(fromHex(net.networkId));
    for (const block of [beforeRemoval, afterRemoval])
      await host.pubsub.publish(
        topics.blocks,
        encodeGossipBlock({ header: block.header, entries: block.envelopes }),
      );
    // The relay's own next block shows its gossip gets through, and is judged on its own merits.
    const relayLog = new MemberLog(relay, fromHex(net.networkId));
    const own = relayLog.append([relayLog.appointment(), ...relayLog.records(1)]);
    await host.pubsub.publish(
      topics.blocks,
      encodeGossipBlock({ header: own.header, entries: own.envelopes }),
    );
    await eventually('the relay block accepted everywhere', async () => {
      for (const holder of holders)
        if ((await net.status(holder)).orgs.relay?.size !== 2) return `${holder} lacks the relay block`;
      return undefined;
    });
    for (const holder of holders) {
      expect((await net.status(holder)).orgs.power?.size).toBe(frozenAt);
      // Relaying a block one cannot know is frozen is no offence: the relay is not penalised.
      expect(await scoreOf(holder, host)).toBeGreaterThanOrEqual(0);
    }
  }, 300_000);
});
