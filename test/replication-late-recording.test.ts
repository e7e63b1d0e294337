/**
 * Late recording (补录; DESIGN §4, pipe profile rule P-CONTEMPORANEOUS): the earliest cosignature
 * over a checkpoint that covers an entry bounds when the entry existed, so an entry whose claimed
 * time is far before that is a late recording. Two `liuhen-node` daemons: water records three
 * entries now, claiming times 3 days, 23 hours and 1 minute ago; gas witnesses them. On both nodes
 * GET /v1/entries/{id} reports each entry's first-witnessed time (the same on both) and flags the
 * 3-day-old claim alone, the rule's threshold being 24 h.
 *
 * A witness cannot whitewash it: member `shady` (its key held by the test, no daemon) gossips valid
 * cosignatures timestamped 3 days ago — one over water's real checkpoint, one over a checkpoint of
 * water's log it made up, 1,000 entries long. Both daemons store them (they verify), yet the entry
 * is still reported late: a cosignature counts only over a checkpoint the node holds, and never
 * from before that checkpoint was cut.
 */
import { describe, expect, it } from 'vitest';
import { cosign } from '../packages/core/src/index.ts';
import { encodeGossipCosignature } from '../packages/net/src/index.ts';
import { daemonSuite } from './helpers/daemon-suite.ts';
import { type Ack, type EntryJson, eventually } from './helpers/network.ts';
import { memberKey } from './helpers/org-log.ts';
import { subscribed } from './helpers/peer.ts';

const DAEMONS = ['water', 'gas'];
const HOUR = 3_600_000;
const shady = memberKey('shady');

describe('late recording', () => {
  const suite = daemonSuite(DAEMONS, { externalOrgs: [shady], setupMs: 120_000 });

  it('reports an entry claimed long before its first witness with its first-witnessed time', {
    timeout: 90_000,
  }, async () => {
    const { net, peers } = suite;
    const startSeconds = Math.floor(Date.now() / 1000);
    const claims = {
      late: Date.now() - 72 * HOUR,
      almost: Date.now() - 23 * HOUR,
      prompt: Date.now() - 60_000,
    };
    const acks: Record<keyof typeof claims, Ack> = {
      late: (await net.append('water', 1, { time: claims.late }))[0] as Ack,
      almost: (await net.append('water', 1, { time: claims.almost }))[0] as Ack,
      prompt: (await net.append('water', 1, { time: claims.prompt }))[0] as Ack,
    };
    // Three days have passed already: late whether or not a witness has signed yet.
    const before = await net.get<EntryJson & { proof: { checkpoint: string } }>(
      'water',
      `/v1/entries/${acks.late.id}?proof=1`,
    );
    expect(before.witness?.lateRecording).toBe(true);

    // Shady's backdated cosignatures: of the real checkpoint, and of an invented one.
    const { dir, topics } = suite.view();
    const checkpoint = `${before.proof.checkpoint.split('\n\n')[0]}\n`;
    const invented = checkpoint.replace(/^(.*\n)\d+\n/, '$11000\n');
    expect(invented).not.toBe(checkpoint);
    const threeDaysAgo = Math.floor(claims.late / 1000);
    const host = await peers.join(dir, shady.seed, net.addrs());
    await subscribed(
      host,
      topics.cosignatures,
      DAEMONS.map((org) => suite.peerOf(org)),
      60_000,
    );
    for (const text of [checkpoint, invented]) {
      const signature = cosign(text, 'shady', shady.seed, threeDaysAgo);
      const { recipients } = await host.pubsub.publish(
        topics.cosignatures,
        encodeGossipCosignature({ org: 'water', checkpoint: text, witness: 'shady', signature }),
      );
      expect(recipients).toHaveLength(2);
    }

    const seen = new Map<string, EntryJson>();
    await eventually('gas (and shady) witnessed the three entries, on both nodes', async () => {
      for (const org of DAEMONS) {
        for (const [name, ack] of Object.entries(acks)) {
          const found = await net.get<EntryJson>(org, `/v1/entries/${ack.id}`);
          if (found.witness?.firstWitnessed == null) return `${org}: ${name} not witnessed yet`;
          seen.set(`${org}/${name}`, found);
        }
        // Gas cosigns water's latest checkpoint, which covers the late entry whether or not it is
        // the late entry's own (docs/protocol.md §12.8); shady cosigned the entry's own.
        const late = seen.get(`${org}/late`)?.witness?.cosignatures.map((c) => c.witness);
        if (!late?.includes('shady')) return `${org}: late entry cosigned by ${late}`;
        const status = await net.status(org);
        if (
          !status.orgs.water?.lastCosigners.includes('gas') ||
          status.orgs.water.size < acks.prompt.index + 1
        )
          return `${org}: water's head not cosigned by gas yet`;
      }
      return undefined;
    });
    const nowSeconds = Math.ceil(Date.now() / 1000);
    for (const org of DAEMONS) {
      const late = seen.get(`${org}/late`) as EntryJson;
      const witness = late.witness as NonNullable<EntryJson['witness']>;
      expect(late.entry.time).toBe(claims.late);
      // Shady's cosignature is held, with the timestamp it claims …
      expect(witness.cosignatures).toContainEqual({ witness: 'shady', timestamp: threeDaysAgo });
      // … but the entry was first witnessed now, and is late.
      expect(witness.firstWitnessed).toBeGreaterThanOrEqual(startSeconds);
      expect(witness.firstWitnessed).toBeLessThanOrEqual(nowSeconds);
      expect(witness.firstWitnessedAt).toBe(
        new Date((witness.firstWitnessed as number) * 1000).toISOString(),
      );
      expect(witness.lateRecording).toBe(true);
      expect(witness.lateRecordingThresholdMs).toBe(24 * HOUR);
      expect(witness.lagMs).toBeGreaterThan(72 * HOUR - 60_000);
      expect(witness.lagMs).toBeLessThan(72 * HOUR + 120_000);
      for (const name of ['almost', 'prompt']) {
        const found = seen.get(`${org}/${name}`) as EntryJson;
        expect(found.witness?.lateRecording, name).toBe(false);
        expect(found.witness?.lagMs).toBeLessThan(24 * HOUR);
      }
      console.log(
        `${org}: entry claimed ${new Date(claims.late).toISOString()}, first witnessed ${witness.firstWitnessedAt}: late by ${((witness.lagMs as number) / HOUR).toFixed(2)} h`,
      );
    }
    // Both nodes come to know the same first-witnessed time for each entry (a cosignature may
    // still be on its way to one of them when the other has it).
    await eventually('the same first-witnessed times on both nodes', async () => {
      for (const [name, ack] of Object.entries(acks)) {
        const [onGas, onWater] = await Promise.all(
          ['gas', 'water'].map((org) => net.get<EntryJson>(org, `/v1/entries/${ack.id}`)),
        );
        const a = onGas?.witness?.firstWitnessed;
        const b = onWater?.witness?.firstWitnessed;
        if (a !== b) return `${name}: gas ${a}, water ${b}`;
      }
      return undefined;
    });
  });
});
