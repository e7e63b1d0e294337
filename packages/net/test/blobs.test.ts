/**
 * The blob protocol between real hosts on 127.0.0.1: a peer that answers with other bytes than
 * the blob asked for is refused and reported with its reason (`onMisbehaviour` and the
 * `misbehaviour` event, which the node penalises and counts), and the next peer is asked.
 */
import '../src/polyfill.ts';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BlobService,
  type BlobSink,
  type BlobSource,
  generateSwarmKey,
  type Host,
  NetError,
} from '../src/index.ts';
import { bytes, Hosts, newOrg, waitUntil } from './helpers.ts';

const hosts = new Hosts();
const services: BlobService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  await hosts.stopAll();
});

function hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Serves `held` (hash hex → bytes), whatever those bytes are. */
function sourceOf(held: Map<string, Uint8Array>): BlobSource {
  return {
    read: async (sha256) => {
      const blob = held.get(Buffer.from(sha256).toString('hex'));
      return blob === undefined
        ? undefined
        : (async function* () {
            yield blob;
          })();
    },
  };
}

/** Keeps a blob only if its bytes hash to the name asked for. */
function sinkOf(stored: Map<string, Uint8Array>): BlobSink {
  return {
    has: async (sha256) => stored.has(Buffer.from(sha256).toString('hex')),
    write: async (sha256, chunks) => {
      const parts: Uint8Array[] = [];
      for await (const chunk of chunks) parts.push(chunk);
      const blob = Buffer.concat(parts);
      const name = Buffer.from(sha256).toString('hex');
      if (hex(blob) !== name) throw new NetError('NET_BLOB_INVALID', name);
      stored.set(name, blob);
    },
  };
}

async function service(host: Host, held: Map<string, Uint8Array>, stored: Map<string, Uint8Array>) {
  const blobs = new BlobService({
    host,
    source: sourceOf(held),
    sink: sinkOf(stored),
    maxBlobBytes: 1 << 20,
  });
  await blobs.start();
  services.push(blobs);
  return blobs;
}

describe('blob service', () => {
  it('refuses other bytes than the blob asked for, reports the peer with the reason, and asks the next', {
    timeout: 60_000,
  }, async () => {
    const [a, b, c] = [newOrg(), newOrg(), newOrg()];
    const psk = generateSwarmKey();
    const members = [a.nodeKey, b.nodeKey, c.nodeKey];
    const liar = await hosts.create(a, { psk, members });
    const honest = await hosts.create(b, { psk, members });
    const fetcher = await hosts.create(c, {
      psk,
      members,
      bootstrap: [...liar.multiaddrs(), ...honest.multiaddrs()].map(String),
    });
    await waitUntil('connected to both', () => fetcher.node.getPeers().length === 2);
    const photo = bytes('a site photo');
    const name = hex(photo);
    await service(liar, new Map([[name, bytes('other bytes!')]]), new Map());
    await service(honest, new Map([[name, photo]]), new Map());
    const stored = new Map<string, Uint8Array>();
    const blobs = await service(fetcher, new Map(), stored);
    const reported: Array<{ peer: string; code: string }> = [];
    blobs.addEventListener('misbehaviour', (evt) => {
      const { detail } = evt as CustomEvent<{ peer: string; code: string }>;
      reported.push({ peer: detail.peer, code: detail.code });
    });
    expect(await blobs.fetch(Buffer.from(name, 'hex'), [liar.peerId, honest.peerId])).toBe(true);
    expect(stored.get(name)).toEqual(Buffer.from(photo));
    expect(reported).toEqual([{ peer: liar.peerId.toString(), code: 'NET_BLOB_INVALID' }]);
  });
});
