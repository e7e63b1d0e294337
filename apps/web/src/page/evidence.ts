/**
 * Where the page's evidence comes from and how it is judged. The node is asked only for bytes —
 * the bundle, an attachment, and (to resolve an alias) where an object is — and everything about
 * validity is computed here from those bytes: @liuhen/trace's full verification through core's
 * portable (@noble/*) crypto, with the network id the person typed as the only trust anchor.
 */
import { type EntryView, scopedView, sha256, toHex, type ViewReader } from '@liuhen/core';
import { decodeGenesis } from '@liuhen/governance';
import { OBJECT_TYPE_NAMES, OBJECT_TYPES, parseObjectId, pipeProfile } from '@liuhen/profile-pipe';
import {
  anchorFromNetworkId,
  type Bundle,
  bundleRequest,
  bundleResponse,
  hooksFromProfile,
  type ProfileHooks,
  Replay,
  readBundle,
  type TrustAnchor,
  type Verification,
  verifyBundle,
} from '@liuhen/trace';

/** A failure to show the person as it is, with the node's code when there is one. */
export class LoadError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface Loaded {
  readonly bytes: Uint8Array;
  readonly bundle: Bundle;
  /** "node https://…" or the file name. */
  readonly source: string;
}

export interface Judged extends Loaded {
  readonly verification: Verification;
  readonly profile: ProfileHooks | undefined;
  readonly replay: Replay;
  readonly bundleHash: string;
  /** Attachment bytes by SHA-256 (hex), as the bundle carries them. */
  readonly attachments: ReadonlyMap<string, Uint8Array>;
  /** Entry id (hex) → the entry as this page may show it (`PAGE_READER`). */
  readonly views: ReadonlyMap<string, EntryView>;
  readonly millis: number;
}

/**
 * Who reads on this page, for core's `scopedView` (the one rule the node's API follows too): no
 * org and no decryption key, at `internal` clearance, a read token's default. It sees the plain
 * fields every node holds; a sealed section is shown as restricted, with its recipients and why.
 */
export const PAGE_READER: ViewReader = { clearance: 'internal' };

const PROFILES: Record<string, ProfileHooks> = { 'pipe/1': hooksFromProfile(pipeProfile) };

/** The trust anchor from what the person typed; empty means none (the report then says so). */
export function anchorOf(networkId: string): TrustAnchor | undefined {
  const text = networkId.trim();
  return text === '' ? undefined : anchorFromNetworkId(text);
}

function profileOf(bundle: Bundle): ProfileHooks | undefined {
  try {
    return PROFILES[decodeGenesis(bundle.genesis).profile];
  } catch {
    // An unreadable genesis is verification's finding to report, not a load failure.
    return undefined;
  }
}

export function judge(loaded: Loaded, anchor: TrustAnchor | undefined, object?: string): Judged {
  const started = performance.now();
  const profile = profileOf(loaded.bundle);
  const verification = verifyBundle(loaded.bundle, {
    ...(object === undefined ? {} : { object }),
    ...(anchor === undefined ? {} : { anchor }),
    ...(profile === undefined ? {} : { profile }),
  });
  const millis = Math.round(performance.now() - started);
  return {
    ...loaded,
    verification,
    profile,
    replay: new Replay(verification, profile),
    bundleHash: toHex(sha256(loaded.bytes)),
    attachments: new Map(loaded.bundle.attachments.map((a) => [toHex(a.sha256), a.data])),
    views: new Map(verification.entries.map((t) => [t.idHex, scopedView(t, PAGE_READER)])),
    millis,
  };
}

export function readFileBundle(name: string, bytes: Uint8Array): Loaded {
  try {
    return { bytes, bundle: readBundle(bytes), source: name };
  } catch (error) {
    throw new LoadError((error as { code?: string }).code ?? 'BUNDLE_MALFORMED', (error as Error).message);
  }
}

const authorization = (token: string): Record<string, string> =>
  token === '' ? {} : { authorization: `Bearer ${token}` };

/** The node's bundle export for `object`; undefined when the node holds no entry of it. */
export async function fetchBundle(
  node: string,
  object: string,
  token: string,
  attachments: boolean,
): Promise<Loaded | undefined> {
  const { url, headers } = bundleRequest(node, object, token === '' ? undefined : token, { attachments });
  const response = await fetch(url, { headers, cache: 'no-store' });
  const body = new Uint8Array(await response.arrayBuffer());
  if (response.status === 404) return undefined;
  let answer: ReturnType<typeof bundleResponse>;
  try {
    answer = bundleResponse(response.status, response.headers.get('content-type'), body);
  } catch (error) {
    throw new LoadError((error as { code?: string }).code ?? 'BUNDLE_MALFORMED', (error as Error).message);
  }
  if ('error' in answer) throw new LoadError(answer.error.code, answer.error.message);
  return { bytes: answer.bytes, bundle: answer.bundle, source: `${node} · ${object}` };
}

/**
 * The object ids a query may mean, most likely first: the query itself when it is an id; the
 * object registered under it when it is an alias in a type's scheme. Aliases added later
 * (`object.alias` entries, e.g. after a census renumbering) are looked up on the node.
 */
export function candidateIds(query: string): string[] {
  const q = query.trim();
  if (parseObjectId(q) !== undefined) return [q];
  const ids = OBJECT_TYPE_NAMES.filter((t) => OBJECT_TYPES[t].pattern.test(q)).map(
    (t) => `${OBJECT_TYPES[t].prefix}:${q}`,
  );
  return ids.length === 0 ? [q] : ids;
}

/**
 * The object that an `object.alias` entry on the node names `alias`, if any. The node's answer
 * only says where to look: the bundle fetched next is verified like any other, and the page shows
 * the alias entries it finds in that verified trace.
 */
export async function objectByAlias(node: string, alias: string, token: string): Promise<string | undefined> {
  const headers = authorization(token);
  let after: string | undefined;
  // A bounded scan: alias entries are few next to the rest of a log.
  for (let page = 0; page < 5; page++) {
    const url = new URL('v1/entries', `${node}/`);
    url.searchParams.set('kind', 'object.alias');
    url.searchParams.set('limit', '200');
    if (after !== undefined) url.searchParams.set('after', after);
    const response = await fetch(url, { headers, cache: 'no-store' });
    if (!response.ok) return undefined;
    const { entries } = (await response.json()) as { entries: { id: string }[] };
    for (const { id } of entries) {
      const one = await fetch(new URL(`v1/entries/${id}`, `${node}/`), { headers, cache: 'no-store' });
      if (!one.ok) continue;
      const found = (await one.json()) as { entry?: { object?: string; body?: { alias?: unknown } } };
      if (found.entry?.body?.alias === alias && typeof found.entry.object === 'string')
        return found.entry.object;
    }
    if (entries.length < 200) return undefined;
    after = entries.at(-1)?.id;
  }
  return undefined;
}

/** An attachment from the node's blob store; its hash is checked by the caller, here. */
export async function fetchBlob(node: string, sha: string, token: string): Promise<Uint8Array> {
  const response = await fetch(new URL(`v1/blobs/${sha}`, `${node}/`), {
    headers: authorization(token),
    cache: 'no-store',
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as
      | { error?: { code?: string; message?: string } }
      | undefined;
    throw new LoadError(
      body?.error?.code ?? 'BLOB_NOT_FOUND',
      body?.error?.message ?? `HTTP ${response.status}`,
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}
