import '../src/polyfill.ts';
import { createHash } from 'node:crypto';
import type { Stream } from '@libp2p/interface';
import { afterEach, expect, it } from 'vitest';
import { generateSwarmKey } from '../src/index.ts';
import { Hosts, newOrg, waitUntil } from './helpers.ts';

// Every WebAssembly memory growth in this process (pnet's xsalsa20 is the only WASM user here).
const grows: number[] = [];
const grow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, delta: number): number {
  grows.push(delta);
  return grow.call(this, delta);
};

const hosts = new Hosts();
afterEach(() => hosts.stopAll());

function pattern(size: number, salt: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 997) out[i] = (i * 7 + salt) & 0xff;
  return out;
}

it('a burst of several MiB written without pacing crosses pnet intact, with no cipher memory growth after start-up', async () => {
  const a = newOrg();
  const b = newOrg();
  const psk = generateSwarmKey();
  const members = [a.nodeKey, b.nodeKey];
  const server = await hosts.create(a, { psk, members });
  const client = await hosts.create(b, { psk, members, bootstrap: server.multiaddrs().map(String) });
  await waitUntil('the client to connect', () => client.node.getConnections(server.peerId).length > 0);
  // createHost grew the cipher memory once, before the first connection.
  grows.length = 0;

  const STREAMS = 3;
  const SIZE = 8 * 1024 * 1024;
  const digests = new Map<string, ReturnType<typeof createHash>>();
  let received = 0;
  const closed: string[] = [];
  await server.node.handle('/liuhen/test/burst/1', (stream: Stream) => {
    const digest = createHash('sha256');
    digests.set(stream.id, digest);
    stream.addEventListener('message', (evt) => {
      const chunk = evt.data.subarray();
      digest.update(chunk);
      received += chunk.byteLength;
    });
    stream.addEventListener('remoteCloseWrite', () => {
      closed.push(stream.id);
      void stream.close();
    });
  });

  const expected: string[] = [];
  for (let i = 0; i < STREAMS; i++) {
    const data = pattern(SIZE, i);
    expected.push(createHash('sha256').update(data).digest('hex'));
    const stream = await client.node.dialProtocol(server.peerId, '/liuhen/test/burst/1');
    // The whole 8 MiB in one send, ignoring back-pressure: the burst that broke pnet's cipher.
    stream.send(data);
    void stream.close();
  }
  await waitUntil('every byte to arrive', () => closed.length === STREAMS, 45_000);
  expect(received).toBe(STREAMS * SIZE);
  expect([...digests.values()].map((d) => d.digest('hex')).sort()).toEqual([...expected].sort());
  expect(grows).toEqual([]);
  expect(client.node.getConnections(server.peerId).length).toBeGreaterThan(0);
});
