/**
 * Every block's cosignatures converge, not just the head's (DESIGN §4 witnessing; the
 * cosignature sweep of packages/net). Three department daemons:
 *
 * 1. gas is down while water appends: power holds those blocks and cosigns them;
 * 2. power goes down, gas comes back: gas syncs the blocks and cosigns them while power is away;
 * 3. water appends more (the head moves on), then power comes back.
 *
 * Power already held the first blocks, so neither its sync (which starts after them) nor the
 * heads exchange (the head only) carries gas's cosignatures of them: only the sweep fetches them.
 * Eventually, on every node, every water block is cosigned by both other nodes. Nothing here
 * asserts timing: state is polled with generous deadlines.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Ack, type EntryJson, eventually, TestNetwork } from './helpers/network.ts';

const ORGS = ['water', 'gas', 'power'];

let net: TestNetwork;

/** Undefined once `holder` shows each entry's checkpoint cosigned by every one of `witnesses`. */
async function cosignedOn(holder: string, acks: Ack[], witnesses: string[]): Promise<string | undefined> {
  for (const ack of acks) {
    const found = await net.get<EntryJson>(holder, `/v1/entries/${ack.id}`);
    const have = new Set(found.witness?.cosignatures.map((c) => c.witness) ?? []);
    const lacking = witnesses.filter((w) => !have.has(w));
    if (lacking.length > 0)
      return `${holder}: water#${ack.index} (height ${ack.height}) lacks ${lacking.join(', ')}`;
  }
  return undefined;
}

describe('cosignature catch-up', () => {
  beforeAll(async () => {
    net = await TestNetwork.prepare(ORGS);
    await net.startAll(ORGS);
    await eventually('a full mesh', () => net.meshed(ORGS));
  }, 120_000);

  afterAll(() => net?.close());

  it('a node that was down while others cosigned eventually holds every block’s cosignatures', {
    timeout: 240_000,
  }, async () => {
    await net.stop('gas');
    const early = await net.append('water', 3);
    await eventually('power holds and cosigns the early blocks', () => cosignedOn('water', early, ['power']));
    await net.stop('power');
    await net.start('gas');
    await eventually('gas caught up and cosigned the early blocks', () =>
      cosignedOn('water', early, ['gas', 'power']),
    );
    const late = await net.append('water', 2);
    await eventually('gas cosigned the late blocks', () => cosignedOn('water', late, ['gas']));
    await net.start('power');
    await eventually('convergence after power’s restart', () => net.converged(ORGS, ORGS));
    await eventually(
      'every water block cosigned by gas and power, on every node',
      async () =>
        (await cosignedOn('power', [...early, ...late], ['gas', 'power'])) ??
        (await cosignedOn('gas', [...early, ...late], ['gas', 'power'])) ??
        (await cosignedOn('water', [...early, ...late], ['gas', 'power'])),
      120_000,
    );
  });
});
