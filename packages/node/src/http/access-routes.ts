/**
 * Routes of classification and access (DESIGN §11, docs/protocol.md §15):
 *
 *   POST /v1/entries/{id}/grants   wrap a sealed entry's data key to more orgs (org.access-grant)
 *   GET  /v1/objects/{id}/reads    who read the object's restricted data (org.read-audit entries)
 *   GET  /v1/objects/{id}/public   the open-data export: the public fields and the bundle they
 *                                  verify against, with no restricted plaintext
 *
 * and the scoped views the entry and trace reads of server.ts attach (`entryView`, `traceViews`).
 */
import {
  buildGrant,
  entryToJson,
  fromHex,
  grantWraps,
  LiuhenError,
  parseReadAudit,
  publicView,
  READ_AUDIT_KIND,
  readAuditObject,
  requireClearance,
  sealContext,
  toBase64,
  toHex,
} from '@liuhen/core';
import type { BlobStore } from '@liuhen/store';
import { assembleBundle, encodeBundle, isTraceError } from '@liuhen/trace';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LedgerNode } from '../ledger-node.ts';
import type { Replication } from '../replication.ts';
import { grantsOf, readersOf, type StoredEntry, viewToJson } from '../sealing.ts';
import { nodeTraceSource } from '../trace-source.ts';
import { type Caller, type NodeAccess, requestedClearance } from './access.ts';

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };

/** The format tag of a public export (GET /v1/objects/{id}/public, `liuhen-node export-public`). */
export const PUBLIC_EXPORT_TYPE = 'liuhen-public-export';

function callerOf(request: FastifyRequest): Caller | undefined {
  return request.token as Caller | undefined;
}

function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
}

/**
 * The scoped view of one entry for the request's token (at `?clearance=` when lower), recording
 * the read when it shows restricted plaintext. Undefined when the node has no access helper.
 */
export async function entryView(
  access: NodeAccess | undefined,
  request: FastifyRequest<{ Querystring: { clearance?: string } }>,
  found: StoredEntry,
): Promise<Record<string, unknown> | undefined> {
  if (access === undefined) return undefined;
  const reader = access.reader(
    callerOf(request),
    requestedClearance(callerOf(request), request.query.clearance),
  );
  const trace = found.entry.sealed === undefined ? [] : await access.node.trace(found.entry.object);
  const [view] = await access.views([found], trace, reader, {
    caller: callerOf(request),
    route: routeOf(request),
  });
  return view === undefined ? undefined : viewToJson(view);
}

/** `entryView` for a whole trace (one read audit for all the entries it opens). */
export async function traceViews(
  access: NodeAccess | undefined,
  request: FastifyRequest<{ Querystring: { clearance?: string } }>,
  trace: readonly StoredEntry[],
): Promise<Array<Record<string, unknown>> | undefined> {
  if (access === undefined) return undefined;
  const reader = access.reader(
    callerOf(request),
    requestedClearance(callerOf(request), request.query.clearance),
  );
  const views = await access.views(trace, trace, reader, {
    caller: callerOf(request),
    route: routeOf(request),
  });
  return views.map(viewToJson);
}

export function registerAccessRoutes(
  app: FastifyInstance,
  options: {
    node: LedgerNode;
    access: NodeAccess | undefined;
    blobs: BlobStore;
    replication?: Replication | undefined;
  },
): void {
  const { node, access } = options;
  const source = nodeTraceSource(options);

  app.post(
    '/v1/entries/:id/grants',
    {
      schema: {
        summary:
          "Grant more orgs access to a sealed entry: the node unwraps the entry's data key with its org's key and appends an org.access-grant (protocol §15.5) wrapping it to each org's encryption key in force; the sealed entry never changes. Needs a token cleared for restricted",
        params: { type: 'object', properties: { id: hex64 }, required: ['id'] },
        body: {
          type: 'object',
          required: ['orgs'],
          additionalProperties: false,
          properties: {
            orgs: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', minLength: 1 } },
            reason: { type: 'string', minLength: 1, maxLength: 1024 },
          },
        },
      },
    },
    async (
      request: FastifyRequest<{ Params: { id: string }; Body: { orgs: string[]; reason?: string } }>,
      reply,
    ) => {
      if (access === undefined) throw new LiuhenError('NOT_FOUND', 'this node has no encryption keys loaded');
      // Passing on a data key is reading it: only a token cleared for restricted content may.
      requireClearance(requestedClearance(callerOf(request), undefined), 'restricted', 'granting access');
      const found = await node.entry(fromHex(request.params.id), false);
      if (!found) throw new LiuhenError('NOT_FOUND', `no entry ${request.params.id}`);
      if (found.entry.sealed === undefined)
        throw new LiuhenError('GRANT_INVALID', `entry ${request.params.id} has no sealed section`);
      const trace = await node.trace(found.entry.object);
      const grants = grantsOf(found, trace);
      const readers = readersOf(found, grants);
      if (!readers.has(node.org))
        throw new LiuhenError(
          'GRANT_UNAUTHORIZED',
          `"${node.org}" holds no wrapped key of entry ${request.params.id}: only its readers (${[...readers].sort().join(', ')}) may grant access`,
        );
      const governance = node.governance.state;
      const { recipients, missing } = governance.sealRecipientsAt(request.body.orgs);
      if (missing.length > 0)
        throw new LiuhenError(
          'ENCRYPTION_KEY_UNKNOWN',
          `${missing.map((o) => `"${o}"`).join(', ')} ${missing.length === 1 ? 'has' : 'have'} no encryption key in force at governance position ${governance.seq}`,
        );
      // Unwraps with this org's keys (SEAL_WRONG_KEY, SEAL_AEAD_FAILED for an altered section).
      const wraps = grantWraps(
        found.entry.sealed,
        { org: node.org, keys: access.encryptionKeys, grants },
        recipients,
        sealContext(found.entry, found.id),
      );
      const entry = buildGrant(
        {
          org: node.org,
          signer: access.nodeKey,
          time: Date.now(),
          // The grant continues the object's history: it cites the heads, so it leaves none behind.
          parents: await node.heads(found.entry.object),
          ...(request.body.reason === undefined ? {} : { reason: request.body.reason }),
        },
        found,
        wraps,
        {
          readers,
          isEncryptionKey: (org, keyId) => governance.encryptionKeyVerdict(org, keyId).ok,
        },
      );
      const ack = await access.appendOrgAct(entry);
      return reply.status(201).send({
        ...ack,
        grants: request.params.id,
        recipients: wraps.recipients.map((w) => ({ org: w.org, keyId: toHex(w.keyId) })),
      });
    },
  );

  app.get(
    '/v1/objects/:id/reads',
    {
      schema: {
        summary:
          "Who read the object's restricted data: the org.read-audit entries of every org this node holds (reader org, entries read, token, operator, route, time)",
        params: { type: 'object', properties: { id: { type: 'string' } } },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const audits = await node.trace(readAuditObject(request.params.id));
      return {
        object: request.params.id,
        reads: audits
          .filter((a) => a.entry.kind === READ_AUDIT_KIND)
          .flatMap((a) => {
            try {
              const r = parseReadAudit(a.entry);
              if (r.object !== request.params.id) return [];
              return [
                {
                  id: toHex(a.id),
                  org: a.org,
                  index: a.index,
                  reader: r.reader,
                  entries: r.entries.map(toHex),
                  token: r.token,
                  ...(r.operator === undefined ? {} : { operator: r.operator }),
                  route: r.route,
                  time: r.time,
                },
              ];
            } catch {
              // A malformed audit is not a read record; the verifier reports it, the list omits it.
              return [];
            }
          })
          .sort((a, b) => a.time - b.time || a.id.localeCompare(b.id)),
      };
    },
  );

  app.get(
    '/v1/objects/:id/public',
    {
      schema: {
        summary:
          "The object's open-data export: every entry's public view (metadata, public body fields, a restricted marker for sealed sections) and the bundle (protocol §14) it verifies against, whose envelopes carry restricted fields only as ciphertext",
        params: { type: 'object', properties: { id: { type: 'string' } } },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const object = request.params.id;
      let bundle: Awaited<ReturnType<typeof assembleBundle>>;
      try {
        bundle = await assembleBundle(source, object, { attachments: false });
      } catch (error) {
        if (isTraceError(error) && error.code === 'OBJECT_NOT_FOUND')
          throw new LiuhenError('NOT_FOUND', `no entries for object ${object}`);
        throw error;
      }
      const trace = await node.trace(object);
      const classify = access?.classifier;
      for (const t of trace) {
        // A signed entry carrying a restricted field in plain (pipe/1 allows it in an entry
        // classified restricted) cannot be published without publishing the field: refuse.
        const plain = Object.keys(t.entry.body).filter((f) => classify?.isRestricted(t.entry.kind, f));
        if (plain.length > 0)
          throw new LiuhenError(
            'CLEARANCE_TOO_LOW',
            `entry ${toHex(t.id)} carries ${plain.map((f) => `body.${f}`).join(', ')} in plain; its signed bytes cannot be published`,
          );
      }
      return {
        type: PUBLIC_EXPORT_TYPE,
        version: 1,
        object,
        network: toHex(node.networkId),
        entries: trace.map((t) => {
          const view = publicView(t, {
            grants: t.entry.sealed === undefined ? [] : grantsOf(t, trace),
            classify: (field, entry) => classify?.classify(entry.kind, field) ?? entry.classification,
          });
          const { body: _body, sealed: _sealed, ...metadata } = entryToJson(t.entry);
          return { id: toHex(t.id), org: t.org, index: t.index, entry: metadata, view: viewToJson(view) };
        }),
        bundle: toBase64(encodeBundle(bundle)),
      };
    },
  );
}
