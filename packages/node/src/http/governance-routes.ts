/**
 * The governance endpoints of the node API: the log and the state it gives (`GET /v1/governance`),
 * and the submission of a threshold-signed action (`POST /v1/governance/actions`), which the node
 * verifies against its governance state, stores, applies and gossips to the network.
 */
import { fromBase64, LiuhenError, toBase64, toHex } from '@liuhen/core';
import { describeAction, signedActionToJson } from '@liuhen/governance';
import type { FastifyInstance } from 'fastify';
import type { LedgerNode } from '../ledger-node.ts';
import type { Replication } from '../replication.ts';

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
};

const appliedSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer', description: 'the governance position the action made' },
    hash: { ...hex64, description: 'the action hash: SHA-256 of the action bytes' },
    network: hex64,
    type: { type: 'string' },
    description: { type: 'string' },
    signatures: { type: 'integer' },
    gossiped: { type: 'boolean', description: 'false when the node runs without replication' },
  },
};

/** The governance state and log as JSON (`GET /v1/governance`, `liuhen-node governance log`). */
export function governanceJson(node: LedgerNode) {
  const state = node.governance.state;
  const view = state.view();
  const time = state.seq === 0 ? state.genesis.created : state.action(state.seq).action.time;
  return {
    network: toHex(state.network),
    name: state.genesis.name,
    profile: state.genesis.profile,
    seq: state.seq,
    head: toHex(state.head.hash),
    time,
    authorities: { keys: view.authorities.keys.map(toHex), threshold: view.authorities.threshold },
    parameters: view.parameters,
    orgs: view.orgs.map((o) => ({
      id: o.id,
      name: o.name,
      creditCode: o.creditCode,
      nodeKey: toHex(o.nodeKey),
      parties: o.parties,
      bootstrap: o.bootstrap,
      addedAt: o.addedAt,
      nodeKeys: state.nodeKeysOf(o.id).map((k) => ({
        key: toHex(k.key),
        enrolledAt: k.enrolledAt,
        ...(k.retiredAt === undefined ? {} : { retiredAt: k.retiredAt, untilHeight: k.untilHeight }),
      })),
    })),
    removed: view.removed.map((r) => ({ org: r.org, ...r.freeze })),
    actions: state.actions().map((signed, i) => ({
      ...signedActionToJson(signed),
      description: describeAction(signed.action),
      signedAction: toBase64(node.governance.actionBytes(i + 1, i + 1)[0] as Uint8Array),
    })),
  };
}

export function registerGovernanceRoutes(
  app: FastifyInstance,
  options: { node: LedgerNode; replication: Replication | undefined },
): void {
  const { node, replication } = options;

  app.get(
    '/v1/governance',
    {
      schema: {
        summary:
          'The governance state (authorities, parameters, member orgs with every node key, removed orgs with their freeze points) and the applied log of signed actions',
      },
    },
    async () => governanceJson(node),
  );

  app.post(
    '/v1/governance/actions',
    {
      schema: {
        summary:
          'Submit a signed governance action: the CBOR [action bytes, [[key, signature] …]] as application/cbor, or JSON {"signedAction": base64}. The node verifies it against its governance log (network, position, chain, authority threshold, effect), stores and applies it, and gossips it to the network',
        response: { 201: appliedSchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      let bytes: Uint8Array;
      if (Buffer.isBuffer(request.body)) bytes = new Uint8Array(request.body);
      else {
        const body = request.body as { signedAction?: unknown } | undefined;
        if (typeof body?.signedAction !== 'string')
          throw new LiuhenError('REQUEST_INVALID', 'expected {"signedAction": base64} or application/cbor');
        try {
          bytes = fromBase64(body.signedAction);
        } catch {
          throw new LiuhenError('REQUEST_INVALID', 'signedAction is not valid base64');
        }
      }
      const applied = await node.governance.submit(bytes);
      replication?.governance.publish(applied.bytes);
      return reply.status(201).send({
        seq: applied.position.seq,
        hash: toHex(applied.position.hash),
        network: toHex(node.governance.networkId),
        type: applied.signed.action.type,
        description: describeAction(applied.signed.action),
        signatures: applied.signed.signatures.length,
        gossiped: replication !== undefined,
      });
    },
  );
}
