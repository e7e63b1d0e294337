/**
 * @liuhen/client against one real node (a daemon process, LevelDB, HTTP on 127.0.0.1): entries
 * signed here reach the log byte for byte while the seed never crosses the wire; blobs stream up
 * and are recorded as attachments; the trace, heads and proofs come back and are checked here;
 * the bundle verifies here against the genesis alone and a flipped byte fails it; every refusal,
 * local or remote, is a typed error with its stable code. A fetch that lies about what the node
 * said is caught too.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEnvelope, toBase64, toHex } from '@liuhen/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isLiuhenApiError,
  LiuhenApiError,
  LiuhenClient,
  LiuhenClientError,
  OperatorKey,
  type PipeBody,
} from '../src/index.ts';
import { uploadFile } from '../src/node.ts';
import { bodyOf, OTHER_GENESIS, SEGMENTS, startTestNode, type TestNode } from './node.ts';

const SEGMENT = SEGMENTS[0] as string;
const OTHER_SEGMENT = SEGMENTS[1] as string;

let node: TestNode;
let client: LiuhenClient;
let operator: OperatorKey;
/** Every request body the client sent, as bytes, in order. */
const sent: Array<{ method: string; url: string; body: Uint8Array }> = [];

/** The global fetch, recording what goes over the wire (stream bodies are teed as they go). */
const recordingFetch: typeof fetch = async (input, init) => {
  const method = init?.method ?? 'GET';
  let body = init?.body;
  const chunks: Uint8Array[] = [];
  let recorded: Promise<void> = Promise.resolve();
  if (body instanceof ReadableStream) {
    const [forNode, forRecord] = body.tee();
    body = forNode;
    recorded = (async () => {
      const reader = forRecord.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value as Uint8Array);
      }
    })();
  } else if (typeof body === 'string') chunks.push(new TextEncoder().encode(body));
  else if (body instanceof Uint8Array) chunks.push(body);
  else if (body instanceof Blob) chunks.push(new Uint8Array(await body.arrayBuffer()));
  const record = { method, url: String(input), body: new Uint8Array() };
  sent.push(record);
  const response = await fetch(input, { ...init, ...(body === undefined ? {} : { body }) } as RequestInit);
  await recorded;
  record.body = new Uint8Array(Buffer.concat(chunks));
  return response;
};

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle));
}

beforeAll(async () => {
  node = await startTestNode();
  client = await LiuhenClient.connect({
    url: node.url,
    token: node.token,
    genesis: node.genesis,
    fetch: recordingFetch,
  });
  operator = OperatorKey.fromSeed(node.seed);
}, 120_000);

afterAll(async () => {
  await node?.stop();
});

describe('connecting', () => {
  it("learns the node's org and signs for the network of the genesis it was given", async () => {
    expect(client.org).toBe('contractor');
    expect(toHex(client.network)).toBe(createHash('sha256').update(node.genesis).digest('hex'));
    expect((await client.status()).network).toBe(toHex(client.network));
  });

  it('refuses a node of another network, and a bad token, with typed errors', async () => {
    const mismatch = await LiuhenClient.connect({
      url: node.url,
      token: node.token,
      genesis: OTHER_GENESIS,
    }).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(LiuhenClientError);
    expect((mismatch as LiuhenClientError).code).toBe('CLIENT_NETWORK_MISMATCH');

    const unauthorized = await LiuhenClient.connect({ url: node.url, token: 'not-a-token' }).catch(
      (e: unknown) => e,
    );
    expect(unauthorized).toBeInstanceOf(LiuhenApiError);
    expect(unauthorized).toMatchObject({ code: 'UNAUTHORIZED', status: 401, request: 'GET /v1/status' });

    const unreachable = await LiuhenClient.connect({ url: 'http://127.0.0.1:1', token: node.token }).catch(
      (e: unknown) => e,
    );
    expect(unreachable).toMatchObject({ code: 'CLIENT_NETWORK_FAILED' });
  });
});

describe('appending, signed here', () => {
  let first: Awaited<ReturnType<LiuhenClient['append']>>;

  it('sends the envelope it signed, byte for byte, and never the seed', async () => {
    const before = sent.length;
    first = await client.append(
      {
        object: SEGMENT,
        kind: 'construction.trench-excavated',
        role: 'QI',
        body: bodyOf('construction.trench-excavated'),
      },
      operator,
    );
    expect(first).toMatchObject({ org: 'contractor', index: expect.any(Number), height: expect.any(Number) });
    expect(first.id).toBe(toHex(first.signed.id));

    const requests = sent.slice(before);
    const post = requests.find((r) => r.url.endsWith('/v1/signed-entries'));
    expect(post?.body).toEqual(first.signed.envelope);
    // The seed in every spelling it could travel in: raw, hex, base64.
    for (const r of requests) {
      expect(containsBytes(r.body, node.seed)).toBe(false);
      const text = Buffer.from(r.body).toString('latin1');
      expect(text).not.toContain(toHex(node.seed));
      expect(text).not.toContain(toBase64(node.seed));
    }
    // The seed is not reachable from the key object either.
    expect(JSON.stringify(operator)).not.toContain(toHex(node.seed));
    expect(Object.values(operator)).not.toContainEqual(node.seed);

    // What the node stores is exactly that envelope, and it proves its inclusion.
    const stored = await client.entry(first.id, { proof: true });
    expect(stored.envelope).toEqual(first.signed.envelope);
    expect(stored.entry.signer).toBe(toHex(operator.publicKey));
    expect(stored.proof?.leafIndex).toBe(first.index);
    expect(stored.checkpointVerified).toBe(true);
  });

  it("follows the object's heads by default, and the trace comes back in causal order", async () => {
    const photo = await client.uploadBlob(new TextEncoder().encode('joint J01, gasket seated'));
    const joint = await client.append(
      {
        object: SEGMENT,
        kind: 'construction.joint-made',
        role: 'QI',
        body: bodyOf('construction.joint-made'),
        attachments: [{ ...photo, type: 'image/jpeg', name: 'J01.jpg' }],
      },
      operator,
    );
    expect(joint.signed.entry.parents.map(toHex)).toEqual([first.id]);
    expect(await client.heads(SEGMENT)).toEqual([joint.id]);
    const trace = await client.trace(SEGMENT);
    expect(trace.entries.map((e) => e.id)).toEqual([first.id, joint.id]);
    expect(trace.entries[1]?.entry.body).toEqual(bodyOf('construction.joint-made'));
    expect(await client.heads('seg:SZ-WS000900-WS000901#1')).toEqual([]);
    expect(await client.entries({ kind: 'construction.joint-made' })).toEqual([
      { id: joint.id, org: 'contractor', index: joint.index },
    ]);
  });

  it('drops undefined optional fields, as JSON does, instead of failing to encode them', async () => {
    const body: PipeBody<'construction.bedding'> = { ...bodyOf('construction.bedding'), zone: undefined };
    const signed = await client.sign(
      { object: OTHER_SEGMENT, kind: 'construction.bedding', role: 'QI', body },
      operator,
    );
    expect(Object.keys(signed.entry.body)).not.toContain('zone');
  });
});

describe('blobs', () => {
  it('streams a blob up, hashing it here, and an entry records it as an attachment', async () => {
    // 600 KiB in uneven chunks, produced on demand: nothing holds the whole blob at once.
    const chunkSizes = [65_536, 1, 200_000, 99_999, 248_864];
    const chunkOf = (n: number, i: number) => new Uint8Array(n).fill(i + 1);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const i = 5 - chunkSizes.length;
        const n = chunkSizes.shift();
        if (n === undefined) controller.close();
        else controller.enqueue(chunkOf(n, i));
      },
    });
    const expected = createHash('sha256');
    [65_536, 1, 200_000, 99_999, 248_864].forEach((n, i) => {
      expected.update(chunkOf(n, i));
    });
    const blob = await client.uploadBlob(stream);
    expect(blob).toEqual({ sha256: expected.digest('hex'), size: 614_400 });

    const joint = await client.append(
      {
        object: SEGMENT,
        kind: 'construction.joint-made',
        role: 'QI',
        // The next joint along the segment.
        body: { ...bodyOf('construction.joint-made'), joint: 'J02', chainage: [12, 12] },
        attachments: [{ ...blob, type: 'image/jpeg', name: 'J02.jpg' }],
      },
      operator,
    );
    const stored = await client.entry(joint.id);
    expect(stored.entry.attachments).toEqual([
      { sha256: blob.sha256, size: 614_400, type: 'image/jpeg', name: 'J02.jpg' },
    ]);
    const back = await client.downloadBlob(blob.sha256);
    expect(createHash('sha256').update(back).digest('hex')).toBe(blob.sha256);
  });

  it('uploads a file from disk (node entry), bytes and Blobs alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liuhen-client-'));
    try {
      const file = join(dir, 'report.pdf');
      writeFileSync(file, 'closed-water test report');
      const fromFile = await uploadFile(client, file);
      const fromBytes = await client.uploadBlob(new TextEncoder().encode('closed-water test report'));
      const fromBlob = await client.uploadBlob(new Blob(['closed-water test report']));
      expect(fromFile).toEqual(fromBytes);
      expect(fromBlob).toEqual(fromBytes);
      expect(fromBytes.sha256).toBe(createHash('sha256').update('closed-water test report').digest('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bundles, verified here', () => {
  it("verifies the segment's bundle, attachments included, against the genesis alone", async () => {
    const { bytes, bundle, report, ok } = await client.verifiedBundle(SEGMENT, { attachments: true });
    expect(bytes.length).toBeGreaterThan(0);
    expect(report.anchored).toBe(true);
    const trace = await client.trace(SEGMENT);
    expect(report.entries.map((e) => e.id).sort()).toEqual(trace.entries.map((e) => e.id).sort());
    expect(bundle.attachments).toHaveLength(2);
    // One node alone cannot have its blocks witnessed by other orgs: whether each entry was
    // recorded when it claims is the only question left open (a warning per entry, no error).
    expect(new Set(report.findings.map((f) => `${f.severity} ${f.code}`))).toEqual(
      new Set(['warning P-CONTEMPORANEOUS']),
    );
    expect(report.verdict).toBe('verified-with-warnings');
    expect(ok).toBe(true);
  });

  it('fails a bundle with one flipped byte in an entry signature, naming the entry', async () => {
    const { bytes, bundle } = await client.verifiedBundle(SEGMENT);
    const envelope = bundle.logs[0]?.entries.at(-1)?.envelope as Uint8Array;
    const { signature } = decodeEnvelope(envelope);
    const tampered = bytes.slice();
    const at = Buffer.from(tampered).indexOf(Buffer.from(signature)) + 10;
    tampered[at] = (tampered[at] as number) ^ 1;
    const after = client.verifyBundle(tampered, { object: SEGMENT });
    expect(after.ok).toBe(false);
    expect(after.report.verdict).toBe('failed');
    expect(after.report.findings.map((f) => f.code)).toContain('TRACE_ENTRY_SIGNATURE');
  });

  it('refuses to verify against nothing, and against another genesis finds the anchor untrusted', async () => {
    const bare = await LiuhenClient.connect({ url: node.url, token: node.token });
    const bytes = await bare.fetchBundle(SEGMENT);
    expect(() => bare.verifyBundle(bytes)).toThrow(expect.objectContaining({ code: 'ANCHOR_INVALID' }));
    const foreign = bare.verifyBundle(bytes, { anchor: { genesis: OTHER_GENESIS } });
    expect(foreign.ok).toBe(false);
    expect(foreign.report.findings.map((f) => f.code)).toContain('TRACE_GENESIS_UNTRUSTED');
    expect(() => client.verifyBundle(bytes.subarray(0, 100))).toThrow(
      expect.objectContaining({ code: 'BUNDLE_MALFORMED' }),
    );
  });
});

describe('typed errors', () => {
  it('refuses a body that does not match its schema before signing or sending anything', async () => {
    const before = sent.length;
    const bad = { ...bodyOf('construction.bedding'), compactionPct: 120 };
    const error = await client
      .append({ object: SEGMENT, kind: 'construction.bedding', role: 'QI', body: bad }, operator)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiuhenClientError);
    expect(error).not.toBeInstanceOf(LiuhenApiError);
    expect(error).toMatchObject({
      code: 'PIPE_BODY_INVALID',
      field: 'body.compactionPct',
      refusals: [{ code: 'PIPE_BODY_INVALID', field: 'body.compactionPct', message: expect.any(String) }],
    });
    expect(sent.length).toBe(before);
  });

  it("gives the node's profile refusal (422) the same code, field and refusals as the local check", async () => {
    // A client that skips the local check: the node's own enforcement of the schema answers.
    const unchecked = await LiuhenClient.connect({
      url: node.url,
      token: node.token,
      genesis: node.genesis,
      checkBodies: false,
    });
    const bad = { ...bodyOf('construction.bedding'), compactionPct: 120 };
    const error = await unchecked
      .append({ object: SEGMENT, kind: 'construction.bedding', role: 'QI', body: bad }, operator)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiuhenApiError);
    expect(error).toMatchObject({
      code: 'PIPE_BODY_INVALID',
      status: 422,
      field: 'body.compactionPct',
      refusals: [{ code: 'PIPE_BODY_INVALID', field: 'body.compactionPct', message: expect.any(String) }],
    });
  });

  it("surfaces the node's refusals as LiuhenApiError with the API's stable code and status", async () => {
    // li-wei holds QI only: the node checks the appointment on the org's log.
    const role = await client
      .append(
        { object: SEGMENT, kind: 'construction.bedding', role: 'SE', body: bodyOf('construction.bedding') },
        operator,
      )
      .catch((e: unknown) => e);
    expect(isLiuhenApiError(role, 'ROLE_NOT_HELD')).toBe(true);
    expect(role).toMatchObject({ status: 403, request: 'POST /v1/signed-entries' });

    // A key the org never appointed.
    const stranger = OperatorKey.fromSeed(new Uint8Array(32).fill(7));
    const unknown = await client
      .append(
        { object: SEGMENT, kind: 'construction.bedding', role: 'QI', body: bodyOf('construction.bedding') },
        stranger,
      )
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'OPERATOR_UNKNOWN', status: 403 });

    // A parent the node does not know.
    const parent = await client
      .append(
        {
          object: SEGMENT,
          kind: 'construction.bedding',
          role: 'QI',
          body: bodyOf('construction.bedding'),
          parents: ['ab'.repeat(32)],
        },
        operator,
      )
      .catch((e: unknown) => e);
    expect(parent).toMatchObject({ code: 'PARENT_UNKNOWN' });

    const missing = await client.trace('seg:SZ-WS000900-WS000901#1').catch((e: unknown) => e);
    expect(missing).toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
      request: 'GET /v1/objects/seg%3ASZ-WS000900-WS000901%231',
    });
    const blob = await client.downloadBlob('cd'.repeat(32)).catch((e: unknown) => e);
    expect(blob).toMatchObject({ code: 'BLOB_NOT_FOUND', status: 404 });
  });

  it('catches a node (or a man in the middle) that answers with other bytes than it holds', async () => {
    const { id } = (await client.trace(SEGMENT)).entries[0] as { id: string };
    const lying = await LiuhenClient.connect({
      url: node.url,
      token: node.token,
      genesis: node.genesis,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const url = String(input);
        if (url.includes('/v1/entries/')) {
          const json = (await response.json()) as { envelope: string };
          const envelope = Buffer.from(json.envelope, 'base64');
          envelope[envelope.length - 1] = (envelope[envelope.length - 1] as number) ^ 1;
          return Response.json({ ...json, envelope: envelope.toString('base64') });
        }
        if (url.endsWith('/v1/blobs'))
          return Response.json({ sha256: 'ef'.repeat(32), size: 5 }, { status: 201 });
        return response;
      },
    });
    await expect(lying.entry(id)).rejects.toMatchObject({ code: 'CLIENT_ENTRY_MISMATCH' });
    await expect(lying.uploadBlob(new TextEncoder().encode('hello'))).rejects.toMatchObject({
      code: 'BLOB_HASH_MISMATCH',
    });
  });
});
