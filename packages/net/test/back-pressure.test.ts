/**
 * What a reader that stops reading costs the responder, over real libp2p on 127.0.0.1: the
 * responder produces its frames lazily, one at a time as the stream drains, and keeps none it has
 * sent, so it holds a frame and the write high-water mark, never the response; and one peer gets
 * only so many responses at once. Nothing here judges elapsed time: a stall is recognised by
 * counts that stop moving.
 */
import '../src/polyfill.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  generateSwarmKey,
  type Host,
  isNetError,
  type NetErrorCode,
  PeerSlots,
  request,
  requestAll,
  type Stream,
  serveRequests,
  WRITE_HIGH_WATER_BYTES,
} from '../src/index.ts';
import { bytes, Hosts, newOrg, type Org, text, waitUntil } from './helpers.ts';

const PROTOCOL = '/liuhen/test/back-pressure/1';
const FRAME = 256 * 1024;
const COUNT = 64; // a 16 MiB response
const MiB = 1024 * 1024;
const hosts = new Hosts();
let orgs: Org[];
let members: Uint8Array[];
let psk: string;
let server: Host;
let client: Host;

beforeEach(async () => {
  orgs = [newOrg(), newOrg(), newOrg()];
  members = orgs.map((o) => o.nodeKey);
  psk = generateSwarmKey();
  server = await hosts.create(orgs[0] as Org, { psk, members });
  client = await hosts.create(orgs[1] as Org, { psk, members, bootstrap: addrs(server) });
  await waitUntil('the client to connect', () => client.node.getConnections(server.peerId).length > 0);
});
afterEach(() => hosts.stopAll());

function addrs(host: Host): string[] {
  return host.multiaddrs().map(String);
}

function frame(i: number): Uint8Array {
  return new Uint8Array(FRAME).fill(i & 0xff);
}

/** Polls `sample` until it returns the same value `times` times in a row; returns that value. */
async function settled<T>(sample: () => T, times = 5): Promise<T> {
  let last = JSON.stringify(sample());
  let same = 0;
  for (let polls = 0; polls < 600; polls++) {
    await sleep(200);
    const now = JSON.stringify(sample());
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= times) return sample();
  }
  throw new Error('never settled');
}

/** V8's full collection, made callable here (the test process runs without --expose-gc). */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function failure(promise: Promise<unknown>): Promise<NetErrorCode> {
  try {
    await promise;
  } catch (err) {
    if (isNetError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a NetError');
}

describe('a responder facing a reader that stops', () => {
  it('produces the next frame only as the stream drains, and delivers everything once reading resumes', {
    timeout: 120_000,
  }, async () => {
    let produced = 0;
    let responderStream: Stream | undefined;
    let unsentPeak = 0;
    await serveRequests(
      server.node,
      PROTOCOL,
      function* (_body, { connection }) {
        responderStream = connection.streams.find((s) => s.protocol === PROTOCOL);
        for (let i = 0; i < COUNT; i++) {
          unsentPeak = Math.max(unsentPeak, responderStream?.writeBufferLength ?? 0);
          produced++;
          yield frame(i);
        }
      },
      { timeoutMs: 120_000 },
    );
    const response = request(client.node, server.peerId, PROTOCOL, bytes('all'), { timeoutMs: 120_000 });
    const first = await response.next();
    expect(first.value?.[0]).toBe(0);
    // The reader takes nothing more: the responder stops producing once the requester's read
    // buffer (about two frames of its 1 MiB limit), the yamux window (2 MiB) and its own
    // high-water mark and frame are full — far short of the response.
    const stalledAt = await settled(() => produced);
    expect(responderStream).toBeDefined();
    unsentPeak = Math.max(unsentPeak, responderStream?.writeBufferLength ?? 0);
    console.log(
      `stalled after ${stalledAt} of ${COUNT} frames (${((stalledAt * FRAME) / MiB).toFixed(2)} MiB produced); unsent at most ${(unsentPeak / 1024).toFixed(0)} KiB`,
    );
    expect(stalledAt * FRAME).toBeLessThan(6 * MiB);
    expect(unsentPeak).toBeLessThanOrEqual(WRITE_HIGH_WATER_BYTES + FRAME + 64);

    // Reading resumes: every frame, in order.
    let next = 1;
    for await (const payload of { [Symbol.asyncIterator]: () => response }) {
      expect(payload[0]).toBe(next & 0xff);
      expect(payload.byteLength).toBe(FRAME);
      next++;
    }
    expect(next).toBe(COUNT);
    expect(produced).toBe(COUNT);
  });

  it('keeps no frame it has written: what it holds does not grow with what it has sent', {
    timeout: 120_000,
  }, async () => {
    const gc = collectGarbage();
    const written: Array<WeakRef<Uint8Array>> = [];
    let stillHeld = -1;
    await serveRequests(server.node, PROTOCOL, async function* () {
      for (let i = 0; i < 24; i++) {
        if (i === 20) {
          // Frames 0–15 went out long ago (4 MiB, twice the stream's window, before this one).
          gc();
          await sleep(50);
          gc();
          stillHeld = written.slice(0, 16).filter((ref) => ref.deref() !== undefined).length;
        }
        const payload = frame(i);
        written.push(new WeakRef(payload));
        yield payload;
      }
    });
    const received = await requestAll(client.node, server.peerId, PROTOCOL, bytes('all'), {
      timeoutMs: 120_000,
    });
    expect(received.map((payload) => payload[0])).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(stillHeld).toBe(0);
  });

  it('answers a peer NET_PEER_BUSY beyond its own limit, while other peers are still served', {
    timeout: 120_000,
  }, async () => {
    const other = await hosts.create(orgs[2] as Org, { psk, members, bootstrap: addrs(server) });
    await waitUntil('the other peer to connect', () => other.node.getConnections(server.peerId).length > 0);
    let started = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await serveRequests(
      server.node,
      PROTOCOL,
      async function* () {
        started++;
        await released;
        yield bytes('done');
      },
      { maxInFlightPerPeer: 2 },
    );
    const held = [1, 2].map((i) => requestAll(client.node, server.peerId, PROTOCOL, bytes(`${i}`)));
    await waitUntil('both requests being answered', () => started === 2);
    // A third from the same peer is refused at once, and takes no slot.
    expect(await failure(requestAll(client.node, server.peerId, PROTOCOL, bytes('3')))).toBe('NET_PEER_BUSY');
    expect(started).toBe(2);
    // Another peer is served meanwhile.
    const others = requestAll(other.node, server.peerId, PROTOCOL, bytes('other'));
    await waitUntil('the other peer’s request being answered', () => started === 3);
    release();
    for (const response of [...held, others]) expect((await response).map(text)).toEqual(['done']);
    // The peer's slots are free again.
    expect((await requestAll(client.node, server.peerId, PROTOCOL, bytes('4'))).map(text)).toEqual(['done']);
  });
});

describe('peer slots', () => {
  it('refuses or queues the excess per peer, first come first served, and hands a slot straight on', async () => {
    const slots = new PeerSlots(2);
    const r1 = slots.tryTake('p') as () => void;
    const r2 = slots.tryTake('p') as () => void;
    expect(slots.tryTake('p')).toBeUndefined();
    // Another peer is not affected.
    const q1 = slots.tryTake('q') as () => void;
    expect(q1).toBeDefined();
    const order: string[] = [];
    const w1 = slots.take('p').then((release) => {
      order.push('w1');
      return release;
    });
    const abandon = new AbortController();
    const w2 = slots.take('p', abandon.signal);
    const w3 = slots.take('p').then((release) => {
      order.push('w3');
      return release;
    });
    abandon.abort(new Error('gave up'));
    await expect(w2).rejects.toThrow('gave up');
    r1();
    r1(); // twice: nothing more
    const release1 = await w1;
    expect(order).toEqual(['w1']);
    expect(slots.held('p')).toBe(2);
    // The freed slot went to w1, not to a newcomer.
    expect(slots.tryTake('p')).toBeUndefined();
    r2();
    const release3 = await w3;
    expect(order).toEqual(['w1', 'w3']);
    release1();
    release3();
    q1();
    expect(slots.held('p')).toBe(0);
    expect(slots.held('q')).toBe(0);
    expect(() => new PeerSlots(0)).toThrow(RangeError);
  });
});
