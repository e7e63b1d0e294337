/**
 * `GET /v1/objects/{id}/bundle`: the object's offline bundle (packages/trace, docs/protocol.md
 * §14) in its canonical binary form, assembled from what this node holds. `liuhen-inspect bundle`
 * and `liuhen-node export` fetch it; `?attachments=1` includes the attachments' bytes.
 */
import { LiuhenError } from '@liuhen/core';
import type { BlobStore } from '@liuhen/store';
import { assembleBundle, encodeBundle, isTraceError } from '@liuhen/trace';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LedgerNode } from '../ledger-node.ts';
import type { Replication } from '../replication.ts';
import { nodeTraceSource } from '../trace-source.ts';

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
        querystring: { type: 'object', properties: { attachments: { type: 'string', enum: ['0', '1'] } } },
      },
    },
    async (
      request: FastifyRequest<{ Params: { id: string }; Querystring: { attachments?: string } }>,
      reply,
    ) => {
      let bytes: Uint8Array;
      try {
        const bundle = await assembleBundle(source, request.params.id, {
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
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );
}
