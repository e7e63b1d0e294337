/**
 * A real department node holding one pipe segment's history, for the browser tests: a one-org
 * network whose org holds every party (so it may record every kind), the scenario generator's
 * people appointed as its operators (by their handles), and the segment's schema-valid pipe/1
 * entries (with the project's entries and everything they cite) appended through the HTTP API
 * as a business system would. Claimed times are moved into the last day, in the same order, so
 * the one-org network (no witnesses to wait for) reports no late recording of its own making.
 * Sealed sections are sealed again to the feed org (`FEED_ENCRYPTION_KEY`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import {
  type Attachment,
  buildEntry,
  type CborMap,
  type CborValue,
  encryptionKeyPair,
  fromHex,
  publicKeyFromSeed,
  type SignedEntry,
  sealContext,
  sealedReaders,
  sealFields,
  sha256,
  signEntry,
  toHex,
  unsealEntry,
  utf8,
} from '@liuhen/core';
import { appointmentBody, OPERATOR_APPOINTED, ORG_ROLE } from '@liuhen/governance';
import { generateScenario } from '@liuhen/profile-pipe/scenario';
import { openSeed, readKeyFile } from '../../../packages/node/src/keystore.ts';
import {
  cliJson,
  configureNode,
  PASSPHRASE,
  type RunningNode,
  startNode,
} from '../../../scripts/lib/node-process.ts';

const ORG = 'shenzhen';

const PARTIES = 'owner,survey,design,contractor,supervision,lab,review,qsa,archive,utility,inspection';

/**
 * The feed org's X25519 encryption key. The scenario seals restricted fields (as-built geometry,
 * inverts) to its own orgs' keys, bound to its network; the feed opens each section with a
 * recipient's key and seals the fields again to this key on the feed's network, as the org's node
 * would, so the page gets real sealed sections it cannot read.
 */
export const FEED_ENCRYPTION_KEY = encryptionKeyPair(sha256(utf8('web inspector feed encryption')));

export interface FedNode {
  readonly node: RunningNode;
  readonly dir: string;
  readonly network: string;
  /** A token bound to no operator: reads only. */
  readonly readToken: string;
  readonly segment: string;
  /** The segment's alias at registration (its id without the `seg:` prefix). */
  readonly alias: string;
  /** An alias given later by an `object.alias` entry. */
  readonly laterAlias: string;
  /** Entry ids as the node assigned them, in the order appended. */
  readonly appended: readonly { readonly id: string; readonly object: string; readonly kind: string }[];
}

/** A real PNG (solid colour with a stripe), so the page's image preview has something to show. */
export function png(
  width: number,
  height: number,
  rgb: readonly [number, number, number],
  variant = 0,
): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    Buffer.from(data).copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const stripe = Math.abs(x - y - ((variant * 13) % width)) < 4;
      rows.set(stripe ? [255, 255, 255] : rgb, y * (width * 3 + 1) + 1 + x * 3);
    }
  }
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(rows)),
      chunk('IEND', new Uint8Array()),
    ]),
  );
}

/** The body with every attachment hash that was replaced (a PNG for a stand-in) replaced too. */
function rehash(value: CborValue, blobs: ReadonlyMap<string, Attachment>): CborValue {
  if (typeof value === 'string') {
    const swapped = blobs.get(value);
    return swapped === undefined ? value : toHex(swapped.sha256);
  }
  if (Array.isArray(value)) return value.map((v) => rehash(v, blobs));
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, rehash(v as CborValue, blobs)]),
    ) as CborValue;
  }
  return value;
}

/** The scenario entry's sealed fields, opened with the key of an org it is sealed to. */
function sealedFields(
  e: SignedEntry,
  orgs: readonly { readonly id: string; readonly encryptionKey: Parameters<typeof unsealEntry>[2] }[],
): CborMap | undefined {
  if (e.entry.sealed === undefined) return undefined;
  const readers = sealedReaders(e.entry.sealed);
  const reader = orgs.find((o) => readers.includes(o.id));
  if (reader === undefined) throw new Error(`no scenario org can open ${toHex(e.id)}`);
  return unsealEntry(e, reader.id, reader.encryptionKey);
}

async function call<T>(url: string, token: string, path: string, body: unknown, type = 'application/json') {
  const response = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body),
  });
  const json = (await response.json()) as T & { error?: { code: string; message: string } };
  if (response.status >= 300) {
    throw new Error(`POST ${path}: ${response.status} ${json.error?.code}: ${json.error?.message}`);
  }
  return json;
}

export async function feedNode(): Promise<FedNode> {
  const now = Date.now();
  // The scenario starts 60 days back so every construction record it writes is in the past.
  const s = generateScenario({ seed: 'web-inspector', segments: 3, years: 1, start: now - 60 * 86_400_000 });
  const segment = s.segments[0] as string;
  const byId = new Map(s.entries.map((e) => [toHex(e.id), e]));
  // The segment's records up to its handover, the project's, and everything those cite or follow.
  const needed = new Set<string>();
  const visit = (id: string) => {
    if (needed.has(id)) return;
    const e = byId.get(id);
    if (e === undefined) return;
    needed.add(id);
    for (const p of e.entry.parents) visit(toHex(p));
    for (const r of e.entry.refs) if ('entry' in r) visit(toHex(r.entry));
  };
  for (const e of s.entries) {
    if ((e.entry.object === segment || e.entry.object === s.project) && !e.entry.kind.startsWith('om.')) {
      visit(toHex(e.id));
    }
  }
  const feed = s.entries.filter((e) => needed.has(toHex(e.id)) && e.entry.time < now - 3_600_000);
  const first = Math.min(...feed.map((e) => e.entry.time));
  const last = Math.max(...feed.map((e) => e.entry.time));
  // Same order, compressed into [now − 22 h, now − 1 h].
  const retime = (t: number) =>
    Math.round(now - 22 * 3_600_000 + ((t - first) / Math.max(1, last - first)) * 21 * 3_600_000);

  const dir = mkdtempSync(join(tmpdir(), 'liuhen-web-'));
  cliJson(['init', '--data-dir', dir, '--org', ORG]);
  configureNode(dir, { maxBlobBytes: 1 << 20 });
  cliJson([
    'genesis',
    'create',
    '--data-dir',
    dir,
    '--legal-name',
    '深圳市排水工程示范单位',
    '--parties',
    PARTIES,
  ]);
  const readToken = cliJson<{ token: string }>(['token', '--data-dir', dir, '--name', 'web-inspector']).token;
  const nodeSeed = openSeed(readKeyFile(join(dir, 'keys', 'node.json')), PASSPHRASE);
  const node = await startNode(dir);
  const status = (await (
    await fetch(new URL('/v1/status', node.url), { headers: { authorization: `Bearer ${readToken}` } })
  ).json()) as { network: string };
  const network = fromHex(status.network);
  const post = (envelope: Uint8Array) =>
    call<{ id: string }>(node.url, readToken, '/v1/signed-entries', envelope, 'application/cbor');

  // The people who sign the fed entries, appointed on the org's log by its node key (as
  // `liuhen-node operator add` would, without a CLI process per person).
  const people = s.people.filter((p) => feed.some((e) => toHex(e.entry.signer) === toHex(p.key)));
  let previous: Uint8Array | undefined;
  for (const p of people) {
    const appointment = signEntry(
      buildEntry({
        network,
        org: ORG,
        object: `org:${ORG}`,
        kind: OPERATOR_APPOINTED,
        time: now - 23 * 3_600_000,
        signer: publicKeyFromSeed(nodeSeed),
        role: ORG_ROLE,
        body: appointmentBody({
          operator: p.key,
          name: p.name,
          roles: p.roles,
          licence: p.licence,
          idHash: p.idHash,
          validFrom: now - 90 * 86_400_000,
          validUntil: now + 365 * 86_400_000,
        }),
        parents: previous === undefined ? [] : [previous],
      }),
      nodeSeed,
    );
    await post(appointment.envelope);
    previous = appointment.id;
  }
  const seeds = new Map(people.map((p) => [toHex(p.key), p.seed]));

  // Image attachments become real PNGs (the generator's are text stand-ins); the rest go as they are.
  const blobs = new Map<string, Attachment>();
  const palette: [number, number, number][] = [
    [31, 94, 160],
    [160, 82, 45],
    [46, 125, 50],
    [123, 31, 162],
  ];
  const upload = async (a: Attachment): Promise<Attachment> => {
    const key = toHex(a.sha256);
    const known = blobs.get(key);
    if (known !== undefined) return known;
    const image = a.type.startsWith('image/');
    const data = image
      ? png(96, 64, palette[blobs.size % palette.length] as [number, number, number], blobs.size)
      : (s.blobs.get(key) as Uint8Array);
    const stored = await call<{ sha256: string; size: number }>(
      node.url,
      readToken,
      '/v1/blobs',
      data,
      'application/octet-stream',
    );
    const meta: Attachment = {
      sha256: fromHex(stored.sha256),
      size: stored.size,
      type: image ? 'image/png' : a.type,
      name: a.name,
    };
    blobs.set(key, meta);
    return meta;
  };

  const ids = new Map<string, Uint8Array>();
  const appended: { id: string; object: string; kind: string }[] = [];
  for (const e of feed) {
    const attachments: Attachment[] = [];
    for (const a of e.entry.attachments) attachments.push(await upload(a));
    const draft = {
      network,
      org: ORG,
      object: e.entry.object,
      kind: e.entry.kind,
      role: e.entry.role,
      signer: e.entry.signer,
      time: retime(e.entry.time),
      body: rehash(e.entry.body, blobs) as CborMap,
      parents: e.entry.parents.map((p) => ids.get(toHex(p)) as Uint8Array),
      refs: e.entry.refs.map((r) =>
        'entry' in r ? { ...r, entry: ids.get(toHex(r.entry)) as Uint8Array } : r,
      ),
      attachments,
      classification: e.entry.classification,
    };
    const fields = sealedFields(e, s.orgs);
    const sealed =
      fields === undefined
        ? {}
        : {
            sealed: sealFields(
              rehash(fields, blobs) as CborMap,
              [{ org: ORG, publicKey: FEED_ENCRYPTION_KEY.publicKey }],
              sealContext(draft),
            ),
          };
    const signed = signEntry(
      buildEntry({ ...draft, ...sealed }),
      seeds.get(toHex(e.entry.signer)) as Uint8Array,
    );
    await post(signed.envelope);
    ids.set(toHex(e.id), signed.id);
    appended.push({ id: toHex(signed.id), object: e.entry.object, kind: e.entry.kind });
  }
  // A census renumbering gives the segment a new alias: the page must find it by that one too.
  const laterAlias = 'SZ-WS900101-WS900102#1';
  const registered = feed.find((e) => e.entry.object === segment && e.entry.kind === 'object.alias');
  const head = [...appended].reverse().find((a) => a.object === segment);
  if (registered === undefined || head === undefined) throw new Error('the segment has no alias entry');
  const renamed = signEntry(
    buildEntry({
      network,
      org: ORG,
      object: segment,
      kind: 'object.alias',
      role: registered.entry.role,
      signer: registered.entry.signer,
      time: now - 30 * 60_000,
      body: { alias: laterAlias, scheme: 'census', validFrom: now - 40 * 60_000 },
      parents: [fromHex(head.id)],
    }),
    seeds.get(toHex(registered.entry.signer)) as Uint8Array,
  );
  await post(renamed.envelope);
  appended.push({ id: toHex(renamed.id), object: segment, kind: 'object.alias' });
  return {
    node,
    dir,
    network: status.network,
    readToken,
    segment,
    alias: segment.slice('seg:'.length),
    laterAlias,
    appended,
  };
}
