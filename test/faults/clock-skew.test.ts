/**
 * Clock skew (issue 10; the rule: docs/protocol.md §12.9). Four real daemons, each with its wall
 * clock set off by the test: `water` right, `sewer` 3 minutes ahead (within the genesis tolerance
 * `maxClockSkewMs`, 5 minutes, either way: water sees sewer 3 minutes ahead, sewer sees water 3
 * minutes behind), `gas` 10 minutes ahead and `power` 10 minutes behind (beyond it). The offset
 * reaches each daemon as LIUHEN_CLOCK_OFFSET_MS through NODE_OPTIONS=--import=clock-offset.mjs, a
 * preload that shifts Date.now in that process only: no product code knows about it.
 *
 * Every node stamps its entries, blocks and cosignatures with its own clock. Then:
 * - accepted: every entry of every org reaches every node, whatever its clock; the logs converge
 *   (nothing acknowledged lost, no duplicates), and every store verifies clean;
 * - within the tolerance nothing is flagged: water and sewer flag neither each other;
 * - beyond it, flagged (/v1/status `orgs[org].clock`): water and sewer flag gas as ahead (its
 *   blocks are cut in their future) and power as behind (its cosignatures of their checkpoints are
 *   timestamped before they cut them); the two skewed nodes see the mirror image — gas flags every
 *   other org as behind, power every other org as ahead — which tells an operator that the fault
 *   is their own clock;
 * - cosignatures timestamped more than 5 minutes in a holder's future are not taken (§12.4).
 */
import { fileURLToPath } from 'node:url';
import { sampleBody, sampleSegment } from '@liuhen/profile-pipe/scenario';
import { describe, expect, it } from 'vitest';
import { api } from '../../scripts/lib/node-process.ts';
import { daemonSuite, stopAndVerify } from '../helpers/daemon-suite.ts';
import { type Ack, eventually, type Status } from '../helpers/network.ts';

const MINUTE = 60_000;
/** Each daemon's wall clock, ms off the real one. */
const OFFSETS: Record<string, number> = {
  water: 0,
  sewer: 3 * MINUTE,
  gas: 10 * MINUTE,
  power: -10 * MINUTE,
};
const ORGS = Object.keys(OFFSETS);
const RIGHT = ['water', 'sewer'];
/** The genesis default, which prepareNetwork uses. */
const TOLERANCE = 5 * MINUTE;
const PRELOAD = fileURLToPath(new URL('./clock-offset.mjs', import.meta.url));

type Clock = { blockAheadMs: number | null; cosignatureBehindMs: number | null };
type ClockStatus = Status & { orgs: Record<string, { clock: Clock }> };

const acks: Ack[] = [];

function env(org: string): NodeJS.ProcessEnv {
  return {
    LIUHEN_CLOCK_OFFSET_MS: String(OFFSETS[org]),
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PRELOAD}`.trim(),
  };
}

const suite = daemonSuite(ORGS, { env, meshMs: 300_000, setupMs: 600_000 });

/** Appends `n` records at `org` with no claimed time: the node stamps them with its own clock. */
async function append(org: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const seq = acks.length;
    const { net } = suite;
    const { status, json } = await api<Ack>(net.node(org).url, net.token(org), 'POST', '/v1/entries', {
      object: sampleSegment(ORGS.indexOf(org)),
      kind: 'construction.joint-made',
      role: 'QI',
      body: sampleBody('construction.joint-made', seq),
    });
    if (status !== 201) throw new Error(`append on ${org}: HTTP ${status} ${JSON.stringify(json)}`);
    acks.push(json);
  }
}

/** Orgs `holder` flags, with which flag: `gas:ahead`, `power:behind`. */
async function flags(holder: string): Promise<string[]> {
  const status = (await suite.net.status(holder)) as ClockStatus;
  const out: string[] = [];
  for (const [org, state] of Object.entries(status.orgs)) {
    if (state.clock.blockAheadMs !== null) out.push(`${org}:ahead`);
    if (state.clock.cosignatureBehindMs !== null) out.push(`${org}:behind`);
  }
  return out.sort();
}

describe('clock skew between four node processes', () => {
  it('accepts every clock, flags the two beyond the tolerance, and loses nothing', {
    timeout: 600_000,
  }, async () => {
    const { net } = suite;
    await Promise.all(ORGS.map((org) => append(org, 3)));
    await eventually('every log converged on every node', () => net.converged(ORGS), 90_000);

    // Cosignatures: a holder takes a witness's only when its timestamp is not beyond the
    // tolerance ahead of the holder's clock; every other witness's reaches it.
    await eventually(
      'every head cosigned by every witness the holder can take',
      async () => {
        for (const holder of ORGS) {
          const status = await net.status(holder);
          for (const org of ORGS) {
            const cosigners = status.orgs[org]?.lastCosigners ?? [];
            const expected = ORGS.filter(
              (w) => w !== org && (OFFSETS[w] as number) - (OFFSETS[holder] as number) <= TOLERANCE,
            );
            const missing = expected.filter((w) => !cosigners.includes(w));
            if (missing.length > 0) return `${holder}: ${org}'s head lacks ${missing.join(', ')}`;
            const taken = cosigners.filter((w) => !expected.includes(w));
            expect(taken, `${holder} took cosignatures from the future`).toEqual([]);
          }
        }
        return undefined;
      },
      90_000,
    );

    // The flags, once every judged block and cosignature has arrived.
    const expected: Record<string, string[]> = {
      water: ['gas:ahead', 'power:behind'],
      sewer: ['gas:ahead', 'power:behind'],
      // The mirror images: from a wrong clock, every other clock looks wrong.
      gas: ['power:behind', 'sewer:behind', 'water:behind'],
      power: ['gas:ahead', 'sewer:ahead', 'water:ahead'],
    };
    await eventually('the clock flags of every node', async () => {
      for (const holder of ORGS) {
        const got = await flags(holder);
        if (JSON.stringify(got) !== JSON.stringify(expected[holder]))
          return `${holder} flags ${got.join(', ') || 'nothing'}, expected ${(expected[holder] as string[]).join(', ')}`;
      }
      return undefined;
    });
    // Beyond the tolerance.
    for (const holder of RIGHT) {
      const status = (await net.status(holder)) as ClockStatus;
      const gasAhead = status.orgs.gas?.clock.blockAheadMs as number;
      expect(gasAhead).toBeGreaterThan(TOLERANCE);
      // Stored some time after it was cut: by at most the difference of the two clocks.
      expect(gasAhead).toBeLessThanOrEqual((OFFSETS.gas as number) - (OFFSETS[holder] as number));
      expect(status.orgs.power?.clock.cosignatureBehindMs).toBeGreaterThan(TOLERANCE);
    }

    // Accepted: every acknowledged entry on every node, once, at its org and index.
    const acknowledged = acks.map((a) => a.id).sort();
    expect(new Set(acknowledged).size).toBe(acks.length);
    for (const holder of ORGS) {
      expect((await net.entryIds(holder)).sort(), `${holder}'s entries`).toEqual(acknowledged);
      const status = await net.status(holder);
      for (const org of ORGS)
        expect(status.orgs[org]?.size).toBe(1 + acks.filter((a) => a.org === org).length);
    }
    for (const ack of acks.filter((a) => a.org === 'gas' || a.org === 'power')) {
      const found = await net.get<{ org: string; index: number }>('water', `/v1/entries/${ack.id}`);
      expect({ org: found.org, index: found.index }).toEqual({ org: ack.org, index: ack.index });
    }
    console.log(
      `clock skew: ${acks.length} entries everywhere; flags: ${(await Promise.all(ORGS.map(async (o) => `${o} → ${(await flags(o)).join(' ') || 'none'}`))).join('; ')}`,
    );

    await stopAndVerify(net, ORGS);
  });
});
