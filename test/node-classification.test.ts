/**
 * Classification and access (密级, DESIGN §11, docs/protocol.md §15; issue 8) between real
 * `liuhen-node` daemons on 127.0.0.1, each with its own LevelDB, made by the offline ceremony:
 *
 * - contractor (the author; its surveyor `geo` records the as-built survey), supervision (a party
 *   the pipe/1 policy authorises for restricted data), archive (not authorised until a grant) and
 *   outsider (never authorised). Each org has an X25519 encryption key in its data directory,
 *   published through governance.
 * - The node seals the as-built geometry of an unsigned append to contractor and supervision.
 *   Outsider receives, stores, replicates and verifies the entry, cannot read it, and its whole
 *   data directory holds none of the plaintext. Supervision reads it; the read is recorded as an
 *   org.read-audit naming the token and operator. A grant lets archive read it, the sealed entry's
 *   id and bytes unchanged. After supervision's key is withdrawn, new entries are not wrapped to it.
 * - The public export verifies against the same checkpoints and holds no restricted value.
 * - Bad input: a wrong key, an altered ciphertext (AEAD failure, named against the entry), a
 *   clearance too low, a grant by an unauthorised org: each a clean coded error, nothing lost.
 *
 * Nothing here asserts timing: state is polled with generous deadlines.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEntry,
  type CborMap,
  decodeCanonical,
  type Entry,
  encodeCanonical,
  fromBase64,
  fromHex,
  generateEncryptionKeyPair,
  openEnvelope,
  signEntry,
  toBase64,
  toHex,
  unsealEntry,
} from '../packages/core/src/index.ts';
import {
  ACTION_VERSION,
  type ActionChange,
  encodeSignedAction,
  proposeAction,
  signAction,
} from '../packages/governance/src/index.ts';
import { saveEncryptionKey } from '../packages/node/src/data-dir.ts';
import { openSeed, readKeyFile } from '../packages/node/src/keystore.ts';
import { sampleBody, sampleSegment } from '../packages/profile-pipe/src/scenario/index.ts';
import { decodeBundle, verifyBundle } from '../packages/trace/src/index.ts';
import { api, operatorSeed, PASSPHRASE } from '../scripts/lib/node-process.ts';
import { GovernedNetwork } from './helpers/governance-network.ts';
import { eventually } from './helpers/network.ts';

const ORGS = ['contractor', 'supervision', 'archive', 'outsider'];
const SEGMENT = sampleSegment(7);
/** Restricted values that must never appear in plain outside the authorised orgs. */
const SECRET_POINT = 'GCP-SECRET-7731';
const POINTS = [
  { name: SECRET_POINT, xM: 500_123.4567, yM: 2_501_987.6543, zM: 3.8125 },
  { name: 'GCP-SECRET-7732', xM: 500_171.0931, yM: 2_502_010.2219, zM: 3.6875 },
];
const AS_BUILT = { chainage: [0, 48], points: POINTS, planAccuracyMm: 17.25, heightAccuracyMm: 9.75 };

interface ViewJson {
  clearance: string;
  body: Record<string, unknown>;
  withheld: string[];
  sealed?: {
    restricted: boolean;
    reason?: string;
    code?: string;
    detail?: string;
    fields?: Record<string, unknown>;
    recipients: Array<{ org: string; keyId: string; via: string }>;
    ciphertext?: string;
  };
}
interface EntryRead {
  id: string;
  org: string;
  index: number;
  envelope: string;
  entry: { sealed?: unknown; body: Record<string, unknown>; classification: string };
  view: ViewJson;
}
interface ErrorJson {
  error: { code: string; message: string };
}
interface SealAck {
  id: string;
  index: number;
  sealed?: { fields: string[]; recipients: string[]; missing: string[] };
}
interface ReadJson {
  reader: string;
  entries: string[];
  token: string;
  operator?: string;
  route: string;
}

let net: GovernedNetwork;
/** Tokens cleared for restricted content, by org ("inspector"). */
const inspector = new Map<string, string>();
/** contractor's surveyor (GEO), also cleared for restricted content. */
let geoToken = '';
const encryptionKeys = new Map<string, { publicKey: Uint8Array; keyId: Uint8Array }>();
let sealedAck: SealAck;
let plainAck: SealAck;

function token(dir: string, name: string, clearance?: string): string {
  const value = createHash('sha256').update(`${dir}/${name}`).digest('base64url');
  const path = join(dir, 'tokens.json');
  const tokens = JSON.parse(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
  tokens.push({
    sha256: createHash('sha256').update(value).digest('hex'),
    name,
    ...(clearance === undefined ? {} : { clearance }),
  });
  writeFileSync(path, JSON.stringify(tokens));
  return value;
}

/** One governance action, signed by authorities 1 and 2 in this process, submitted to contractor. */
async function govern(change: ActionChange): Promise<void> {
  const state = await net.governance('contractor');
  const seeds = [1, 2].map((n) => openSeed(readKeyFile(net.authority(n)), PASSPHRASE));
  let signed = proposeAction({
    version: ACTION_VERSION,
    network: fromHex(state.network),
    seq: state.seq + 1,
    previous: fromHex(state.head),
    time: Date.now(),
    ...change,
  } as never);
  for (const seed of seeds) signed = signAction(signed, seed);
  const r = await api<ErrorJson>(
    net.url('contractor'),
    net.token('contractor'),
    'POST',
    '/v1/governance/actions',
    {
      signedAction: toBase64(encodeSignedAction(signed)),
    },
  );
  if (r.status !== 201) throw new Error(`${change.type}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  await eventually(`governance position ${state.seq + 1} everywhere`, () => net.governanceAt(state.seq + 1));
}

function read<T>(org: string, path: string, as: string = inspector.get(org) as string) {
  return api<T>(net.url(org), as, 'GET', path);
}

async function entryOn(org: string, id: string, as?: string): Promise<EntryRead> {
  const r = await read<EntryRead>(org, `/v1/entries/${id}`, as);
  if (r.status !== 200) throw new Error(`GET entry on ${org}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function heldBy(org: string, id: string): Promise<string | undefined> {
  const r = await read<EntryRead>(org, `/v1/entries/${id}`);
  return r.status === 200 ? undefined : `${org} does not hold ${id.slice(0, 12)} yet (${r.status})`;
}

async function appendAsBuilt(n: number): Promise<SealAck> {
  const r = await api<SealAck & ErrorJson>(net.url('contractor'), geoToken, 'POST', '/v1/entries', {
    object: SEGMENT,
    kind: 'survey.as-built',
    role: 'GEO',
    time: Date.now() - 60_000 + n,
    body: { ...AS_BUILT, heightAccuracyMm: AS_BUILT.heightAccuracyMm + n },
  });
  if (r.status !== 201) throw new Error(`as-built append: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** Every byte string a restricted value of the scenario can be stored as: JSON text and CBOR. */
function restrictedNeedles(): Array<{ what: string; bytes: Buffer }> {
  const needles: Array<{ what: string; bytes: Buffer }> = [];
  for (const p of POINTS) {
    needles.push({ what: p.name, bytes: Buffer.from(p.name) });
    for (const [k, v] of Object.entries(p)) {
      if (typeof v !== 'number') continue;
      needles.push({ what: `${k} ${v} as text`, bytes: Buffer.from(String(v)) });
      needles.push({ what: `${k} ${v} as CBOR`, bytes: Buffer.from(encodeCanonical(v)) });
    }
  }
  needles.push({
    what: 'the sealed plaintext',
    bytes: Buffer.from(encodeCanonical({ points: POINTS } as CborMap)),
  });
  needles.push({
    what: 'planAccuracyMm as CBOR',
    bytes: Buffer.from(encodeCanonical(AS_BUILT.planAccuracyMm)),
  });
  return needles;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

beforeAll(async () => {
  net = await GovernedNetwork.prepare(ORGS, []);
  // contractor's key through the CLI, the others' directly: the same keystore code path.
  const made = await net.cliJson<{ encryptionKey: string; keyId: string }>([
    'encryption-key',
    'new',
    '--data-dir',
    net.dir('contractor'),
  ]);
  encryptionKeys.set('contractor', { publicKey: fromHex(made.encryptionKey), keyId: fromHex(made.keyId) });
  for (const org of ORGS.slice(1)) {
    const pair = saveEncryptionKey(net.dir(org), generateEncryptionKeyPair().secretKey, PASSPHRASE);
    encryptionKeys.set(org, pair);
  }
  const appointed = await net.cliJson<{ token: string }>([
    'operator',
    'appoint',
    '--data-dir',
    net.dir('contractor'),
    '--name',
    'geo',
    '--roles',
    'GEO',
    '--licence',
    'LIC-GEO-1',
    '--valid-from',
    new Date(Date.now() - 90 * 86_400_000).toISOString(),
  ]);
  geoToken = appointed.token;
  // The surveyor may read back what they recorded.
  const path = join(net.dir('contractor'), 'tokens.json');
  const tokens = JSON.parse(readFileSync(path, 'utf8')) as Array<{ name: string; clearance?: string }>;
  for (const t of tokens) if (t.name === 'geo') t.clearance = 'restricted';
  writeFileSync(path, JSON.stringify(tokens));
  for (const org of ORGS) inspector.set(org, token(net.dir(org), `inspector-${org}`, 'restricted'));
  // One after another: four daemons starting at once on a loaded 2-core machine outlast the
  // start deadline; each finds the others by their fixed addresses as they come up.
  for (const org of ORGS) await net.start(org);
  await eventually('the mesh', () => net.meshed(ORGS));
  await govern({ type: 'org.set-parties', body: { org: 'supervision', parties: ['supervision'] } } as never);
  for (const org of ORGS) {
    const key = encryptionKeys.get(org) as { publicKey: Uint8Array };
    await govern({ type: 'org.set-encryption-key', body: { org, key: key.publicKey } } as never);
  }
  sealedAck = await appendAsBuilt(0);
  const plain = await api<SealAck>(net.url('contractor'), net.token('contractor'), 'POST', '/v1/entries', {
    object: SEGMENT,
    kind: 'construction.joint-made',
    role: 'QI',
    time: Date.now() - 30_000,
    body: sampleBody('construction.joint-made', 3),
  });
  if (plain.status !== 201) throw new Error(`joint append: ${plain.status} ${JSON.stringify(plain.json)}`);
  plainAck = plain.json;
  await eventually('replication of the sealed entry', async () => {
    for (const org of ORGS) {
      const missing = (await heldBy(org, sealedAck.id)) ?? (await heldBy(org, plainAck.id));
      if (missing !== undefined) return missing;
    }
    return undefined;
  });
}, 600_000);

afterAll(async () => {
  await net?.close();
});

describe('sealing on append', () => {
  it('seals the restricted fields to the authorised orgs and keeps the rest plain', async () => {
    expect(sealedAck.sealed).toEqual({
      fields: ['heightAccuracyMm', 'planAccuracyMm', 'points'],
      recipients: ['contractor', 'supervision'],
      missing: [],
    });
    expect(plainAck.sealed).toBeUndefined();
    const stored = await entryOn('contractor', sealedAck.id);
    expect(stored.entry.classification).toBe('restricted');
    expect(stored.entry.body).toEqual({ chainage: [0, 48] });
    const { entry } = openEnvelope(fromBase64(stored.envelope));
    expect(entry.sealed).toBeDefined();
    expect(Object.keys(entry.body)).toEqual(['chainage']);
  });
});

describe('an unauthorised org', () => {
  it('stores, replicates and verifies the sealed entry but cannot read it', async () => {
    const seen = await entryOn('outsider', sealedAck.id);
    expect(seen.id).toBe(sealedAck.id);
    expect(seen.view.sealed).toMatchObject({
      restricted: true,
      reason: 'not-recipient',
      code: 'SEAL_NOT_RECIPIENT',
    });
    expect(seen.view.sealed?.recipients.map((r) => r.org)).toEqual(['contractor', 'supervision']);
    expect(typeof seen.view.sealed?.ciphertext).toBe('string');
    expect(seen.view.body).toEqual({ chainage: [0, 48] });
    // The whole trace verifies offline from outsider's copy, against the network id alone.
    const bundle = await fetch(
      new URL(`/v1/objects/${encodeURIComponent(SEGMENT)}/bundle`, net.url('outsider')),
      {
        headers: { authorization: `Bearer ${inspector.get('outsider')}` },
      },
    );
    expect(bundle.status).toBe(200);
    const report = verifyBundle(decodeBundle(new Uint8Array(await bundle.arrayBuffer())), {
      object: SEGMENT,
      anchor: { networkId: fromHex(net.networkId) },
    });
    expect(report.report.verdict).not.toBe('failed');
  });

  it('holds none of the plaintext anywhere in its data directory', async () => {
    const ciphertext = openEnvelope(fromBase64((await entryOn('outsider', sealedAck.id)).envelope)).entry
      .sealed?.ciphertext as Uint8Array;
    await net.stop('outsider');
    const files = filesUnder(net.dir('outsider')).map((f) => readFileSync(f));
    // The search sees stored entries: the ciphertext is there.
    expect(files.some((bytes) => bytes.includes(Buffer.from(ciphertext.subarray(0, 24))))).toBe(true);
    for (const needle of restrictedNeedles()) {
      const found = files.some((bytes) => bytes.includes(needle.bytes));
      expect(found, needle.what).toBe(false);
    }
    await net.start('outsider');
  }, 120_000);
});

describe('authorised reads', () => {
  it('an authorised org reads the plaintext, and the read is audited', async () => {
    const seen = await entryOn('supervision', sealedAck.id);
    expect(seen.view.sealed?.restricted).toBe(false);
    expect(seen.view.sealed?.fields).toEqual({
      points: POINTS,
      planAccuracyMm: AS_BUILT.planAccuracyMm,
      heightAccuracyMm: AS_BUILT.heightAccuracyMm,
    });
    const reads = await read<{ reads: ReadJson[] }>(
      'supervision',
      `/v1/objects/${encodeURIComponent(SEGMENT)}/reads`,
    );
    expect(reads.status).toBe(200);
    expect(reads.json.reads).toContainEqual(
      expect.objectContaining({
        reader: 'supervision',
        token: 'inspector-supervision',
        entries: [sealedAck.id],
        route: 'GET /v1/entries/:id',
      }),
    );
  });

  it("the author's surveyor reads back the trace; the audit names the operator, and every node lists it", async () => {
    const trace = await read<{ entries: Array<{ id: string; view: ViewJson }> }>(
      'contractor',
      `/v1/objects/${encodeURIComponent(SEGMENT)}`,
      geoToken,
    );
    expect(trace.status).toBe(200);
    const sealed = trace.json.entries.find((e) => e.id === sealedAck.id);
    expect(sealed?.view.sealed?.restricted).toBe(false);
    await eventually('the read audit on outsider', async () => {
      const r = await read<{ reads: ReadJson[] }>(
        'outsider',
        `/v1/objects/${encodeURIComponent(SEGMENT)}/reads`,
      );
      const geo = r.json.reads.find((x) => x.operator === 'geo');
      return geo?.reader === 'contractor' && geo.token === 'geo' ? undefined : 'not yet';
    });
  });

  it('a token cleared below restricted sees the marker, and no read is recorded', async () => {
    const before = (
      await read<{ reads: ReadJson[] }>('supervision', `/v1/objects/${encodeURIComponent(SEGMENT)}/reads`)
    ).json.reads.length;
    const low = await entryOn('supervision', sealedAck.id, net.token('supervision'));
    expect(low.view.clearance).toBe('internal');
    expect(low.view.sealed).toMatchObject({
      restricted: true,
      reason: 'clearance',
      code: 'CLEARANCE_TOO_LOW',
    });
    const asked = await read<ErrorJson>(
      'supervision',
      `/v1/entries/${sealedAck.id}?clearance=restricted`,
      net.token('supervision'),
    );
    expect(asked.status).toBe(403);
    expect(asked.json.error.code).toBe('CLEARANCE_TOO_LOW');
    const lowered = await read<EntryRead>('supervision', `/v1/entries/${sealedAck.id}?clearance=public`);
    expect(lowered.json.view.sealed).toMatchObject({ restricted: true, reason: 'clearance' });
    const after = (
      await read<{ reads: ReadJson[] }>('supervision', `/v1/objects/${encodeURIComponent(SEGMENT)}/reads`)
    ).json.reads.length;
    expect(after).toBe(before);
  });
});

describe('grants', () => {
  it('refuses a grant by an org that cannot read the entry', async () => {
    const r = await api<ErrorJson>(
      net.url('outsider'),
      inspector.get('outsider') as string,
      'POST',
      `/v1/entries/${sealedAck.id}/grants`,
      {
        orgs: ['outsider'],
      },
    );
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('GRANT_UNAUTHORIZED');
    const low = await api<ErrorJson>(
      net.url('contractor'),
      net.token('contractor'),
      'POST',
      `/v1/entries/${sealedAck.id}/grants`,
      {
        orgs: ['archive'],
      },
    );
    expect(low.status).toBe(403);
    expect(low.json.error.code).toBe('CLEARANCE_TOO_LOW');
  });

  it('a grant lets archive read, the sealed entry unchanged', async () => {
    const before = await entryOn('archive', sealedAck.id);
    expect(before.view.sealed).toMatchObject({ restricted: true, reason: 'not-recipient' });
    const r = await api<{ id: string; grants: string; recipients: Array<{ org: string }> } & ErrorJson>(
      net.url('contractor'),
      inspector.get('contractor') as string,
      'POST',
      `/v1/entries/${sealedAck.id}/grants`,
      { orgs: ['archive'], reason: 'completion archive (城建档案)' },
    );
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.grants).toBe(sealedAck.id);
    await eventually('the grant on archive', async () => heldBy('archive', r.json.id));
    const after = await entryOn('archive', sealedAck.id);
    expect(after.id).toBe(before.id);
    expect(after.envelope).toBe(before.envelope);
    expect(after.view.sealed?.restricted).toBe(false);
    expect(after.view.sealed?.fields?.points).toEqual(POINTS);
    expect(after.view.sealed?.recipients).toContainEqual(
      expect.objectContaining({ org: 'archive', via: 'grant' }),
    );
  });
});

describe('key withdrawal', () => {
  it('entries sealed after a withdrawal are not wrapped to the withdrawn key', async () => {
    const key = encryptionKeys.get('supervision') as { keyId: Uint8Array };
    await govern({
      type: 'org.remove-encryption-key',
      body: { org: 'supervision', keyId: key.keyId, reason: 'key custodian left' },
    } as never);
    const later = await appendAsBuilt(1);
    expect(later.sealed?.recipients).toEqual(['contractor']);
    expect(later.sealed?.missing).toEqual(['supervision']);
    await eventually('the later entry on supervision', () => heldBy('supervision', later.id));
    const seen = await entryOn('supervision', later.id);
    expect(seen.view.sealed).toMatchObject({ restricted: true, reason: 'not-recipient' });
    // What was sealed to the key before stays readable with it.
    expect((await entryOn('supervision', sealedAck.id)).view.sealed?.restricted).toBe(false);
  });
});

describe('public disclosure', () => {
  it('export-public verifies against the same checkpoints and holds no restricted value', async () => {
    const out = net.file('public.json');
    const r = await net.cli([
      'export-public',
      SEGMENT,
      '--node',
      net.url('contractor'),
      '--token',
      inspector.get('contractor') as string,
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const bytes = readFileSync(out);
    for (const needle of restrictedNeedles()) expect(bytes.includes(needle.bytes), needle.what).toBe(false);
    const file = JSON.parse(bytes.toString('utf8')) as {
      exports: Array<{ object: string; bundle: string; entries: Array<{ id: string; view: ViewJson }> }>;
    };
    const [one] = file.exports;
    expect(one?.object).toBe(SEGMENT);
    const bundle = decodeBundle(fromBase64(one?.bundle as string));
    // The bundle's envelopes carry the restricted fields only as ciphertext.
    const decoded = Buffer.from(fromBase64(one?.bundle as string));
    for (const needle of restrictedNeedles()) expect(decoded.includes(needle.bytes), needle.what).toBe(false);
    const report = verifyBundle(bundle, { object: SEGMENT, anchor: { networkId: fromHex(net.networkId) } });
    expect(report.report.verdict).not.toBe('failed');
    const sealedView = one?.entries.find((e) => e.id === sealedAck.id)?.view;
    expect(sealedView?.sealed).toMatchObject({ restricted: true, reason: 'clearance' });
    expect(sealedView?.sealed?.ciphertext).toBeUndefined();
    // The same signed checkpoints as the full bundle of the author's node.
    const full = await fetch(
      new URL(`/v1/objects/${encodeURIComponent(SEGMENT)}/bundle`, net.url('contractor')),
      {
        headers: { authorization: `Bearer ${inspector.get('contractor')}` },
      },
    );
    const fullBundle = decodeBundle(new Uint8Array(await full.arrayBuffer()));
    const checkpointText = (b: typeof bundle) =>
      b.logs.flatMap((l) => l.checkpoints.map((c) => c.note.split('\n\n')[0]));
    for (const text of checkpointText(bundle)) expect(checkpointText(fullBundle)).toContain(text);
  }, 60_000);
});

describe('bad input', () => {
  it('a wrong key does not open the section: SEAL_WRONG_KEY', async () => {
    const signed = openEnvelope(fromBase64((await entryOn('contractor', sealedAck.id)).envelope));
    expect(() => unsealEntry(signed, 'supervision', generateEncryptionKeyPair())).toThrow(
      expect.objectContaining({ code: 'SEAL_WRONG_KEY' }),
    );
  });

  it('an altered ciphertext is reported against the entry (AEAD failure), and nothing is lost', async () => {
    const original = openEnvelope(fromBase64((await entryOn('contractor', sealedAck.id)).envelope));
    const sealed = original.entry.sealed as CborMap;
    const ciphertext = (sealed.ciphertext as Uint8Array).slice();
    ciphertext[3] = (ciphertext[3] as number) ^ 0x01;
    // A dishonest author signs an entry whose section was altered after sealing.
    const forged: Entry = buildEntry({
      ...original.entry,
      time: original.entry.time + 1,
      parents: [fromHex(plainAck.id)],
      sealed: { ...sealed, ciphertext },
    });
    const envelope = signEntry(forged, operatorSeed(net.dir('contractor'), 'geo')).envelope;
    const appended = await api<{ id: string } & ErrorJson>(
      net.url('contractor'),
      inspector.get('contractor') as string,
      'POST',
      '/v1/signed-entries',
      {
        envelope: toBase64(envelope),
      },
    );
    expect(appended.status, JSON.stringify(appended.json)).toBe(201);
    await eventually('the altered entry on supervision', () => heldBy('supervision', appended.json.id));
    const seen = await entryOn('contractor', appended.json.id);
    expect(seen.view.sealed).toMatchObject({
      restricted: true,
      reason: 'unreadable',
      code: 'SEAL_AEAD_FAILED',
    });
    expect(seen.view.sealed?.detail).toContain(appended.json.id);
    const grant = await api<ErrorJson>(
      net.url('contractor'),
      inspector.get('contractor') as string,
      'POST',
      `/v1/entries/${appended.json.id}/grants`,
      {
        orgs: ['archive'],
      },
    );
    expect(grant.status).toBe(422);
    expect(grant.json.error.code).toBe('SEAL_AEAD_FAILED');
    // The honest entry is untouched and still reads.
    const honest = await entryOn('contractor', sealedAck.id);
    expect(honest.view.sealed?.restricted).toBe(false);
    expect(decodeCanonical(encodeCanonical(honest.view.sealed?.fields as CborMap))).toBeDefined();
  });

  it('the node keeps serving after every refusal, its log intact', async () => {
    const status = await net.status('contractor');
    expect(status.log.pending).toBe(0);
    const trace = await read<{ entries: Array<{ id: string }> }>(
      'contractor',
      `/v1/objects/${encodeURIComponent(SEGMENT)}`,
    );
    expect(trace.json.entries.map((e) => e.id)).toEqual(expect.arrayContaining([sealedAck.id, plainAck.id]));
    expect(toHex(fromHex(sealedAck.id))).toBe(sealedAck.id);
  });
});
