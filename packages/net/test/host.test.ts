import '../src/polyfill.ts';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { Multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSwarmKey, type Host } from '../src/index.ts';
import { bytes, collect, Hosts, meshed, newOrg, type Org, text, WAIT_MS, waitUntil } from './helpers.ts';

const TOPIC = 'liuhen/test/blocks';
const psk = generateSwarmKey();
const hosts = new Hosts();

/** The peer ids of the connections `host` completes from now on. */
function connectionsOpened(host: Host): string[] {
  const opened: string[] = [];
  host.node.addEventListener('connection:open', (evt) => opened.push(evt.detail.remotePeer.toString()));
  return opened;
}

function firstAddress(host: Host): Multiaddr {
  const address = host.multiaddrs()[0];
  if (address === undefined) throw new Error('host has no address');
  return address;
}
afterEach(() => hosts.stopAll());

/** `a` listening, `b` bootstrapping to it, both members, both subscribed to TOPIC. */
async function pair(a: Org, b: Org, extra: Org[] = []): Promise<[Host, Host]> {
  const members = [a.nodeKey, b.nodeKey, ...extra.map((o) => o.nodeKey)];
  const hostA = await hosts.create(a, { psk, members, scoredTopics: [TOPIC] });
  const hostB = await hosts.create(b, {
    psk,
    members,
    scoredTopics: [TOPIC],
    bootstrap: hostA.multiaddrs().map(String),
  });
  hostA.pubsub.subscribe(TOPIC);
  hostB.pubsub.subscribe(TOPIC);
  await meshed(hostA, hostB, TOPIC);
  return [hostA, hostB];
}

describe('host', () => {
  it('two member hosts connect via bootstrap and exchange gossip both ways', async () => {
    const [a, b] = await pair(newOrg(), newOrg());
    const atA = collect(a, TOPIC);
    const atB = collect(b, TOPIC);
    await b.pubsub.publish(TOPIC, bytes('from b'));
    await a.pubsub.publish(TOPIC, bytes('from a'));
    await waitUntil('both messages', () => atA.length === 1 && atB.length === 1);
    expect(text(atA[0]?.data ?? new Uint8Array())).toBe('from b');
    expect(text(atB[0]?.data ?? new Uint8Array())).toBe('from a');
    // Signed by the org node key: the author's libp2p identity is the node key.
    const message = atA[0];
    expect(message?.type === 'signed' && message.from.equals(b.peerId)).toBe(true);
    expect(a.node.getConnections(b.peerId).length).toBeGreaterThan(0);
  });

  it('a topic validator that rejects a message keeps it from being delivered and penalises the sender', async () => {
    const [a, b] = await pair(newOrg(), newOrg());
    const validated: string[] = [];
    a.setTopicValidator(TOPIC, (_peer, message) => {
      const body = text(message.data);
      validated.push(body);
      return body.startsWith('bad') ? TopicValidatorResult.Reject : TopicValidatorResult.Accept;
    });
    const atA = collect(a, TOPIC);
    await b.pubsub.publish(TOPIC, bytes('bad block'));
    await b.pubsub.publish(TOPIC, bytes('good block'));
    await waitUntil(
      'both messages validated and the good one delivered',
      () => validated.includes('bad block') && atA.some((m) => text(m.data) === 'good block'),
    );
    expect(atA.map((m) => text(m.data))).toEqual(['good block']);
    await waitUntil('the sender to lose score', () => a.peerScore(b.peerId) < 0);
  });

  it('a host with the right PSK but a non-member key is refused and cannot deliver a message', async () => {
    const [a, b] = await pair(newOrg(), newOrg());
    const opened = connectionsOpened(a);
    const outsider = newOrg();
    // The outsider admits A and even bootstraps to it: A's gater is what refuses it.
    const c = await hosts.create(outsider, {
      psk,
      members: [outsider.nodeKey, a.nodeKey],
      bootstrap: a.multiaddrs().map(String),
    });
    c.pubsub.subscribe(TOPIC);
    // Noise negotiates the muxer inside its handshake, so C's side of the upgrade may complete
    // before A's gater (which runs once the handshake has proven C's key) closes the connection.
    await c.node.dial(firstAddress(a), { signal: AbortSignal.timeout(WAIT_MS) }).catch(() => undefined);
    await waitUntil(
      'the outsider to hold no connection to A',
      () => c.node.getConnections(a.peerId).length === 0,
    );
    // Nor can A be made to dial it: A's gater denies the dial itself.
    await expect(a.node.dial(firstAddress(c), { signal: AbortSignal.timeout(WAIT_MS) })).rejects.toThrow(
      /gater/,
    );

    const atA = collect(a, TOPIC);
    const published = await c.pubsub.publish(TOPIC, bytes('from outsider'));
    expect(published.recipients).toHaveLength(0);
    // A member's later message arrives; the outsider's never does.
    await b.pubsub.publish(TOPIC, bytes('from member'));
    await waitUntil('the member message', () => atA.length > 0);
    expect(atA.map((m) => text(m.data))).toEqual(['from member']);
    expect(opened.filter((peer) => peer === c.peerId.toString())).toEqual([]);
  });

  it('a host with a wrong PSK is refused', async () => {
    const a = newOrg();
    const d = newOrg();
    const members = [a.nodeKey, d.nodeKey];
    const hostA = await hosts.create(a, { psk, members });
    const hostD = await hosts.create(d, { psk: generateSwarmKey(), members });
    const opened = connectionsOpened(hostA);
    await expect(
      hostD.node.dial(firstAddress(hostA), { signal: AbortSignal.timeout(WAIT_MS) }),
    ).rejects.toThrow();
    expect(hostA.node.getConnections(hostD.peerId).length).toBe(0);
    expect(hostD.node.getConnections(hostA.peerId).length).toBe(0);
    expect(opened).toEqual([]);
  });

  it('removing a member closes its connection and keeps it out', async () => {
    const orgA = newOrg();
    const [a, b] = await pair(orgA, newOrg());
    expect(a.membership.admits(b.peerId)).toBe(true);
    await a.membership.setMembership([orgA.nodeKey]);
    expect(a.membership.admits(b.peerId)).toBe(false);
    await waitUntil(
      'the connection to close on both sides',
      () => a.node.getConnections(b.peerId).length === 0 && b.node.getConnections(a.peerId).length === 0,
    );
    // B still admits A (and its bootstrap loop keeps trying), but A refuses it after the handshake.
    const opened = connectionsOpened(a);
    await b.node.dial(firstAddress(a), { signal: AbortSignal.timeout(WAIT_MS) }).catch(() => undefined);
    await waitUntil('B to hold no connection to A', () => b.node.getConnections(a.peerId).length === 0);
    expect(a.node.getConnections(b.peerId).length).toBe(0);
    expect(opened).toEqual([]);
  });
});

describe('offences outside gossip', () => {
  it('penalise lowers the peer score through the application-specific term, quadratically', async () => {
    const [a, b] = await pair(newOrg(), newOrg());
    await waitUntil('a known score for b', () => a.peerScore(b.peerId) >= 0);
    a.penalise(b.peerId);
    expect(a.offences(b.peerId)).toBeCloseTo(1, 1);
    // gossipsub caches a score for one heartbeat.
    await waitUntil('the offence to count', () => a.peerScore(b.peerId) < 0);
    a.penalise(b.peerId);
    a.penalise(b.peerId);
    await waitUntil('three offences: below the graylist', () => a.peerScore(b.peerId) < -80);
    expect(b.offences(a.peerId)).toBe(0);
  });
});
