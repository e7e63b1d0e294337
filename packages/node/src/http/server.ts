/**
 * The node's local HTTP API for departments' business systems (DESIGN §9): JSON in and out,
 * bearer tokens, loopback by default, an OpenAPI document generated from the route schemas.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import swagger from '@fastify/swagger';
import {
  type Attachment,
  type BlockHeader,
  bodyFromJson,
  CLASSIFICATIONS,
  type Classification,
  type EntryRef,
  type ERROR_CODES,
  entryToJson,
  formatSignedNote,
  fromBase64,
  fromHex,
  hex32,
  isLiuhenError,
  LiuhenError,
  toBase64,
  toHex,
} from '@liuhen/core';
import { isGovernanceError, PARAMETER_RANGES } from '@liuhen/governance';
import type { BlobStore } from '@liuhen/store';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import { type EntryRefusedError, isEntryRefused } from '../entry-refused.ts';
import type { LedgerNode } from '../ledger-node.ts';
import type { NodeMetrics } from '../metrics.ts';
import type { Replication } from '../replication.ts';
import { type AccessOptions, NodeAccess } from './access.ts';
import { entryView, registerAccessRoutes, traceViews } from './access-routes.ts';
import { registerBackupRoute } from './backup-route.ts';
import { registerBundleRoute } from './bundle-route.ts';
import { httpStatus } from './errors.ts';
import { registerGovernanceRoutes } from './governance-routes.ts';

export interface ApiToken {
  /** SHA-256 of the token, hex: the token itself is never stored. */
  sha256: string;
  name: string;
  /** The operator whose key signs unsigned requests made with this token. */
  operator?: string;
  /**
   * What the token may read (DESIGN §11): `public` < `internal` < `restricted`; default
   * `internal`. Its org is the node's: sealed fields open with the node's org keys only.
   */
  clearance?: Classification;
}

export interface ApiOptions {
  node: LedgerNode;
  blobs: BlobStore;
  tokens: readonly ApiToken[];
  /** Unlocked operator seeds by operator name. */
  operatorSeeds: ReadonlyMap<string, Uint8Array>;
  logger: FastifyBaseLogger;
  maxBlobBytes: number;
  version: string;
  /** The node's replication, when it runs one (config p2p). */
  replication?: Replication | undefined;
  /** Served at GET /metrics and fed by the append routes (metrics.ts). */
  metrics?: NodeMetrics | undefined;
  /** The org's encryption keys and node seed: sealing, scoped reads, grants, read audits. */
  access?: AccessOptions | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    token?: ApiToken;
  }
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        // A refusal by the network's profile (422): the field at fault and every refusal.
        field: { type: 'string' },
        refusals: {
          type: 'array',
          items: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
          },
        },
      },
    },
  },
};
const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };

const unsignedEntrySchema = {
  type: 'object',
  required: ['object', 'kind', 'role', 'body'],
  additionalProperties: false,
  properties: {
    object: { type: 'string', minLength: 1, maxLength: 256 },
    kind: { type: 'string', minLength: 1, maxLength: 64 },
    role: { type: 'string', minLength: 1, maxLength: 16 },
    body: { type: 'object' },
    time: { type: 'integer', minimum: 0, description: 'claimed time, ms since the epoch; default now' },
    parents: { type: 'array', items: hex64, maxItems: 64, description: 'default: the object heads' },
    refs: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { entry: hex64, object: { type: 'string' }, rel: { type: 'string' } },
      },
    },
    attachments: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        required: ['sha256', 'size', 'type', 'name'],
        additionalProperties: false,
        properties: {
          sha256: hex64,
          size: { type: 'integer', minimum: 0 },
          type: { type: 'string' },
          name: { type: 'string' },
        },
      },
    },
    classification: { type: 'string', enum: [...CLASSIFICATIONS] },
  },
} as const;

const ackSchema = {
  type: 'object',
  properties: {
    id: hex64,
    org: { type: 'string' },
    index: { type: 'integer' },
    height: { type: 'integer' },
    sealed: {
      type: 'object',
      description:
        'the restricted fields went into the sealed section: the orgs it is wrapped to, and the authorised orgs left out for want of an encryption key in force (protocol §15.6)',
      properties: {
        fields: { type: 'array', items: { type: 'string' } },
        recipients: { type: 'array', items: { type: 'string' } },
        missing: { type: 'array', items: { type: 'string' } },
      },
    },
    flags: {
      type: 'array',
      description:
        'profile rules the entry breaks that are recorded rather than refused (e.g. P-COVER); the entry is in the log',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          severity: { type: 'string', enum: ['error', 'warning'] },
          entry: hex64,
          object: { type: 'string' },
          kind: { type: 'string' },
          message: { type: 'string' },
          related: { type: 'array', items: hex64 },
          dueAt: { type: 'integer' },
        },
      },
    },
  },
};

/** The routes whose refusals count as append rejections (metrics). */
const APPEND_ROUTES = new Set(['/v1/entries', '/v1/signed-entries']);

/**
 * The largest request body for an entry limit: one entry as JSON or base64 or CBOR is under 4× the
 * entry, with 64 KiB for the rest of the request.
 */
const bodyLimitFor = (maxEntryBytes: number) => maxEntryBytes * 4 + 64 * 1024;

function fail(code: keyof typeof ERROR_CODES, message?: string): never {
  throw new LiuhenError(code, message);
}

export async function createApi(options: ApiOptions) {
  const { node, blobs, replication } = options;
  const tokens = new Map(options.tokens.map((t) => [t.sha256, t]));
  const access = options.access === undefined ? undefined : new NodeAccess(node, options.access);
  const app = Fastify({
    // Request logging would write a line per append; the node logs what matters itself.
    logger: false,
    // The parser's hard cap, for the largest entry limit any governance position may set; the
    // limit in force is applied to each request (preParsing, below), as `parameter.set` moves it.
    bodyLimit: bodyLimitFor(PARAMETER_RANGES.maxEntryBytes[1]),
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Liuhen node API', version: options.version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  // Blobs and CBOR envelopes arrive as raw streams; the blob route never buffers them.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  app.addContentTypeParser('application/cbor', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // By the declared length; a chunked body is held to the hard cap, and its entry to the limit.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const declared = Number(request.headers['content-length']);
    const limit = bodyLimitFor(node.parameters.maxEntryBytes);
    const streamed = request.headers['content-type']?.startsWith('application/octet-stream') ?? false;
    if (declared > limit && !streamed)
      fail('ENTRY_TOO_LARGE', `request body too large: ${declared} bytes, the limit in force is ${limit}`);
    return payload;
  });

  app.setErrorHandler((thrown, request, reply) => {
    const error = thrown as Error & { validation?: unknown; code?: string; statusCode?: number };
    let code: string;
    let message: string;
    let refusal: { field?: string; refusals: EntryRefusedError['refusals'] } | undefined;
    if (isEntryRefused(error)) {
      // The profile's own codes (PIPE_BODY_INVALID, P-LEADS, …), with the field and every refusal.
      code = error.code;
      message = error.message.startsWith(`${code}: `) ? error.message.slice(code.length + 2) : error.message;
      refusal = { ...(error.field === undefined ? {} : { field: error.field }), refusals: error.refusals };
    } else if (isLiuhenError(error) || isGovernanceError(error)) {
      // Governance codes (GovernanceError, packages/governance) are answered like core's.
      code = error.code;
      message = error.message.startsWith(`${code}: `) ? error.message.slice(code.length + 2) : error.message;
    } else if (error.validation) {
      code = 'REQUEST_INVALID';
      message = error.message;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      code = 'ENTRY_TOO_LARGE';
      message = `${error.message}`;
    } else if (error.statusCode !== undefined && error.statusCode < 500) {
      code = 'REQUEST_INVALID';
      message = error.message;
    } else {
      options.logger.error({ err: error, url: request.url }, 'unexpected error');
      code = 'INTERNAL';
      message = 'unexpected error; see the node log';
    }
    if (request.method === 'POST' && APPEND_ROUTES.has(request.routeOptions.url ?? ''))
      options.metrics?.rejected(code);
    if (code === 'BLOB_CORRUPT' || code === 'BLOB_HASH_MISMATCH')
      options.metrics?.verificationFailures.inc({ source: 'blob', code });
    const status = refusal !== undefined ? 422 : code === 'INTERNAL' ? 500 : httpStatus(code);
    if (status === 503) reply.header('retry-after', '1');
    reply.status(status).send({ error: { code, message, ...refusal } });
  });

  // Unknown routes answer in the same error shape as everything else.
  app.setNotFoundHandler(async (request) =>
    fail('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  app.addHook('onRequest', async (request) => {
    if (request.url === '/healthz' || request.url === '/openapi.json') return;
    // The web inspector's page holds no data: it asks for the person's token before any read.
    if (request.method === 'GET' && (request.url === '/' || request.url.startsWith('/?'))) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer (\S+)$/.exec(header) : null;
    if (!match) fail('UNAUTHORIZED', 'send Authorization: Bearer <token>');
    const token = tokens.get(
      createHash('sha256')
        .update(match[1] as string)
        .digest('hex'),
    );
    if (!token) fail('UNAUTHORIZED', 'unknown token');
    request.token = token;
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // The web inspector (apps/web): one self-contained file, read per request so a rebuild shows.
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const page = await readFile(new URL('../../../../apps/web/dist/index.html', import.meta.url)).catch(() =>
      fail('NOT_FOUND', 'the web inspector is not built: run `pnpm --filter @liuhen/web build`'),
    );
    return reply
      .type('text/html; charset=utf-8')
      .headers({
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
      })
      .send(page);
  });

  app.post(
    '/v1/entries',
    {
      schema: {
        summary: 'Append an unsigned entry; the node signs it with the token operator key',
        body: unsignedEntrySchema,
        response: { 201: ackSchema, '4xx': errorSchema },
      },
    },
    async (request: FastifyRequest<{ Body: UnsignedEntryBody }>, reply) => {
      const operator = request.token?.operator;
      const seed = operator === undefined ? undefined : options.operatorSeeds.get(operator);
      if (!seed) fail('FORBIDDEN', 'this token is not bound to an operator key held by the node');
      const b = request.body;
      // The node is the author here: it seals the restricted fields before it signs (sealing.ts).
      const sealing = access?.seal({
        object: b.object,
        kind: b.kind,
        body: bodyFromJson(b.body),
        classification: (b.classification ?? 'public') as Classification,
      });
      const ack = await node.appendUnsigned(
        {
          object: b.object,
          kind: b.kind,
          role: b.role,
          body: sealing?.body ?? bodyFromJson(b.body),
          ...(b.time === undefined ? {} : { time: b.time }),
          ...(b.parents === undefined ? {} : { parents: b.parents.map((p, i) => hex32(p, `parents[${i}]`)) }),
          refs: (b.refs ?? []).map(refFromJson),
          attachments: (b.attachments ?? []).map(
            (a, i): Attachment => ({ ...a, sha256: hex32(a.sha256, `attachments[${i}].sha256`) }),
          ),
          classification: sealing?.classification ?? ((b.classification ?? 'public') as Classification),
          ...(sealing?.sealed === undefined ? {} : { sealed: sealing.sealed }),
        },
        seed,
      );
      options.metrics?.appended('unsigned');
      if (sealing?.sealed === undefined) return reply.status(201).send(ack);
      const fields = Object.keys(bodyFromJson(b.body))
        .filter((f) => !(f in sealing.body))
        .sort();
      const recipients = [...new Set(sealing.recipients.map((r) => r.org))];
      return reply.status(201).send({ ...ack, sealed: { fields, recipients, missing: sealing.missing } });
    },
  );

  app.post(
    '/v1/signed-entries',
    {
      schema: {
        summary:
          'Append a pre-signed envelope: CBOR [entry bytes, signature] as application/cbor, or JSON {envelope: base64}',
        response: { 201: ackSchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      let envelope: Uint8Array;
      if (Buffer.isBuffer(request.body)) envelope = new Uint8Array(request.body);
      else {
        const body = request.body as { envelope?: unknown } | undefined;
        if (typeof body?.envelope !== 'string') fail('REQUEST_INVALID', 'expected {"envelope": base64}');
        try {
          envelope = fromBase64(body.envelope);
        } catch {
          fail('REQUEST_INVALID', 'envelope is not valid base64');
        }
      }
      const ack = await node.appendSigned(envelope);
      options.metrics?.appended('signed');
      return reply.status(201).send(ack);
    },
  );

  app.get(
    '/v1/entries',
    {
      schema: {
        summary:
          'Entries by index: exactly one of kind, signer, or from+to (claimed time, ms); paged with limit and after',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            kind: { type: 'string', minLength: 1, maxLength: 64 },
            signer: hex64,
            // Query strings are text and the validator does not coerce: decimals, checked here.
            from: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' },
            to: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' },
            limit: {
              type: 'string',
              pattern: '^([1-9][0-9]{0,2}|1000)$',
              description: '1-1000, default 100',
            },
            after: hex64,
          },
        },
      },
    },
    async (request: FastifyRequest<{ Querystring: EntryQuery }>) => {
      const q = request.query;
      const page = { limit: Number(q.limit ?? 100), ...(q.after ? { after: fromHex(q.after) } : {}) };
      const chosen = [
        q.kind !== undefined,
        q.signer !== undefined,
        q.from !== undefined || q.to !== undefined,
      ];
      if (chosen.filter(Boolean).length !== 1)
        fail('REQUEST_INVALID', 'give exactly one of kind, signer, or from and to');
      const hits =
        q.kind !== undefined
          ? await node.store.byKind(q.kind, page)
          : q.signer !== undefined
            ? await node.store.bySigner(fromHex(q.signer), page)
            : await node.store.byTime(Number(q.from ?? 0), Number(q.to ?? Number.MAX_SAFE_INTEGER), page);
      return { entries: hits.map((h) => ({ id: toHex(h.id), org: h.org, index: h.index })) };
    },
  );

  app.get(
    '/v1/entries/:id',
    {
      schema: {
        summary:
          'An entry; with ?proof=1 its inclusion proof to the signed header of its block; with replication, its witnessing (first-witnessed time, late recording)',
        params: { type: 'object', properties: { id: hex64 }, required: ['id'] },
        querystring: {
          type: 'object',
          properties: {
            proof: { type: 'string', enum: ['0', '1', 'true', 'false'] },
            clearance: { type: 'string', enum: [...CLASSIFICATIONS], description: "default: the token's" },
          },
        },
      },
    },
    async (
      request: FastifyRequest<{
        Params: { id: string };
        Querystring: { proof?: string; clearance?: string };
      }>,
    ) => {
      const withProof = request.query.proof === '1' || request.query.proof === 'true';
      const found = await node.entry(fromHex(request.params.id), withProof);
      if (!found) fail('NOT_FOUND', `no entry ${request.params.id}`);
      return {
        id: toHex(found.id),
        org: found.org,
        index: found.index,
        entry: entryToJson(found.entry),
        envelope: toBase64(found.envelope),
        // What this token may see of it: restricted fields only when cleared and readable (§15.7).
        ...(access === undefined ? {} : { view: await entryView(access, request, found) }),
        ...(replication === undefined
          ? {}
          : { witness: await replication.witness(found.org, found.index, found.entry.time) }),
        ...(found.proof
          ? {
              proof: {
                leafIndex: found.index,
                treeSize: found.proof.size,
                hashes: found.proof.hashes.map(toHex),
                checkpoint: formatNote(found.proof.header),
              },
            }
          : {}),
      };
    },
  );

  app.get(
    '/v1/objects/:id',
    {
      schema: {
        summary: "An object's trace: its entries in causal order",
        params: { type: 'object', properties: { id: { type: 'string' } } },
        querystring: {
          type: 'object',
          properties: { clearance: { type: 'string', enum: [...CLASSIFICATIONS] } },
        },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Querystring: { clearance?: string } }>) => {
      const trace = await node.trace(request.params.id);
      if (trace.length === 0) fail('NOT_FOUND', `no entries for object ${request.params.id}`);
      const heads = await node.heads(request.params.id);
      const views = await traceViews(access, request, trace);
      return {
        object: request.params.id,
        heads: heads.map(toHex),
        entries: trace.map((t, i) => ({
          id: toHex(t.id),
          org: t.org,
          index: t.index,
          entry: entryToJson(t.entry),
          ...(views === undefined ? {} : { view: views[i] }),
        })),
      };
    },
  );

  app.post(
    '/v1/blobs',
    { schema: { summary: 'Upload an attachment as application/octet-stream; streamed to disk and hashed' } },
    async (request, reply) => {
      if (!(request.body instanceof Readable))
        fail('REQUEST_INVALID', 'send Content-Type: application/octet-stream');
      const stored = await blobs.put(request.body, { maxBytes: options.maxBlobBytes });
      return reply.status(201).send({ sha256: toHex(stored.sha256), size: stored.size });
    },
  );

  app.get(
    '/v1/blobs/:sha256',
    {
      schema: {
        summary: 'Download an attachment; the hash is checked as it streams',
        params: { type: 'object', properties: { sha256: hex64 } },
      },
    },
    async (request: FastifyRequest<{ Params: { sha256: string } }>, reply) => {
      const hash = fromHex(request.params.sha256);
      // A miss asks the peers (blob protocol): the attachment of a replicated entry that was not
      // prefetched yet, or whose prefetch found no peer holding it then.
      if (!(await blobs.has(hash)) && !(await replication?.blobs.fetch(hash)))
        fail('BLOB_NOT_FOUND', `no blob ${request.params.sha256}`);
      reply.header('content-type', 'application/octet-stream');
      const stream = blobs.get(hash);
      // A damaged file fails at its end, after the headers: the error handler never sees it.
      stream.once('error', (error) => {
        const code = (error as { code?: string }).code;
        if (code === 'BLOB_CORRUPT') options.metrics?.verificationFailures.inc({ source: 'blob', code });
      });
      return reply.send(stream);
    },
  );

  app.get('/v1/status', { schema: { summary: 'Node status' } }, async () => ({
    org: node.org,
    network: toHex(node.networkId),
    nodeKey: toHex(node.nodeKey),
    log: { size: node.committedSize, height: node.height, pending: node.pending },
    checkpoint: node.latestHeader ? formatNote(node.latestHeader) : null,
    // The governance position new blocks record (GET /v1/governance has the log).
    governance: { seq: node.governance.seq, head: toHex(node.governance.head.hash) },
    version: options.version,
    // Every member org's log as this node holds it (replication only).
    ...(replication === undefined
      ? {}
      : { orgs: await replication.orgs(), p2p: { addrs: replication.addrs() } }),
  }));

  app.get(
    '/v1/peers',
    { schema: { summary: 'Connected replication peers, with the gossipsub score this node gives each' } },
    async () => ({
      enabled: replication !== undefined,
      addrs: replication?.addrs() ?? [],
      peers: replication?.peers() ?? [],
      // Orgs refused by configuration (p2p.denyPeers).
      denied: replication?.denied() ?? [],
    }),
  );

  // Token-protected like every route: scrapers send a bearer token (docs/operations.md).
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text format)' } },
    async (_request, reply) => {
      if (options.metrics === undefined) fail('NOT_FOUND', 'metrics are not enabled on this node');
      reply.header('content-type', options.metrics.contentType);
      return options.metrics.text();
    },
  );

  registerBackupRoute(app, node);
  registerGovernanceRoutes(app, { node, replication });
  registerBundleRoute(app, { node, blobs, replication });
  registerAccessRoutes(app, { node, access, blobs, replication });

  app.get(
    '/v1/fraud-proofs',
    { schema: { summary: 'Fraud proofs held; each freezes its org' } },
    async () => ({ fraudProofs: replication?.fraudProofs() ?? [] }),
  );

  return app;
}

type EntryQuery = {
  kind?: string;
  signer?: string;
  from?: string;
  to?: string;
  limit?: string;
  after?: string;
};

type UnsignedEntryBody = {
  object: string;
  kind: string;
  role: string;
  body: unknown;
  time?: number;
  parents?: string[];
  refs?: Array<{ entry?: string; object?: string; rel?: string }>;
  attachments?: Array<{ sha256: string; size: number; type: string; name: string }>;
  classification?: string;
};

function refFromJson(ref: { entry?: string; object?: string; rel?: string }, i: number): EntryRef {
  const rel = ref.rel === undefined ? {} : { rel: ref.rel };
  if (ref.entry !== undefined && ref.object === undefined)
    return { entry: hex32(ref.entry, `refs[${i}].entry`), ...rel };
  if (ref.object !== undefined && ref.entry === undefined) return { object: ref.object, ...rel };
  throw new LiuhenError('ENTRY_INVALID', `refs[${i}]: needs exactly one of entry, object`);
}

function formatNote(header: BlockHeader): string {
  return formatSignedNote(header.note);
}
