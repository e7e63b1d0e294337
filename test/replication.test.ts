/**
 * Replication between real `liuhen-node` processes on 127.0.0.1 (DESIGN §5): three department
 * nodes of three orgs append through their HTTP APIs and converge — every node holds every org's
 * log with the same size, height and root, and each org's latest checkpoint is cosigned by the
 * other two; a fourth node started later with an empty store catches up by sync; a node that was
 * stopped while the others appended catches up after its restart. Nothing here asserts timing:
 * state is polled with generous deadlines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync } from '../scripts/lib/node-process.ts';
import { eventually, TestNetwork } from './helpers/network.ts';

const ORGS = ['water', 'gas', 'power', 'archive'];
const FIRST_THREE = ORGS.slice(0, 3);

let net: TestNetwork;

describe('replication between node processes', () => {
  beforeAll(async () => {
    net = await TestNetwork.prepare(ORGS);
    await net.startAll(FIRST_THREE);
  }, 120_000);

  afterAll(() => net?.close());

  it('three orgs append and converge, each cosigned by the other two', async () => {
    await eventually('a full mesh', () => net.meshed(FIRST_THREE));
    await Promise.all(FIRST_THREE.map((org) => net.append(org, 6)));
    await eventually('convergence of three nodes', () => net.converged(FIRST_THREE, FIRST_THREE));
    const statuses = await Promise.all(FIRST_THREE.map((org) => net.status(org)));
    for (const s of statuses) {
      for (const org of FIRST_THREE) {
        // The operator appointment, then six entries.
        expect(s.orgs[org]?.size).toBe(7);
        expect(s.orgs[org]?.frozen).toBe(false);
      }
    }
    expect(await net.fraudProofs('water')).toEqual([]);
    const cliPeers = await cliAsync([
      'peers',
      '--node',
      net.node('gas').url,
      '--token',
      net.token('gas'),
      '--json',
    ]);
    expect(cliPeers.status).toBe(0);
    const listed = JSON.parse(cliPeers.stdout) as { peers: Array<{ org?: string }> };
    expect(listed.peers.map((p) => p.org).sort()).toEqual(['power', 'water']);
  }, 90_000);

  it('a node started later with an empty store catches up', async () => {
    await net.start('archive');
    await eventually('catch-up of the new node', () => net.converged(ORGS));
    const s = await net.status('archive');
    for (const org of FIRST_THREE) expect(s.orgs[org]?.size).toBe(7);
  }, 90_000);

  it('a node stopped while the others append catches up after its restart', async () => {
    await net.stop('power');
    await Promise.all(['water', 'gas', 'archive'].map((org) => net.append(org, 3)));
    await eventually('convergence without power', () => net.converged(['water', 'gas', 'archive']));
    await net.start('power');
    await net.append('power', 2);
    await eventually('convergence after the restart', () => net.converged(ORGS));
    const s = await net.status('power');
    expect(s.orgs.water?.size).toBe(10);
    expect(s.orgs.power?.size).toBe(9);
  }, 120_000);
});
