/**
 * Governance replication (docs/protocol.md §12.6): the messages and their limits, the byte
 * examples of the document, and the replicator between real hosts — fetch on connect, gossip with
 * a verifying validator, filling a gap behind a gossiped action, `catchUp` to a position, and a
 * peer that lies being refused and penalised. The log here is a stand-in that accepts the actions
 * `action 1`, `action 2`, … in order and fails with the governance codes otherwise; the real
 * verification is the node's (packages/node/test/governance.test.ts).
 */
import '../src/polyfill.ts';
import { readFileSync } from 'node:fs';
import {
  buildEntry,
  concatBytes,
  cutBlock,
  emptyLogState,
  encodeCanonical,
  type GovernancePosition,
  publicKeyFromSeed,
  sha256,
  signEntry,
  toHex,
  utf8,
} from '@liuhen/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decodeGossipAction,
  decodeGovernanceRequest,
  decodeGovernanceResponse,
  encodeGossipAction,
  encodeGovernanceRequest,
  encodeGovernanceResponse,
  FRAME_DATA,
  GOVERNANCE_PROTOCOL,
  type GovernanceLog,
  GovernanceReplicator,
  generateSwarmKey,
  governanceTopic,
  type HeaderKeyVerdict,
  type Host,
  isNetError,
  MAX_GOVERNANCE_ACTIONS,
  MAX_SIGNED_ACTION_BYTES,
  MemoryReplicaStore,
  Replicator,
  requestAll,
  serveRequests,
} from '../src/index.ts';
import { Hosts, newOrg, type Org, waitUntil } from './helpers.ts';

const network = new Uint8Array(32).fill(7);
const psk = generateSwarmKey();
const hosts = new Hosts();
const replicators: GovernanceReplicator[] = [];

afterEach(async () => {
  await Promise.all(replicators.splice(0).map((r) => r.stop()));
  await hosts.stopAll();
});

const action = (n: number) => utf8(`action ${n}`);

function failure(code: string): Error {
  return Object.assign(new Error(`${code}: test`), { name: 'GovernanceError', code });
}

/** Accepts `action N` at position N only; "bad" actions fail verification. */
class TestLog implements GovernanceLog {
  readonly applied: Uint8Array[] = [];

  constructor(n = 0) {
    for (let i = 1; i <= n; i++) this.applied.push(action(i));
  }

  get seq(): number {
    return this.applied.length;
  }

  actionBytes(from: number, to: number): Uint8Array[] {
    return this.applied.slice(from - 1, Math.min(to, this.seq));
  }

  async submit(bytes: Uint8Array): Promise<unknown> {
    const text = new TextDecoder().decode(bytes);
    const n = Number(/^action (\d+)$/.exec(text)?.[1] ?? Number.NaN);
    if (!Number.isInteger(n)) throw failure('GOV_SIGNATURE_INVALID');
    if (n <= this.seq)
      throw failure(
        toHex(this.applied[n - 1] as Uint8Array) === toHex(bytes)
          ? 'GOV_ACTION_REPLAYED'
          : 'GOV_ACTION_CONFLICT',
      );
    if (n > this.seq + 1) throw failure('GOV_ACTION_OUT_OF_ORDER');
    this.applied.push(bytes);
    return n;
  }
}

async function node(log: TestLog, options: { bootstrap?: Host[]; org?: Org; members: Org[] }) {
  const org = options.org ?? newOrg();
  const host = await hosts.create(org, {
    psk,
    members: options.members.map((o) => o.nodeKey),
    scoredTopics: [governanceTopic(network)],
    bootstrap: (options.bootstrap ?? []).flatMap((h) => h.multiaddrs().map(String)),
  });
  const replicator = new GovernanceReplicator({
    host,
    log,
    network,
    antiEntropyMs: 0,
    requestTimeoutMs: 10_000,
  });
  await replicator.start();
  replicators.push(replicator);
  return { host, replicator, log, org };
}

describe('governance messages', () => {
  it('round-trip, and are refused when malformed, out of range or too large', () => {
    const request = encodeGovernanceRequest({ from: 3, to: 10 });
    expect(decodeGovernanceRequest(request)).toEqual({ from: 3, to: 10 });
    for (const bad of [
      encodeCanonical({ type: 'governance-request', from: 0, to: 1 }),
      encodeCanonical({ type: 'governance-request', from: 5, to: 4 }),
      encodeCanonical({ type: 'governance-request', from: 1, to: 2, extra: 1 }),
      encodeCanonical({ type: 'heads-request' }),
      utf8('junk'),
    ])
      expect(() => decodeGovernanceRequest(bad)).toThrow(/NET_MESSAGE_MALFORMED|not|expected/);
    const response = encodeGovernanceResponse({ head: 5, actions: [action(3), action(4)] });
    expect(decodeGovernanceResponse(response, { from: 3, to: 10 })).toEqual({
      head: 5,
      actions: [action(3), action(4)],
    });
    // More actions than asked for, or a head below what was sent: a lie.
    expect(() => decodeGovernanceResponse(response, { from: 3, to: 3 })).toThrow(/2 actions/);
    expect(() =>
      decodeGovernanceResponse(encodeGovernanceResponse({ head: 3, actions: [action(3), action(4)] }), {
        from: 3,
        to: 9,
      }),
    ).toThrow(/head 3/);
    expect(() =>
      encodeGovernanceResponse({ head: 1, actions: [new Uint8Array(MAX_SIGNED_ACTION_BYTES + 1)] }),
    ).toThrow(/byte string/);
    expect(() =>
      encodeGovernanceResponse({
        head: 1,
        actions: Array.from({ length: MAX_GOVERNANCE_ACTIONS + 1 }, () => action(1)),
      }),
    ).toThrow(/more than/);
    expect(decodeGossipAction(encodeGossipAction(action(1)))).toEqual(action(1));
    expect(() =>
      decodeGossipAction(encodeCanonical({ type: 'governance-action', action: 'text' })),
    ).toThrow();
    expect(governanceTopic(network)).toBe(`/liuhen/${toHex(network)}/governance`);
  });

  it('are the bytes docs/protocol.md §12.6 shows', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('### 12.6 Governance replication'), doc.indexOf('## 13.'));
    const hexAfter = (label: string): string => {
      const at = section.indexOf(label);
      if (at < 0) throw new Error(`not in §12.6: ${label}`);
      const fence = section.indexOf('```\n', at) + 4;
      return section.slice(fence, section.indexOf('\n```', fence)).replace(/\s/g, '');
    };
    const request = encodeGovernanceRequest({ from: 1, to: 1024 });
    const frame = concatBytes(Uint8Array.of(request.byteLength + 1, FRAME_DATA), request);
    expect(hexAfter('the request for positions 1 to 1024 as a DATA frame')).toBe(toHex(frame));
    expect(section).toContain(`DATA frame (${frame.byteLength} bytes)`);
    const response = encodeGovernanceResponse({ head: 1, actions: [utf8('signed action')] });
    expect(hexAfter('a response whose one action is the 13 bytes')).toBe(toHex(response));
    expect(section).toContain(`(${response.byteLength} bytes)`);
    const gossip = encodeGossipAction(utf8('signed action'));
    expect(hexAfter('the gossip message carrying the same 13 bytes')).toBe(toHex(gossip));
    expect(section).toContain(`(${gossip.byteLength} bytes)`);
  });
});

describe('GovernanceReplicator', () => {
  it('fetches on connect, gossips with a verifying validator, fills a gap, and catches up to a position', async () => {
    const orgs: [Org, Org, Org] = [newOrg(), newOrg(), newOrg()];
    const a = await node(new TestLog(3), { org: orgs[0], members: orgs });
    const b = await node(new TestLog(), { org: orgs[1], members: orgs, bootstrap: [a.host] });
    await waitUntil('b fetched a’s three actions on connect', () => b.log.seq === 3);

    // Gossip: a applies action 4 and publishes it; b's validator applies it.
    const topic = governanceTopic(network);
    await waitUntil('b subscribed', () =>
      a.host.pubsub.getSubscribers(topic).some((p) => p.equals(b.host.peerId)),
    );
    await a.log.submit(action(4));
    await a.replicator.publish(action(4));
    await waitUntil('b applied the gossiped action', () => b.log.seq === 4);

    // A gossiped action with a gap behind it: b fetches the missing one from the sender first.
    a.log.applied.push(action(5), action(6));
    await a.replicator.publish(action(6));
    await waitUntil('b filled the gap', () => b.log.seq === 6);

    // catchUp: c asks a for position 2 at least.
    const c = await node(new TestLog(), { org: orgs[2], members: orgs });
    await c.host.node.dial(a.host.multiaddrs()[0] as never);
    expect(await c.replicator.catchUp(a.host.peerId, 2)).toBe(true);
    expect(c.log.seq).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('refuses and penalises a peer whose actions do not verify, over fetch and over gossip', async () => {
    const orgs: [Org, Org, Org] = [newOrg(), newOrg(), newOrg()];
    const honest = await node(new TestLog(), { org: orgs[0], members: orgs });
    // The liar answers fetches with an action that does not verify, and gossips one.
    const liar = await hosts.create(orgs[1], {
      psk,
      members: orgs.map((o) => o.nodeKey),
      bootstrap: honest.host.multiaddrs().map(String),
    });
    await serveRequests(liar.node, GOVERNANCE_PROTOCOL, function* () {
      yield encodeGovernanceResponse({ head: 1, actions: [utf8('forged')] });
    });
    await waitUntil('connected', () => honest.host.node.getPeers().length === 1);
    let error: unknown;
    try {
      await honest.replicator.pull(liar.peerId);
    } catch (e) {
      error = e;
    }
    expect(isNetError(error, 'NET_SYNC_INVALID')).toBe(true);
    expect(honest.log.seq).toBe(0);
    expect(honest.host.offences(liar.peerId)).toBeGreaterThan(0);

    // A response that is not even a message of the protocol.
    const frames = await requestAll(liar.node, honest.host.peerId, GOVERNANCE_PROTOCOL, utf8('junk'), {
      timeoutMs: 10_000,
    }).catch((e: unknown) => e);
    expect(isNetError(frames, 'NET_MESSAGE_MALFORMED')).toBe(true);

    // Gossip, from a third member that has not offended over fetches: rejected, and that costs it.
    const gossiper = await hosts.create(orgs[2], {
      psk,
      members: orgs.map((o) => o.nodeKey),
      bootstrap: honest.host.multiaddrs().map(String),
    });
    const topic = governanceTopic(network);
    gossiper.pubsub.subscribe(topic);
    await waitUntil('gossiper meshed', () =>
      gossiper.pubsub.getSubscribers(topic).some((p) => p.equals(honest.host.peerId)),
    );
    expect(honest.host.offences(gossiper.peerId)).toBe(0);
    await gossiper.pubsub.publish(topic, encodeGossipAction(utf8('forged')));
    await waitUntil(
      'the forged gossip is rejected (its sender loses score)',
      () => honest.host.peerScore(gossiper.peerId) < 0,
    );
    expect(honest.host.offences(gossiper.peerId)).toBe(0);
    expect(honest.log.seq).toBe(0);
  }, 60_000);
});

describe('the replicator with a governance header-key resolver', () => {
  it('verifies with the key governance picks, holds back pending headers, and drops frozen ones', async () => {
    const [own, oldKey, newKey] = [newOrg(), newOrg(), newOrg()];
    const orgKeys = new Map([
      ['own', own.nodeKey],
      ['a', oldKey.nodeKey],
    ]);
    const host = await hosts.create(own, { psk, members: [own.nodeKey] });
    let verdict: HeaderKeyVerdict = { result: 'pending', reason: 'position 1 not verified' };
    const seen: number[] = [];
    const replicator = new Replicator({
      host,
      store: new MemoryReplicaStore({ orgKeys }),
      network,
      orgKeys,
      witness: { name: 'own', seed: own.seed },
      antiEntropyMs: 0,
      headerKeys: async (header) => {
        seen.push(header.governance.seq);
        return verdict;
      },
    });
    const operator = sha256(utf8('operator'));
    const entry = (n: number) =>
      signEntry(
        buildEntry({
          network,
          org: 'a',
          object: `obj:${n}`,
          kind: 'test.event',
          time: 1_700_000_000_000 + n,
          signer: publicKeyFromSeed(operator),
          role: 'QI',
          body: { n },
        }),
        operator,
      ).envelope;
    const g1: GovernancePosition = { seq: 1, hash: new Uint8Array(32).fill(1) };
    // Signed by the org's new key, which `orgKeys` does not know: only the resolver can say so.
    const block = cutBlock(emptyLogState(), [entry(0)], {
      network,
      org: 'a',
      seed: newKey.seed,
      time: Date.now(),
      governance: g1,
    }).block;
    expect(await replicator.offer(block.header, block.envelopes)).toBe('pending');
    verdict = { result: 'frozen', reason: 'ORG_FROZEN' };
    expect(await replicator.offer(block.header, block.envelopes)).toBe('frozen');
    verdict = { key: oldKey.nodeKey };
    expect(await replicator.offer(block.header, block.envelopes)).toBe('invalid');
    verdict = { key: newKey.nodeKey };
    // The memory store verifies with `orgKeys` (the old key): the resolver's key passed the
    // replicator's own check, and the store's refusal is still a refusal.
    expect(await replicator.offer(block.header, block.envelopes)).toBe('invalid');
    orgKeys.set('a', newKey.nodeKey);
    expect(await replicator.offer(block.header, block.envelopes)).toBe('accepted');
    expect(seen).toEqual([1, 1, 1, 1, 1]);
  }, 30_000);
});
