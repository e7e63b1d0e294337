/**
 * Partition and heal (DESIGN §5: "partitions heal by anti-entropy"), with five real `liuhen-node`
 * daemons on 127.0.0.1. The split is made the way an operator would cut members off: the two nodes
 * of the small side are restarted with `p2p.denyPeers` naming the three others. A connection needs
 * both ends' gaters to admit it, so that alone splits the network both ways: the three keep their
 * bootstrap entries for the two (same addresses, the nodes keep their ports) and keep dialling them,
 * and are refused — the deny list, not a missing address, separates the sides. Both sides append;
 * each converges on its own and learns nothing of the other. The heal restarts the two without the
 * deny list; then every node
 * holds every org's log with the same size and root, every acknowledged entry exactly once at the
 * index it was acknowledged at, each org's head cosigned by all four other orgs, and the entries
 * appended during the split first witnessed during the split on every node (the cosignatures made
 * on the entry's own side travel to the far side with the synced blocks and the heads). Finally
 * every store verifies clean (`liuhen-node verify`).
 */
import { describe, expect, it } from 'vitest';
import { daemonSuite, stopAndVerify } from '../helpers/daemon-suite.ts';
import { type Ack, type EntryJson, eventually } from '../helpers/network.ts';

const LEFT = ['water', 'gas'];
const RIGHT = ['power', 'sewer', 'archive'];
const ORGS = [...LEFT, ...RIGHT];

const acks: Ack[] = [];
const suite = daemonSuite(ORGS, { meshMs: 300_000, setupMs: 600_000 });

/** Restarts `orgs` with `denyPeers`, every node of the network in their bootstrap lists. */
async function restart(orgs: string[], denyPeers: string[]): Promise<void> {
  const { net } = suite;
  await Promise.all(orgs.map((org) => net.stop(org)));
  await net.startAll(orgs, { p2p: { denyPeers } });
}

async function appendOn(orgs: string[], n: number): Promise<void> {
  for (const batch of await Promise.all(orgs.map((org) => suite.net.append(org, n)))) acks.push(...batch);
}

describe('partition and heal between five node processes', () => {
  it('splits 2/3, both sides append, and after the heal both sides converge with no duplicates and no losses', {
    timeout: 900_000,
  }, async () => {
    const { net } = suite;
    const t0 = Date.now();
    const phases: string[] = [];
    const phase = (name: string) => phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await appendOn(ORGS, 2);
    await eventually('convergence before the split', () => net.converged(ORGS, ORGS), 300_000);

    // The split: the left side denies the right one, which keeps dialling it.
    await restart(LEFT, RIGHT);
    phase('split restarted');
    await eventually('each side meshed', async () => (await net.meshed(LEFT)) ?? net.meshed(RIGHT), 300_000);
    const before = await net.status('power');
    const duringSplit = acks.length;
    await appendOn(ORGS, 4);
    await eventually('the left side converges on its own', () => net.converged(LEFT, LEFT, LEFT), 300_000);
    await eventually(
      'the right side converges on its own',
      () => net.converged(RIGHT, RIGHT, RIGHT),
      300_000,
    );
    const split = Date.now();
    phase('split converged');
    for (const org of LEFT) {
      const peers = await net.peers(org);
      expect(peers.map((p) => p.org).sort()).toEqual(LEFT.filter((o) => o !== org));
      expect((await net.get<{ denied: string[] }>(org, '/v1/peers')).denied).toEqual([...RIGHT].sort());
    }
    for (const org of RIGHT) {
      expect((await net.peers(org)).map((p) => p.org).sort()).toEqual(RIGHT.filter((o) => o !== org).sort());
      expect((await net.get<{ denied: string[] }>(org, '/v1/peers')).denied).toEqual([]);
    }
    // Neither side saw the other's appends.
    const right = await net.status('power');
    const left = await net.status('water');
    for (const org of LEFT) expect(right.orgs[org]?.size).toBe(before.orgs[org]?.size);
    for (const org of RIGHT) expect(left.orgs[org]?.size).toBe(before.orgs[org]?.size);

    // The heal: the same two nodes, no deny list.
    await restart(LEFT, []);
    phase('heal restarted');
    await eventually('a full mesh again', () => net.meshed(ORGS), 300_000);
    await eventually('convergence after the heal', () => net.converged(ORGS, ORGS), 300_000);
    phase('healed');

    // No losses, no duplicates: each node indexes exactly the acknowledged entries, once each,
    // each at the org and log index it was acknowledged at; each log holds the operator
    // appointment and those entries only.
    const acknowledged = acks.map((a) => a.id).sort();
    expect(new Set(acknowledged).size).toBe(acks.length);
    for (const holder of ORGS) {
      const ids = await net.entryIds(holder);
      expect([...ids].sort()).toEqual(acknowledged);
      const s = await net.status(holder);
      for (const org of ORGS) expect(s.orgs[org]?.size).toBe(1 + acks.filter((a) => a.org === org).length);
    }
    // Witnessing crossed the split too: each node holds a cosignature by every other org of each
    // org's head (converged above), and every node knows the first-witnessed time of each entry
    // appended during the split as a time during the split — the cosignatures the entry's own
    // side made then reached the far side with the synced blocks and heads.
    const splitSeconds = Math.ceil(split / 1000);
    for (const holder of ORGS)
      for (const [i, ack] of acks.entries()) {
        const found = await net.get<EntryJson>(holder, `/v1/entries/${ack.id}`);
        expect({ org: found.org, index: found.index }).toEqual({ org: ack.org, index: ack.index });
        const first = found.witness?.firstWitnessed;
        expect(first, `${holder}: first-witnessed time of ${ack.org}/${ack.index}`).toBeTypeOf('number');
        if (i >= duringSplit) expect(first).toBeLessThanOrEqual(splitSeconds);
        expect(found.witness?.lateRecording).toBe(false);
      }
    phase('checked');
    console.log(`partition and heal, ${acks.length} entries: ${phases.join(', ')}`);

    // Every store verifies clean, entry by entry.
    await stopAndVerify(net, ORGS);
  });
});
