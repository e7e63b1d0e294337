/**
 * The pure node side of sealed sections (sealing.ts) and core's read audits: which fields pipe/1
 * seals, to whom at which governance position, the scoped view of the result, the grants that
 * count, and the shape of an org.read-audit entry.
 */
import {
  ACCESS_GRANT_KIND,
  buildEntry,
  buildGrant,
  buildReadAudit,
  type CborMap,
  type Entry,
  encodeEntry,
  entryId,
  generateEncryptionKeyPair,
  generateKeyPair,
  grantWraps,
  parseReadAudit,
  READ_AUDIT_KIND,
  readAuditObject,
  sealContext,
  sha256,
  toHex,
  unsealEntry,
  utf8,
} from '@liuhen/core';
import {
  ACTION_VERSION,
  type ActionChange,
  encodeGenesis,
  GovernanceState,
  networkId,
  proposeAction,
  signAction,
} from '@liuhen/governance';
import { pipeProfile } from '@liuhen/profile-pipe';
import { describe, expect, it } from 'vitest';
import { FieldClassifier, grantsOf, readersOf, sealDraft, viewFor } from '../src/sealing.ts';
import { appoint, envelope, fixture, SEGMENT, T0, testGenesis } from './fixtures.ts';

const classifier = new FieldClassifier(pipeProfile);
const ORGS = ['contractor', 'supervision', 'archive', 'lab'] as const;
const keys = Object.fromEntries(ORGS.map((o) => [o, generateEncryptionKeyPair()]));
const authority = generateKeyPair();
const AS_BUILT: CborMap = {
  chainage: [0, 48],
  points: [{ name: 'P1', xM: 500_123.25, yM: 2_501_234.5, zM: 3.25 }],
  planAccuracyMm: 12,
  heightAccuracyMm: 8,
};

/** A counter-based rng: the same bytes on every run. */
function rng(): (n: number) => Uint8Array {
  let i = 0;
  return (n) => {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const block = sha256(utf8(`sealing test ${i++}`));
      out.set(block.subarray(0, Math.min(32, n - at)), at);
      at += 32;
    }
    return out;
  };
}

function governance(): { state: GovernanceState; network: Uint8Array } {
  const genesis = {
    ...testGenesis(ORGS.map((id) => ({ id, nodeKey: generateKeyPair().publicKey }))),
    authorities: { keys: [authority.publicKey], threshold: 1 },
  };
  const parties: Record<string, string[]> = {
    contractor: ['contractor'],
    supervision: ['supervision'],
    archive: ['archive'],
    lab: ['lab'],
  };
  genesis.orgs = genesis.orgs.map((o) => ({ ...o, parties: parties[o.id] })) as never;
  const bytes = encodeGenesis(genesis);
  const state = GovernanceState.fromGenesisBytes(bytes);
  const network = networkId(bytes);
  const apply = (change: ActionChange) =>
    state.apply(
      signAction(
        proposeAction({
          version: ACTION_VERSION,
          network,
          seq: state.seq + 1,
          previous: state.head.hash,
          time: T0 + state.seq,
          ...change,
        } as never),
        authority.seed,
      ),
    );
  // lab publishes a key but is not authorised: it must not be a recipient.
  for (const org of ['contractor', 'supervision', 'lab'])
    apply({ type: 'org.set-encryption-key', body: { org, key: keys[org]?.publicKey } } as never);
  return { state, network };
}

function signedEntry(
  network: Uint8Array,
  body: CborMap,
  sealed: CborMap | undefined,
): { entry: Entry; id: Uint8Array } {
  const entry = buildEntry({
    network,
    org: 'contractor',
    object: SEGMENT,
    kind: 'survey.as-built',
    parents: [],
    time: T0,
    signer: generateKeyPair().publicKey,
    role: 'GEO',
    body,
    classification: 'restricted',
    ...(sealed === undefined ? {} : { sealed }),
  });
  return { entry, id: entryId(encodeEntry(entry)) };
}

describe('FieldClassifier', () => {
  it("classifies each top-level field by its parts' highest class", () => {
    expect(classifier.restrictedFields('survey.as-built')).toEqual([
      'heightAccuracyMm',
      'planAccuracyMm',
      'points',
    ]);
    expect(classifier.classify('survey.as-built', 'chainage')).toBe('public');
    expect(classifier.restrictedFields('design.issued')).toEqual(['downstreamInvertM', 'upstreamInvertM']);
    expect(classifier.restrictedFields('construction.joint-made')).toEqual([]);
    expect(classifier.classify('org.read-audit', 'token')).toBeUndefined();
  });
});

describe('sealDraft', () => {
  it('seals the restricted fields to the authorised orgs with a key in force, and they read them', () => {
    const { state, network } = governance();
    const out = sealDraft(
      {
        network,
        org: 'contractor',
        object: SEGMENT,
        kind: 'survey.as-built',
        body: AS_BUILT,
        classification: 'public',
      },
      { classifier, governance: state, position: state.seq, rng: rng() },
    );
    expect(out.body).toEqual({ chainage: [0, 48] });
    expect(out.classification).toBe('restricted');
    // archive is authorised (party archive) but has no key yet: left out, and said so.
    expect(out.recipients.map((r) => r.org)).toEqual(['contractor', 'supervision']);
    expect(out.missing).toEqual(['archive']);
    const signed = signedEntry(network, out.body, out.sealed);
    const fields = unsealEntry(signed, 'supervision', keys.supervision as never);
    expect(fields).toEqual({ points: AS_BUILT.points, planAccuracyMm: 12, heightAccuracyMm: 8 });
    const view = viewFor(
      signed,
      { org: 'lab', clearance: 'restricted', keys: [keys.lab as never] },
      classifier,
    );
    expect(view.sealed).toMatchObject({ restricted: true, reason: 'not-recipient' });
    const low = viewFor(
      signed,
      { org: 'supervision', clearance: 'internal', keys: [keys.supervision as never] },
      classifier,
    );
    expect(low.sealed).toMatchObject({ restricted: true, reason: 'clearance', code: 'CLEARANCE_TOO_LOW' });
    expect(low.body).toEqual({ chainage: [0, 48] });
  });

  it('leaves a draft without restricted fields alone, and refuses when nobody can be sealed to', () => {
    const { state, network } = governance();
    const joint = { joint: 'J01', type: 'rubber-ring', gasketChecked: true };
    const plain = sealDraft(
      {
        network,
        org: 'contractor',
        object: SEGMENT,
        kind: 'construction.joint-made',
        body: joint,
        classification: 'public',
      },
      { classifier, governance: state, position: state.seq },
    );
    expect(plain).toEqual({ body: joint, classification: 'public', recipients: [], missing: [] });
    // At the genesis no org has an encryption key.
    expect(() =>
      sealDraft(
        {
          network,
          org: 'contractor',
          object: SEGMENT,
          kind: 'survey.as-built',
          body: AS_BUILT,
          classification: 'public',
        },
        { classifier, governance: state, position: 0 },
      ),
    ).toThrow(expect.objectContaining({ code: 'ENCRYPTION_KEY_UNKNOWN' }));
  });
});

describe('grantsOf', () => {
  it('counts valid grants in order and skips one by an org that could not read', () => {
    const { state, network } = governance();
    const out = sealDraft(
      {
        network,
        org: 'contractor',
        object: SEGMENT,
        kind: 'survey.as-built',
        body: AS_BUILT,
        classification: 'public',
      },
      { classifier, governance: state, position: state.seq },
    );
    const original = signedEntry(network, out.body, out.sealed);
    const grant = (org: string, to: string, key: string) => {
      const wraps = grantWraps(
        original.entry.sealed,
        { dataKey: new Uint8Array(32) },
        [{ org: to, publicKey: (keys[key] as { publicKey: Uint8Array }).publicKey }],
        sealContext(original.entry),
      );
      const entry = buildEntry({
        network,
        org,
        object: SEGMENT,
        kind: ACCESS_GRANT_KIND,
        parents: [],
        refs: [{ entry: original.id, rel: 'grants' }],
        time: T0 + 1,
        signer: generateKeyPair().publicKey,
        role: 'ORG',
        body: { ephemeral: wraps.ephemeral, recipients: wraps.recipients as never },
        classification: 'internal',
      });
      return { entry, id: entryId(encodeEntry(entry)) };
    };
    // A data key that does not open the section is refused before any grant is made.
    expect(() => grant('contractor', 'archive', 'archive')).toThrow(
      expect.objectContaining({ code: 'SEAL_AEAD_FAILED' }),
    );
    const real = grantWraps(
      original.entry.sealed,
      { org: 'supervision', keys: keys.supervision as never },
      [{ org: 'archive', publicKey: (keys.archive as { publicKey: Uint8Array }).publicKey }],
      sealContext(original.entry),
    );
    const byLab = buildEntry({
      ...buildGrant(
        { org: 'supervision', signer: generateKeyPair().publicKey, time: T0 + 2 },
        original,
        real,
      ),
      org: 'lab',
    });
    const bySupervision = buildGrant(
      { org: 'supervision', signer: generateKeyPair().publicKey, time: T0 + 3 },
      original,
      real,
    );
    const trace = [
      { entry: byLab, id: entryId(encodeEntry(byLab)) },
      { entry: bySupervision, id: entryId(encodeEntry(bySupervision)) },
    ];
    const grants = grantsOf(original, trace);
    expect(grants).toHaveLength(1);
    expect([...readersOf(original, grants)].sort()).toEqual(['archive', 'contractor', 'supervision']);
    const view = viewFor(
      original,
      { org: 'archive', clearance: 'restricted', keys: [keys.archive as never] },
      classifier,
      grants,
    );
    expect(view.sealed?.restricted).toBe(false);
  });
});

describe('read audits', () => {
  it('round-trips and names the object, token and operator', () => {
    const { network } = governance();
    const read = sha256(utf8('an entry'));
    const entry = buildReadAudit({
      network,
      org: 'supervision',
      signer: generateKeyPair().publicKey,
      object: SEGMENT,
      entries: [read],
      token: 'inspector',
      operator: 'se-1',
      route: 'GET /v1/entries/:id',
      time: T0,
    });
    expect(entry.kind).toBe(READ_AUDIT_KIND);
    expect(entry.object).toBe(`reads:${SEGMENT}`);
    expect(entry.parents).toEqual([]);
    const parsed = parseReadAudit(entry);
    expect(parsed).toMatchObject({
      reader: 'supervision',
      object: SEGMENT,
      token: 'inspector',
      operator: 'se-1',
    });
    expect(parsed.entries.map(toHex)).toEqual([toHex(read)]);
    expect(() =>
      buildReadAudit({ ...parsed, network, org: 'x', signer: entry.signer, entries: [] } as never),
    ).toThrow(expect.objectContaining({ code: 'ENTRY_INVALID' }));
    const long = 'x'.repeat(256);
    expect(readAuditObject(long)).toBe(`reads:sha256:${toHex(sha256(utf8(long)))}`);
  });
});

describe('pre-signed envelopes', () => {
  it('refuse a restricted field in plain, whatever the entry is classified', async () => {
    const f = fixture();
    const node = await f.open();
    try {
      const geo = await appoint(node, f, ['GEO']);
      // The profile's classification rule (pipe/1 PIPE_CLASSIFICATION): the field is named. A
      // plain field is replicated to every node in clear, so the label does not make it safe.
      for (const classification of ['public', 'restricted'] as const) {
        const plain = { kind: 'survey.as-built', role: 'GEO', body: AS_BUILT, classification };
        await expect(node.appendSigned(envelope(f, geo, plain))).rejects.toMatchObject({
          code: 'PIPE_CLASSIFICATION',
          field: 'body.points',
        });
      }
      expect(node.size).toBe(1);
    } finally {
      await node.close();
      f.cleanup();
    }
  });
});
