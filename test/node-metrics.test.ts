/**
 * `GET /metrics` of real `liuhen-node` daemons (two orgs replicating over 127.0.0.1): every named
 * metric of issue 9 is present in the Prometheus text, and each one that load can move moves
 * when the nodes append, replicate, cosign and refuse. Nothing here asserts timing: the test
 * polls for convergence and compares counts before and after.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGossipBlock, replicationTopics } from '../packages/net/src/index.ts';
import { NodeMetrics } from '../packages/node/src/index.ts';
import { api, networkOf } from '../scripts/lib/node-process.ts';
import { appendJoints } from './helpers/appends.ts';
import { request } from './helpers/http.ts';
import { eventually, TestNetwork } from './helpers/network.ts';
import { MemberLog, memberKey } from './helpers/org-log.ts';
import { daemonPeer, subscribed, TestPeers } from './helpers/peer.ts';

const ORGS = ['water', 'gas'];
/** A member whose node key the test holds: it runs ahead of what it sends, then equivocates. */
const eve = memberKey('eve');
let net: TestNetwork;
const peers = new TestPeers();

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`; undefined if there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return hits.length === 0 ? undefined : hits.reduce((sum, s) => sum + s.value, 0);
}

async function scrape(org: string): Promise<Sample[]> {
  const response = await request<string>(net.node(org).url, '/metrics', { token: net.token(org) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parse(new TextDecoder().decode(response.bytes));
}

describe('peer faults in the metrics', () => {
  it('every misbehaviour event counts, by its reason code', async () => {
    const metrics = new NodeMetrics({ org: 'water', defaultMetrics: false });
    const blobs = new EventTarget();
    metrics.countPeerFaults(blobs);
    const fault = (code: string) =>
      blobs.dispatchEvent(new CustomEvent('misbehaviour', { detail: { peer: 'p', code, detail: '' } }));
    fault('NET_BLOB_INVALID');
    fault('NET_BLOB_INVALID');
    fault('NET_MESSAGE_MALFORMED');
    const samples = parse(await metrics.text());
    const failures = (code: string) =>
      value(samples, 'liuhen_verification_failures_total', { source: 'peer', code });
    expect(failures('NET_BLOB_INVALID')).toBe(2);
    expect(failures('NET_MESSAGE_MALFORMED')).toBe(1);
  });
});

describe('Prometheus metrics of a running node', () => {
  beforeAll(async () => {
    net = await TestNetwork.prepare(ORGS, { externalOrgs: [eve] });
    await net.startAll(ORGS);
    await eventually('a mesh', () => net.meshed(ORGS));
  }, 120_000);

  afterAll(async () => {
    await peers.stopAll();
    await net?.close();
  });

  it('needs a token, like every other route', async () => {
    const response = await request<{ error: { code: string } }>(net.node('water').url, '/metrics');
    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe('UNAUTHORIZED');
  });

  it('every named metric appears, and moves under load', async () => {
    const before = await scrape('water');
    const names = [
      'liuhen_appends_total',
      'liuhen_append_rejections_total',
      'liuhen_blocks_cut_total',
      'liuhen_block_commit_seconds_bucket',
      'liuhen_block_commit_seconds_count',
      'liuhen_peers',
      'liuhen_sync_lag_entries',
      'liuhen_log_entries',
      'liuhen_cosign_latency_seconds_count',
      'liuhen_verification_failures_total',
      'liuhen_fraud_proofs',
      'liuhen_store_bytes',
      'process_resident_memory_bytes',
    ];
    // Labelled counters show no series before their first event; their HELP/TYPE lines do.
    for (const name of [
      'liuhen_blocks_cut_total',
      'liuhen_peers',
      'liuhen_fraud_proofs',
      'liuhen_store_bytes',
    ])
      expect(value(before, name), name).toBeDefined();
    expect(value(before, 'liuhen_peers')).toBe(1);
    expect(value(before, 'liuhen_fraud_proofs')).toBe(0);

    // Load: appends on both nodes, a refusal of each kind, a forged pre-signed envelope.
    await Promise.all(ORGS.map((org, lane) => appendJoints(net.node(org).url, net.token(org), 12, lane)));
    const url = net.node('water').url;
    const token = net.token('water');
    const bad = await api<{ error: { code: string } }>(url, token, 'POST', '/v1/entries', {
      object: 'pipe:water:x',
      kind: 'no.such-kind',
      role: 'QI',
      body: {},
    });
    expect(bad.json.error.code).toBe('KIND_UNKNOWN');
    const [first] = await net.entryIds('water', 'construction.joint-made');
    const found = await net.get<{ envelope: string }>('water', `/v1/entries/${first}`);
    const forged = Buffer.from(found.envelope, 'base64');
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 0x01;
    const refused = await api<{ error: { code: string } }>(url, token, 'POST', '/v1/signed-entries', {
      envelope: forged.toString('base64'),
    });
    expect(refused.status).toBe(400);
    // An attachment damaged on disk: the read fails its hash check at the end of the stream.
    const uploaded = await request<{ sha256: string }>(url, '/v1/blobs', {
      token,
      body: new TextEncoder().encode('a site photo'),
      contentType: 'application/octet-stream',
    });
    const sha = uploaded.json.sha256;
    writeFileSync(join(net.prepared('water').dir, 'blobs', sha.slice(0, 2), sha), 'other bytes!');
    await request(url, `/v1/blobs/${sha}`, { token }).catch(() => undefined);
    await eventually('replication with cosignatures', () => net.converged(ORGS, ORGS));

    const after = await scrape('water');
    for (const name of names) expect(value(after, name), name).toBeDefined();
    const grew = (name: string, labels: Record<string, string> = {}) =>
      expect(value(after, name, labels) ?? 0, name).toBeGreaterThan(value(before, name, labels) ?? 0);
    grew('liuhen_appends_total', { api: 'unsigned' });
    grew('liuhen_append_rejections_total', { code: 'KIND_UNKNOWN' });
    grew('liuhen_append_rejections_total', { code: refused.json.error.code });
    grew('liuhen_verification_failures_total', { source: 'append' });
    grew('liuhen_verification_failures_total', { source: 'blob', code: 'BLOB_CORRUPT' });
    grew('liuhen_blocks_cut_total');
    grew('liuhen_block_entries_total');
    grew('liuhen_block_commit_seconds_count');
    grew('liuhen_block_commit_seconds_sum');
    grew('liuhen_log_entries', { log: 'water' });
    grew('liuhen_log_entries', { log: 'gas' });
    grew('liuhen_replica_blocks_accepted_total', { log: 'gas' });
    // gas cosigned water's blocks: the latency of each cosignature of an own block was observed.
    grew('liuhen_cosign_latency_seconds_count', { witness: 'gas' });
    grew('liuhen_store_bytes', { part: 'db' });
    expect(value(after, 'liuhen_appends_total', { api: 'unsigned' })).toBe(12);
    // Converged: nothing of gas's log is known and missing.
    expect(value(after, 'liuhen_sync_lag_entries', { log: 'gas' })).toBe(0);
    expect(value(after, 'liuhen_peers')).toBe(1);
    expect(value(after, 'liuhen_fraud_proofs')).toBe(0);
    // Every series carries the node's org, so one Prometheus can scrape every department.
    expect(after.filter((s) => s.name.startsWith('liuhen_')).every((s) => s.labels.org === 'water')).toBe(
      true,
    );

    // The peers gauge follows the connection: it falls when the other node stops.
    await net.stop('gas');
    await eventually('the peer gone', async () => {
      const now = await scrape('water');
      return value(now, 'liuhen_peers') === 0 ? undefined : `peers ${value(now, 'liuhen_peers')}`;
    });
  }, 180_000);

  it('sync lag, refused blocks and fraud proofs move when a member runs ahead, sends a forged block, then signs two histories', async () => {
    const dir = net.prepared('water').dir;
    const { networkId } = networkOf(dir);
    const topics = replicationTopics(networkId);
    const host = await peers.join(dir, eve.seed, net.addrs(['water']));
    await subscribed(host, topics.blocks, [daemonPeer(net.prepared('water').nodeKey)], 60_000);
    const publish = (block: { header: unknown; envelopes: readonly Uint8Array[] }) =>
      host.pubsub.publish(
        topics.blocks,
        encodeGossipBlock({ header: block.header as never, entries: block.envelopes }),
      );
    const lag = async () => value(await scrape('water'), 'liuhen_sync_lag_entries', { log: 'eve' }) ?? 0;

    const log = new MemberLog(eve, networkId);
    const first = log.append([log.appointment(), ...log.records(2)]);
    await publish(first);
    await eventually('water holds eve’s first block', async () => {
      const held = (await net.status('water')).orgs.eve;
      return held?.height === 1 ? undefined : `eve at height ${held?.height}`;
    });
    expect(await lag()).toBe(0);
    const afterFirst = log.state;
    const second = log.append(log.records(2));
    const third = log.append(log.records(2));
    // The second block with one entry swapped for another validly signed one: the header verifies,
    // the block does not. Water refuses it, and counts the refusal by its reason.
    const refusal = { source: 'peer', code: 'BLOCK_ROOT_MISMATCH' };
    const refusedBefore = value(await scrape('water'), 'liuhen_verification_failures_total', refusal) ?? 0;
    await publish({
      header: second.header,
      envelopes: [second.envelopes[0] as Uint8Array, ...log.records(1, 'swapped')],
    });
    await eventually('the refused block counted', async () => {
      const now = value(await scrape('water'), 'liuhen_verification_failures_total', refusal) ?? 0;
      return now === refusedBefore + 1 ? undefined : `refusals ${now}`;
    });
    expect((await net.status('water')).orgs.eve?.height).toBe(1);
    // Only the third block: water now knows eve's log is longer than what it holds.
    await publish(third);
    await eventually('a lag behind eve', async () => {
      const now = await lag();
      return now === third.header.size - first.header.size ? undefined : `lag ${now}`;
    });
    await publish(second);
    await eventually('the second block taken', async () => {
      const now = await lag();
      return now === third.header.size - second.header.size ? undefined : `lag ${now}`;
    });
    expect(value(await scrape('water'), 'liuhen_fraud_proofs')).toBe(0);
    // Another second block on the same first one: two histories, proven and counted.
    await publish(log.cut(log.records(3, 'other'), afterFirst).block);
    await eventually('a fraud proof', async () => {
      const now = value(await scrape('water'), 'liuhen_fraud_proofs');
      return now === 1 ? undefined : `fraud proofs ${now}`;
    });
    expect((await net.fraudProofs('water')).map((p) => p.org)).toEqual(['eve']);
  }, 180_000);
});
