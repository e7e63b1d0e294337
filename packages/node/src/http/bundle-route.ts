/**
 * `GET /v1/objects/{id}/bundle`: the object's offline bundle (packages/trace, docs/protocol.md
 * §14) in its canonical binary form, assembled from what this node holds. `liuhen-inspect bundle`
 * and `liuhen-node export` fetch it; `?attachments=1` includes the attachments' bytes.
 *
 * `?clearance=` (default: the token's; never above it, CLEARANCE_TOO_LOW) chooses what the bundle
 * may carry beyond what every node holds. The envelopes are the signed bytes, the same at every
 * clearance: a sealed section travels as ciphertext, so the bundle verifies against the same
 * checkpoints whoever exports it. What changes is the attachments: below `restricted`, those of
 * restricted entries (a survey table of as-built geometry) are left out, and the verifier lists
 * them as gaps.
 */
import { clearanceCovers, LiuhenError, toHex } from '@liuhen/core';
import type { BlobStore } from '@liuhen/store';
import { assembleBundle, encodeBundle, isTraceError } from '@liuhen/trace';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LedgerNode } from '../ledger-node.ts';
import type { Replication } from '../replication.ts';
import { nodeTraceSource } from '../trace-source.ts';
import { type Caller, requestedClearance } from './access.ts';

export function registerBundleRoute(
  app: FastifyInstance,
  options: { node: LedgerNode; blobs: BlobStore; replication?: Replication | undefined },
): void {
  const source = nodeTraceSource(options);
  app.get(
    '/v1/objects/:id/bundle',
    {
      schema: {
        summary: "An object's offline-verifiable bundle (application/cbor, protocol §14)",
        params: { type: 'object', properties: { id: { type: 'string' } } },
        querystring: {
          type: 'object',
          properties: {
            attachments: { type: 'string', enum: ['0', '1'] },
            clearance: { type: 'string', enum: ['public', 'internal', 'restricted'] },
          },
        },
      },
    },
    async (
      request: FastifyRequest<{
        Params: { id: string };
        Querystring: { attachments?: string; clearance?: string };
      }>,
      reply,
    ) => {
      const clearance = requestedClearance(request.token as Caller | undefined, request.query.clearance);
      let scoped = source;
      if (request.query.attachments === '1' && !clearanceCovers(clearance, 'restricted')) {
        const withheld = new Set<string>();
        for (const t of await options.node.trace(request.params.id))
          if (t.entry.classification === 'restricted' || t.entry.sealed !== undefined)
            for (const a of t.entry.attachments) withheld.add(toHex(a.sha256));
        const attachment = source.attachment;
        scoped = {
          ...source,
          ...(attachment === undefined
            ? {}
            : {
                attachment: async (sha256: Uint8Array) =>
                  withheld.has(toHex(sha256)) ? undefined : attachment(sha256),
              }),
        };
      }
      let bytes: Uint8Array;
      try {
        const bundle = await assembleBundle(scoped, request.params.id, {
          attachments: request.query.attachments === '1',
        });
        bytes = encodeBundle(bundle);
      } catch (error) {
        if (isTraceError(error) && error.code === 'OBJECT_NOT_FOUND') {
          throw new LiuhenError('NOT_FOUND', `no entries for object ${request.params.id}`);
        }
        throw error;
      }
      return reply
        .type('application/cbor')
        .header('x-liuhen-clearance', clearance)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );
}
