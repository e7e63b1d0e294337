/**
 * Admission to the private network (DESIGN §5), against real `liuhen-node` daemons: a peer with
 * the right swarm key but a key that is not a member node key, and a peer with a member's key but
 * the wrong swarm key, are both refused — neither shows up as a peer, neither gets an answer, and
 * a message that the daemons would store if it arrived (a valid block of a member org) stores
 * nothing when they send it. The same message from the admitted member is then stored: the
 * refusals were the admission, not the message.
 */

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  encodeGossipBlock,
  encodeHeadsRequest,
  generateSwarmKey,
  HEADS_PROTOCOL,
  type Host,
  isNetError,
  multiaddr,
  requestAll,
} from '../packages/net/src/index.ts';
import { daemonSuite } from './helpers/daemon-suite.ts';
import { eventually } from './helpers/network.ts';
import { MemberLog, memberKey } from './helpers/org-log.ts';
import { subscribed } from './helpers/peer.ts';

const DAEMONS = ['water', 'gas'];
const ghost = memberKey('ghost');

describe('admission to the network', () => {
  const suite = daemonSuite(DAEMONS, { externalOrgs: [ghost], setupMs: 120_000 });

  it('refuses a non-member key with the right PSK and a member key with the wrong PSK; neither delivers a message', {
    timeout: 90_000,
  }, async () => {
    const { net, peers } = suite;
    const { dir, networkId, topics } = suite.view();
    const log = new MemberLog(ghost, networkId);
    const block = log.append([log.appointment(), ...log.records(2)]);
    const message = encodeGossipBlock({ header: block.header, entries: block.envelopes });
    const daemonAddrs = net.addrs();
    const daemons = DAEMONS.map((org) => suite.peerOf(org));

    const stranger = await peers.join(dir, new Uint8Array(randomBytes(32)), daemonAddrs);
    const wrongPsk = await peers.join(dir, ghost.seed, daemonAddrs, { psk: generateSwarmKey() });

    // Each tries everything a peer can do, for a few seconds, while its dialler keeps retrying.
    const attempt = async (host: Host) => {
      host.pubsub.subscribe(topics.blocks);
      const outcomes: string[] = [];
      for (const address of daemonAddrs) {
        try {
          await requestAll(host.node, multiaddr(address), HEADS_PROTOCOL, encodeHeadsRequest(), {
            timeoutMs: 8_000,
          });
          outcomes.push('answered');
        } catch (error) {
          outcomes.push(isNetError(error) ? error.code : String(error));
        }
      }
      let recipients = 0;
      for (let i = 0; i < 5; i++) {
        recipients += (await host.pubsub.publish(topics.blocks, message)).recipients.length;
        await sleep(400);
      }
      return { outcomes, recipients, subscribers: host.pubsub.getSubscribers(topics.blocks).length };
    };
    const [fromStranger, fromWrongPsk] = await Promise.all([attempt(stranger), attempt(wrongPsk)]);
    console.log(
      `refused requests: non-member ${fromStranger.outcomes.join(', ')}; wrong PSK ${fromWrongPsk.outcomes.join(', ')}`,
    );
    for (const result of [fromStranger, fromWrongPsk]) {
      // Typed failures: no connection (or stream) ever carried the request.
      for (const outcome of result.outcomes)
        expect(['NET_DIAL_FAILED', 'NET_STREAM_FAILED', 'NET_TIMEOUT']).toContain(outcome);
      // Never told of a subscriber, so gossip had no one to go to.
      expect(result.recipients).toBe(0);
      expect(result.subscribers).toBe(0);
    }
    // What the daemons saw: neither peer, and no ghost block stored.
    const refused = [stranger.peerId.toString(), wrongPsk.peerId.toString()];
    for (const org of DAEMONS) {
      const connected = (await net.peers(org)).map((p) => p.peerId);
      expect(connected.filter((p) => refused.includes(p))).toEqual([]);
      expect((await net.status(org)).orgs.ghost?.size).toBe(0);
    }
    await peers.stop(stranger);
    await peers.stop(wrongPsk);

    // The same key with the right PSK is a member: the same message is stored by both daemons.
    const member = await peers.join(dir, ghost.seed, daemonAddrs);
    await subscribed(member, topics.blocks, daemons);
    const sent = await member.pubsub.publish(topics.blocks, message);
    expect(sent.recipients.length).toBeGreaterThan(0);
    await eventually('both daemons store the ghost block from the member', async () => {
      for (const org of DAEMONS) {
        const held = (await net.status(org)).orgs.ghost;
        if (held?.size !== 3) return `${org} holds ghost at ${held?.size}`;
      }
      return undefined;
    });
    for (const org of DAEMONS) expect((await net.peers(org)).map((p) => p.org)).toContain('ghost');
  });
});
