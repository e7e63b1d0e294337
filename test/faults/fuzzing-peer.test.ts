/**
 * A fuzzing member (issue 10), next to the scripted hostile member of hostile-member.test.ts. The
 * test holds the node key of member org `fuzzer` (no daemon runs for it), joins the network of two
 * real daemons with it, and sends seeded mutations of valid messages: on each request/response
 * protocol (heads, sync, cosignatures, blob, governance) a well-framed request whose bytes were
 * flipped, cut, extended or spliced; on each gossip topic (blocks, cosignatures, fraud proofs) the
 * same mutations of a valid message. The seed is fixed, so every run sends the same bytes.
 *
 * Whatever a mutation happens to produce (junk, a request for something else, even a still-valid
 * message), the daemons stay up and answer, store no fuzzer block but the valid one, hold no fraud
 * proof and freeze nothing; they go on replicating with each other (nothing acknowledged lost),
 * and `liuhen-node verify` finds both stores clean.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, cosign, encodeFraudProof, toHex } from '../../packages/core/src/index.ts';
import {
  BLOB_PROTOCOL,
  COSIGNATURES_PROTOCOL,
  decodeHeadsResponse,
  encodeBlobRequest,
  encodeCosignaturesRequest,
  encodeGossipBlock,
  encodeGossipCosignature,
  encodeGovernanceRequest,
  encodeHeadsRequest,
  encodeSyncRequest,
  GOVERNANCE_PROTOCOL,
  HEADS_PROTOCOL,
  requestAll,
  SYNC_PROTOCOL,
} from '../../packages/net/src/index.ts';
import { daemonSuite, expectEveryAckHeld, stopAndVerify } from '../helpers/daemon-suite.ts';
import { prng } from '../helpers/http.ts';
import { type Ack, eventually } from '../helpers/network.ts';
import { MemberLog, memberKey } from '../helpers/org-log.ts';
import { subscribed } from '../helpers/peer.ts';
import { exchange, frame } from '../helpers/raw-stream.ts';

const DAEMONS = ['water', 'gas'];
const fuzzer = memberKey('fuzzer');
const SEED = 0xf022_2026;
/** Mutations per request/response protocol, and per gossip topic. */
const PER_PROTOCOL = 24;
const PER_TOPIC = 16;

/** One seeded mutation of `valid`: flipped bytes, a cut, an extension, a splice or a repeat. */
function mutate(valid: Uint8Array, random: () => number): Uint8Array {
  const at = (n: number) => Math.floor(random() * n);
  const bytes = Uint8Array.from(valid);
  switch (at(5)) {
    case 0: {
      for (let i = 0, n = 1 + at(8); i < n; i++) {
        const j = at(bytes.length);
        bytes[j] = (bytes[j] as number) ^ (1 << at(8));
      }
      return bytes;
    }
    case 1:
      return bytes.subarray(0, at(bytes.length));
    case 2:
      return concatBytes(
        bytes,
        Uint8Array.from({ length: 1 + at(64) }, () => at(256)),
      );
    case 3: {
      const from = at(bytes.length);
      const length = Math.min(1 + at(32), bytes.length - from);
      bytes.set(
        Uint8Array.from({ length }, () => at(256)),
        from,
      );
      return bytes;
    }
    default: {
      const from = at(bytes.length);
      return concatBytes(bytes.subarray(0, from), bytes.subarray(at(bytes.length)));
    }
  }
}

describe('a fuzzing member', () => {
  const suite = daemonSuite(DAEMONS, { externalOrgs: [fuzzer], meshMs: 300_000, setupMs: 600_000 });

  it('cannot crash, poison or freeze honest nodes with mutated messages', { timeout: 600_000 }, async () => {
    const random = prng(SEED);
    const { net, peers } = suite;
    const { dir, networkId, topics } = suite.view();
    const water = suite.peerOf('water');
    const gas = suite.peerOf('gas');
    const acks: Ack[] = [...(await net.append('water', 2)), ...(await net.append('gas', 2))];
    const log = new MemberLog(fuzzer, networkId);
    const valid = log.append([log.appointment(), ...log.records(2)]);
    const next = log.cut(log.records(1)).block;

    const host = await peers.join(dir, fuzzer.seed, net.addrs());
    await eventually('the fuzzer connected to both daemons', () => suite.connected('fuzzer'));

    // ---- request/response: mutated requests, well framed, at water -----------------------------
    const waterSize = (await net.status('water')).orgs.water?.size as number;
    const requests: Array<[string, Uint8Array]> = [
      [HEADS_PROTOCOL, encodeHeadsRequest()],
      [SYNC_PROTOCOL, encodeSyncRequest({ org: 'water', fromSize: 0, toSize: waterSize })],
      [
        COSIGNATURES_PROTOCOL,
        encodeCosignaturesRequest({ org: 'water', fromHeight: 1, toHeight: 2, missing: ['gas'] }),
      ],
      [BLOB_PROTOCOL, encodeBlobRequest(new Uint8Array(randomBytes(32)))],
      [GOVERNANCE_PROTOCOL, encodeGovernanceRequest({ from: 1, to: 1 })],
    ];
    const outcomes = new Map<string, number>();
    for (const [protocol, request] of requests)
      for (let i = 0; i < PER_PROTOCOL; i++) {
        // Well framed (one DATA frame), whatever the mutation left of the request inside it.
        const outcome = await exchange(host, water, protocol, [frame(0x00, mutate(request, random))], {
          timeoutMs: 20_000,
          maxFrameBytes: 4 * 1024 * 1024,
        });
        const key = `${protocol} ${outcome}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    console.log(`fuzzed requests: ${[...outcomes].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    expect(net.node('water').process.exitCode).toBeNull();
    // Water still answers a well-formed request.
    const [heads] = await requestAll(host.node, water, HEADS_PROTOCOL, encodeHeadsRequest(), {
      timeoutMs: 20_000,
    });
    const waterHead = decodeHeadsResponse(heads as Uint8Array).find((h) => h.org === 'water')?.text as string;
    expect(waterHead).toBeTypeOf('string');

    // ---- gossip: mutated messages on every topic -------------------------------------------------
    const messages: Array<[string, Uint8Array]> = [
      [topics.blocks, encodeGossipBlock({ header: next.header, entries: next.envelopes })],
      [
        topics.cosignatures,
        encodeGossipCosignature({
          org: 'water',
          checkpoint: waterHead,
          witness: 'fuzzer',
          signature: cosign(waterHead, 'fuzzer', fuzzer.seed, Math.floor(Date.now() / 1000)),
        }),
      ],
      [topics.fraudProofs, encodeFraudProof({ first: valid.header, second: next.header, proof: [] })],
    ];
    await subscribed(host, topics.blocks, [water, gas], 60_000);
    // The fuzzer's first block, valid, reaches both daemons; the mutations are of its second.
    await host.pubsub.publish(
      topics.blocks,
      encodeGossipBlock({ header: valid.header, entries: valid.envelopes }),
    );
    await eventually('both daemons hold the fuzzer’s valid first block', async () => {
      for (const org of DAEMONS) {
        const held = (await net.status(org)).orgs.fuzzer?.size;
        if (held !== valid.header.size) return `${org} holds the fuzzer at ${held}`;
      }
      return undefined;
    });
    let published = 0;
    for (const [topic, message] of messages)
      for (let i = 0; i < PER_TOPIC; i++) {
        // Mutations that decode to nothing new still count: publish fails only without peers.
        await host.pubsub.publish(topic, mutate(message, random)).then(
          () => published++,
          () => undefined,
        );
      }
    expect(published).toBeGreaterThan(0);

    // The daemons are up, hold no fuzzer block but valid ones, no fraud proof, nothing frozen.
    for (const org of DAEMONS) {
      expect(net.node(org).process.exitCode).toBeNull();
      const status = await net.status(org);
      const held = status.orgs.fuzzer;
      // Only a mutation that left the second block valid could be stored: then it is that block.
      expect([valid.header.size, next.header.size]).toContain(held?.size);
      const root = held?.size === next.header.size ? next.header.root : valid.header.root;
      expect(held?.root).toBe(toHex(root));
      expect(Object.values(status.orgs).some((o) => o.frozen)).toBe(false);
      expect(await net.fraudProofs(org)).toEqual([]);
    }

    // The honest nodes still replicate with each other, lose nothing, and verify clean.
    await peers.stop(host);
    acks.push(...(await net.append('water', 2)), ...(await net.append('gas', 2)));
    await eventually('water and gas converge', () => net.converged(DAEMONS));
    await expectEveryAckHeld(net, DAEMONS, acks);
    await stopAndVerify(net, DAEMONS);
  });
});
