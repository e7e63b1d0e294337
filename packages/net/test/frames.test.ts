import '../src/polyfill.ts';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  generateSwarmKey,
  type Host,
  isNetError,
  NetError,
  type NetErrorCode,
  request,
  requestAll,
  serveRequests,
} from '../src/index.ts';
import { bytes, Hosts, newOrg, text, waitUntil } from './helpers.ts';

const PROTOCOL = '/liuhen/test/frames/1';
const hosts = new Hosts();
let server: Host;
let client: Host;

beforeEach(async () => {
  const a = newOrg();
  const b = newOrg();
  const psk = generateSwarmKey();
  const members = [a.nodeKey, b.nodeKey];
  server = await hosts.create(a, { psk, members });
  client = await hosts.create(b, { psk, members, bootstrap: server.multiaddrs().map(String) });
  await waitUntil('the client to connect', () => client.node.getConnections(server.peerId).length > 0);
});
afterEach(() => hosts.stopAll());

async function failure(promise: Promise<unknown>): Promise<NetErrorCode> {
  try {
    await promise;
  } catch (err) {
    if (isNetError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a NetError');
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('request/response frames', () => {
  it('round-trips a request and a multi-frame response ended by an explicit terminator', async () => {
    const seen: string[] = [];
    await serveRequests(server.node, PROTOCOL, function* (body, { peer }) {
      seen.push(peer.toString());
      yield body;
      yield bytes(text(body).toUpperCase());
      yield new Uint8Array(0);
    });
    const frames = await requestAll(client.node, server.peerId, PROTOCOL, bytes('heads?'));
    expect(frames.map(text)).toEqual(['heads?', 'HEADS?', '']);
    expect(seen).toEqual([client.peerId.toString()]);
    // An empty response is just the terminator.
    await server.node.unhandle(PROTOCOL);
    await serveRequests(server.node, PROTOCOL, () => []);
    expect(await requestAll(client.node, server.peerId, PROTOCOL, bytes('x'))).toEqual([]);
  });

  it('rejects oversized frames in either direction and before sending', async () => {
    await serveRequests(server.node, PROTOCOL, () => [new Uint8Array(64 * 1024)], {
      maxFrameBytes: 16 * 1024,
    });
    // The request frame exceeds the server's limit: the server says so.
    const tooBigRequest = requestAll(client.node, server.peerId, PROTOCOL, new Uint8Array(32 * 1024), {
      maxFrameBytes: 1024 * 1024,
    });
    expect(await failure(tooBigRequest)).toBe('NET_FRAME_TOO_LARGE');
    // The responder cannot send a frame over its own limit: the requester gets its error frame.
    expect(await failure(requestAll(client.node, server.peerId, PROTOCOL, bytes('small')))).toBe(
      'NET_FRAME_TOO_LARGE',
    );
    // A response frame over the requester's limit is refused from its length prefix.
    await server.node.unhandle(PROTOCOL);
    await serveRequests(server.node, PROTOCOL, () => [new Uint8Array(64 * 1024)]);
    const tooBigResponse = requestAll(client.node, server.peerId, PROTOCOL, bytes('small'), {
      maxFrameBytes: 16 * 1024,
    });
    expect(await failure(tooBigResponse)).toBe('NET_FRAME_TOO_LARGE');
    // And a requester never sends a frame over its own limit.
    const local = requestAll(client.node, server.peerId, PROTOCOL, new Uint8Array(2048), {
      maxFrameBytes: 1024,
    });
    expect(await failure(local)).toBe('NET_FRAME_TOO_LARGE');
  });

  it('times out a request whose response never ends, and the responder sees the abort', async () => {
    const responderAborted = deferred();
    await serveRequests(server.node, PROTOCOL, async function* (_body, { signal }) {
      yield bytes('first');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      responderAborted.resolve();
    });
    const received: string[] = [];
    const pending = (async () => {
      for await (const frame of request(client.node, server.peerId, PROTOCOL, bytes('q'), { timeoutMs: 500 }))
        received.push(text(frame));
    })();
    expect(await failure(pending)).toBe('NET_TIMEOUT');
    expect(received).toEqual(['first']);
    await responderAborted.promise;
  });

  it('times out on silence, not on length: a response that keeps moving, or a slow consumer, is fine', async () => {
    await serveRequests(
      server.node,
      PROTOCOL,
      async function* (body) {
        for (let i = 0; i < 16; i++) {
          // Slow but steady: 16 × 150 ms, well past the 1.5 s idle limit in all.
          if (text(body) === 'steady') await new Promise((resolve) => setTimeout(resolve, 150));
          yield bytes(`frame ${i}`);
        }
      },
      { timeoutMs: 1_500 },
    );
    const steady = await requestAll(client.node, server.peerId, PROTOCOL, bytes('steady'), {
      timeoutMs: 1_500,
    });
    expect(steady).toHaveLength(16);
    // The consumer's own time between frames does not count against the requester's limit.
    let n = 0;
    for await (const _frame of request(client.node, server.peerId, PROTOCOL, bytes('fast'), {
      timeoutMs: 1_500,
    })) {
      n++;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(n).toBe(16);
    // A bound on the whole exchange is still available.
    expect(
      await failure(requestAll(client.node, server.peerId, PROTOCOL, bytes('steady'), { deadlineMs: 300 })),
    ).toBe('NET_TIMEOUT');
  });

  it('caps the requests in flight per protocol and answers the excess NET_BUSY', async () => {
    const started = deferred();
    const release = deferred();
    await serveRequests(
      server.node,
      PROTOCOL,
      async function* () {
        started.resolve();
        await release.promise;
        yield bytes('done');
      },
      { maxInFlight: 1 },
    );
    const first = requestAll(client.node, server.peerId, PROTOCOL, bytes('1'));
    await started.promise;
    expect(await failure(requestAll(client.node, server.peerId, PROTOCOL, bytes('2')))).toBe('NET_BUSY');
    release.resolve();
    expect((await first).map(text)).toEqual(['done']);
    // The slot is free again.
    expect((await requestAll(client.node, server.peerId, PROTOCOL, bytes('3'))).map(text)).toEqual(['done']);
  });

  it('frees the slot of a responder that ignores its signal, at the deadline', async () => {
    await serveRequests(
      server.node,
      PROTOCOL,
      async function* (body) {
        if (text(body) === 'hang') await new Promise(() => undefined);
        yield bytes('ok');
      },
      { maxInFlight: 1, timeoutMs: 1_000 },
    );
    const hung = requestAll(client.node, server.peerId, PROTOCOL, bytes('hang'), { timeoutMs: 60_000 });
    // The server's own deadline ends the exchange: the requester is told NET_TIMEOUT.
    expect(await failure(hung)).toBe('NET_TIMEOUT');
    expect((await requestAll(client.node, server.peerId, PROTOCOL, bytes('next'))).map(text)).toEqual(['ok']);
  });

  it('reports a responder failure without leaking its message', async () => {
    await serveRequests(server.node, PROTOCOL, () => {
      throw new Error('secret internal detail');
    });
    const err = await requestAll(client.node, server.peerId, PROTOCOL, bytes('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetError);
    expect((err as NetError).code).toBe('NET_REMOTE_ERROR');
    expect((err as NetError).message).not.toContain('secret');
  });

  it('streams a burst of several MiB through pnet intact, with a slow reader', async () => {
    const FRAME = 256 * 1024;
    const COUNT = 48; // 12 MiB
    const frameBytes = (i: number): Uint8Array => {
      const frame = new Uint8Array(FRAME);
      for (let j = 0; j < FRAME; j += 4096) frame[j] = (i * 31 + j / 4096) & 0xff;
      frame.fill(i & 0xff, FRAME - 16);
      return frame;
    };
    const expected = createHash('sha256');
    for (let i = 0; i < COUNT; i++) expected.update(frameBytes(i));
    await serveRequests(server.node, PROTOCOL, function* () {
      for (let i = 0; i < COUNT; i++) yield frameBytes(i);
    });
    const actual = createHash('sha256');
    let total = 0;
    let n = 0;
    for await (const frame of request(client.node, server.peerId, PROTOCOL, bytes('sync'), {
      timeoutMs: 60_000,
    })) {
      actual.update(frame);
      total += frame.byteLength;
      // A slow consumer now and then: the reader pauses the stream rather than buffering it all.
      if (n++ % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(total).toBe(FRAME * COUNT);
    expect(actual.digest('hex')).toBe(expected.digest('hex'));
    // And a 1 MiB request frame the other way.
    await server.node.unhandle(PROTOCOL);
    await serveRequests(server.node, PROTOCOL, (body) => [
      bytes(createHash('sha256').update(body).digest('hex')),
    ]);
    const big = new Uint8Array(1024 * 1024).fill(7);
    const [digest] = await requestAll(client.node, server.peerId, PROTOCOL, big);
    expect(text(digest ?? new Uint8Array())).toBe(createHash('sha256').update(big).digest('hex'));
  });
});

describe('request/response frames: typed failures and misbehaviour', () => {
  it('reports malformed request frames as misbehaviour, and a cut-short request not', async () => {
    const reported: string[] = [];
    await serveRequests(server.node, PROTOCOL, (body) => [body], {
      maxFrameBytes: 1024,
      onMisbehaviour: (peer, error) => reported.push(`${peer.equals(client.peerId)} ${error.code}`),
    });
    const send = async (chunks: Uint8Array[]) => {
      const stream = await client.node.dialProtocol(server.peerId, PROTOCOL);
      for (const chunk of chunks) stream.send(chunk);
      await stream.close().catch(() => undefined);
      // The server answers with an ERROR frame and closes; give it a moment, never forever.
      await Promise.race([
        new Promise((resolve) => stream.addEventListener('close', resolve, { once: true })),
        new Promise((resolve) => setTimeout(resolve, 2_000)),
      ]);
    };
    // Length 2049 (above 1 KiB + 1), an unknown frame type, and a request cut short.
    await send([Uint8Array.of(0x81, 0x10, 0x00)]);
    await send([Uint8Array.of(0x01, 0x07)]);
    await send([Uint8Array.of(0x0a, 0x00, 0x01)]);
    await waitUntil('two reports', () => reported.length >= 2);
    expect(reported.sort()).toEqual(['true NET_FRAME_MALFORMED', 'true NET_FRAME_TOO_LARGE']);
    // The well-formed request is still answered.
    expect((await requestAll(client.node, server.peerId, PROTOCOL, bytes('ok'))).map(text)).toEqual(['ok']);
  });

  it('fails with NET_DIAL_FAILED for a protocol the peer does not speak, and marks peer-reported codes remote', async () => {
    expect(await failure(requestAll(client.node, server.peerId, '/liuhen/none/1', bytes('x')))).toBe(
      'NET_DIAL_FAILED',
    );
    await serveRequests(server.node, PROTOCOL, () => {
      throw new NetError('NET_SYNC_INVALID', 'not a block boundary');
    });
    let error: unknown;
    try {
      await requestAll(client.node, server.peerId, PROTOCOL, bytes('x'));
    } catch (err) {
      error = err;
    }
    expect(isNetError(error, 'NET_SYNC_INVALID') && error.remote).toBe(true);
    expect(new NetError('NET_SYNC_INVALID').remote).toBe(false);
  });
});
