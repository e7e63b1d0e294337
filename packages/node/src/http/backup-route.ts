/**
 * `GET /v1/backup/store`: the online backup's store snapshot (packages/store snapshot.ts), streamed
 * from the running daemon, which holds LevelDB's lock, to `liuhen-node backup`. It holds what the
 * read routes give a token of internal clearance (entries with their public and internal fields,
 * restricted ones sealed; headers; governance actions: no keys, no tokens), so it needs such a
 * token; one runs at a time, since each pins a LevelDB
 * snapshot (old table files are kept until it ends) and reads the whole store.
 */
import { Readable } from 'node:stream';
import { LiuhenError } from '@liuhen/core';
import type { FastifyInstance } from 'fastify';
import type { LedgerNode } from '../ledger-node.ts';

export function registerBackupRoute(app: FastifyInstance, node: LedgerNode): void {
  let running = false;
  app.get(
    '/v1/backup/store',
    {
      schema: {
        summary:
          'A consistent snapshot of the whole store, streamed (format: packages/store snapshot.ts); for liuhen-node backup',
      },
    },
    async (request, reply) => {
      // The store holds public and internal fields in plaintext (restricted ones sealed): a
      // token cleared for public content only may not take a copy of all of it (DESIGN §11).
      if ((request.token as { clearance?: string } | undefined)?.clearance === 'public')
        throw new LiuhenError('FORBIDDEN', 'a backup needs a token with internal or restricted clearance');
      if (running) throw new LiuhenError('NODE_BUSY', 'a backup is already running');
      running = true;
      const stream = Readable.from(node.store.snapshot(), { objectMode: false });
      const done = () => {
        running = false;
      };
      stream.once('close', done);
      reply.header('content-type', 'application/octet-stream');
      reply.header('x-liuhen-org', node.org);
      return reply.send(stream);
    },
  );
}
