/**
 * Cosignatures converge, not just the head's (DESIGN §4 witnessing; docs/protocol.md §12.8: the
 * cosigning schedule and the cosignature sweep of packages/net). A witness cosigns each org's
 * latest checkpoint, which covers every entry below it; the sweep fetches a cosignature that
 * nothing else brings and no later one of its witness covers. Three department daemons:
 *
 * 1. gas is down while water appends three blocks: power holds them and cosigns the latest;
 * 2. power goes down, gas comes back: gas syncs the blocks and cosigns the latest while power is
 *    away;
 * 3. gas goes down too, and water appends two more blocks alone (the head moves on, uncosigned);
 * 4. power comes back.
 *
 * Power already held the first blocks, so neither its sync (which starts after them) nor the
 * heads exchange (the head only) carries gas's cosignature of them, and gas, down, makes no later
 * one: only the sweep fetches it from water. Then gas comes back, and every head is cosigned by
 * both other nodes on every node. Nothing here asserts timing: state is polled with generous
 * deadlines.
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

  it('a node that was down while another cosigned gets that cosignature by the sweep', {
    timeout: 240_000,
  }, async () => {
    await net.stop('gas');
    const early = await net.append('water', 3);
    const lastEarly = early.slice(-1);
    await eventually('power cosigned the latest early block', () =>
      cosignedOn('water', lastEarly, ['power']),
    );
    await net.stop('power');
    await net.start('gas');
    await eventually('gas caught up and cosigned the latest early block', () =>
      cosignedOn('water', lastEarly, ['gas', 'power']),
    );
    await net.stop('gas');
    const late = await net.append('water', 2);
    await net.start('power');
    await eventually(
      'power fetched gas’s cosignature of the latest early block, no longer the head',
      () => cosignedOn('power', lastEarly, ['gas', 'power']),
      120_000,
    );
    await net.start('gas');
    await eventually('convergence, each head cosigned by both other nodes', () => net.converged(ORGS, ORGS));
    await eventually(
      'the latest early and late water blocks cosigned by gas and power, on every node',
      async () =>
        (await cosignedOn('power', [...lastEarly, ...late.slice(-1)], ['gas', 'power'])) ??
        (await cosignedOn('gas', [...lastEarly, ...late.slice(-1)], ['gas', 'power'])) ??
        (await cosignedOn('water', [...lastEarly, ...late.slice(-1)], ['gas', 'power'])),
      120_000,
    );
  });
});
