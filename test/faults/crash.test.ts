/**
 * Crash safety (DESIGN §1.6: nothing acknowledged is ever lost). A real daemon under sustained
 * appends from eight concurrent HTTP clients is killed with SIGKILL at moments drawn from a
 * seeded PRNG, restarted, and killed again, cycle after cycle. After every restart:
 *
 * - every acknowledged entry (201 + id) is there, at the index it was acknowledged at;
 * - the log has no gaps: its entries are exactly indexes 0..size-1, each once;
 * - entries that were never acknowledged may be there (killed between the durable write and
 *   the response), but if they are, they verify: envelope, signature, and inclusion proof to
 *   the node's signed checkpoint, checked here;
 * - a client that resends an envelope whose fate it never learned gets 201 or 409, never a
 *   second copy.
 *
 * At the end `liuhen-node verify --json` exits 0 with ok: true. Kill moments are "after the
 * k-th acknowledgement of the cycle, plus d ms", k and d from the seeded PRNG; what the node is
 * doing at that moment varies with the machine, which is the point, and every assertion holds
 * whatever it was doing.
 */
import {
  buildEntry,
  fromHex,
  parseBlockHeader,
  publicKeyFromSeed,
  type SignedEntry,
  signEntry,
  toBase64,
  toHex,
  verifyHeaderSignature,
} from '@liuhen/core';
import { sampleBody, sampleSegment } from '@liuhen/profile-pipe/scenario';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  cli,
  operatorSeed,
  type PreparedNode,
  prepareNode,
  type RunningNode,
  startNode,
} from '../../scripts/lib/node-process.ts';
import {
  type Ack,
  checkEntryProof,
  type FoundEntry,
  mapLimit,
  prng,
  request,
  type Status,
} from '../helpers/http.ts';
import { expectWholeLog } from '../helpers/log-listing.ts';
import { removeNode } from '../helpers/single-node.ts';

const SEED = 0x1a0_2026;
const CYCLES = 10;
const CLIENTS = 8;
/** Clients below this number post unsigned records; the others post envelopes they signed. */
const UNSIGNED_CLIENTS = 6;
const ORG = 'contractor';

let prepared: PreparedNode;
let node: RunningNode | undefined;
let network: Uint8Array;
let nodeKey: Uint8Array;
let sunLi: Uint8Array;

/** Every acknowledgement received, by entry id. */
const acked = new Map<string, Ack & { cycle: number }>();
/** Entries found in the log that were never acknowledged, checked once each. */
const unacknowledgedPresent = new Set<string>();
/** Envelope clients: what each sent last without learning its fate, and the last entry it knows is in. */
const signers = Array.from({ length: CLIENTS - UNSIGNED_CLIENTS }, () => ({
  unknown: undefined as SignedEntry | undefined,
  last: undefined as Uint8Array | undefined,
  seq: 0,
}));
const resent = { created: 0, duplicate: 0 };
/** Each cycle's claimed time (ms): every entry sent during a cycle claims it. */
const cycleStarts: number[] = [];
/** Bodies are the profile's schema-valid samples, varied by a running number. */
let sampled = 0;

function cycleStart(cycle: number): number {
  cycleStarts[cycle] ??= Math.max(Date.now() - 1_000, (cycleStarts.at(-1) ?? 0) + 1);
  return cycleStarts[cycle] as number;
}

beforeAll(() => {
  prepared = prepareNode(ORG, [
    { name: 'li-wei', roles: ['QI'] },
    { name: 'sun-li', roles: ['QI'] },
  ]);
  sunLi = operatorSeed(prepared.dir, 'sun-li');
  // Four CLI runs: generous for a loaded 2-core machine.
}, 300_000);

afterAll(() => removeNode(node, prepared, 'SIGKILL'));

function isConnectionError(error: unknown): boolean {
  return error instanceof TypeError || (error as { name?: string }).name === 'AbortError';
}

/** An unsigned client: appends joint records to its object until the node goes away. */
async function unsignedClient(
  url: string,
  client: number,
  cycle: number,
  stop: { now: boolean },
  onAck: () => void,
) {
  // Two clients per object, so objects grow as DAGs with forks the node merges.
  const object = sampleSegment(Math.floor(client / 2));
  while (!stop.now) {
    let response: { status: number; json: Ack & { error?: { code: string } } };
    try {
      response = await request<Ack & { error?: { code: string } }>(url, '/v1/entries', {
        token: prepared.tokens['li-wei'] as string,
        body: {
          object,
          kind: 'construction.joint-made',
          role: 'QI',
          // Claimed at the cycle's start: an entry found unacknowledged names its cycle by it.
          time: cycleStart(cycle),
          body: sampleBody('construction.joint-made', sampled++),
        },
      });
    } catch (error) {
      if (isConnectionError(error)) return;
      throw error;
    }
    if (response.status !== 201)
      throw new Error(`client ${client}: ${response.status} ${JSON.stringify(response.json)}`);
    acked.set(response.json.id, { ...response.json, cycle });
    onAck();
  }
}

function signNext(client: number, cycle: number): SignedEntry {
  const state = signers[client - UNSIGNED_CLIENTS] as (typeof signers)[number];
  return signEntry(
    buildEntry({
      network,
      org: ORG,
      object: sampleSegment(10 + client),
      kind: 'construction.joint-made',
      role: 'QI',
      signer: publicKeyFromSeed(sunLi),
      time: cycleStart(cycle),
      parents: state.last ? [state.last] : [],
      body: sampleBody('construction.joint-made', state.seq++),
    }),
    sunLi,
  );
}

/** An envelope client: signs each entry on the previous one it knows is in, and sends it. */
async function signedClient(
  url: string,
  client: number,
  cycle: number,
  stop: { now: boolean },
  onAck: () => void,
) {
  const state = signers[client - UNSIGNED_CLIENTS] as (typeof signers)[number];
  while (!stop.now) {
    const signed = signNext(client, cycle);
    state.unknown = signed;
    let response: { status: number; json: Ack };
    try {
      response = await request<Ack>(url, '/v1/signed-entries', {
        token: prepared.tokens['sun-li'] as string,
        contentType: 'application/cbor',
        body: signed.envelope,
      });
    } catch (error) {
      if (isConnectionError(error)) return;
      throw error;
    }
    if (response.status !== 201)
      throw new Error(`client ${client}: ${response.status} ${JSON.stringify(response.json)}`);
    expect(response.json.id).toBe(toHex(signed.id));
    acked.set(response.json.id, { ...response.json, cycle });
    state.unknown = undefined;
    state.last = signed.id;
    onAck();
  }
}

/** After a restart, an envelope client resends what it never heard back about: 201 or 409. */
async function resendUnknown(url: string, cycle: number): Promise<void> {
  for (const state of signers) {
    const signed = state.unknown;
    if (!signed) continue;
    const id = toHex(signed.id);
    const response = await request<Ack & { error?: { code: string } }>(url, '/v1/signed-entries', {
      token: prepared.tokens['sun-li'] as string,
      body: { envelope: toBase64(signed.envelope) },
    });
    if (response.status === 201) {
      resent.created++;
      acked.set(id, { ...response.json, cycle });
    } else {
      expect(response.status, `resend ${id}: ${JSON.stringify(response.json)}`).toBe(409);
      expect(response.json.error?.code).toBe('ENTRY_DUPLICATE');
      resent.duplicate++;
      // It was durable though never acknowledged; it has been checked as such already.
      expect(unacknowledgedPresent.has(id), `${id} was reported as a duplicate but is not in the log`).toBe(
        true,
      );
    }
    state.unknown = undefined;
    state.last = signed.id;
  }
}

/** What must hold after every restart. */
async function checkLog(url: string, cycle: number): Promise<number> {
  const token = prepared.tokens['li-wei'] as string;
  const status = (await request<Status>(url, '/v1/status', { token })).json;
  expect(status.log.pending).toBe(0);
  const size = status.log.size;
  const header = parseBlockHeader(status.checkpoint as string);
  verifyHeaderSignature(header, nodeKey);
  expect(header.size).toBe(size);
  expect(header.height).toBe(status.log.height);

  // No gaps: the log's entries are exactly indexes 0..size-1, each once; every acknowledged entry
  // is there, at its acknowledged index, by id lookup too.
  const log = await expectWholeLog(url, token, size, acked.values(), `cycle ${cycle}`);
  const lookups = await mapLimit([...acked.values()], 16, async (ack) => {
    const found = await request<FoundEntry>(url, `/v1/entries/${ack.id}`, { token });
    return found.status === 200 && found.json.index === ack.index ? undefined : ack;
  });
  expect(
    lookups.filter((x) => x !== undefined),
    `cycle ${cycle}: acknowledged entries not found by id`,
  ).toEqual([]);

  // Entries never acknowledged may be present; if so they must verify, proof and all.
  const appointments = new Set(Object.values(prepared.operatorKeys));
  for (const [id] of log) {
    if (acked.has(id) || unacknowledgedPresent.has(id)) continue;
    const found = await request<FoundEntry>(url, `/v1/entries/${id}?proof=1`, { token });
    expect(found.status).toBe(200);
    checkEntryProof(found.json, nodeKey, network);
    if (found.json.entry.kind === 'org.operator-appointed') {
      expect(appointments.has(found.json.entry.object.replace('operator:', ''))).toBe(true);
      expect(found.json.index).toBeLessThan(appointments.size);
    } else {
      expect(found.json.entry.time, `unacknowledged ${id} belongs to the cycle just killed`).toBe(
        cycleStart(cycle),
      );
    }
    unacknowledgedPresent.add(id);
  }
  return size;
}

it(`keeps every acknowledged entry through ${CYCLES} SIGKILLs under ${CLIENTS} concurrent clients`, async () => {
  const random = prng(SEED);
  node = await startNode(prepared.dir);
  const status = (
    await request<Status>(node.url, '/v1/status', { token: prepared.tokens['li-wei'] as string })
  ).json;
  network = fromHex(status.network);
  nodeKey = fromHex(status.nodeKey);
  const sizes: number[] = [await checkLog(node.url, 0)];
  const schedule: string[] = [];

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const running = node;
    await resendUnknown(running.url, cycle);
    const killAfterAcks = 8 + Math.floor(random() * 56);
    const delayMs = Math.floor(random() * 40);
    schedule.push(`${killAfterAcks}+${delayMs}ms`);
    const stop = { now: false };
    let acks = 0;
    let resolveKill: () => void = () => undefined;
    const killed = new Promise<void>((resolve) => {
      resolveKill = resolve;
    });
    const onAck = () => {
      if (++acks !== killAfterAcks) return;
      setTimeout(() => {
        running.process.kill('SIGKILL');
        stop.now = true;
        resolveKill();
      }, delayMs);
    };
    const clients = Array.from({ length: CLIENTS }, (_, client) =>
      client < UNSIGNED_CLIENTS
        ? unsignedClient(running.url, client, cycle, stop, onAck)
        : signedClient(running.url, client, cycle, stop, onAck),
    );
    // A client that fails for any reason other than the kill fails the test at once.
    await Promise.race([
      killed,
      Promise.all(clients).then(() => {
        if (!stop.now) expect.fail('the clients stopped before the kill');
      }),
    ]);
    expect(await running.stop('SIGKILL')).toBe(null);
    expect(running.process.signalCode).toBe('SIGKILL');
    await Promise.all(clients);

    node = await startNode(prepared.dir);
    const size = await checkLog(node.url, cycle);
    expect(size, `cycle ${cycle}: the log shrank`).toBeGreaterThanOrEqual(sizes.at(-1) as number);
    sizes.push(size);
  }
  await resendUnknown(node.url, CYCLES + 1);
  const finalSize = await checkLog(node.url, CYCLES + 1);
  expect(await node.stop('SIGTERM')).toBe(0);
  node = undefined;

  // Meaningful: the node was under load at every kill, and the log kept growing.
  expect(acked.size).toBeGreaterThan(CYCLES * 8);
  const appointments = Object.keys(prepared.operatorKeys).length;
  expect(finalSize).toBeGreaterThanOrEqual(acked.size + appointments);
  console.log(
    `crash test: ${CYCLES} kills after ${schedule.join(', ')} acks; log sizes ${sizes.join(' → ')}; ` +
      `${acked.size} acknowledged, ${unacknowledgedPresent.size - appointments} durable but unacknowledged, ` +
      `resent after a crash: ${resent.created} created, ${resent.duplicate} already in`,
  );

  const verify = cli(['verify', '--data-dir', prepared.dir, '--json']);
  expect(verify.status, verify.stderr).toBe(0);
  const report = JSON.parse(verify.stdout) as { ok: boolean; entries: number; findings: unknown[] };
  expect(report.findings).toEqual([]);
  expect(report).toMatchObject({ ok: true, entries: finalSize });
}, 900_000);
