/**
 * Equivocation across processes (DESIGN §4, §5). The test creates the genesis, so it holds the node
 * key of member org `eve`, for which no daemon runs. Eve's first block reaches all four honest
 * `liuhen-node` daemons; then eve signs two different second blocks and shows one to each half of
 * the network: two libp2p hosts with eve's key, one connected to water and gas only, the other to
 * power and sewer only, publish the two blocks at the same moment. Gossip between the halves brings
 * the conflict together; within 5 s of the second publication every honest node holds a fraud
 * proof (GET /v1/fraud-proofs, checkable offline) and has frozen eve (/v1/status,
 * `liuhen-node status`) at the last consistent size — the end of eve's first block, on every node,
 * whichever second block it held — and serves eve's log only up to there. Frozen means frozen:
 * eve's next blocks are refused, the freeze survives a restart, and the honest orgs replicate as
 * before.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { decodeFraudProof, fromBase64, toHex, verifyFraudProof } from '../../packages/core/src/index.ts';
import {
  decodeHeadsResponse,
  encodeGossipBlock,
  encodeHeadsRequest,
  HEADS_PROTOCOL,
  type Host,
  requestAll,
} from '../../packages/net/src/index.ts';
import { cliAsync } from '../../scripts/lib/node-process.ts';
import { daemonSuite, expectEveryAckHeld, stopAndVerify } from '../helpers/daemon-suite.ts';
import { type Ack, eventually } from '../helpers/network.ts';
import { MemberLog, memberKey } from '../helpers/org-log.ts';
import { subscribed } from '../helpers/peer.ts';

const LEFT = ['water', 'gas'];
const RIGHT = ['power', 'sewer'];
const DAEMONS = [...LEFT, ...RIGHT];
const eve = memberKey('eve');
/** The detection deadline of issue 4, from the second publication. */
const DEADLINE_MS = 5_000;

describe('equivocation across node processes', () => {
  const suite = daemonSuite(DAEMONS, { externalOrgs: [eve], meshMs: 300_000, setupMs: 600_000 });

  it('an org that shows each half of the network another block is caught, proven and frozen everywhere', {
    timeout: 600_000,
  }, async () => {
    const { net, peers } = suite;
    const { dir, networkId, topics } = suite.view();
    const publish = (host: Host, block: { header: unknown; envelopes: readonly Uint8Array[] }) =>
      host.pubsub.publish(
        topics.blocks,
        encodeGossipBlock({ header: block.header as never, entries: block.envelopes }),
      );
    const half = async (orgs: string[]) => {
      const host = await peers.join(dir, eve.seed, net.addrs(orgs));
      await subscribed(
        host,
        topics.blocks,
        orgs.map((org) => suite.peerOf(org)),
        60_000,
      );
      return host;
    };
    const toLeft = await half(LEFT);
    const toRight = await half(RIGHT);

    // One history so far: every node holds eve's first block.
    const log = new MemberLog(eve, networkId);
    const first = log.append([log.appointment(), ...log.records(2)]);
    await publish(toLeft, first);
    await publish(toRight, first);
    await eventually('every node holds eve’s first block', async () => {
      for (const org of DAEMONS) {
        const held = (await net.status(org)).orgs.eve;
        if (held?.height !== 1) return `${org} holds eve at height ${held?.height}`;
      }
      return undefined;
    });

    // Two second blocks, both validly signed by eve, one for each half.
    const left = log.cut(log.records(2, 'left'));
    const right = log.cut(log.records(3, 'right'));
    const firstPublication = publish(toLeft, left.block);
    const secondAt = Date.now();
    await Promise.all([firstPublication, publish(toRight, right.block)]);

    let detectedMs = Number.POSITIVE_INFINITY;
    await eventually(
      'every node holds a fraud proof against eve and has frozen it',
      async () => {
        for (const org of DAEMONS) {
          const proofs = await net.fraudProofs(org);
          if (!proofs.some((p) => p.org === 'eve')) return `${org} holds no fraud proof`;
          if ((await net.status(org)).orgs.eve?.frozen !== true) return `${org} has not frozen eve`;
        }
        detectedMs = Date.now() - secondAt;
        return undefined;
      },
      60_000,
      50,
    );
    const branches: string[] = [];
    for (const org of DAEMONS) {
      const root = (await net.status(org)).orgs.eve?.root;
      branches.push(
        `${org} holds ${root === toHex(left.block.header.root) ? 'the left' : root === toHex(right.block.header.root) ? 'the right' : 'no second'} block`,
      );
    }
    console.log(
      `equivocation: every node held the fraud proof and froze eve ${detectedMs} ms after the second publication (${branches.join(', ')})`,
    );
    expect(detectedMs).toBeLessThanOrEqual(DEADLINE_MS);

    // Frozen at the last consistent size (DESIGN §4): the same on every node, whichever second
    // block it held, and the log is served only up to it — a heads request shows eve's first block.
    for (const org of DAEMONS) {
      expect((await net.status(org)).orgs.eve?.frozenAt).toBe(first.header.size);
      const [frame] = await requestAll(
        (LEFT.includes(org) ? toLeft : toRight).node,
        suite.peerOf(org),
        HEADS_PROTOCOL,
        encodeHeadsRequest(),
        { timeoutMs: 15_000 },
      );
      const served = decodeHeadsResponse(frame as Uint8Array).find((h) => h.org === 'eve');
      expect(served?.text).toBe(first.header.text);
    }

    // Each proof stands on its own: the two checkpoints, checked with eve's key alone.
    const texts = [left.block.header.text, right.block.header.text].sort();
    for (const org of DAEMONS) {
      const proofs = (await net.fraudProofs(org)).filter((p) => p.org === 'eve');
      expect(proofs.length).toBeGreaterThan(0);
      for (const shown of proofs) {
        expect(shown.kind).toBe('header-fork');
        expect([shown.first, shown.second].sort()).toEqual(texts);
        expect(verifyFraudProof(decodeFraudProof(fromBase64(shown.proof)), eve.nodeKey)).toBe('header-fork');
      }
    }

    // Frozen: eve's next blocks, on either branch, are refused.
    const heightsBefore = new Map<string, number>();
    for (const org of DAEMONS) heightsBefore.set(org, (await net.status(org)).orgs.eve?.size ?? -1);
    await publish(toLeft, log.cut(log.records(1, 'left'), left.state).block);
    await publish(toRight, log.cut(log.records(1, 'right'), right.state).block);
    await sleep(3_000);
    for (const org of DAEMONS) {
      const held = (await net.status(org)).orgs.eve;
      expect(held?.frozen).toBe(true);
      expect(held?.height).toBe(2);
      expect(held?.size).toBe(heightsBefore.get(org));
    }

    // Shown to the operator, and kept across a restart.
    const status = await cliAsync(['status', '--node', net.node('sewer').url, '--token', net.token('sewer')]);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/eve .*FROZEN/);
    expect(status.stdout).toMatch(/FRAUD PROOFS: \d+\n {2}eve \(header-fork\)/);
    await net.stop('sewer');
    await net.start('sewer');
    expect((await net.status('sewer')).orgs.eve?.frozen).toBe(true);
    expect((await net.status('sewer')).orgs.eve?.frozenAt).toBe(first.header.size);
    expect((await net.fraudProofs('sewer')).some((p) => p.org === 'eve')).toBe(true);

    // The honest orgs are not affected: they replicate, lose nothing acknowledged, and every
    // store (eve's log up to where it froze included) verifies clean.
    await peers.stopAll();
    const acks: Ack[] = [];
    for (const org of DAEMONS) acks.push(...(await net.append(org, 1)));
    await eventually('the honest orgs converge', () => net.converged(DAEMONS, DAEMONS), 300_000);
    await expectEveryAckHeld(net, DAEMONS, acks);
    await stopAndVerify(net, DAEMONS);
  });
});
