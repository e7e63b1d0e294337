/**
 * A hostile member (DESIGN §1.3: "verify everything that arrives; trust nothing by position").
 * The test creates the genesis, so it holds the node keys of member orgs for which no daemon runs:
 * `mallory`, and one `hostile-N` per kind of junk gossip (a peer's score then tells which of its
 * messages were rejected: Reject costs score, Ignore does not, and a graylisted peer's later
 * messages would not even be validated). With those keys the test joins the network (right PSK,
 * admitted by every gater) and attacks two honest `liuhen-node` daemons:
 *
 * - request/response protocols (heads, sync, cosignatures, blob): random bytes, truncated frames,
 *   oversized frames, unknown frame types, well-framed garbage;
 * - gossip topics: random bytes, and valid CBOR that lies — a bad header signature, a bad entry
 *   signature, a wrong network id, an unknown org, an operator never appointed, a forged
 *   cosignature, a cosignature of another network, a forged fraud proof;
 * - sync, when the honest nodes sync mallory's log from mallory: a wrong offset, another org's
 *   block, a block past the range asked for, a tampered entry, a response ending inside a block,
 *   a garbage frame, an oversized frame, forged cosignatures riding on a valid block and its head.
 *
 * The daemons stay up and keep replicating with each other; they store mallory's valid blocks only
 * (and no signature line on them they did not verify), only cosignatures that verify, no fraud
 * proof, and freeze nothing; every attacker's gossipsub score (GET /v1/peers) drops, mallory's
 * below the graylist threshold; and `liuhen-node verify` finds both stores clean.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  type BlockHeader,
  concatBytes,
  cosign,
  cosignatureVerifier,
  decodeEnvelope,
  emptyLogState,
  encodeFraudProof,
  entryId,
  fromBase64,
  keyHash,
  type NoteSignature,
  SIG_TYPE_COSIGNATURE_V1,
  sha256,
  toHex,
  utf8,
  verifyCosignature,
  withSignatures,
} from '../../packages/core/src/index.ts';
import {
  BLOB_PROTOCOL,
  COSIGNATURES_PROTOCOL,
  decodeHeadsResponse,
  decodeSyncRequest,
  encodeGossipBlock,
  encodeGossipCosignature,
  encodeHeadsRequest,
  encodeHeadsResponse,
  encodeSyncFrame,
  HEADS_PROTOCOL,
  type Host,
  type PeerId,
  requestAll,
  SYNC_PROTOCOL,
  serveRequests,
} from '../../packages/net/src/index.ts';
import { daemonSuite, stopAndVerify } from '../helpers/daemon-suite.ts';
import { type EntryJson, eventually, type TestNetwork } from '../helpers/network.ts';
import { MemberLog, memberKey } from '../helpers/org-log.ts';
import { subscribed } from '../helpers/peer.ts';
import { exchange, frame, varint } from '../helpers/raw-stream.ts';

const DAEMONS = ['water', 'gas'];
const mallory = memberKey('mallory');
const GOSSIP_JUNK_KINDS = 11;
const hostiles = Array.from({ length: GOSSIP_JUNK_KINDS }, (_, i) => memberKey(`hostile-${i + 1}`));
/** gossipsub's default graylist threshold: below it a peer's messages are ignored unread. */
const GRAYLIST = -80;

/** A cosignature line with `witness`'s name and real key id, and a signature that is not its. */
function forgedCosignature(witness: string, key: Uint8Array): NoteSignature {
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigUint64(0, BigInt(Math.floor(Date.now() / 1000)));
  return {
    name: witness,
    keyHash: keyHash(witness, SIG_TYPE_COSIGNATURE_V1, key),
    signature: concatBytes(time, new Uint8Array(randomBytes(64))),
  };
}

async function scoreOf(net: TestNetwork, holder: string, peer: PeerId): Promise<number | undefined> {
  return (await net.peers(holder)).find((p) => p.peerId === peer.toString())?.score;
}

describe('a hostile member', () => {
  const suite = daemonSuite(DAEMONS, {
    externalOrgs: [mallory, ...hostiles],
    meshMs: 300_000,
    setupMs: 600_000,
  });

  it('cannot crash, poison or freeze honest nodes, and loses its score', { timeout: 600_000 }, async () => {
    const { net, peers } = suite;
    const { dir, genesis, networkId, topics } = suite.view();
    const keyOf = (org: string) => genesis.orgs.find((o) => o.id === org)?.nodeKey as Uint8Array;
    const water = suite.peerOf('water');
    const gas = suite.peerOf('gas');
    const log = new MemberLog(mallory, networkId);
    const m1 = log.append([log.appointment(), ...log.records(2)]);
    const m2 = log.append(log.records(2));
    const m3 = log.cut(log.records(1)).block;

    const host = await peers.join(dir, mallory.seed, net.addrs());
    await eventually('mallory connected to both daemons', () => suite.connected('mallory'));

    // ---- request/response junk, at water --------------------------------------------------------
    const junk: Record<string, Uint8Array[]> = {
      'random bytes': [new Uint8Array(randomBytes(300))],
      'well-framed garbage': [frame(0x00, new Uint8Array(randomBytes(200)))],
      'a request that is not CBOR': [frame(0x00, utf8('not cbor'))],
      'a truncated frame': [concatBytes(varint(101), Uint8Array.of(0x00), new Uint8Array(10))],
      'an oversized frame': [
        concatBytes(varint(2 * 1024 * 1024 + 1), Uint8Array.of(0x00)),
        new Uint8Array(2 * 1024 * 1024),
      ],
      'an unknown frame type': [frame(0x07)],
      'an END frame as the request': [frame(0x01)],
    };
    const outcomes: string[] = [];
    for (const protocol of [HEADS_PROTOCOL, SYNC_PROTOCOL, COSIGNATURES_PROTOCOL, BLOB_PROTOCOL])
      for (const [what, chunks] of Object.entries(junk)) {
        const outcome = await exchange(host, water, protocol, chunks, { timeoutMs: 15_000 });
        outcomes.push(`${protocol} ${what}: ${outcome}`);
        // Never a DATA frame or a normal end: junk gets an error frame or a hang-up.
        expect(outcome, `${protocol} ${what}`).toMatch(/^(error:NET_[A-Z_]+|closed)$/);
      }
    console.log(`request/response junk:\n  ${outcomes.join('\n  ')}`);
    expect(outcomes.filter((o) => o.endsWith('error:NET_FRAME_TOO_LARGE')).length).toBeGreaterThanOrEqual(2);
    expect(outcomes.filter((o) => o.endsWith('error:NET_FRAME_MALFORMED')).length).toBeGreaterThanOrEqual(4);
    expect(outcomes.filter((o) => o.endsWith('error:NET_MESSAGE_MALFORMED')).length).toBeGreaterThanOrEqual(
      4,
    );
    // Water still answers a well-formed request, and has scored mallory down for the junk.
    const [headsFrame] = await requestAll(host.node, water, HEADS_PROTOCOL, encodeHeadsRequest(), {
      timeoutMs: 10_000,
    });
    const waterHead = decodeHeadsResponse(headsFrame as Uint8Array).find(
      (h) => h.org === 'water',
    ) as BlockHeader;
    expect(waterHead.org).toBe('water');
    await eventually('water scores mallory below 0 for the request junk', async () => {
      const score = await scoreOf(net, 'water', host.peerId);
      return score !== undefined && score < 0 ? undefined : `score ${score}`;
    });

    // ---- gossip junk: one kind per hostile member, so each score shows its message was rejected --
    const elsewhere = new MemberLog(mallory, sha256(utf8('another network')));
    const foreign = elsewhere.append([elsewhere.appointment()]);
    const nobody = new MemberLog({ id: 'nobody', seed: mallory.seed, nodeKey: mallory.nodeKey }, networkId);
    const unappointed = new MemberLog(mallory, networkId);
    const badHeaderSignature = withSignatures(
      { ...m1.header, note: { text: m1.header.text, signatures: [] } },
      [{ ...(m1.header.note.signatures[0] as NoteSignature), signature: new Uint8Array(randomBytes(64)) }],
    );
    // The last byte of an envelope is its signature's: flipped, the entry no longer verifies; the
    // block is re-cut over it, so the header signature and root are right.
    const tampered = [...m1.envelopes];
    const last = tampered[2] as Uint8Array;
    tampered[2] = concatBytes(last.subarray(0, -1), Uint8Array.of((last.at(-1) as number) ^ 1));
    const tamperedBlock = log.cut(tampered, emptyLogState()).block;
    const gossip: Array<[string, string, Uint8Array]> = [
      ['random bytes as a block', topics.blocks, new Uint8Array(randomBytes(500))],
      ['random bytes as a cosignature', topics.cosignatures, new Uint8Array(randomBytes(500))],
      ['random bytes as a fraud proof', topics.fraudProofs, new Uint8Array(randomBytes(500))],
      [
        'a bad header signature',
        topics.blocks,
        encodeGossipBlock({ header: badHeaderSignature, entries: m1.envelopes }),
      ],
      [
        'a bad entry signature',
        topics.blocks,
        encodeGossipBlock({ header: tamperedBlock.header, entries: tampered }),
      ],
      [
        'a wrong network id',
        topics.blocks,
        encodeGossipBlock({ header: foreign.header, entries: foreign.envelopes }),
      ],
      [
        'an unknown org',
        topics.blocks,
        encodeGossipBlock(
          (({ header, envelopes }) => ({ header, entries: envelopes }))(
            nobody.append([nobody.appointment()]),
          ),
        ),
      ],
      [
        'an operator never appointed',
        topics.blocks,
        encodeGossipBlock(
          (({ header, envelopes }) => ({ header, entries: envelopes }))(
            unappointed.append(unappointed.records(2)),
          ),
        ),
      ],
      [
        'a forged cosignature',
        topics.cosignatures,
        encodeGossipCosignature({
          org: 'water',
          checkpoint: waterHead.text,
          witness: 'gas',
          signature: forgedCosignature('gas', keyOf('gas')),
        }),
      ],
      [
        'a cosignature of another network',
        topics.cosignatures,
        encodeGossipCosignature({
          org: 'mallory',
          checkpoint: foreign.header.text,
          witness: 'mallory',
          signature: cosign(foreign.header.text, 'mallory', mallory.seed, Math.floor(Date.now() / 1000)),
        }),
      ],
      [
        'a forged fraud proof (two consistent checkpoints)',
        topics.fraudProofs,
        encodeFraudProof({ first: m1.header, second: m2.header, proof: [] }),
      ],
    ];
    expect(gossip.length).toBe(GOSSIP_JUNK_KINDS);
    const senders = await Promise.all(
      gossip.map((_, i) => peers.join(dir, (hostiles[i] as typeof mallory).seed, net.addrs())),
    );
    await Promise.all(
      gossip.map(async ([what, topic, data], i) => {
        const sender = senders[i] as Host;
        await subscribed(sender, topic, [water, gas], 60_000);
        // Knowing a peer subscribes is not yet having a stream to it: publish again (a new
        // message each time) until both daemons were sent the junk.
        const reached = new Set<string>();
        for (let attempt = 0; attempt < 20 && reached.size < 2; attempt++) {
          if (attempt > 0) await sleep(250);
          const { recipients } = await sender.pubsub.publish(topic, data);
          for (const r of recipients) reached.add(r.toString());
        }
        expect(reached.size, `${what} reached the daemons`).toBe(2);
      }),
    );
    await eventually('every junk gossip rejected (its sender scored below 0) by both daemons', async () => {
      for (const org of DAEMONS)
        for (const [i, [what]] of gossip.entries()) {
          const score = await scoreOf(net, org, (senders[i] as Host).peerId);
          if (score === undefined || score >= 0) return `${org} scores the sender of ${what} ${score}`;
        }
      return undefined;
    });
    for (const org of DAEMONS) {
      const s = await net.status(org);
      expect(s.orgs.mallory?.size).toBe(0);
      expect(s.orgs.nobody).toBeUndefined();
      expect(Object.values(s.orgs).some((o) => o.frozen)).toBe(false);
      expect(await net.fraudProofs(org)).toEqual([]);
    }
    await Promise.all(senders.map((sender) => peers.stop(sender)));

    // ---- lying sync responses, when the daemons sync mallory's log ------------------------------
    // Forged in the name of members without a daemon, whose real cosignatures the daemons cannot
    // already hold (a held cosignature is not even re-read), so each forgery is checked.
    const headWithForgery = withSignatures(m2.header, [forgedCosignature('hostile-1', keyOf('hostile-1'))]);
    await serveRequests(host.node, HEADS_PROTOCOL, function* () {
      yield encodeHeadsResponse([headWithForgery]);
    });
    const chain = [m1, m2];
    function* honest(fromSize: number, toSize: number, forge: boolean): Generator<Uint8Array> {
      for (const block of chain) {
        const start = block.header.size - block.envelopes.length;
        if (start < fromSize || block.header.size > toSize) continue;
        const header =
          forge && start === fromSize
            ? withSignatures(block.header, [forgedCosignature('hostile-2', keyOf('hostile-2'))])
            : block.header;
        yield encodeSyncFrame({ header, offset: start, entries: block.envelopes });
      }
    }
    const lies: Array<[string, (from: number) => Uint8Array[]]> = [
      [
        'a wrong offset',
        (from) => [encodeSyncFrame({ header: m1.header, offset: from + 1, entries: m1.envelopes.slice(1) })],
      ],
      [
        'a block of another org',
        (from) => [encodeSyncFrame({ header: waterHead, offset: from, entries: m1.envelopes.slice(0, 1) })],
      ],
      [
        'a block past the range',
        (from) => [encodeSyncFrame({ header: m3.header, offset: from, entries: m1.envelopes.slice(0, 1) })],
      ],
      [
        'a tampered entry',
        () => [encodeSyncFrame({ header: tamperedBlock.header, offset: 0, entries: tampered })],
      ],
      [
        'an end inside a block',
        (from) => [encodeSyncFrame({ header: m1.header, offset: from, entries: m1.envelopes.slice(0, 1) })],
      ],
      ['a garbage frame', () => [new Uint8Array(randomBytes(100))]],
      ['an oversized frame', () => [new Uint8Array(2 * 1024 * 1024)]],
    ];
    const served = new Map<string, string[]>();
    await serveRequests(
      host.node,
      SYNC_PROTOCOL,
      function* (body, { peer }) {
        const { fromSize, toSize } = decodeSyncRequest(body);
        const seen = served.get(peer.toString()) ?? [];
        served.set(peer.toString(), seen);
        const lie = lies[seen.length];
        seen.push(`${lie?.[0] ?? 'honest'} ${fromSize}→${toSize}`);
        if (lie !== undefined) yield* lie[1](fromSize);
        // The first honest answer carries a forged cosignature on its first block.
        else yield* honest(fromSize, toSize, seen.length === lies.length + 1);
      },
      { maxFrameBytes: 4 * 1024 * 1024 },
    );
    await eventually(
      'both daemons hold mallory’s valid log',
      async () => {
        for (const org of DAEMONS) {
          const held = (await net.status(org)).orgs.mallory;
          if (held?.size !== m2.header.size || held.root !== toHex(m2.header.root))
            return `${org} holds mallory at ${held?.size}`;
        }
        return undefined;
      },
      90_000,
    );
    for (const org of DAEMONS)
      console.log(
        `sync requests from ${org} to mallory:\n  ${(served.get(suite.peerOf(org).toString()) ?? []).join('\n  ')}`,
      );
    // Whichever daemon held mallory's log first took it from mallory, after every lie; the other
    // may have taken it from its honest peer meanwhile.
    const told = DAEMONS.map((org) => served.get(suite.peerOf(org).toString())?.length ?? 0);
    expect(Math.max(...told)).toBeGreaterThan(lies.length);

    // ---- what the honest nodes hold ---------------------------------------------------------------
    const m1Entry = toHex(entryId(decodeEnvelope(m1.envelopes[1] as Uint8Array).entryBytes));
    for (const org of DAEMONS) {
      expect(net.node(org).process.exitCode).toBeNull();
      const s = await net.status(org);
      expect(Object.values(s.orgs).some((o) => o.frozen)).toBe(false);
      expect(s.orgs.nobody).toBeUndefined();
      for (const hostile of hostiles) expect(s.orgs[hostile.id]?.size).toBe(0);
      expect(await net.fraudProofs(org)).toEqual([]);
      await eventually(`${org} graylists mallory`, async () => {
        const score = await scoreOf(net, org, host.peerId);
        return score !== undefined && score < GRAYLIST ? undefined : `score ${score}`;
      });
      // Mallory's blocks are stored with the org's own signature line only: the forged
      // cosignatures that came with them were neither kept on the header nor stored.
      const found = await net.get<EntryJson & { proof: { checkpoint: string } }>(
        org,
        `/v1/entries/${m1Entry}?proof=1`,
      );
      expect(found.proof.checkpoint.split('\n').filter((l) => l.startsWith('— '))).toHaveLength(1);
      const stored = readFileSync(join(net.prepared(org).dir, 'cosignatures.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map(
          (l) =>
            JSON.parse(l) as {
              checkpoint: string;
              witness: string;
              name: string;
              keyHash: string;
              signature: string;
            },
        );
      expect(stored.length).toBeGreaterThan(0);
      for (const c of stored) {
        expect(DAEMONS).toContain(c.witness);
        const signature = {
          name: c.name,
          keyHash: fromBase64(c.keyHash),
          signature: fromBase64(c.signature),
        };
        expect(() =>
          verifyCosignature(c.checkpoint, signature, cosignatureVerifier(c.witness, keyOf(c.witness))),
        ).not.toThrow();
      }
    }
    expect(net.node('water').log()).toContain('"msg":"peer misbehaved: penalised"');

    // The honest nodes still replicate with each other, and their stores verify entry by entry.
    await net.append('water', 2);
    await net.append('gas', 1);
    await eventually('water and gas converge', () => net.converged(DAEMONS, DAEMONS), 300_000);
    await peers.stop(host);
    await stopAndVerify(net, DAEMONS);
  });
});
