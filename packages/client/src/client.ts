/**
 * The client a business system uses to feed and read a Liuhen node over its HTTP API (DESIGN §9):
 * a base URL and a bearer token, the global `fetch`, nothing Node-specific, so the same code runs
 * in a browser.
 *
 * What it does not take on trust: entries are built and signed here with the operator's key and
 * sent as envelopes (`POST /v1/signed-entries`), so the key never leaves the caller; blob hashes
 * are computed here while streaming; entries read back are checked against their id and
 * signature; bundles are verified here (@liuhen/trace) against the genesis the caller gives,
 * never against anything the node says about itself.
 */
import {
  type Attachment,
  bodyFromJson,
  buildEntry,
  type CborMap,
  DEFAULT_MAX_ENTRY_BYTES,
  type EntryRef,
  entryToJson,
  equalBytes,
  fromBase64,
  fromHex,
  leafHash,
  openEnvelope,
  parseBlockHeader,
  type SignedEntry,
  toHex,
  verifyHeaderSignature,
  verifyInclusion,
} from '@liuhen/core';
import { decodeGenesis, type Genesis, networkId } from '@liuhen/governance';
import { checkBody, pipeProfile } from '@liuhen/profile-pipe';
import {
  type Bundle,
  decodeBundle,
  hooksFromProfile,
  type TraceReport,
  type Verification,
  type VerifyOptions,
  verifyBundle,
} from '@liuhen/trace';
import { type BlobSource, hashedBody } from './blob.ts';
import { fromLocal, LiuhenApiError, LiuhenClientError, type Refusal } from './errors.ts';
import type { OperatorKey } from './operator.ts';
import type {
  Ack,
  Appended,
  EntryDraft,
  EntryLocation,
  EntryQuery,
  EntryRecord,
  Hash32,
  InclusionProof,
  NodeStatus,
  ObjectTrace,
  PipeKind,
  UploadedBlob,
} from './types.ts';

export interface ClientOptions {
  /** The node's API, e.g. `http://127.0.0.1:7420`. */
  readonly url: string | URL;
  /** An API token issued by the node operator (`liuhen-node token`). */
  readonly token: string;
  /**
   * The genesis bytes of the network, obtained out of band (from the network's authorities, not
   * from this node). Its SHA-256 is the network id entries are signed for and the only anchor
   * bundles are verified against. Without it, `connect` adopts the network the node reports and
   * bundle verification needs an anchor per call.
   */
  readonly genesis?: Uint8Array;
  /** Another fetch (a proxy-aware one, a test double). Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Check bodies against their kind's pipe/1 schema before signing. Default true. */
  readonly checkBodies?: boolean;
}

export interface BundleOptions {
  /** Ask the node to include the attachments' bytes. */
  readonly attachments?: boolean;
}

export interface VerifyBundleOptions extends Omit<VerifyOptions, 'anchor' | 'profile'> {
  /** Another trust anchor than the client's genesis: a genesis, or a network id. */
  readonly anchor?: { readonly genesis?: Uint8Array; readonly networkId?: Uint8Array };
  /** Judge the profile's rules too (pipe/1). Default true. */
  readonly rules?: boolean;
}

export interface VerifiedBundle {
  /** The bytes exactly as the node sent them: keep these as the evidence. */
  readonly bytes: Uint8Array;
  readonly bundle: Bundle;
  readonly verification: Verification;
  readonly report: TraceReport;
  /** True unless a finding is an error (`verdict` is `verified` or `verified-with-warnings`). */
  readonly ok: boolean;
}

type Json = Record<string, unknown>;

const HEX32 = /^[0-9a-f]{64}$/;

function hash32(value: Hash32, field: string): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== 32) throw new LiuhenClientError('ENTRY_INVALID', `${field}: expected 32 bytes`);
    return value;
  }
  if (typeof value !== 'string' || !HEX32.test(value))
    throw new LiuhenClientError('ENTRY_INVALID', `${field}: expected 64 lowercase hex characters`);
  return fromHex(value);
}

/**
 * Bodies are written as plain objects, where an absent optional field is often `undefined`;
 * CBOR has no undefined, so such fields are left out (as JSON.stringify does), everywhere in the
 * body. Byte strings stay byte strings.
 */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, withoutUndefined(v)]),
  );
}

export class LiuhenClient {
  readonly url: URL;
  /** The org whose log this node writes; entries appended through it belong to it. */
  readonly org: string;
  /** The network id entries are signed for (SHA-256 of the trusted genesis, when given). */
  readonly network: Uint8Array;
  /** The trusted genesis, decoded, when the client was given one. */
  readonly genesis: Genesis | undefined;
  readonly #genesisBytes: Uint8Array | undefined;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #checkBodies: boolean;

  private constructor(options: ClientOptions, url: URL, org: string, network: Uint8Array) {
    this.url = url;
    this.org = org;
    this.network = network;
    // A copy: the anchor must not change if the caller reuses its buffer.
    this.#genesisBytes = options.genesis?.slice();
    this.genesis = this.#genesisBytes === undefined ? undefined : decodeGenesis(this.#genesisBytes);
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#checkBodies = options.checkBodies ?? true;
  }

  /**
   * Connects: checks the token by reading the node's status, learns the node's org, and, when
   * a genesis is given, refuses a node of another network (CLIENT_NETWORK_MISMATCH).
   */
  static async connect(options: ClientOptions): Promise<LiuhenClient> {
    const base = new URL(options.url);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    let trusted: Uint8Array | undefined;
    if (options.genesis !== undefined) {
      try {
        decodeGenesis(options.genesis);
      } catch (error) {
        fromLocal(error);
      }
      trusted = networkId(options.genesis);
    }
    const probe = new LiuhenClient(options, base, '', trusted ?? new Uint8Array(32));
    const status = await probe.status();
    if (typeof status.org !== 'string' || typeof status.network !== 'string' || !HEX32.test(status.network))
      throw new LiuhenClientError('CLIENT_RESPONSE_INVALID', 'GET /v1/status: no org or network id');
    if (trusted !== undefined && toHex(trusted) !== status.network) {
      throw new LiuhenClientError(
        'CLIENT_NETWORK_MISMATCH',
        `the node serves network ${status.network}; the genesis given is of ${toHex(trusted)}`,
      );
    }
    return new LiuhenClient(options, base, status.org, trusted ?? fromHex(status.network));
  }

  // ---- requests ------------------------------------------------------------------------------

  async #send(
    method: string,
    path: string,
    init: { body?: BodyInit; contentType?: string; accept?: string; streamed?: boolean } = {},
  ): Promise<Response> {
    const request = `${method} /${path.split('?')[0]}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: init.accept ?? 'application/json',
    };
    if (init.contentType !== undefined) headers['content-type'] = init.contentType;
    let response: Response;
    try {
      response = await this.#fetch(new URL(path, this.url), {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        // A web stream as a request body must be sent half-duplex (fetch standard).
        ...(init.streamed ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (cause) {
      throw new LiuhenClientError('CLIENT_NETWORK_FAILED', `${request}: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (!response.ok) throw await apiError(response, request);
    return response;
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#send(
      method,
      path,
      body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' },
    );
    try {
      return (await response.json()) as T;
    } catch (cause) {
      throw new LiuhenClientError('CLIENT_RESPONSE_INVALID', `${method} /${path}: the answer is not JSON`, {
        cause,
      });
    }
  }

  // ---- status and reads ----------------------------------------------------------------------

  /** `GET /v1/status`: the node's org, network, log size and height, governance position. */
  status(): Promise<NodeStatus> {
    return this.#json<NodeStatus>('GET', 'v1/status');
  }

  /**
   * `GET /v1/objects/{id}`: the object's committed entries in causal order, and its heads.
   * NOT_FOUND when the node holds no entry of it.
   */
  trace(object: string): Promise<ObjectTrace> {
    return this.#json<ObjectTrace>('GET', `v1/objects/${encodeURIComponent(object)}`);
  }

  /** The object's DAG heads (hex): the parents a new entry follows. Empty for a new object. */
  async heads(object: string): Promise<string[]> {
    try {
      return [...(await this.trace(object)).heads];
    } catch (error) {
      if (error instanceof LiuhenApiError && error.code === 'NOT_FOUND') return [];
      throw error;
    }
  }

  /**
   * `GET /v1/entries/{id}`: one entry. The envelope is checked here — it must open (schema,
   * network, signature) and hash to `id` — and with `proof`, the inclusion proof is checked to
   * lead to the checkpoint's root, and the checkpoint's signature against the org's node key of
   * the trusted genesis where that key is the signer (`checkpointVerified`).
   */
  async entry(id: Hash32, options: { proof?: boolean } = {}): Promise<EntryRecord> {
    const hex = toHex(hash32(id, 'id'));
    const path = `v1/entries/${hex}${options.proof ? '?proof=1' : ''}`;
    const found = await this.#json<Json>('GET', path);
    let signed: SignedEntry;
    let envelope: Uint8Array;
    try {
      envelope = fromBase64(String(found.envelope));
      signed = openEnvelope(envelope, { network: this.network, maxBytes: this.#maxEntryBytes() });
    } catch (cause) {
      throw new LiuhenClientError('CLIENT_ENTRY_MISMATCH', `entry ${hex}: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (toHex(signed.id) !== hex)
      throw new LiuhenClientError(
        'CLIENT_ENTRY_MISMATCH',
        `entry ${hex}: the envelope hashes to ${toHex(signed.id)}`,
      );
    const record = {
      id: hex,
      org: String(found.org),
      index: Number(found.index),
      entry: entryToJson(signed.entry),
      envelope,
      signed,
      ...(found.witness === undefined ? {} : { witness: found.witness }),
    };
    if (!options.proof) return record;
    const proof = found.proof as InclusionProof | undefined;
    if (proof === undefined)
      throw new LiuhenClientError('CLIENT_RESPONSE_INVALID', `entry ${hex}: asked for a proof, none came`);
    return { ...record, proof, checkpointVerified: this.#checkProof(record, proof) };
  }

  #checkProof(
    record: { id: string; org: string; index: number; envelope: Uint8Array },
    proof: InclusionProof,
  ) {
    const mismatch = (problem: string, cause?: unknown): never => {
      throw new LiuhenClientError('CLIENT_ENTRY_MISMATCH', `entry ${record.id}: ${problem}`, { cause });
    };
    let header: ReturnType<typeof parseBlockHeader>;
    try {
      header = parseBlockHeader(proof.checkpoint);
    } catch (cause) {
      return mismatch(`the checkpoint does not parse: ${(cause as Error).message}`, cause);
    }
    if (!equalBytes(header.network, this.network) || header.org !== record.org)
      mismatch('the checkpoint is of another log');
    if (header.size !== proof.treeSize || proof.leafIndex !== record.index)
      mismatch("the proof's index or size is not the checkpoint's");
    try {
      verifyInclusion(
        leafHash(record.envelope),
        record.index,
        header.size,
        proof.hashes.map(fromHex),
        header.root,
      );
    } catch (cause) {
      mismatch(`the inclusion proof does not verify: ${(cause as Error).message}`, cause);
    }
    const nodeKey = this.genesis?.orgs.find((o) => o.id === record.org)?.nodeKey;
    if (nodeKey === undefined) return false;
    try {
      verifyHeaderSignature(header, nodeKey);
      return true;
    } catch {
      // Signed by another key: one that governance enrolled later, which only the governance
      // log (in a bundle) can vouch for. Not a failure, and not verified either.
      return false;
    }
  }

  /** `GET /v1/entries`: entry ids by kind, by signer, or by claimed time, a page at a time. */
  async entries(query: EntryQuery): Promise<EntryLocation[]> {
    const params = new URLSearchParams();
    if ('kind' in query) params.set('kind', query.kind);
    else if ('signer' in query) params.set('signer', toHex(hash32(query.signer, 'signer')));
    else {
      params.set('from', String(query.from ?? 0));
      if (query.to !== undefined) params.set('to', String(query.to));
    }
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.after !== undefined) params.set('after', toHex(hash32(query.after, 'after')));
    return (await this.#json<{ entries: EntryLocation[] }>('GET', `v1/entries?${params}`)).entries;
  }

  // ---- appends -------------------------------------------------------------------------------

  #maxEntryBytes(): number {
    return this.genesis?.parameters.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  }

  /**
   * Builds and signs an entry without sending it: parents default to the object's heads now,
   * time to now, org and network to the client's. The body is checked against its kind's schema
   * first (PIPE_BODY_INVALID, PIPE_KIND_UNKNOWN), so nothing malformed is ever signed.
   */
  async sign<K extends PipeKind>(draft: EntryDraft<K>, operator: OperatorKey): Promise<SignedEntry> {
    let body: CborMap;
    try {
      body = bodyFromJson(withoutUndefined(draft.body)) as CborMap;
    } catch (error) {
      return fromLocal(error);
    }
    // The body is judged before anything is asked of the node: a malformed record costs nothing.
    if (this.#checkBodies) this.#checkBody(draft.kind, body);
    const parents = draft.parents ?? (await this.heads(draft.object));
    try {
      const entry = buildEntry({
        network: this.network,
        org: this.org,
        object: draft.object,
        kind: draft.kind,
        role: draft.role,
        signer: operator.publicKey,
        time: draft.time ?? Date.now(),
        body,
        parents: parents.map((p, i) => hash32(p, `parents[${i}]`)),
        refs: (draft.refs ?? []).map((r, i): EntryRef => {
          const rel = r.rel === undefined ? {} : { rel: r.rel };
          return 'entry' in r
            ? { entry: hash32(r.entry, `refs[${i}].entry`), ...rel }
            : { object: r.object, ...rel };
        }),
        attachments: (draft.attachments ?? []).map(
          (a, i): Attachment => ({
            sha256: hash32(a.sha256, `attachments[${i}].sha256`),
            size: a.size,
            type: a.type,
            name: a.name,
          }),
        ),
        classification: draft.classification ?? 'public',
      });
      return operator.sign(entry, this.#maxEntryBytes());
    } catch (error) {
      return fromLocal(error);
    }
  }

  #checkBody(kind: string, body: CborMap): void {
    const check = checkBody(kind, body, {});
    if (check.ok) return;
    // The same code, field and refusals the node's profile check answers with (422).
    const code = check.issues.some((i) => i.field === 'kind') ? 'PIPE_KIND_UNKNOWN' : 'PIPE_BODY_INVALID';
    const refusals = check.issues.map((i) => ({ code, message: `${kind} ${i.message}`, field: i.field }));
    throw new LiuhenClientError(code, refusals.map((r) => r.message).join('; '), {
      field: refusals[0]?.field ?? 'body',
      refusals,
    });
  }

  /**
   * `POST /v1/signed-entries`: sends an envelope signed elsewhere (by `sign`, or by any tool that
   * follows protocol §4), byte for byte, as application/cbor.
   */
  async submit(signed: SignedEntry | Uint8Array): Promise<Ack> {
    const envelope = signed instanceof Uint8Array ? signed : signed.envelope;
    const response = await this.#send('POST', 'v1/signed-entries', {
      body: envelope as Uint8Array<ArrayBuffer>,
      contentType: 'application/cbor',
    });
    return (await response.json()) as Ack;
  }

  /**
   * Builds, signs here with `operator`, and appends an entry; resolves once the node has made it
   * durable. Refusals are LiuhenApiErrors with the node's code (OPERATOR_UNKNOWN, ROLE_NOT_PERMITTED,
   * PARENT_UNKNOWN, a PIPE_* profile refusal …).
   */
  async append<K extends PipeKind>(draft: EntryDraft<K>, operator: OperatorKey): Promise<Appended> {
    const signed = await this.sign(draft, operator);
    const ack = await this.submit(signed);
    if (ack.id !== toHex(signed.id))
      throw new LiuhenClientError(
        'CLIENT_RESPONSE_INVALID',
        `acknowledged ${ack.id} for entry ${toHex(signed.id)}`,
      );
    return { ...ack, signed };
  }

  // ---- blobs ---------------------------------------------------------------------------------

  /**
   * `POST /v1/blobs`: uploads an attachment as application/octet-stream, streamed (memory does
   * not grow with its size), hashing it here as it goes. The node's answer must name the same
   * SHA-256 and size (BLOB_HASH_MISMATCH otherwise). Record the result in an entry's
   * `attachments` with a media type and a name.
   */
  async uploadBlob(source: BlobSource): Promise<UploadedBlob> {
    const hashed = hashedBody(source);
    const response = await this.#send('POST', 'v1/blobs', {
      body: hashed.body as BodyInit,
      contentType: 'application/octet-stream',
      streamed: hashed.streamed,
    });
    const answer = (await response.json()) as { sha256?: unknown; size?: unknown };
    const mine = await hashed.digest();
    const sha256 = toHex(mine.sha256);
    if (answer.sha256 !== sha256 || answer.size !== mine.size) {
      throw new LiuhenClientError(
        'BLOB_HASH_MISMATCH',
        `sent ${mine.size} bytes with SHA-256 ${sha256}; the node stored ${String(answer.size)} bytes as ${String(answer.sha256)}`,
      );
    }
    return { sha256, size: mine.size };
  }

  /** `GET /v1/blobs/{sha256}`: an attachment's bytes, checked here against the hash asked for. */
  async downloadBlob(sha256: Hash32): Promise<Uint8Array> {
    const wanted = hash32(sha256, 'sha256');
    const response = await this.#send('GET', `v1/blobs/${toHex(wanted)}`, {
      accept: 'application/octet-stream',
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const { sha256: digest } = await hashedBody(bytes).digest();
    if (!equalBytes(digest, wanted))
      throw new LiuhenClientError(
        'BLOB_HASH_MISMATCH',
        `blob ${toHex(wanted)}: the bytes hash to ${toHex(digest)}`,
      );
    return bytes;
  }

  // ---- bundles -------------------------------------------------------------------------------

  /** `GET /v1/objects/{id}/bundle`: the object's offline bundle, the bytes as the node sent them. */
  async fetchBundle(object: string, options: BundleOptions = {}): Promise<Uint8Array> {
    const query = options.attachments ? '?attachments=1' : '';
    const response = await this.#send('GET', `v1/objects/${encodeURIComponent(object)}/bundle${query}`, {
      accept: 'application/cbor',
    });
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim();
    if (type !== 'application/cbor')
      throw new LiuhenClientError(
        'CLIENT_RESPONSE_INVALID',
        `bundle of ${object}: expected application/cbor, got ${type}`,
      );
    return new Uint8Array(await response.arrayBuffer());
  }

  /**
   * Verifies bundle bytes here, with @liuhen/trace, against the client's genesis (or the anchor
   * given): every signature, inclusion and consistency proof, checkpoint, cosignature, operator
   * certificate and authority, the object's DAG and times, and the pipe/1 rules. Bytes that do not
   * decode as a bundle throw (BUNDLE_MALFORMED …); everything else is reported as findings.
   */
  verifyBundle(bytes: Uint8Array, options: VerifyBundleOptions = {}): Omit<VerifiedBundle, 'bytes'> {
    const { anchor = this.#anchor(), rules = true, ...rest } = options;
    if (anchor === undefined)
      throw new LiuhenClientError(
        'ANCHOR_INVALID',
        'no trust anchor: give the client a genesis, or pass { anchor: { genesis } } or { networkId }',
      );
    let bundle: Bundle;
    try {
      bundle = decodeBundle(bytes);
    } catch (error) {
      return fromLocal(error);
    }
    const verification = verifyBundle(bundle, {
      ...rest,
      anchor,
      ...(rules ? { profile: hooksFromProfile(pipeProfile) } : {}),
    });
    const { report } = verification;
    return { bundle, verification, report, ok: report.verdict !== 'failed' };
  }

  /** Fetches the object's bundle and verifies it here (see `verifyBundle`). */
  async verifiedBundle(
    object: string,
    options: BundleOptions & Omit<VerifyBundleOptions, 'object'> = {},
  ): Promise<VerifiedBundle> {
    const { attachments, ...verify } = options;
    const bytes = await this.fetchBundle(object, attachments === undefined ? {} : { attachments });
    return { bytes, ...this.verifyBundle(bytes, { ...verify, object }) };
  }

  #anchor(): { genesis: Uint8Array } | undefined {
    return this.#genesisBytes === undefined ? undefined : { genesis: this.#genesisBytes };
  }
}

/** The API's error body `{"error": {"code", "message"}}` as a LiuhenApiError. */
async function apiError(response: Response, request: string): Promise<LiuhenApiError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body could not be read; the status still says what happened.
  }
  try {
    const parsed = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; field?: unknown; refusals?: unknown };
    };
    if (typeof parsed.error?.code === 'string') {
      const { code, field, refusals } = parsed.error;
      const message = String(parsed.error.message ?? '');
      return new LiuhenApiError(
        code,
        response.status,
        message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message,
        request,
        {
          ...(typeof field === 'string' ? { field } : {}),
          ...(Array.isArray(refusals) ? { refusals: refusals as Refusal[] } : {}),
        },
      );
    }
  } catch {
    // Not the API's error shape (a proxy's page, say): reported as such below.
  }
  return new LiuhenApiError(
    'CLIENT_RESPONSE_INVALID',
    response.status,
    `HTTP ${response.status} without the API's error body${text ? `: ${text.slice(0, 200)}` : ''}`,
    request,
  );
}
