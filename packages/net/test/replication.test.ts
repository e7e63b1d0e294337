import '../src/polyfill.ts';
import {
  type Block,
  buildEntry,
  cosign,
  cosignatureVerifier,
  cutBlock,
  emptyLogState,
  encodeFraudProof,
  isLiuhenError,
  type LogState,
  publicKeyFromSeed,
  sha256,
  signEntry,
  toHex,
  utf8,
  verifyFraudProof,
  withSignatures,
} from '@liuhen/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decodeGossipBlock,
  decodeGossipCosignature,
  decodeHeadsResponse,
  decodeSyncFrame,
  decodeSyncRequest,
  encodeGossipBlock,
  encodeGossipCosignature,
  encodeHeadsResponse,
  encodeSyncFrame,
  encodeSyncRequest,
  firstWitnessed,
  firstWitnessedVerified,
  generateSwarmKey,
  HEADS_PROTOCOL,
  type Host,
  type IngestResult,
  isNetError,
  MemoryReplicaStore,
  NetError,
  Replicator,
  replicationTopics,
  SYNC_PROTOCOL,
  SYNC_REQUESTS_PER_PEER,
  serveRequests,
} from '../src/index.ts';
import { Hosts, meshed, newOrg, type Org, waitUntil } from './helpers.ts';

const network = sha256(utf8('liuhen replication test network'));
const governance = { seq: 0, hash: network };
const topics = replicationTopics(network);
const scoredTopics = [topics.blocks, topics.cosignatures, topics.fraudProofs];
const psk = generateSwarmKey();
const operatorSeed = sha256(utf8('operator'));
const operatorKey = publicKeyFromSeed(operatorSeed);
const LONG = 60_000;

const hosts = new Hosts();
const replicators: Replicator[] = [];
afterEach(async () => {
  await Promise.all(replicators.splice(0).map((r) => r.stop()));
  await hosts.stopAll();
});

function envelopes(org: string, from: number, count: number, tag = ''): Uint8Array[] {
  return Array.from(
    { length: count },
    (_, i) =>
      signEntry(
        buildEntry({
          network,
          org,
          object: `obj:${from + i}${tag}`,
          kind: 'test.event',
          time: 1_700_000_000_000 + from + i,
          signer: operatorKey,
          role: 'QI',
          body: { n: from + i, tag },
        }),
        operatorSeed,
      ).envelope,
  );
}

/** Cuts `count` blocks of `per` entries onto `state`. */
function chain(name: string, org: Org, state: LogState, count: number, per: number, tag = '') {
  const blocks: Block[] = [];
  let s = state;
  for (let i = 0; i < count; i++) {
    const cut = cutBlock(s, envelopes(name, s.frontier.size, per, tag), {
      network,
      org: name,
      seed: org.seed,
      time: Date.now(),
      governance,
    });
    blocks.push(cut.block);
    s = cut.state;
  }
  return { blocks, state: s };
}

interface Node {
  readonly name: string;
  readonly org: Org;
  readonly host: Host;
  readonly store: MemoryReplicaStore;
  readonly replicator: Replicator;
}

class Network {
  readonly orgs = new Map<string, Org>();
  readonly orgKeys = new Map<string, Uint8Array>();

  constructor(names: string[]) {
    for (const name of names) {
      const org = newOrg();
      this.orgs.set(name, org);
      this.orgKeys.set(name, org.nodeKey);
    }
  }

  org(name: string): Org {
    const org = this.orgs.get(name);
    if (org === undefined) throw new Error(`no org ${name}`);
    return org;
  }

  async node(
    name: string,
    bootstrap: Node[] = [],
    options: {
      store?: MemoryReplicaStore;
      maxSyncResponseBytes?: number;
      antiEntropyMs?: number;
      cosignIntervalMs?: number;
      maxClockSkewMs?: () => number;
    } = {},
  ): Promise<Node> {
    const org = this.org(name);
    const host = await hosts.create(org, {
      psk,
      members: [...this.orgKeys.values()],
      scoredTopics,
      bootstrap: bootstrap.flatMap((n) => n.host.multiaddrs().map(String)),
    });
    const store = options.store ?? new MemoryReplicaStore({ orgKeys: this.orgKeys });
    const replicator = new Replicator({
      host,
      store,
      network,
      orgKeys: this.orgKeys,
      witness: { name, seed: org.seed },
      antiEntropyMs: options.antiEntropyMs ?? 500,
      ...(options.maxSyncResponseBytes === undefined
        ? {}
        : { maxSyncResponseBytes: options.maxSyncResponseBytes }),
      ...(options.cosignIntervalMs === undefined ? {} : { cosignIntervalMs: options.cosignIntervalMs }),
      ...(options.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: options.maxClockSkewMs }),
    });
    replicators.push(replicator);
    await replicator.start();
    return { name, org, host, store, replicator };
  }
}

/** The node cuts a block of its own org, stores it and gossips it. */
async function append(node: Node, count: number): Promise<Block> {
  const state = await node.store.logState(node.name);
  const { blocks } = chain(node.name, node.org, state, 1, count);
  const block = blocks[0] as Block;
  await node.store.accept(node.name, block);
  await node.replicator.publish(block);
  return block;
}

/** A heads exchange of `node` with `peer`, once the one its connection started is over. */
async function headsFrom(node: Node, peer: Host): Promise<IngestResult[]> {
  for (;;) {
    const results = await node.replicator.exchangeHeads(peer.peerId);
    if (results.length > 0) return results;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function headsOf(node: Node, org: string): string[] {
  return node.store.headers(org).map((h) => h.text);
}

/** The witnesses whose cosignature of `org`'s checkpoint `text` `node` holds, sorted. */
function cosignersOf(node: Node, org: string, text: string): string[] {
  return node.store
    .cosignatures(org)
    .filter((r) => r.checkpoint === text)
    .map((r) => r.witness)
    .sort();
}

/** Whether `node` holds a cosignature by each of `witnesses` of its latest checkpoint of `org`. */
function headCosignedBy(node: Node, org: string, witnesses: string[]): boolean {
  const head = node.store.headers(org).at(-1);
  if (head === undefined) return false;
  const have = cosignersOf(node, org, head.text);
  return witnesses.every((w) => have.includes(w));
}

describe('replication messages', () => {
  const org = newOrg();
  const { blocks } = chain('m', org, emptyLogState(), 2, 3);
  const block = blocks[1] as Block;

  it('round-trip and reject what is not exactly their schema', () => {
    expect(decodeSyncRequest(encodeSyncRequest({ org: 'm', fromSize: 3, toSize: 6 }))).toEqual({
      org: 'm',
      fromSize: 3,
      toSize: 6,
    });
    expect(() => encodeSyncRequest({ org: 'm', fromSize: 6, toSize: 6 })).toThrow(/from must be below/);
    const frame = decodeSyncFrame(
      encodeSyncFrame({ header: block.header, offset: 3, entries: block.envelopes }),
    );
    expect(frame.header.text).toBe(block.header.text);
    expect(frame.entries).toEqual(block.envelopes);
    // Entries past the header's size: refused.
    const past = encodeSyncFrame({ header: block.header, offset: 4, entries: block.envelopes });
    expect(() => decodeSyncFrame(past)).toThrow(/past the header size/);
    // A frame is not a block: the type field keeps messages apart.
    expect(() => decodeGossipBlock(encodeSyncFrame(frame))).toThrow(/expected the keys|expected a block/);
    const gossip = decodeGossipBlock(encodeGossipBlock({ header: block.header, entries: undefined }));
    expect(gossip.entries).toBeUndefined();
    const heads = decodeHeadsResponse(encodeHeadsResponse([block.header]));
    expect(heads.map((h) => h.text)).toEqual([block.header.text]);
    // Non-canonical CBOR (a trailing byte) is refused with a typed error.
    const bytes = encodeGossipBlock({ header: block.header, entries: block.envelopes });
    const trailing = new Uint8Array([...bytes, 0]);
    let error: unknown;
    try {
      decodeGossipBlock(trailing);
    } catch (err) {
      error = err;
    }
    expect(isNetError(error, 'NET_MESSAGE_MALFORMED')).toBe(true);
  });

  it('cosignature gossip carries one verifiable signature line', () => {
    const witness = newOrg();
    const signature = cosign(block.header.text, 'w', witness.seed, 1_700_000_000);
    const message = decodeGossipCosignature(
      encodeGossipCosignature({ org: 'm', checkpoint: block.header.text, witness: 'w', signature }),
    );
    expect(message.signature).toEqual(signature);
    expect(() =>
      decodeGossipCosignature(
        encodeGossipCosignature({ org: 'other', checkpoint: block.header.text, witness: 'w', signature }),
      ),
    ).toThrow(/another org/);
    const verifiers = new Map([['w', cosignatureVerifier('w', witness.nodeKey)]]);
    const record = { checkpoint: block.header.text, signature };
    expect(firstWitnessedVerified(5, [record], verifiers)).toBe(1_700_000_000);
    expect(firstWitnessedVerified(6, [record], verifiers)).toBeUndefined();
    expect(
      firstWitnessed(2, [
        { size: 3, timestamp: 9 },
        { size: 6, timestamp: 4 },
        { size: 2, timestamp: 1 },
      ]),
    ).toBe(4);
  });
});

describe('replicator', () => {
  it('three orgs converge, cosign each other, and report first-witnessed times', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['a', 'b', 'c']);
    const a = await net.node('a');
    const b = await net.node('b', [a]);
    const c = await net.node('c', [a, b]);
    await meshed(a.host, b.host, topics.blocks);
    await meshed(a.host, c.host, topics.blocks);
    await meshed(b.host, c.host, topics.blocks);
    const startSeconds = Math.floor(Date.now() / 1000);
    for (let round = 0; round < 3; round++) for (const node of [a, b, c]) await append(node, 4 + round);
    const nodes = [a, b, c];
    await waitUntil(
      'identical headers everywhere',
      () =>
        nodes.every((n) =>
          ['a', 'b', 'c'].every((org) => headsOf(n, org).join() === headsOf(nodes[0] as Node, org).join()),
        ) && ['a', 'b', 'c'].every((org) => headsOf(a, org).length === 3),
      LONG,
    );
    for (const org of ['a', 'b', 'c']) {
      const roots = nodes.map((n) => toHex(n.store.headers(org)[2]?.root ?? new Uint8Array()));
      expect(new Set(roots).size).toBe(1);
      expect(nodes.every((n) => n.store.envelopes(org).length === 15)).toBe(true);
    }
    // Each org's latest checkpoint is cosigned by the other two, on every node: a witness cosigns
    // the head it holds, and that cosignature covers every earlier block of the log.
    await waitUntil(
      'every head cosigned by the other two, everywhere',
      () =>
        nodes.every((n) =>
          ['a', 'b', 'c'].every((org) =>
            headCosignedBy(
              n,
              org,
              ['a', 'b', 'c'].filter((w) => w !== org),
            ),
          ),
        ),
      LONG,
    );
    for (const n of nodes)
      for (const org of ['a', 'b', 'c']) {
        expect(n.store.cosignatures(org).some((r) => r.witness === org)).toBe(false);
      }
    // First-witnessed time of entry 0 and of the last entry of a's log, as c sees them.
    const first = firstWitnessed(0, c.store.cosignatures('a'));
    const last = firstWitnessed(14, c.store.cosignatures('a'));
    console.log(`first-witnessed (s): a#0 ${first}, a#14 ${last}; test started ${startSeconds}`);
    expect(first).toBeGreaterThanOrEqual(startSeconds);
    expect(last).toBeGreaterThanOrEqual(first ?? 0);
    expect(last).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(firstWitnessed(15, c.store.cosignatures('a'))).toBeUndefined();
    expect(a.host.peerScore(b.host.peerId)).toBeGreaterThanOrEqual(0);
  });

  it('a node that joins empty catches up 5,000 entries by sync', { timeout: 90_000 }, async () => {
    const net = new Network(['a', 'b']);
    const storeA = new MemoryReplicaStore({ orgKeys: net.orgKeys });
    const { blocks } = chain('a', net.org('a'), emptyLogState(), 50, 100);
    for (const block of blocks) await storeA.accept('a', block);
    // Small responses, so the requester has to come back for more several times.
    const a = await net.node('a', [], { store: storeA, maxSyncResponseBytes: 256 * 1024 });
    const b = await net.node('b', [a]);
    await waitUntil('b holds all of a', () => b.store.envelopes('a').length === 5_000, LONG);
    expect(headsOf(b, 'a')).toEqual(headsOf(a, 'a'));
    expect(toHex((await b.store.logState('a')).frontier.root())).toBe(
      toHex((await a.store.logState('a')).frontier.root()),
    );
    // b witnessed what it synced: the head, which covers the 49 blocks below it.
    await waitUntil('b cosigned a’s head', () => headCosignedBy(b, 'a', ['b']), LONG);
  });

  it('resumes a sync cut short at once, from where it stopped, not at the next anti-entropy round', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['b', 'c', 'f']);
    const { blocks } = chain('c', net.org('c'), emptyLogState(), 10, 20);
    const head = (blocks.at(-1) as Block).header;
    const flaky = await hosts.create(net.org('f'), { psk, members: [...net.orgKeys.values()] });
    // A peer that holds c's log, whose first sync response breaks off after three blocks.
    const requests: number[] = [];
    await serveRequests(flaky.node, HEADS_PROTOCOL, () => [encodeHeadsResponse([head])]);
    await serveRequests(flaky.node, SYNC_PROTOCOL, function* (body) {
      const { fromSize } = decodeSyncRequest(body);
      requests.push(fromSize);
      let sent = 0;
      for (const block of blocks) {
        if (block.header.size <= fromSize) continue;
        if (requests.length === 1 && sent === 3) throw new NetError('NET_STREAM_FAILED', 'cut short');
        yield encodeSyncFrame({
          header: block.header,
          offset: block.header.size - block.envelopes.length,
          entries: block.envelopes,
        });
        sent++;
      }
    });
    // No anti-entropy round within the test: only the retry can finish the sync.
    const b = await net.node('b', [], { antiEntropyMs: 600_000 });
    const failures: Array<{ code: string; retryInMs: number | undefined }> = [];
    b.replicator.addEventListener('sync-failed', (evt) => {
      const { error, retryInMs } = (evt as CustomEvent<{ error: unknown; retryInMs?: number }>).detail;
      failures.push({ code: isNetError(error) ? error.code : String(error), retryInMs });
    });
    await b.host.node.dial(flaky.multiaddrs()[0] as never);
    await waitUntil('b holds all of c', () => b.store.envelopes('c').length === 200, LONG);
    expect(requests).toEqual([0, 60]);
    expect(failures).toEqual([{ code: 'NET_STREAM_FAILED', retryInMs: 0 }]);
    expect(headsOf(b, 'c')).toEqual(blocks.map((block) => block.header.text));
    // Cut short is the network's kind of failure: the peer is not blamed for it.
    expect(b.host.offences(flaky.peerId)).toBe(0);
  });

  it('keeps to a few sync requests at once per peer, and retries a peer that answers NET_PEER_BUSY', {
    timeout: 90_000,
  }, async () => {
    const names = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'];
    const net = new Network(['b', 'f', ...names]);
    const logs = new Map(
      names.map((name) => [name, chain(name, net.org(name), emptyLogState(), 6, 4).blocks]),
    );
    const server = await hosts.create(net.org('f'), { psk, members: [...net.orgKeys.values()] });
    await serveRequests(server.node, HEADS_PROTOCOL, () => [
      encodeHeadsResponse([...logs.values()].map((blocks) => (blocks.at(-1) as Block).header)),
    ]);
    let open = 0;
    let peak = 0;
    let refusedOnce = false;
    await serveRequests(server.node, SYNC_PROTOCOL, async function* (body) {
      const { org, fromSize } = decodeSyncRequest(body);
      // The first request for o6 meets a peer at its limit.
      if (org === 'o6' && !refusedOnce) {
        refusedOnce = true;
        throw new NetError('NET_PEER_BUSY', 'at most 4 at once per peer');
      }
      open++;
      peak = Math.max(peak, open);
      try {
        for (const block of logs.get(org) ?? []) {
          if (block.header.size <= fromSize) continue;
          // Slow enough that the six syncs overlap.
          await new Promise((resolve) => setTimeout(resolve, 30));
          yield encodeSyncFrame({
            header: block.header,
            offset: block.header.size - block.envelopes.length,
            entries: block.envelopes,
          });
        }
      } finally {
        open--;
      }
    });
    const b = await net.node('b', [], { antiEntropyMs: 600_000 });
    const failures: Array<{ org: string; code: string; retryInMs: number | undefined }> = [];
    b.replicator.addEventListener('sync-failed', (evt) => {
      const { org, error, retryInMs } = (
        evt as CustomEvent<{ org: string; error: unknown; retryInMs?: number }>
      ).detail;
      failures.push({ org, code: isNetError(error) ? error.code : String(error), retryInMs });
    });
    await b.host.node.dial(server.multiaddrs()[0] as never);
    await waitUntil(
      'b holds every org’s log',
      () => names.every((n) => b.store.headers(n).length === 6),
      LONG,
    );
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(SYNC_REQUESTS_PER_PEER);
    // The refusal is the peer's momentary state: retried after the backoff, and not blamed.
    expect(failures).toEqual([{ org: 'o6', code: 'NET_PEER_BUSY', retryInMs: 1_000 }]);
    expect(b.host.offences(server.peerId)).toBe(0);
  });

  it('ignores cosignatures further ahead than the clock tolerance in force, read at each check', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['b', 'x', 'w']);
    let toleranceMs = 60_000;
    const b = await net.node('b', [], { antiEntropyMs: 600_000, maxClockSkewMs: () => toleranceMs });
    const [block] = chain('x', net.org('x'), emptyLogState(), 1, 2).blocks as [Block];
    expect(await b.replicator.offer(block.header, block.envelopes)).toBe('accepted');
    // w serves x's head with its own cosignature, dated two minutes ahead of now.
    const ahead = Math.floor(Date.now() / 1000) + 120;
    const cosigned = withSignatures(block.header, [cosign(block.header.text, 'w', net.org('w').seed, ahead)]);
    const w = await hosts.create(net.org('w'), { psk, members: [...net.orgKeys.values()] });
    await serveRequests(w.node, HEADS_PROTOCOL, () => [encodeHeadsResponse([cosigned])]);
    await b.host.node.dial(w.multiaddrs()[0] as never);
    expect(await headsFrom(b, w)).toEqual(['duplicate']);
    expect(cosignersOf(b, 'x', block.header.text)).not.toContain('w');
    // Governance widens the tolerance to five minutes: the same cosignature is now within it.
    toleranceMs = 300_000;
    expect(await headsFrom(b, w)).toEqual(['duplicate']);
    expect(cosignersOf(b, 'x', block.header.text)).toContain('w');
  });

  it('rejects sync responses that lie about ranges or carry a bad entry, storing nothing invalid', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['a', 'c', 'm']);
    const a = await net.node('a');
    const { blocks } = chain('c', net.org('c'), emptyLogState(), 2, 5);
    const [b1, b2] = blocks as [Block, Block];
    let mode: 'skip' | 'past' | 'bad-entry' | 'honest' = 'skip';
    const liar = await hosts.create(net.org('m'), {
      psk,
      members: [...net.orgKeys.values()],
      bootstrap: a.host.multiaddrs().map(String),
    });
    await serveRequests(liar.node, SYNC_PROTOCOL, function* (body) {
      if (mode === 'skip') yield encodeSyncFrame({ header: b2.header, offset: 5, entries: b2.envelopes });
      if (mode === 'honest' && decodeSyncRequest(body).fromSize === 5)
        yield encodeSyncFrame({ header: b2.header, offset: 5, entries: b2.envelopes });
      else if (mode === 'past' || mode === 'honest') {
        yield encodeSyncFrame({ header: b1.header, offset: 0, entries: b1.envelopes });
        yield encodeSyncFrame({ header: b2.header, offset: 5, entries: b2.envelopes });
      }
      if (mode === 'bad-entry') {
        const forged = [...b1.envelopes];
        forged[2] = envelopes('c', 2, 1, 'forged')[0] as Uint8Array;
        yield encodeSyncFrame({ header: b1.header, offset: 0, entries: forged });
      }
    });
    await waitUntil('connected', () => a.host.node.getConnections(liar.peerId).length > 0);
    const failure = async (toSize: number) => {
      try {
        await a.replicator.syncFrom(liar.peerId, 'c', toSize);
        return 'ok';
      } catch (err) {
        return isNetError(err) ? err.code : isLiuhenError(err) ? err.code : String(err);
      }
    };
    expect(await failure(10)).toBe('NET_SYNC_INVALID');
    expect(a.store.headers('c')).toEqual([]);
    mode = 'bad-entry';
    expect(await failure(10)).toBe('NET_SYNC_INVALID');
    expect(a.store.headers('c')).toEqual([]);
    mode = 'past';
    // Asked for the first block only; the second is past the range: refused, after the valid first.
    expect(await failure(5)).toBe('NET_SYNC_INVALID');
    expect(headsOf(a, 'c')).toEqual([b1.header.text]);
    mode = 'honest';
    expect(await failure(10)).toBe('ok');
    expect(headsOf(a, 'c')).toEqual([b1.header.text, b2.header.text]);
  });

  it('catches an org that shows two inconsistent headers to different nodes', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['a', 'b', 'c', 'e']);
    const a = await net.node('a');
    const b = await net.node('b', [a]);
    const c = await net.node('c', [a, b]);
    await meshed(a.host, b.host, topics.fraudProofs);
    await meshed(a.host, c.host, topics.fraudProofs);
    await meshed(b.host, c.host, topics.fraudProofs);
    const e = net.org('e');
    // Two different first blocks of org e: a sees one, b the other.
    const left = chain('e', e, emptyLogState(), 1, 3, 'left').blocks[0] as Block;
    const right = chain('e', e, emptyLogState(), 1, 4, 'right').blocks[0] as Block;
    expect(await a.replicator.offer(left.header, left.envelopes)).toBe('accepted');
    expect(await b.replicator.offer(right.header, right.envelopes)).toBe('accepted');
    const nodes = [a, b, c];
    await waitUntil(
      'every node holds a fraud proof and froze e',
      () => nodes.every((n) => n.store.fraudProofs('e').length > 0),
      LONG,
    );
    for (const n of nodes) {
      expect(await n.store.isFrozen('e')).toBe(true);
      for (const proof of n.store.fraudProofs('e'))
        expect(verifyFraudProof(proof, e.nodeKey)).toBe('header-fork');
    }
    // Frozen: nothing beyond is accepted.
    const next = chain('e', e, await a.store.logState('e'), 1, 1).blocks[0] as Block;
    expect(await a.replicator.offer(next.header, next.envelopes)).toBe('frozen');
    expect(a.store.headers('e').length).toBe(1);
    // A bogus fraud proof (two consistent headers) does not verify.
    const consistent = { first: left.header, second: next.header, proof: [] };
    expect(() => verifyFraudProof(consistent, e.nodeKey)).toThrow();
    expect(encodeFraudProof(consistent).byteLength).toBeGreaterThan(0);
  });
  it('finds a fork below a non-linking header by audit, and penalises invalid block gossip', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['a', 'e', 'm']);
    const a = await net.node('a');
    const e = net.org('e');
    // a holds e's first block R1; the peer serves another branch L1, L2 with L1 the same size as R1.
    const r1 = chain('e', e, emptyLogState(), 1, 3, 'right').blocks[0] as Block;
    const [l1, l2] = chain('e', e, emptyLogState(), 2, 3, 'left').blocks as [Block, Block];
    expect(await a.replicator.offer(r1.header, r1.envelopes)).toBe('accepted');
    const peer = await hosts.create(net.org('m'), {
      psk,
      members: [...net.orgKeys.values()],
      scoredTopics,
      bootstrap: a.host.multiaddrs().map(String),
    });
    await serveRequests(peer.node, SYNC_PROTOCOL, function* (body) {
      const { fromSize } = decodeSyncRequest(body);
      if (fromSize === 0) yield encodeSyncFrame({ header: l1.header, offset: 0, entries: l1.envelopes });
      yield encodeSyncFrame({ header: l2.header, offset: 3, entries: l2.envelopes });
    });
    await waitUntil('connected', () => a.host.node.getConnections(peer.peerId).length > 0);
    // L2 does not link to R1: the audit streams the peer's log from 0 and finds L1 ≠ R1.
    expect(await a.replicator.syncFrom(peer.peerId, 'e', 6)).toBe(0);
    expect(await a.store.isFrozen('e')).toBe(true);
    const proof = a.store.fraudProofs('e')[0];
    expect(proof && verifyFraudProof(proof, e.nodeKey)).toBe('header-fork');
    expect(headsOf(a, 'e')).toEqual([r1.header.text]);

    // A block whose entries were tampered with is rejected by the validator and costs its sender.
    const reported: Array<{ peer: string; code: string }> = [];
    a.replicator.addEventListener('misbehaviour', (evt) => {
      const { detail } = evt as CustomEvent<{ peer: string; code: string }>;
      reported.push({ peer: detail.peer, code: detail.code });
    });
    peer.pubsub.subscribe(topics.blocks);
    await meshed(a.host, peer, topics.blocks);
    // A block of org a, validly signed, but one entry swapped: the root no longer matches.
    const own = chain('a', net.org('a'), emptyLogState(), 1, 2).blocks[0] as Block;
    const forged = [own.envelopes[0] as Uint8Array, envelopes('a', 1, 1, 'forged')[0] as Uint8Array];
    await peer.pubsub.publish(
      topics.blocks,
      encodeGossipBlock({
        header: own.header,
        entries: forged,
      }),
    );
    await waitUntil('the sender is penalised', () => a.host.peerScore(peer.peerId) < 0, LONG);
    expect(a.store.headers('a')).toEqual([]);
    // And reported, with the reason the block failed (the node counts these in its metrics).
    expect(reported).toEqual([{ peer: peer.peerId.toString(), code: 'BLOCK_ROOT_MISMATCH' }]);
  });
});

describe('cosignatures that travel with checkpoints', () => {
  it('a node that syncs gets the cosignatures its peer holds, with each block and on each head; unverified lines are never stored', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['a', 'b', 'x', 'w', 'v', 'liar']);
    const x = net.org('x');
    const t0 = Math.floor(Date.now() / 1000);
    // a holds three blocks of x (sizes 2, 4, 6), cosigned by witness w (blocks 1–2) and v (block 3).
    const storeA = new MemoryReplicaStore({ orgKeys: net.orgKeys });
    const { blocks, state } = chain('x', x, emptyLogState(), 3, 2);
    for (const block of blocks) await storeA.accept('x', block);
    const record = (block: Block, witness: string, timestamp: number) => ({
      org: 'x',
      checkpoint: block.header.text,
      size: block.header.size,
      witness,
      signature: cosign(block.header.text, witness, net.org(witness).seed, timestamp),
      timestamp,
    });
    const [x1, x2, x3] = blocks as [Block, Block, Block];
    await storeA.addCosignature(record(x1, 'w', t0 - 100));
    await storeA.addCosignature(record(x2, 'w', t0 - 50));
    await storeA.addCosignature(record(x3, 'v', t0 - 10));
    const a = await net.node('a', [], { store: storeA });
    const b = await net.node('b', [a]);
    const witnessesAtB = (block: Block) => cosignersOf(b, 'x', block.header.text);
    // b cosigns the head it synced (and perhaps an earlier block, as the first one it accepted);
    // a cosigns the head it started with.
    await waitUntil(
      'b holds x with w’s and v’s cosignatures besides its own and a’s of the head',
      () =>
        b.store.headers('x').length === 3 &&
        witnessesAtB(x1).includes('w') &&
        witnessesAtB(x2).includes('w') &&
        witnessesAtB(x3).join() === 'a,b,v',
      LONG,
    );
    // Stored headers carry the org's own signature only, whatever came with them.
    expect(b.store.headers('x').every((h) => h.note.signatures.length === 1)).toBe(true);
    // First-witnessed times come from the earliest cosignature b learned, not from its own.
    expect(firstWitnessed(0, b.store.cosignatures('x'))).toBe(t0 - 100);
    expect(firstWitnessed(4, b.store.cosignatures('x'))).toBe(t0 - 10);

    // A cosignature made after b synced reaches it with the next heads exchange.
    await storeA.addCosignature(record(x3, 'w', t0));
    await waitUntil(
      'w’s later cosignature of the head reaches b',
      () => witnessesAtB(x3).join() === 'a,b,v,w',
      LONG,
    );

    // A peer whose next block carries a forged cosignature in v's name: b keeps the valid block,
    // not the forgery, and penalises the peer (its sync fails NET_SYNC_INVALID).
    const y = chain('x', x, state, 1, 1).blocks[0] as Block;
    const liarStore = new MemoryReplicaStore({ orgKeys: net.orgKeys });
    for (const block of [...blocks, y]) await liarStore.accept('x', block);
    const forged = cosign(y.header.text, 'v', net.org('w').seed, t0);
    await liarStore.addCosignature({ ...record(y, 'v', t0), signature: forged });
    const failures: string[] = [];
    b.replicator.addEventListener('sync-failed', (evt) => {
      const { error } = (evt as CustomEvent<{ error: unknown }>).detail;
      failures.push(isNetError(error) ? error.code : String(error));
    });
    const liar = await net.node('liar', [b], { store: liarStore });
    await waitUntil(
      'b holds y and has penalised the liar',
      () =>
        b.store.headers('x').at(-1)?.text === y.header.text &&
        failures.includes('NET_SYNC_INVALID') &&
        b.host.offences(liar.host.peerId) > 0.5,
      LONG,
    );
    expect(witnessesAtB(y)).not.toContain('v');
    expect(b.store.headers('x').at(-1)?.note.signatures).toHaveLength(1);
    expect(b.host.offences(a.host.peerId)).toBe(0);
  });
});

describe('witnessing schedule', () => {
  it('a burst of blocks costs a witness one cosignature at once and one of the latest checkpoint when its interval is up', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['a', 'b', 'c']);
    const a = await net.node('a');
    // An hour: nothing the schedule defers comes due during the test, only what it signs at once.
    const b = await net.node('b', [a], { cosignIntervalMs: 3_600_000 });
    const c = await net.node('c', [a, b], { cosignIntervalMs: 3_600_000 });
    await meshed(a.host, b.host, topics.blocks);
    await meshed(a.host, c.host, topics.blocks);
    await meshed(b.host, c.host, topics.cosignatures);
    const burst = 20;
    for (let i = 0; i < burst; i++) await append(a, 2);
    const head = (await a.store.logState('a')).header?.text as string;
    await waitUntil('b and c hold the whole burst', () =>
      [b, c].every((n) => n.store.headers('a').length === burst),
    );
    const own = (n: Node) => n.store.cosignatures('a').filter((r) => r.witness === n.name);
    // The first block after a quiet interval is cosigned at once; the 19 after it wait their turn.
    await waitUntil('b and c cosigned the first block they accepted', () =>
      [b, c].every((n) => own(n).length === 1),
    );
    for (const n of [b, c]) {
      expect(own(n)).toHaveLength(1);
      expect(own(n)[0]?.checkpoint).not.toBe(head);
    }
    // When the turn comes (here: at once), the latest checkpoint is cosigned, superseding the 18
    // or so accepted meanwhile, and gossiped to every node.
    await Promise.all([b.replicator.cosignPending(), c.replicator.cosignPending()]);
    for (const n of [b, c]) {
      expect(own(n)).toHaveLength(2);
      expect(own(n)[1]?.checkpoint).toBe(head);
    }
    await waitUntil('every node holds b’s and c’s cosignatures of a’s head', () =>
      [a, b, c].every((n) => headCosignedBy(n, 'a', ['b', 'c'])),
    );
  });

  it('a witness cosigns a head it holds uncosigned when it starts, and on stop what it has pending', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['b', 'x']);
    const x = net.org('x');
    // b's store holds three blocks of x from before a restart and no cosignature of them.
    const store = new MemoryReplicaStore({ orgKeys: net.orgKeys });
    const { blocks, state } = chain('x', x, emptyLogState(), 3, 2);
    for (const block of blocks) await store.accept('x', block);
    const b = await net.node('b', [], { store, cosignIntervalMs: 3_600_000 });
    const headText = (blocks.at(-1) as Block).header.text;
    await waitUntil('b cosigned the head it started with', () => cosignersOf(b, 'x', headText).includes('b'));
    // A block accepted within the interval waits; stopping the replicator cosigns it.
    const next = chain('x', x, state, 1, 2).blocks[0] as Block;
    expect(await b.replicator.offer(next.header, next.envelopes)).toBe('accepted');
    expect(cosignersOf(b, 'x', next.header.text)).toEqual([]);
    await b.replicator.stop();
    expect(cosignersOf(b, 'x', next.header.text)).toEqual(['b']);
    expect(store.cosignatures('x').map((r) => r.checkpoint)).toEqual([headText, next.header.text]);
  });

  it('the sweep fetches a cosignature of an older checkpoint that no later one of its witness covers', {
    timeout: 90_000,
  }, async () => {
    const net = new Network(['p', 'b', 'x', 'w', 'v']);
    const x = net.org('x');
    const t0 = Math.floor(Date.now() / 1000);
    const { blocks } = chain('x', x, emptyLogState(), 5, 2);
    const record = (block: Block, witness: string, timestamp: number) => ({
      org: 'x',
      checkpoint: block.header.text,
      size: block.header.size,
      witness,
      signature: cosign(block.header.text, witness, net.org(witness).seed, timestamp),
      timestamp,
    });
    const [, , x3, , x5] = blocks as [Block, Block, Block, Block, Block];
    // p holds w's cosignature of block 3 (w then went quiet) and v's of the head, block 5.
    const storeP = new MemoryReplicaStore({ orgKeys: net.orgKeys });
    const storeB = new MemoryReplicaStore({ orgKeys: net.orgKeys });
    for (const block of blocks) {
      await storeP.accept('x', block);
      await storeB.accept('x', block);
    }
    await storeP.addCosignature(record(x3, 'w', t0 - 100));
    await storeP.addCosignature(record(x5, 'v', t0 - 10));
    // b already holds the whole log: neither sync nor the heads exchange (block 5 only) brings
    // w's cosignature of block 3; the sweep does, since nothing of w's covers blocks 1–3 at b.
    const p = await net.node('p', [], { store: storeP });
    const b = await net.node('b', [p], { store: storeB });
    await waitUntil('b fetched w’s cosignature of block 3', () =>
      cosignersOf(b, 'x', x3.header.text).includes('w'),
    );
    await waitUntil('b holds v’s cosignature of the head', () => headCosignedBy(b, 'x', ['v']));
    // The earliest cosignature covering entry 0 is w's, made before v's.
    expect(firstWitnessed(0, storeB.cosignatures('x'))).toBe(t0 - 100);
    expect(b.host.offences(p.host.peerId)).toBe(0);
  });
});
