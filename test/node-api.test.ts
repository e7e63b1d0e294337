/**
 * The department node's HTTP API and CLI against one real daemon: a `liuhen-node start` child
 * process on 127.0.0.1 with a real LevelDB store. A business system feeds a pipe segment's
 * construction history; the trace comes back in causal order; every inclusion proof is checked
 * here with @liuhen/core, trusting only the node key; envelopes signed outside the node are
 * accepted byte for byte; blobs go up and down. Then bad input of every kind: each is refused
 * with a 4xx and a stable code whose message names the problem, the node keeps serving, and the
 * log does not grow. Finally the CLI's remote commands, and a clean whole-store verification.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EntryDraft,
  fromHex,
  generateKeyPair,
  parseBlockHeader,
  type SignedEntry,
  toBase64,
  toHex,
} from '@liuhen/core';
import { sampleBody } from '@liuhen/profile-pipe/scenario';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBundle, verifyBundle } from '../packages/trace/src/index.ts';
import {
  cli,
  cliAsync,
  issueToken,
  operatorSeed,
  type PreparedNode,
  prepareNode,
  type RunningNode,
  revokeOperator,
  startNode,
} from '../scripts/lib/node-process.ts';
import {
  type Ack,
  type ApiError,
  checkEntryProof,
  type FoundEntry,
  type Response,
  request,
  type Status,
} from './helpers/http.ts';
import { signJoint } from './helpers/signed-entry.ts';
import { removeNode } from './helpers/single-node.ts';

const ORG = 'contractor';
const SEGMENT = 'seg:SZ-WS000123-WS000124#1';
const OTHER_SEGMENT = 'seg:SZ-WS000124-WS000125#1';
const MAX_BLOB_BYTES = 64 * 1024;
const MAX_ENTRY_BYTES = 64 * 1024;

let prepared: PreparedNode;
let node: RunningNode;
/** A token bound to no operator: reads and pre-signed appends. */
let appToken: string;
let network: Uint8Array;
let nodeKey: Uint8Array;
let sunLi: Uint8Array;
let wangGang: Uint8Array;

const token = (name: string) => prepared.tokens[name] as string;
const append = (who: string, body: unknown) =>
  request<Ack & ApiError>(node.url, '/v1/entries', { token: token(who), body });
const appendSigned = (envelope: Uint8Array, contentType = 'application/cbor') =>
  request<Ack & ApiError>(node.url, '/v1/signed-entries', {
    token: appToken,
    contentType,
    body: contentType === 'application/cbor' ? envelope : { envelope: toBase64(envelope) },
  });
const getStatus = async () => (await request<Status>(node.url, '/v1/status', { token: appToken })).json;
const getEntry = (id: string, proof = false) =>
  request<FoundEntry & ApiError>(node.url, `/v1/entries/${id}${proof ? '?proof=1' : ''}`, {
    token: appToken,
  });
const getTrace = (object: string) =>
  request<{ object: string; heads: string[]; entries: Array<FoundEntry> } & ApiError>(
    node.url,
    `/v1/objects/${encodeURIComponent(object)}`,
    { token: appToken },
  );

/** An entry signed here, outside the node, by `seed`. */
function signLocally(
  seed: Uint8Array,
  draft: Partial<EntryDraft> = {},
  maxBytes = MAX_ENTRY_BYTES,
): SignedEntry {
  return signJoint(
    seed,
    { network, org: ORG, object: SEGMENT, body: sampleBody('construction.joint-made', 98), ...draft },
    maxBytes,
  );
}

beforeAll(async () => {
  prepared = prepareNode(
    ORG,
    [
      { name: 'li-wei', roles: ['QI'] }, // quality inspector: construction records
      { name: 'zhang-min', roles: ['PM'] }, // project manager: functional tests
      { name: 'sun-li', roles: ['QI'] }, // signs on her own device; sends envelopes
      { name: 'wang-gang', roles: ['QI'] }, // revoked before the node starts
    ],
    { config: { maxBlobBytes: MAX_BLOB_BYTES } },
  );
  revokeOperator(prepared.dir, 'wang-gang', 'left the project');
  appToken = issueToken(prepared.dir, 'erp-system');
  sunLi = operatorSeed(prepared.dir, 'sun-li');
  wangGang = operatorSeed(prepared.dir, 'wang-gang');
  node = await startNode(prepared.dir);
  const status = await getStatus();
  network = fromHex(status.network);
  nodeKey = fromHex(status.nodeKey);
}, 120_000);

afterAll(() => removeNode(node, prepared));

describe('a running node', () => {
  it('serves /healthz, the OpenAPI document and its status', async () => {
    const health = await request<{ ok: boolean }>(node.url, '/healthz');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ ok: true });

    const openapi = await request<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      node.url,
      '/openapi.json',
    );
    expect(openapi.status).toBe(200);
    expect(openapi.json.openapi).toMatch(/^3\./);
    const paths = openapi.json.paths;
    for (const [path, method] of [
      ['/v1/entries', 'post'],
      ['/v1/entries', 'get'],
      ['/v1/signed-entries', 'post'],
      ['/v1/entries/{id}', 'get'],
      ['/v1/objects/{id}', 'get'],
      ['/v1/blobs', 'post'],
      ['/v1/blobs/{sha256}', 'get'],
      ['/v1/status', 'get'],
    ] as const) {
      expect(paths[path]?.[method], `${method.toUpperCase()} ${path} in the OpenAPI document`).toBeDefined();
    }

    const status = await getStatus();
    expect(status.org).toBe(ORG);
    expect(status.network).toMatch(/^[0-9a-f]{64}$/);
    const nodeKeyFile = JSON.parse(readFileSync(join(prepared.dir, 'keys', 'node.json'), 'utf8')) as {
      publicKey: string;
    };
    expect(status.nodeKey).toBe(nodeKeyFile.publicKey);
    // Four appointments and one revocation, each its own block, written before the start.
    expect(status.log).toEqual({ size: 5, height: 5, pending: 0 });
    expect(status.checkpoint).toMatch(new RegExp(`^liuhen/${status.network}/${ORG}\n5\n`));
  });
});

const photo = new TextEncoder().encode('JPEG stand-in: joint J07, 22.5431N 114.0579E. '.repeat(200));
let photoHash: string;

describe('blobs', () => {
  it('stores an attachment as sent and returns the same bytes', async () => {
    const up = await request<{ sha256: string; size: number }>(node.url, '/v1/blobs', {
      token: token('li-wei'),
      contentType: 'application/octet-stream',
      body: photo,
    });
    expect(up.status).toBe(201);
    photoHash = createHash('sha256').update(photo).digest('hex');
    expect(up.json).toEqual({ sha256: photoHash, size: photo.length });

    const down = await request(node.url, `/v1/blobs/${photoHash}`, { token: appToken });
    expect(down.status).toBe(200);
    expect(down.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(down.bytes).equals(Buffer.from(photo))).toBe(true);
  });

  it('refuses a blob over the size limit and keeps nothing of it', async () => {
    const big = new Uint8Array(MAX_BLOB_BYTES + 1).fill(7);
    const up = await request<ApiError>(node.url, '/v1/blobs', {
      token: token('li-wei'),
      contentType: 'application/octet-stream',
      body: big,
    });
    expect(up.status).toBe(413);
    expect(up.json.error.code).toBe('BLOB_TOO_LARGE');
    expect(up.json.error.message).toMatch(String(MAX_BLOB_BYTES));
    const hash = createHash('sha256').update(big).digest('hex');
    const down = await request<ApiError>(node.url, `/v1/blobs/${hash}`, { token: appToken });
    expect(down.status).toBe(404);
    expect(down.json.error.code).toBe('BLOB_NOT_FOUND');
    // No temporary file is left behind: only the shard of the one stored blob.
    expect(readdirSync(join(prepared.dir, 'blobs'))).toEqual([photoHash.slice(0, 2)]);
    // Exactly at the limit is fine.
    const atLimit = await request<{ size: number }>(node.url, '/v1/blobs', {
      token: token('li-wei'),
      contentType: 'application/octet-stream',
      body: big.subarray(0, MAX_BLOB_BYTES),
    });
    expect(atLimit.status).toBe(201);
    expect(atLimit.json.size).toBe(MAX_BLOB_BYTES);
  });

  it('refuses a blob sent as JSON, and names malformed and unknown hashes', async () => {
    const json = await request<ApiError>(node.url, '/v1/blobs', {
      token: token('li-wei'),
      body: { photo: 'x' },
    });
    expect(json.status).toBe(400);
    expect(json.json.error).toEqual({
      code: 'REQUEST_INVALID',
      message: expect.stringMatching(/application\/octet-stream/),
    });
    const malformed = await request<ApiError>(node.url, '/v1/blobs/not-a-hash', { token: appToken });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('REQUEST_INVALID');
    expect(malformed.json.error.message).toMatch(/sha256/);
  });
});

/** What the business system sends, and what the node acknowledged. */
const history: Array<{ who: string; request: Record<string, unknown>; ack: Ack }> = [];
const ackOf = (kind: string) => history.filter((h) => h.request.kind === kind).map((h) => h.ack);

describe("a pipe segment's construction history", () => {
  // The works started ten days ago; each record is dated when the work was done.
  const start = new Date(Date.now() - 10 * 86_400_000).setUTCHours(0, 0, 0, 0);
  const day = (d: number, hour = 9) => start + d * 86_400_000 + (hour - 8) * 3_600_000;

  it('appends records through POST /v1/entries, signed by the token operator', async () => {
    const records: Array<{ who: string; request: Record<string, unknown> }> = [
      {
        who: 'li-wei',
        request: {
          kind: 'construction.trench-excavated',
          role: 'QI',
          time: day(0),
          body: { chainage: [0, 48.6], bottomDeviationMm: -12, widthM: 1.6 },
        },
      },
      {
        who: 'li-wei',
        request: {
          kind: 'construction.bedding',
          role: 'QI',
          time: day(1),
          body: { chainage: [0, 48.6], type: 'sand-gravel', thicknessMm: 150, compactionPct: 92 },
        },
      },
      {
        who: 'li-wei',
        request: {
          kind: 'construction.pipe-laid',
          role: 'QI',
          time: day(1, 15),
          body: {
            chainage: [0, 48.6],
            batch: 'HDPE-2026-0117',
            dnMm: 600,
            axisOffsetMm: 8,
            invertDeviationMm: -4,
            stepMm: 2,
          },
        },
      },
      ...Array.from({ length: 8 }, (_, j) => ({
        who: 'li-wei',
        request: {
          kind: 'construction.joint-made',
          role: 'QI',
          time: day(2, 8 + j),
          body: {
            joint: `J0${j + 1}`,
            chainage: [6 * (j + 1), 6 * (j + 1)],
            type: 'rubber-ring',
            gasketChecked: true,
          },
        },
      })),
    ];
    for (const { who, request: r } of records) {
      const response = await append(who, { object: SEGMENT, ...r });
      expect(response.status, JSON.stringify(response.json)).toBe(201);
      history.push({ who, request: r, ack: response.json });
    }
    const acks = history.map((h) => h.ack);
    expect(acks.map((a) => a.index)).toEqual(acks.map((_, i) => 5 + i));
    for (const ack of acks) {
      expect(ack.id).toMatch(/^[0-9a-f]{64}$/);
      expect(ack.org).toBe(ORG);
    }
    // Sequential appends: each acknowledged only once its block is durable, so one per block.
    expect(acks.map((a) => a.height)).toEqual(acks.map((_, i) => 6 + i));
    expect((await getStatus()).log).toEqual({ size: 5 + acks.length, height: 5 + acks.length, pending: 0 });
  });

  it('keeps concurrent records as a fork of the object DAG until the next record merges it', async () => {
    const lastJoint = ackOf('construction.joint-made').at(-1) as Ack;
    // The inspector's self-check (with a photo) and the PM's closed-water test both follow the
    // last joint, made on two devices that had not seen each other's record.
    const [selfcheck, closedWater] = await Promise.all([
      append('li-wei', {
        object: SEGMENT,
        kind: 'inspection.hidden-works-selfcheck',
        role: 'QI',
        time: day(2, 17),
        parents: [lastJoint.id],
        body: {
          scope: 'joints J01-J08, bedding',
          chainage: [0, 48.6],
          joints: ['J01', 'J02', 'J03', 'J04', 'J05', 'J06', 'J07', 'J08'],
          items: 12,
          passed: 12,
        },
        attachments: [{ sha256: photoHash, size: photo.length, type: 'image/jpeg', name: 'J07.jpg' }],
      }),
      append('zhang-min', {
        object: SEGMENT,
        kind: 'test.closed-water',
        role: 'PM',
        time: day(4),
        parents: [lastJoint.id],
        body: {
          chainage: [0, 48.6],
          headM: 2,
          holdMin: 30,
          leakageLPerMinKm: 0.9,
          lengthM: 48.6,
          pass: true,
        },
      }),
    ]);
    expect(selfcheck.status, JSON.stringify(selfcheck.json)).toBe(201);
    expect(closedWater.status, JSON.stringify(closedWater.json)).toBe(201);
    history.push(
      { who: 'li-wei', request: { kind: 'inspection.hidden-works-selfcheck' }, ack: selfcheck.json },
      { who: 'zhang-min', request: { kind: 'test.closed-water' }, ack: closedWater.json },
    );
    const forked = await getTrace(SEGMENT);
    expect(forked.json.heads.sort()).toEqual([selfcheck.json.id, closedWater.json.id].sort());

    // No parents given: the node uses the heads, so the backfill record merges the fork.
    const backfill = await append('li-wei', {
      object: SEGMENT,
      kind: 'construction.backfill-layer',
      role: 'QI',
      time: day(5),
      body: {
        chainage: [0, 48.6],
        layer: 1,
        zone: 'haunch',
        liftMm: 300,
        compactionPct: 95,
        material: 'graded-gravel',
      },
    });
    expect(backfill.status, JSON.stringify(backfill.json)).toBe(201);
    history.push({ who: 'li-wei', request: { kind: 'construction.backfill-layer' }, ack: backfill.json });
    const merged = await getEntry(backfill.json.id);
    expect(merged.json.entry.parents).toEqual([selfcheck.json.id, closedWater.json.id].sort());
  });

  it('returns the trace in causal order, with the heads', async () => {
    const trace = await getTrace(SEGMENT);
    expect(trace.status).toBe(200);
    expect(trace.json.object).toBe(SEGMENT);
    const ids = trace.json.entries.map((e) => e.id);
    expect(new Set(ids)).toEqual(new Set(history.map((h) => h.ack.id)));
    // Every entry comes after all of its parents.
    const seen = new Set<string>();
    for (const e of trace.json.entries) {
      for (const parent of e.entry.parents)
        expect(seen.has(parent), `${e.id} after its parent ${parent}`).toBe(true);
      seen.add(e.id);
      expect(e.entry.object).toBe(SEGMENT);
    }
    expect(trace.json.entries[0]?.entry.kind).toBe('construction.trench-excavated');
    expect(trace.json.entries.at(-1)?.entry.kind).toBe('construction.backfill-layer');
    expect(trace.json.heads).toEqual([ackOf('construction.backfill-layer')[0]?.id]);
    // Who answered for each record: the operator keys the node holds for the tokens.
    const signers = new Map(trace.json.entries.map((e) => [e.entry.kind, e.entry.signer]));
    expect(signers.get('construction.pipe-laid')).toBe(prepared.operatorKeys['li-wei']);
    expect(signers.get('test.closed-water')).toBe(prepared.operatorKeys['zhang-min']);

    const missing = await getTrace('seg:NO-SUCH-SEGMENT');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('NOT_FOUND');
    expect(missing.json.error.message).toMatch(/seg:NO-SUCH-SEGMENT/);
  });

  it('returns each entry as it was sent, and lists entries by kind', async () => {
    const first = history[0] as (typeof history)[number];
    const found = await getEntry(first.ack.id);
    expect(found.status).toBe(200);
    expect(found.json.proof).toBeUndefined();
    expect(found.json).toMatchObject({ id: first.ack.id, org: ORG, index: first.ack.index });
    expect(found.json.entry).toMatchObject({ object: SEGMENT, ...first.request, parents: [] });
    const selfcheck = await getEntry(ackOf('inspection.hidden-works-selfcheck')[0]?.id as string);
    expect(selfcheck.json.entry.attachments).toEqual([
      { sha256: photoHash, size: photo.length, type: 'image/jpeg', name: 'J07.jpg' },
    ]);

    const joints = await request<{ entries: Array<{ id: string; index: number }> }>(
      node.url,
      '/v1/entries?kind=construction.joint-made',
      { token: appToken },
    );
    expect(joints.status).toBe(200);
    expect(joints.json.entries.map((e) => e.id)).toEqual(ackOf('construction.joint-made').map((a) => a.id));

    // By claimed time, a page at a time: [trench day 0, bedding day 1) then the next page.
    const byTime = async (after?: string) =>
      (
        await request<{ entries: Array<{ id: string }> }>(
          node.url,
          `/v1/entries?from=${day(0)}&to=${day(1, 15)}&limit=1${after ? `&after=${after}` : ''}`,
          { token: appToken },
        )
      ).json.entries.map((e) => e.id);
    const [trench, bedding] = history.map((h) => h.ack.id);
    expect(await byTime()).toEqual([trench]);
    expect(await byTime(trench)).toEqual([bedding]);
    expect(await byTime(bedding)).toEqual([]);

    const unknown = await getEntry('ab'.repeat(32));
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('NOT_FOUND');
    const malformed = await getEntry('not-an-id');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('REQUEST_INVALID');
  });

  it('proves every entry against the signed checkpoint, checked here with @liuhen/core', async () => {
    for (const { ack } of history) {
      const found = await getEntry(ack.id, true);
      expect(found.status).toBe(200);
      expect(found.json.index).toBe(ack.index);
      expect(found.json.proof?.leafIndex).toBe(ack.index);
      checkEntryProof(found.json, nodeKey, network);
      // The proof is to the header of the block that included the entry.
      const header = parseBlockHeader(found.json.proof?.checkpoint as string);
      expect(header.height).toBe(ack.height);
      expect(header.size).toBeGreaterThan(ack.index);
    }
    // A proof fails against another node key: the check is not vacuous.
    const found = await getEntry(history[3]?.ack.id as string, true);
    expect(() => checkEntryProof(found.json, generateKeyPair().publicKey, network)).toThrow(/NOTE_UNSIGNED/);
  });

  it('exports the segment as a bundle that verifies offline against the network id alone', async () => {
    const url = new URL(`/v1/objects/${encodeURIComponent(SEGMENT)}/bundle`, node.url);
    const response = await fetch(url, { headers: { authorization: `Bearer ${appToken}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/cbor');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const bundle = decodeBundle(bytes);
    const { report } = verifyBundle(bundle, { object: SEGMENT, anchor: { networkId: network } });
    expect(report.anchored).toBe(true);
    const trace = await getTrace(SEGMENT);
    expect(report.entries.map((e) => e.id).sort()).toEqual(trace.json.entries.map((e) => e.id).sort());
    // Integrity holds: no finding about encoding, signatures, proofs, checkpoints or the DAG.
    const integrity = report.findings.filter((f) =>
      /SIGNATURE|INCLUSION|PROOF|CHECKPOINT|ENCODING|PARENT|GENESIS/.test(f.code),
    );
    expect(integrity.map((f) => `${f.code}: ${f.message}`)).toEqual([]);
    // One flipped byte anywhere in an entry is caught and named.
    const tampered = bytes.slice();
    const firstEntry = bundle.logs[0]?.entries[0]?.envelope as Uint8Array;
    const at = Buffer.from(tampered).indexOf(Buffer.from(firstEntry)) + firstEntry.length - 70;
    tampered[at] = (tampered[at] as number) ^ 1;
    const after = verifyBundle(decodeBundle(tampered), { object: SEGMENT, anchor: { networkId: network } });
    expect(after.report.verdict).toBe('failed');
    expect(after.report.summary.errors).toBeGreaterThan(report.summary.errors);

    const missing = await fetch(new URL('/v1/objects/seg%3Anothing/bundle', node.url), {
      headers: { authorization: `Bearer ${appToken}` },
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ApiError).error.code).toBe('NOT_FOUND');
  });
});

describe('envelopes signed outside the node', () => {
  it('accepts them as application/cbor and as JSON, and stores the exact bytes', async () => {
    const heads = (await getTrace(SEGMENT)).json.heads.map(fromHex);
    const first = signLocally(sunLi, {
      parents: heads,
      body: { joint: 'J09', chainage: [54, 54], type: 'rubber-ring', gasketChecked: true },
    });
    const asCbor = await appendSigned(first.envelope);
    expect(asCbor.status, JSON.stringify(asCbor.json)).toBe(201);
    expect(asCbor.json.id).toBe(toHex(first.id));

    const second = signLocally(sunLi, {
      parents: [first.id],
      body: { joint: 'J10', chainage: [60, 60], type: 'rubber-ring', gasketChecked: true },
    });
    const asJson = await appendSigned(second.envelope, 'application/json');
    expect(asJson.status, JSON.stringify(asJson.json)).toBe(201);
    expect(asJson.json.index).toBe(asCbor.json.index + 1);

    for (const [signed, ack] of [
      [first, asCbor.json],
      [second, asJson.json],
    ] as const) {
      const found = await getEntry(ack.id, true);
      expect(found.json.envelope).toBe(toBase64(signed.envelope));
      expect(found.json.entry.signer).toBe(prepared.operatorKeys['sun-li']);
      checkEntryProof(found.json, nodeKey, network);
      history.push({ who: 'sun-li', request: { kind: signed.entry.kind }, ack });
    }
    expect((await getTrace(SEGMENT)).json.heads).toEqual([toHex(second.id)]);
  });

  it('lets exactly one of several concurrent copies of an entry in', async () => {
    const signed = signLocally(sunLi, {
      object: OTHER_SEGMENT,
      body: sampleBody('construction.joint-made', 20),
    });
    const before = await getStatus();
    const results = await Promise.all(Array.from({ length: 6 }, () => appendSigned(signed.envelope)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((r) => r.status === 409))
      expect(r.json.error.code).toBe('ENTRY_DUPLICATE');
    expect((await getStatus()).log.size).toBe(before.log.size + 1);
    const trace = await getTrace(OTHER_SEGMENT);
    expect(trace.json.entries.map((e) => e.id)).toEqual([toHex(signed.id)]);
  });
});

interface BadInput {
  name: string;
  send: () => Promise<Response<ApiError>>;
  status: number;
  code: string;
  message: RegExp;
}

const validRecord = () => ({
  object: SEGMENT,
  kind: 'construction.joint-made',
  role: 'QI',
  body: { joint: 'J11', chainage: [66, 66], type: 'rubber-ring', gasketChecked: true },
});
const rawJson = (text: string, who = 'li-wei') =>
  request<ApiError>(node.url, '/v1/entries', { token: token(who), body: text });

const badInputs: BadInput[] = [
  {
    name: 'malformed JSON',
    send: () => rawJson('{"object": "seg:A", "kind": '),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /not valid JSON/,
  },
  {
    name: 'an empty JSON body',
    send: () => rawJson(''),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /empty/i,
  },
  {
    name: 'a JSON array instead of an object',
    send: () => rawJson('[1, 2, 3]'),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /body must be object/,
  },
  {
    name: 'body of the wrong type',
    send: () => append('li-wei', { ...validRecord(), body: 'joint J11 done' }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /body\/body must be object/,
  },
  {
    name: 'time of the wrong type',
    send: () => append('li-wei', { ...validRecord(), time: '2026-05-13T10:42:00Z' }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /body\/time must be integer/,
  },
  {
    name: 'a parent that is not a hash',
    send: () => append('li-wei', { ...validRecord(), parents: ['J10'] }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /body\/parents\/0 must match pattern/,
  },
  {
    name: 'a missing kind',
    send: () => append('li-wei', { object: SEGMENT, role: 'QI', body: {} }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /must have required property 'kind'/,
  },
  {
    name: 'a missing object',
    send: () => append('li-wei', { kind: 'construction.joint-made', role: 'QI', body: {} }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /must have required property 'object'/,
  },
  {
    name: 'an unknown field',
    send: () => append('li-wei', { ...validRecord(), colour: 'blue' }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /must NOT have additional properties/,
  },
  {
    name: 'a non-finite number in the body',
    send: () => rawJson(JSON.stringify(validRecord()).replace('"J11"', '1e999')),
    status: 400,
    code: 'ENTRY_INVALID',
    message: /body\.joint: numbers must be finite/,
  },
  {
    name: 'an unknown kind',
    send: () => append('li-wei', { ...validRecord(), kind: 'construction.teleported' }),
    status: 400,
    code: 'KIND_UNKNOWN',
    message: /construction\.teleported/,
  },
  {
    name: 'a kind that is not a kind',
    send: () => append('li-wei', { ...validRecord(), kind: 'Joint Made' }),
    status: 400,
    code: 'ENTRY_INVALID',
    message: /kind/,
  },
  {
    name: 'an entry over the size limit',
    send: () => append('li-wei', { ...validRecord(), body: { note: 'x'.repeat(MAX_ENTRY_BYTES) } }),
    status: 413,
    code: 'ENTRY_TOO_LARGE',
    message: /> 65536 bytes/,
  },
  {
    name: 'a request body over the HTTP limit',
    send: () => append('li-wei', { ...validRecord(), body: { note: 'x'.repeat(6 * MAX_ENTRY_BYTES) } }),
    status: 413,
    code: 'ENTRY_TOO_LARGE',
    message: /too large/i,
  },
  {
    name: 'a pre-signed envelope over the size limit',
    send: () =>
      appendSigned(signLocally(sunLi, { body: { note: 'x'.repeat(MAX_ENTRY_BYTES) } }, 1 << 20).envelope),
    status: 413,
    code: 'ENTRY_TOO_LARGE',
    message: /larger|exceeds|bytes/,
  },
  {
    name: 'a bad signature',
    send: () => {
      const { envelope } = signLocally(sunLi);
      const tampered = envelope.slice();
      const at = tampered.length - 64; // first byte of the signature's R
      tampered[at] = (tampered[at] as number) ^ 0x01;
      return appendSigned(tampered);
    },
    status: 400,
    code: 'SIGNATURE_INVALID',
    message: /signature does not verify/,
  },
  {
    name: 'a body changed after signing',
    send: () => {
      const { envelope } = signLocally(sunLi, { body: sampleBody('construction.joint-made', 11) });
      const text = Buffer.from(envelope).toString('latin1').replace('J12', 'J13');
      return appendSigned(new Uint8Array(Buffer.from(text, 'latin1')));
    },
    status: 400,
    code: 'SIGNATURE_INVALID',
    message: /signature does not verify/,
  },
  {
    name: 'bytes that are not an envelope',
    send: () => appendSigned(new TextEncoder().encode('J11 joint made, rubber ring')),
    status: 400,
    code: 'ENVELOPE_INVALID',
    message: /.+/,
  },
  {
    name: 'an envelope that is not base64',
    send: () =>
      request<ApiError>(node.url, '/v1/signed-entries', {
        token: appToken,
        body: { envelope: '@@not base64@@' },
      }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /base64/,
  },
  {
    name: 'a JSON body without an envelope',
    send: () => request<ApiError>(node.url, '/v1/signed-entries', { token: appToken, body: validRecord() }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /envelope/,
  },
  {
    name: 'another network',
    send: () => appendSigned(signLocally(sunLi, { network: new Uint8Array(32).fill(9) }).envelope),
    status: 400,
    code: 'ENTRY_WRONG_NETWORK',
    message: /different network/,
  },
  {
    name: "another org's entry",
    send: () => appendSigned(signLocally(sunLi, { org: 'supervisor' }).envelope),
    status: 400,
    code: 'ORG_MISMATCH',
    message: /supervisor/,
  },
  {
    name: 'an operator never appointed',
    send: () => appendSigned(signLocally(generateKeyPair().seed).envelope),
    status: 403,
    code: 'OPERATOR_UNKNOWN',
    message: /has no appointment/,
  },
  {
    name: 'a revoked operator, through their token',
    send: () => append('wang-gang', validRecord()),
    status: 403,
    code: 'OPERATOR_REVOKED',
    message: /revoked at log index 4: left the project/,
  },
  {
    name: 'a revoked operator, signing on their own device',
    send: () => appendSigned(signLocally(wangGang).envelope),
    status: 403,
    code: 'OPERATOR_REVOKED',
    message: /revoked at log index 4/,
  },
  {
    name: 'a role that may not sign the kind',
    send: () => append('li-wei', { ...validRecord(), kind: 'test.pressure', body: { testPressureMPa: 0.9 } }),
    status: 403,
    code: 'ROLE_NOT_PERMITTED',
    message: /role QI may not sign test\.pressure/,
  },
  {
    name: 'a role the operator does not hold',
    send: () =>
      append('li-wei', { ...validRecord(), kind: 'test.closed-water', role: 'PM', body: { pass: true } }),
    status: 403,
    code: 'ROLE_NOT_HELD',
    message: /holds QI, not PM/,
  },
  {
    name: 'an operator appointing someone',
    send: () => append('li-wei', { ...validRecord(), kind: 'org.operator-appointed', body: {} }),
    status: 400,
    code: 'ORG_KIND_RESERVED',
    message: /only by the node key/,
  },
  {
    name: 'a time before the appointment',
    send: () => append('li-wei', { ...validRecord(), time: Date.now() - 400 * 86_400_000 }),
    status: 403,
    code: 'OPERATOR_NOT_YET_VALID',
    message: /is valid from/,
  },
  {
    name: 'a time in the future',
    send: () => append('li-wei', { ...validRecord(), time: Date.now() + 86_400_000 }),
    status: 400,
    code: 'ENTRY_FROM_FUTURE',
    message: /ahead of this node's clock/,
  },
  {
    name: 'a parent that does not exist',
    send: () => append('li-wei', { ...validRecord(), parents: ['ab'.repeat(32)] }),
    status: 400,
    code: 'PARENT_UNKNOWN',
    message: new RegExp(`parent ${'ab'.repeat(32)} is not known`),
  },
  {
    name: "a parent of another object's history",
    send: async () =>
      append('li-wei', { ...validRecord(), object: OTHER_SEGMENT, parents: [history[0]?.ack.id as string] }),
    status: 400,
    code: 'PARENT_UNKNOWN',
    message: /belongs to another object/,
  },
  {
    name: 'the same pre-signed entry twice',
    send: async () => {
      const first = history.find((h) => h.who === 'sun-li') as (typeof history)[number];
      const found = await getEntry(first.ack.id);
      return appendSigned(new Uint8Array(Buffer.from(found.json.envelope, 'base64')));
    },
    status: 409,
    code: 'ENTRY_DUPLICATE',
    message: /is already in the log/,
  },
  {
    name: 'the same record twice through POST /v1/entries',
    send: async () => {
      // Everything fixed, so the node builds the same bytes and the same deterministic signature.
      const record = {
        ...validRecord(),
        time: Date.now() - 3_600_000,
        parents: [history[0]?.ack.id as string],
      };
      const first = await append('li-wei', record);
      expect(first.status, JSON.stringify(first.json)).toBe(201);
      history.push({ who: 'li-wei', request: record, ack: first.json });
      return append('li-wei', record);
    },
    status: 409,
    code: 'ENTRY_DUPLICATE',
    message: /is already in the log/,
  },
  {
    name: 'a time range that is not a number',
    send: () => request<ApiError>(node.url, '/v1/entries?from=yesterday', { token: appToken }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /querystring\/from must match pattern/,
  },
  {
    name: 'a page size out of range',
    send: () =>
      request<ApiError>(node.url, '/v1/entries?kind=test.closed-water&limit=5000', { token: appToken }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /querystring\/limit must match pattern/,
  },
  {
    name: 'two index queries at once',
    send: () => request<ApiError>(node.url, '/v1/entries?kind=test.closed-water&from=0', { token: appToken }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /exactly one of kind, signer, or from and to/,
  },
  {
    name: 'no token',
    send: () => request<ApiError>(node.url, '/v1/entries', { body: validRecord() }),
    status: 401,
    code: 'UNAUTHORIZED',
    message: /Authorization: Bearer/,
  },
  {
    name: 'a wrong token',
    send: () =>
      request<ApiError>(node.url, '/v1/entries', { token: `${token('li-wei')}x`, body: validRecord() }),
    status: 401,
    code: 'UNAUTHORIZED',
    message: /unknown token/,
  },
  {
    name: 'a token in the wrong scheme',
    send: () =>
      request<ApiError>(node.url, '/v1/entries', {
        authorization: `Basic ${token('li-wei')}`,
        body: validRecord(),
      }),
    status: 401,
    code: 'UNAUTHORIZED',
    message: /Bearer/,
  },
  {
    name: 'no token on a read',
    send: () => request<ApiError>(node.url, `/v1/objects/${encodeURIComponent(SEGMENT)}`),
    status: 401,
    code: 'UNAUTHORIZED',
    message: /Bearer/,
  },
  {
    name: 'an app token that holds no operator key',
    send: () => request<ApiError>(node.url, '/v1/entries', { token: appToken, body: validRecord() }),
    status: 403,
    code: 'FORBIDDEN',
    message: /not bound to an operator key/,
  },
  {
    name: 'plain text',
    send: () =>
      request<ApiError>(node.url, '/v1/entries', {
        token: token('li-wei'),
        contentType: 'text/plain',
        body: 'J11',
      }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /body must be object/,
  },
  {
    name: 'an unsupported content type',
    send: () =>
      request<ApiError>(node.url, '/v1/entries', {
        token: token('li-wei'),
        contentType: 'application/xml',
        body: '<joint>J11</joint>',
      }),
    status: 400,
    code: 'REQUEST_INVALID',
    message: /Unsupported Media Type/,
  },
  {
    name: 'an unknown path',
    send: () => request<ApiError>(node.url, '/v1/segments', { token: appToken }),
    status: 404,
    code: 'NOT_FOUND',
    message: /\/v1\/segments/,
  },
];

describe('bad input is refused with a 4xx and a stable code; nothing is written', () => {
  it.each(badInputs)('$name → $status $code', async ({ send, status, code, message }) => {
    const before = await getStatus();
    const response = await send();
    expect(response.status, JSON.stringify(response.json)).toBe(status);
    expect(response.json?.error?.code, JSON.stringify(response.json)).toBe(code);
    expect(response.json.error.message).toMatch(message);
    // The node keeps serving, and the log holds exactly what was acknowledged before.
    expect((await request(node.url, '/healthz')).status).toBe(200);
    const after = await getStatus();
    const acknowledgedHere = history.at(-1)?.ack.index === before.log.size ? 1 : 0;
    expect(after.log).toEqual({
      size: before.log.size + acknowledgedHere,
      height: before.log.height + acknowledgedHere,
      pending: 0,
    });
  });

  it('still appends after all of it', async () => {
    const response = await append('li-wei', validRecord());
    expect(response.status, JSON.stringify(response.json)).toBe(201);
    history.push({ who: 'li-wei', request: validRecord(), ack: response.json });
    expect((await getStatus()).log.size).toBe(response.json.index + 1);
  });
});

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the CLI against the running node', () => {
  const remote = (who = 'li-wei') => ['--node', node.url, '--token', token(who)];
  const noTokenEnv = { LIUHEN_TOKEN: '', LIUHEN_DATA_DIR: '' };

  it('status, object and append, with --json', async () => {
    const api = await getStatus();
    const [status, statusText, object] = await Promise.all([
      cliAsync(['status', ...remote(), '--json']),
      cliAsync(['status', ...remote()]),
      cliAsync(['object', SEGMENT, ...remote(), '--json']),
    ]);
    for (const r of [status, statusText, object]) expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual(api);
    expect(statusText.stdout).toMatch(new RegExp(`org\\s+${ORG}`));
    expect(statusText.stdout).toMatch(
      new RegExp(`${api.log.size} entries, ${api.log.height} blocks, 0 pending`),
    );
    expect(JSON.parse(object.stdout)).toEqual((await getTrace(SEGMENT)).json);

    const bundleFile = join(prepared.dir, 'segment.bundle');
    const exported = await cliAsync(['export', SEGMENT, '--out', bundleFile, ...remote()]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(decodeBundle(new Uint8Array(readFileSync(bundleFile))).object).toBe(SEGMENT);
    const none = await cliAsync(['export', 'seg:nothing', '--out', bundleFile, ...remote()]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/NOT_FOUND/);

    const recordFile = join(prepared.dir, 'record.json');
    writeFileSync(
      recordFile,
      JSON.stringify({ ...validRecord(), body: sampleBody('construction.joint-made', 12) }),
    );
    const [fromStdin, fromFile] = await Promise.all([
      cliAsync(['append', ...remote(), '--json'], {
        input: JSON.stringify({
          ...validRecord(),
          object: OTHER_SEGMENT,
          body: sampleBody('construction.joint-made', 21),
        }),
      }),
      cliAsync(['append', recordFile, ...remote(), '--json']),
    ]);
    for (const r of [fromStdin, fromFile]) {
      expect(r.status, r.stderr).toBe(0);
      const ack = JSON.parse(r.stdout) as Ack;
      expect(ack.id).toMatch(/^[0-9a-f]{64}$/);
      const found = await getEntry(ack.id, true);
      expect(found.json.index).toBe(ack.index);
      checkEntryProof(found.json, nodeKey, network);
    }
    expect((await getStatus()).log.size).toBe(api.log.size + 2);
  });

  // Thirteen CLI processes start at once: on a loaded machine each start takes seconds.
  it('exits 2 with a coded message on bad usage, bad input, refusals and an unreachable node', async () => {
    const before = await getStatus();
    const port = await closedPort();
    // A data directory whose store was never created: verify must not report an empty store clean.
    const storeless = mkdtempSync(join(tmpdir(), 'liuhen-storeless-'));
    for (const file of ['config.json', 'genesis.cbor'])
      copyFileSync(join(prepared.dir, file), join(storeless, file));
    const cases: Array<{ args: string[]; env?: NodeJS.ProcessEnv; input?: string; stderr: RegExp }> = [
      { args: ['status', '--json'], env: noTokenEnv, stderr: /error CONFIG_INVALID: no API token/ },
      {
        args: ['status', '--token', token('li-wei'), '--json'],
        env: noTokenEnv,
        stderr: /error CONFIG_INVALID: say which node/,
      },
      { args: ['status', ...remote(), '--colour'], stderr: /unknown option '--colour'/ },
      { args: ['object', ...remote()], stderr: /missing required argument 'id'/ },
      {
        args: ['status', '--node', `http://127.0.0.1:${port}`, '--token', token('li-wei')],
        stderr: new RegExp(`error CONFIG_INVALID: cannot reach the node at http://127.0.0.1:${port}`),
      },
      {
        args: ['status', '--node', node.url, '--token', 'wrong'],
        stderr: /error UNAUTHORIZED: unknown token/,
      },
      {
        args: ['object', 'seg:NO-SUCH-SEGMENT', ...remote()],
        stderr: /error NOT_FOUND: no entries for object/,
      },
      {
        args: ['append', ...remote()],
        input: '{"object": "seg:A", ',
        stderr: /error REQUEST_INVALID: input is not JSON/,
      },
      { args: ['append', ...remote()], input: '', stderr: /error REQUEST_INVALID: input is not JSON/ },
      {
        args: ['append', ...remote()],
        input: JSON.stringify({ ...validRecord(), kind: 'construction.teleported' }),
        stderr: /error KIND_UNKNOWN: kind "construction\.teleported"/,
      },
      {
        args: ['append', ...remote()],
        input: JSON.stringify({ ...validRecord(), body: 'J11' }),
        stderr: /error REQUEST_INVALID: body\/body must be object/,
      },
      {
        args: ['append', join(prepared.dir, 'no-such-file.json'), ...remote()],
        stderr: /error.*no-such-file\.json/,
      },
      {
        args: ['verify', '--data-dir', storeless],
        stderr: /error CONFIG_INVALID: .*there is no store to verify/,
      },
    ];
    const results = await Promise.all(
      cases.map((c) =>
        cliAsync(c.args, {
          ...(c.env ? { env: c.env } : {}),
          ...(c.input !== undefined ? { input: c.input } : {}),
        }),
      ),
    );
    for (const [i, r] of results.entries()) {
      const c = cases[i] as (typeof cases)[number];
      const what = `liuhen-node ${c.args.join(' ')}`;
      expect(r.status, `${what}\n${r.stderr}`).toBe(2);
      expect(r.stderr, what).toMatch(c.stderr);
      expect(r.stderr, what).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout, what).toBe('');
    }
    expect(readdirSync(storeless).sort()).toEqual(['config.json', 'genesis.cbor']);
    rmSync(storeless, { recursive: true, force: true });
    expect((await getStatus()).log).toEqual(before.log);
  }, 180_000);
});

describe('after all of it', () => {
  it('the node stops cleanly and its whole store verifies', async () => {
    const { log } = await getStatus();
    expect(await node.stop('SIGTERM')).toBe(0);
    const verify = cli(['verify', '--data-dir', prepared.dir, '--json', '--threads', '1']);
    expect(verify.status, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as {
      ok: boolean;
      entries: number;
      blocks: number;
      blobs: number;
    };
    expect(report).toMatchObject({ ok: true, entries: log.size, blocks: log.height, blobs: 2 });
  });
});
