/**
 * Attachments between real `liuhen-node` daemons (DESIGN §5, the blob protocol): an attachment
 * uploaded on one node and referenced by an entry there is prefetched by the other node when it
 * replicates the entry; a blob no entry references yet is fetched on demand by GET
 * /v1/blobs/{sha256}, streamed in bounded frames (a few MiB here) and hash-checked. A member that
 * answers with bytes of another hash is refused — nothing is stored, the GET misses — and its
 * gossipsub score drops. Nothing here asserts timing: state is polled with generous deadlines.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOB_PROTOCOL, decodeBlobRequest, serveRequests } from '../packages/net/src/index.ts';
import { paths } from '../packages/node/src/index.ts';
import { api } from '../scripts/lib/node-process.ts';
import { daemonSuite } from './helpers/daemon-suite.ts';
import { request } from './helpers/http.ts';
import { eventually } from './helpers/network.ts';
import { memberKey } from './helpers/org-log.ts';
import { jointRecord, laneSegment } from './helpers/records.ts';

const DAEMONS = ['water', 'gas'];
const mallory = memberKey('mallory');

const suite = daemonSuite(DAEMONS, { externalOrgs: [mallory], setupMs: 120_000 });

const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Where `org`'s daemon keeps a blob (the BlobStore layout). */
function blobFile(org: string, sha256: string): string {
  return join(paths(suite.net.prepared(org).dir).blobs, sha256.slice(0, 2), sha256);
}

async function upload(org: string, bytes: Uint8Array): Promise<string> {
  const up = await request<{ sha256: string; size: number }>(suite.net.node(org).url, '/v1/blobs', {
    method: 'POST',
    token: suite.net.token(org),
    contentType: 'application/octet-stream',
    body: bytes,
  });
  expect(up.status).toBe(201);
  expect(up.json).toEqual({ sha256: hex(bytes), size: bytes.byteLength });
  return up.json.sha256;
}

async function download(org: string, sha256: string): Promise<{ status: number; bytes: Uint8Array }> {
  const down = await request(suite.net.node(org).url, `/v1/blobs/${sha256}`, { token: suite.net.token(org) });
  return { status: down.status, bytes: down.bytes };
}

async function scoreOf(holder: string, org: string): Promise<number | undefined> {
  return (await suite.net.peers(holder)).find((p) => p.org === org)?.score;
}

describe('attachments between node processes', () => {
  it('an attachment uploaded on one node becomes fetchable on another', { timeout: 120_000 }, async () => {
    // Referenced by an entry: gas fetches it when it replicates the entry, before anyone asks.
    const photo = new Uint8Array(randomBytes(300 * 1024));
    const photoHash = await upload('water', photo);
    const { status, json } = await api<{ index: number }>(
      suite.net.node('water').url,
      suite.net.token('water'),
      'POST',
      '/v1/entries',
      {
        object: laneSegment('water', 1),
        kind: 'construction.joint-made',
        role: 'QI',
        time: Date.now() - 60_000,
        body: jointRecord(0),
        attachments: [{ sha256: photoHash, size: photo.byteLength, type: 'image/jpeg', name: 'joint.jpg' }],
      },
    );
    expect(status).toBe(201);
    await eventually('gas holds the entry', () => suite.net.converged(DAEMONS));
    await eventually('gas prefetched the attachment', async () =>
      existsSync(blobFile('gas', photoHash)) ? undefined : 'not on disk yet',
    );
    const fromGas = await download('gas', photoHash);
    expect(fromGas.status).toBe(200);
    expect(hex(fromGas.bytes)).toBe(photoHash);
    expect(json.index).toBeGreaterThan(0);

    // Not referenced by anything yet: fetched on demand, in many frames (5 MiB).
    const survey = new Uint8Array(randomBytes(5 * 1024 * 1024));
    const surveyHash = await upload('water', survey);
    expect(existsSync(blobFile('gas', surveyHash))).toBe(false);
    const onDemand = await download('gas', surveyHash);
    expect(onDemand.status).toBe(200);
    expect(onDemand.bytes.byteLength).toBe(survey.byteLength);
    expect(hex(onDemand.bytes)).toBe(surveyHash);
    expect(existsSync(blobFile('gas', surveyHash))).toBe(true);

    // A hash nobody holds is still a 404, after asking.
    const nowhere = hex(new Uint8Array(randomBytes(16)));
    const missing = await request<{ error: { code: string } }>(
      suite.net.node('gas').url,
      `/v1/blobs/${nowhere}`,
      {
        token: suite.net.token('gas'),
      },
    );
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('BLOB_NOT_FOUND');
  });

  it('a peer that serves wrong bytes is refused and penalised', { timeout: 120_000 }, async () => {
    const dir = suite.net.prepared('water').dir;
    const host = await suite.peers.join(dir, mallory.seed, suite.net.addrs());
    const asked: string[] = [];
    // Mallory claims every blob, and sends bytes of another hash.
    await serveRequests(host.node, BLOB_PROTOCOL, function* (body) {
      asked.push(Buffer.from(decodeBlobRequest(body)).toString('hex'));
      yield new Uint8Array(randomBytes(100 * 1024));
      yield new Uint8Array(randomBytes(100 * 1024));
    });
    await eventually('mallory connected to gas', async () =>
      (await suite.net.peers('gas')).some((p) => p.org === 'mallory')
        ? undefined
        : 'gas does not see mallory',
    );
    const before = (await scoreOf('gas', 'mallory')) ?? 0;

    const wanted = hex(new Uint8Array(randomBytes(32)));
    const down = await request<{ error: { code: string } }>(
      suite.net.node('gas').url,
      `/v1/blobs/${wanted}`,
      {
        token: suite.net.token('gas'),
      },
    );
    expect(down.status).toBe(404);
    expect(asked).toContain(wanted);
    expect(existsSync(blobFile('gas', wanted))).toBe(false);
    await eventually('gas scores mallory down for the wrong bytes', async () => {
      const score = await scoreOf('gas', 'mallory');
      return score !== undefined && score < Math.min(before, 0) ? undefined : `score ${score}`;
    });

    // Gas is still up, serves what it holds, and fetches from honest peers.
    const plan = new Uint8Array(randomBytes(40 * 1024));
    const planHash = await upload('water', plan);
    const fetched = await download('gas', planHash);
    expect(fetched.status).toBe(200);
    expect(hex(fetched.bytes)).toBe(planHash);
  });
});
