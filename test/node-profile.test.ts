/**
 * The network's profile (pipe/1) through a real daemon's HTTP API: a record that breaks its
 * kind's schema, and an act that breaks a refusing lifecycle rule, are refused with 422 and the
 * profile's stable code (the field named); a record that breaks a flagging rule is stored, and
 * its findings come back with the acknowledgement. The log grows only by what was accepted.
 */
import { fromHex } from '@liuhen/core';
import { objectId } from '@liuhen/profile-pipe';
import { sampleBody, sampleSegment } from '@liuhen/profile-pipe/scenario';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  issueToken,
  operatorSeed,
  type PreparedNode,
  prepareNode,
  type RunningNode,
  startNode,
} from '../scripts/lib/node-process.ts';
import { type Ack, type ApiError, request, type Status } from './helpers/http.ts';
import { signJoint } from './helpers/signed-entry.ts';
import { removeNode } from './helpers/single-node.ts';

const ORG = 'contractor';
const SEGMENT = sampleSegment(7);
const PROJECT = objectId('project', '440306202603010101');

let prepared: PreparedNode;
let node: RunningNode;
let appToken: string;

const append = (who: string, body: unknown) =>
  request<Ack & ApiError>(node.url, '/v1/entries', { token: prepared.tokens[who] as string, body });
const logSize = async () =>
  (await request<Status>(node.url, '/v1/status', { token: appToken })).json.log.size;

beforeAll(async () => {
  prepared = prepareNode(ORG, [
    { name: 'li-wei', roles: ['QI'] },
    { name: 'zhou-jie', roles: ['CSE'] },
  ]);
  appToken = issueToken(prepared.dir, 'erp-system');
  node = await startNode(prepared.dir);
}, 120_000);

afterAll(() => removeNode(node, prepared));

describe('the profile on the HTTP API', () => {
  it('refuses a body that breaks its schema with 422 PIPE_BODY_INVALID, naming the field', async () => {
    const before = await logSize();
    const response = await append('li-wei', {
      object: SEGMENT,
      kind: 'construction.bedding',
      role: 'QI',
      body: { ...sampleBody('construction.bedding'), compactionPct: 120 },
    });
    expect(response.status).toBe(422);
    expect(response.json.error).toMatchObject({
      code: 'PIPE_BODY_INVALID',
      field: 'body.compactionPct',
      message: expect.stringMatching(/body\.compactionPct: 120 % is out of range/),
    });
    expect(response.json.error.refusals).toEqual([
      { code: 'PIPE_BODY_INVALID', field: 'body.compactionPct', message: expect.any(String) },
    ]);
    expect(await logSize()).toBe(before);
  });

  it('refuses a pre-signed envelope the same way', async () => {
    const seed = operatorSeed(prepared.dir, 'li-wei');
    const network = fromHex(
      (await request<Status>(node.url, '/v1/status', { token: appToken })).json.network,
    );
    const { joint: _, ...noJoint } = sampleBody('construction.joint-made');
    const signed = signJoint(seed, { network, org: ORG, object: SEGMENT, body: noJoint });
    const response = await request<ApiError>(node.url, '/v1/signed-entries', {
      token: appToken,
      contentType: 'application/cbor',
      body: signed.envelope,
    });
    expect(response.status).toBe(422);
    expect(response.json.error).toMatchObject({ code: 'PIPE_BODY_INVALID', field: 'body.joint' });
  });

  it('refuses a start order without the five leads with 422 P-LEADS', async () => {
    const before = await logSize();
    const now = Date.now();
    const response = await append('zhou-jie', {
      object: PROJECT,
      kind: 'construction.started',
      role: 'CSE',
      body: { startOrderNo: 'S-2026-001', startAt: now, plannedCompletionAt: now + 120 * 86_400_000 },
    });
    expect(response.status).toBe(422);
    expect(response.json.error.code).toBe('P-LEADS');
    expect(response.json.error.message).toMatch(
      /no lead appointed for owner, survey, design, contractor, supervision and no design\.review-passed/,
    );
    expect(response.json.error.field).toBeUndefined();
    expect(await logSize()).toBe(before);
  });

  it('stores a record that breaks a flagging rule and returns the finding with the ack', async () => {
    const before = await logSize();
    const response = await append('li-wei', {
      object: SEGMENT,
      kind: 'construction.bedding',
      role: 'QI',
      body: sampleBody('construction.bedding'),
    });
    expect(response.status, JSON.stringify(response.json)).toBe(201);
    expect(response.json.flags).toEqual([
      {
        code: 'P-TRENCH',
        severity: 'error',
        entry: response.json.id,
        object: SEGMENT,
        kind: 'construction.bedding',
        message: expect.stringMatching(/no inspection\.trench-bottom of 0–6 m precedes the bedding/),
        related: [],
      },
    ]);
    expect(await logSize()).toBe(before + 1);
    // A clean record comes back with no flags.
    const joint = await append('li-wei', {
      object: SEGMENT,
      kind: 'construction.joint-made',
      role: 'QI',
      body: sampleBody('construction.joint-made'),
    });
    expect(joint.status, JSON.stringify(joint.json)).toBe(201);
    expect(joint.json.flags).toEqual([]);
  });
});
