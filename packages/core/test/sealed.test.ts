import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { portableBackend } from '../src/backend/portable.ts';
import { concatBytes, equalBytes, fromHex, toHex, utf8 } from '../src/bytes.ts';
import { decodeCanonical, encodeCanonical } from '../src/cbor.ts';
import { publicKeyFromSeed } from '../src/ed25519.ts';
import { buildEntry, type CborMap, type Entry, openEnvelope, signEntry } from '../src/entry.ts';
import { failureCode, LiuhenError } from '../src/errors.ts';
import { sha256 } from '../src/hash.ts';
import {
  ACCESS_GRANT_KIND,
  buildGrant,
  checkGrant,
  encryptionKeyId,
  encryptionKeyPair,
  generateEncryptionKeyPair,
  grantWraps,
  parseGrant,
  parseSealed,
  SEAL_CONTENT_CONTEXT,
  sealContext,
  sealedReaders,
  sealedToCbor,
  sealFields,
  splitRestricted,
  unsealEntry,
  unsealFields,
  unsealWithDataKey,
  unwrapDataKey,
  type WrapSet,
} from '../src/sealed.ts';
import { clearanceCovers, publicView, requireClearance, scopedView } from '../src/sealed-view.ts';
import {
  fixedRng,
  keys,
  network,
  nodeSeeds,
  recipientOf,
  restrictedFields,
  sealedDraft,
  signedSealed,
} from './sealed-fixtures.ts';

const contains = (haystack: Uint8Array, needle: Uint8Array) =>
  Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;
const marker = utf8('SECRET-MARKER-7f3a');
const k = (org: string) => keys[org] as NonNullable<(typeof keys)[string]>;

function thrown(fn: () => unknown): LiuhenError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LiuhenError) return error;
    throw error;
  }
  throw new Error('expected a LiuhenError');
}

function unsealed<T extends { sealed?: CborMap }>(value: T): Omit<T, 'sealed'> {
  const { sealed: _sealed, ...rest } = value;
  return rest;
}

/** A sealed section with one field replaced, re-validated through a fresh map. */
function withSealed(entry: Entry, change: (sealed: CborMap) => CborMap): Entry {
  return { ...entry, sealed: change({ ...(entry.sealed as CborMap) }) };
}

describe('sealed sections: sealing and unsealing', () => {
  it('every recipient opens the section with its own key; the fields round-trip exactly', () => {
    const signed = signedSealed(['contractor', 'supervision', 'utility']);
    for (const org of ['contractor', 'supervision', 'utility']) {
      const fields = unsealEntry(signed, org, k(org));
      expect(encodeCanonical(fields)).toEqual(encodeCanonical(restrictedFields));
      // A raw secret works as well as a derived key pair, and so does a list of keys.
      expect(unsealEntry(signed, org, k(org).secretKey)).toEqual(fields);
      expect(unsealEntry(signed, org, [k('lab'), k(org)])).toEqual(fields);
    }
  });

  it('is deterministic for a fixed rng, and the portable and node backends agree both ways', () => {
    const a = sealedDraft(['utility', 'contractor'], {}, fixedRng('same'));
    const b = sealedDraft(['contractor', 'utility'], {}, fixedRng('same'));
    expect(encodeCanonical(a.sealed as CborMap)).toEqual(encodeCanonical(b.sealed as CborMap));
    const context = sealContext(a);
    const viaNoble = sealFields(restrictedFields, [recipientOf('utility')], context, {
      rng: fixedRng('x'),
      backend: portableBackend,
    });
    const viaNode = sealFields(restrictedFields, [recipientOf('utility')], context, fixedRng('x'));
    expect(encodeCanonical(viaNoble)).toEqual(encodeCanonical(viaNode));
    expect(
      unsealFields(viaNode, 'utility', k('utility').secretKey, context, { backend: portableBackend }),
    ).toEqual(restrictedFields);
  });

  it('puts recipients in canonical order, with key id = SHA-256(public key)', () => {
    const section = parseSealed(sealedDraft(['utility', 'archive', 'supervision']).sealed);
    expect(section.recipients.map((r) => r.org)).toEqual(['archive', 'supervision', 'utility']);
    for (const r of section.recipients) {
      expect(r.keyId).toEqual(sha256(k(r.org).publicKey));
      expect(r.wrappedKey.length).toBe(48);
    }
    expect(sealedReaders(sealedDraft(['utility', 'archive']).sealed)).toEqual(['archive', 'utility']);
  });

  it('an unauthorised org cannot read: SEAL_NOT_RECIPIENT; a recipient with another key: SEAL_WRONG_KEY', () => {
    const signed = signedSealed(['contractor', 'supervision']);
    expect(thrown(() => unsealEntry(signed, 'lab', k('lab'))).code).toBe('SEAL_NOT_RECIPIENT');
    // Holding another org's key does not make the lab a recipient.
    expect(thrown(() => unsealEntry(signed, 'lab', k('contractor'))).code).toBe('SEAL_NOT_RECIPIENT');
    const wrong = thrown(() => unsealEntry(signed, 'supervision', k('utility')));
    expect(wrong.code).toBe('SEAL_WRONG_KEY');
    expect(wrong.message).toContain(toHex(signed.id));
    // The right key id under a different org name does not help either.
    expect(thrown(() => unsealEntry(signed, 'utility', k('supervision'))).code).toBe('SEAL_NOT_RECIPIENT');
  });

  it('any node verifies a sealed entry without a key; the envelope holds no plaintext', () => {
    const signed = signedSealed();
    const opened = openEnvelope(signed.envelope, { network });
    expect(opened.id).toEqual(sha256(signed.entryBytes));
    expect(opened.entry.sealed).toBeDefined();
    expect(contains(signed.envelope, marker)).toBe(false);
    expect(contains(signed.envelope, restrictedFields.foremanIdHash as Uint8Array)).toBe(false);
    expect(contains(signed.envelope, encodeCanonical(restrictedFields))).toBe(false);
    // The signature covers the ciphertext: one flipped bit in it and the envelope no longer opens.
    const section = parseSealed(signed.entry.sealed);
    // The Merkle leaf hashes the envelope, which holds the ciphertext verbatim.
    expect(contains(signed.envelope, section.ciphertext)).toBe(true);
    const at = Buffer.from(signed.envelope).indexOf(Buffer.from(section.ciphertext));
    const tampered = signed.envelope.slice();
    tampered[at + 3] = (tampered[at + 3] as number) ^ 1;
    expect(failureCode(() => openEnvelope(tampered, { network }))).toBe('SIGNATURE_INVALID');
  });

  it('a tampered ciphertext, nonce or wrapped key fails as SEAL_AEAD_FAILED naming the entry and section', () => {
    const signed = signedSealed();
    const flip = (bytes: Uint8Array, i = 0) => {
      const out = bytes.slice();
      out[i] = (out[i] as number) ^ 0x80;
      return out;
    };
    const section = parseSealed(signed.entry.sealed);
    const cases: [string, CborMap][] = [
      ['ciphertext', { ...sealedToCbor(section), ciphertext: flip(section.ciphertext, 5) }],
      ['nonce', { ...sealedToCbor(section), nonce: flip(section.nonce) }],
      [
        'wrappedKey',
        sealedToCbor({
          ...section,
          recipients: section.recipients.map((w) =>
            w.org === 'utility' ? { ...w, wrappedKey: flip(w.wrappedKey, 47) } : w,
          ),
        }),
      ],
    ];
    for (const [what, sealed] of cases) {
      const error = thrown(() =>
        unsealEntry({ entry: { ...signed.entry, sealed }, id: signed.id }, 'utility', k('utility')),
      );
      expect(error.code, what).toBe('SEAL_AEAD_FAILED');
      expect(error.message, what).toContain(toHex(signed.id));
      expect(error.message, what).toMatch(/sealed\.(ciphertext|recipients\[\d\])/);
    }
    // With the data key in hand the content check itself reports sealed.ciphertext.
    const dataKey = unwrapDataKey(signed.entry.sealed, 'utility', k('utility'), sealContext(signed.entry));
    const error = thrown(() =>
      unsealWithDataKey(cases[0]?.[1], dataKey, sealContext(signed.entry, signed.id)),
    );
    expect(error.code).toBe('SEAL_AEAD_FAILED');
    expect(error.message).toContain('sealed.ciphertext');
  });

  it('the section is bound to its entry: another network, org, object or kind does not open it', () => {
    const signed = signedSealed();
    const base = sealContext(signed.entry);
    for (const context of [
      { ...base, network: sha256(utf8('other network')) },
      { ...base, org: 'supervision' },
      { ...base, object: 'seg:SZ-WS000999-WS001000#1' },
      { ...base, kind: 'construction.joint-made' },
    ]) {
      expect(thrown(() => unsealFields(signed.entry.sealed, 'utility', k('utility'), context)).code).toBe(
        'SEAL_AEAD_FAILED',
      );
    }
  });

  it('a wrap moved to another entry fails, even to the same recipient and author', () => {
    const a = signedSealed(['contractor', 'utility'], {}, fixedRng('entry a'));
    const b = signedSealed(['contractor', 'utility'], { time: 1_778_558_500_000 }, fixedRng('entry b'));
    expect(sealContext(a.entry)).toEqual(sealContext(b.entry));
    const sa = parseSealed(a.entry.sealed);
    const sb = parseSealed(b.entry.sealed);
    // B's ephemeral key and utility wrap, grafted into A's section.
    const grafted = sealedToCbor({ ...sa, ephemeral: sb.ephemeral, recipients: sb.recipients });
    const error = thrown(() =>
      unsealEntry({ entry: { ...a.entry, sealed: grafted }, id: a.id }, 'utility', k('utility')),
    );
    expect(error.code).toBe('SEAL_AEAD_FAILED');
    // B's wraps offered as if they were a grant of A.
    const asGrant: WrapSet = { ephemeral: sb.ephemeral, recipients: sb.recipients };
    const onlyContractor = sealedToCbor({
      ...sa,
      recipients: sa.recipients.filter((w) => w.org === 'contractor'),
    });
    expect(
      thrown(() =>
        unsealFields(onlyContractor, 'utility', k('utility'), sealContext(a.entry), { grants: [asGrant] }),
      ).code,
    ).toBe('SEAL_AEAD_FAILED');
    // A bogus wrap before a good one does not hide it.
    const good = grantWraps(
      onlyContractor,
      { org: 'contractor', keys: k('contractor') },
      [recipientOf('utility')],
      sealContext(a.entry),
    );
    expect(
      unsealFields(onlyContractor, 'utility', k('utility'), sealContext(a.entry), {
        grants: [asGrant, good],
      }),
    ).toEqual(restrictedFields);
  });

  it('refuses bad recipients and inputs with typed errors', () => {
    const context = sealContext(sealedDraft());
    const pk = k('utility').publicKey;
    expect(failureCode(() => sealFields(restrictedFields, [], context))).toBe('SEAL_MALFORMED');
    expect(failureCode(() => sealFields({}, [recipientOf('utility')], context))).toBe('SEAL_MALFORMED');
    expect(
      failureCode(() =>
        sealFields(restrictedFields, [recipientOf('utility'), recipientOf('utility')], context),
      ),
    ).toBe('SEAL_MALFORMED');
    expect(
      failureCode(() => sealFields(restrictedFields, [{ org: 'bad org', publicKey: pk }], context)),
    ).toBe('SEAL_MALFORMED');
    expect(
      failureCode(() => sealFields(restrictedFields, [{ org: 'u', publicKey: new Uint8Array(32) }], context)),
    ).toBe('SEAL_KEY_INVALID');
    expect(
      failureCode(() =>
        sealFields(restrictedFields, [{ org: 'u', publicKey: pk, keyId: new Uint8Array(32) }], context),
      ),
    ).toBe('SEAL_KEY_INVALID');
    expect(
      failureCode(() =>
        sealFields(restrictedFields, [recipientOf('utility')], { ...context, network: new Uint8Array(3) }),
      ),
    ).toBe('SEAL_MALFORMED');
    expect(failureCode(() => encryptionKeyPair(new Uint8Array(31)))).toBe('SEAL_KEY_INVALID');
    expect(
      failureCode(() => unsealEntry({ entry: buildEntry(unsealed(sealedDraft())) }, 'utility', k('utility'))),
    ).toBe('SEAL_MALFORMED');
  });

  it('a plaintext that is not a non-empty canonical map is SEAL_MALFORMED, after authentication', () => {
    // Encrypted by hand with the data key, as a faulty author would.
    const signed = signedSealed(['utility']);
    const context = sealContext(signed.entry);
    const dataKey = unwrapDataKey(signed.entry.sealed, 'utility', k('utility'), context);
    expect(unsealWithDataKey(signed.entry.sealed, dataKey, context)).toEqual(restrictedFields);
    const { org, kind, object } = context;
    const aad = concatBytes(
      SEAL_CONTENT_CONTEXT,
      encodeCanonical({ org, kind, object, network: context.network }),
    );
    const section = parseSealed(signed.entry.sealed);
    for (const plaintext of [
      encodeCanonical([1, 2]),
      encodeCanonical({}),
      fromHex('a2616201616101'),
      fromHex('ff'),
    ]) {
      const ciphertext = xchacha20poly1305(dataKey, section.nonce, aad).encrypt(plaintext);
      const sealed = sealedToCbor({ ...section, ciphertext });
      expect(failureCode(() => unsealWithDataKey(sealed, dataKey, context))).toBe('SEAL_MALFORMED');
    }
    expect(failureCode(() => unsealWithDataKey(signed.entry.sealed, dataKey.subarray(1), context))).toBe(
      'SEAL_KEY_INVALID',
    );
  });

  it('splits a body into plain and restricted fields by name', () => {
    const body = { depth: 2.85, asBuilt: [1, 2], idHash: new Uint8Array(32), method: 'RTK' };
    const restricted = new Set(['asBuilt', 'idHash']);
    const split = splitRestricted(body, (f) => restricted.has(f));
    expect(split.body).toEqual({ depth: 2.85, method: 'RTK' });
    expect(split.restricted).toEqual({ asBuilt: [1, 2], idHash: new Uint8Array(32) });
    expect(splitRestricted(body, () => false).restricted).toBeUndefined();
  });

  it('generates distinct key pairs whose ids are the SHA-256 of the public key', () => {
    const a = generateEncryptionKeyPair();
    const b = generateEncryptionKeyPair();
    expect(equalBytes(a.publicKey, b.publicKey)).toBe(false);
    expect(a.keyId).toEqual(encryptionKeyId(a.publicKey));
    expect(encryptionKeyPair(a.secretKey).publicKey).toEqual(a.publicKey);
  });
});

describe('grants', () => {
  const original = signedSealed(['contractor', 'supervision']);
  const context = sealContext(original.entry, original.id);
  const nodeKey = (org: string) => publicKeyFromSeed(nodeSeeds[org] as Uint8Array);

  function grantBy(org: string, to: string[], wraps?: WrapSet) {
    const set =
      wraps ??
      grantWraps(
        original.entry.sealed,
        { org, keys: k(org) },
        to.map(recipientOf),
        context,
        fixedRng(`grant ${org}`),
      );
    return signEntry(
      buildGrant(
        { org, signer: nodeKey(org), time: 1_778_600_000_000, reason: 'maintenance contract 2031' },
        original,
        set,
      ),
      nodeSeeds[org] as Uint8Array,
    );
  }

  it('lets a new org read, while the original entry keeps its bytes, id and signature', () => {
    const before = {
      bytes: original.entryBytes.slice(),
      id: original.id.slice(),
      sig: original.signature.slice(),
    };
    expect(thrown(() => unsealEntry(original, 'utility', k('utility'))).code).toBe('SEAL_NOT_RECIPIENT');

    const grant = grantBy('supervision', ['utility', 'archive']);
    const opened = openEnvelope(grant.envelope, { network });
    expect(opened.entry.kind).toBe(ACCESS_GRANT_KIND);
    expect(opened.entry.role).toBe('ORG');
    expect(opened.entry.object).toBe(original.entry.object);
    expect(opened.entry.refs).toEqual([{ entry: original.id, rel: 'grants' }]);
    const checked = checkGrant(opened.entry, original);
    expect(checked.grantor).toBe('supervision');
    expect(checked.reason).toBe('maintenance contract 2031');

    for (const org of ['utility', 'archive']) {
      expect(unsealEntry(original, org, k(org), { grants: [checked.wraps] })).toEqual(restrictedFields);
    }
    expect(sealedReaders(original.entry.sealed, [checked.wraps])).toEqual([
      'archive',
      'contractor',
      'supervision',
      'utility',
    ]);
    // Nothing about the original changed, and it still opens and verifies as before.
    const again = openEnvelope(original.envelope, { network });
    expect(again.entryBytes).toEqual(before.bytes);
    expect(again.id).toEqual(before.id);
    expect(again.signature).toEqual(before.sig);
    expect(contains(grant.envelope, marker)).toBe(false);
  });

  it('is refused when the grantor could not read the entry', () => {
    // The lab holds no wrap: it cannot even make one.
    expect(
      thrown(() =>
        grantWraps(original.entry.sealed, { org: 'lab', keys: k('lab') }, [recipientOf('utility')], context),
      ).code,
    ).toBe('SEAL_NOT_RECIPIENT');
    // With a data key obtained elsewhere it can make wraps, but not a grant that checks.
    const dataKey = unwrapDataKey(original.entry.sealed, 'contractor', k('contractor'), context);
    const wraps = grantWraps(original.entry.sealed, { dataKey }, [recipientOf('utility')], context);
    expect(thrown(() => grantBy('lab', [], wraps)).code).toBe('GRANT_UNAUTHORIZED');
    const forged = {
      ...buildGrant({ org: 'supervision', signer: nodeKey('supervision'), time: 1 }, original, wraps),
      org: 'lab',
    };
    expect(thrown(() => checkGrant(forged, original)).code).toBe('GRANT_UNAUTHORIZED');
    // An org that reads through an earlier grant may grant on, when the checker is told so.
    const first = checkGrant(grantBy('supervision', ['utility']).entry, original);
    const onward = grantWraps(
      original.entry.sealed,
      { org: 'utility', keys: k('utility'), grants: [first.wraps] },
      [recipientOf('archive')],
      context,
    );
    const second = buildGrant({ org: 'utility', signer: nodeKey('utility'), time: 2 }, original, onward, {
      readers: ['utility'],
    });
    expect(thrown(() => checkGrant(second, original)).code).toBe('GRANT_UNAUTHORIZED');
    const ok = checkGrant(second, original, { readers: sealedReaders(original.entry.sealed, [first.wraps]) });
    expect(unsealEntry(original, 'archive', k('archive'), { grants: [first.wraps, ok.wraps] })).toEqual(
      restrictedFields,
    );
  });

  it('a key that does not open the section, or a bogus data key, makes no wraps', () => {
    expect(
      thrown(() =>
        grantWraps(
          original.entry.sealed,
          { org: 'supervision', keys: k('utility') },
          [recipientOf('lab')],
          context,
        ),
      ).code,
    ).toBe('SEAL_WRONG_KEY');
    expect(
      thrown(() =>
        grantWraps(original.entry.sealed, { dataKey: new Uint8Array(32) }, [recipientOf('lab')], context),
      ).code,
    ).toBe('SEAL_AEAD_FAILED');
  });

  it('checks the citation, the shape and, when asked, the recipients’ keys', () => {
    const grant = grantBy('contractor', ['utility']).entry;
    const other = signedSealed(['contractor'], { object: 'seg:SZ-WS000200-WS000201#1' });
    expect(thrown(() => checkGrant(grant, other)).code).toBe('GRANT_INVALID');
    expect(thrown(() => checkGrant({ ...grant, kind: 'org.something' }, original)).code).toBe(
      'GRANT_INVALID',
    );
    expect(thrown(() => checkGrant({ ...grant, refs: [] }, original)).code).toBe('GRANT_INVALID');
    expect(
      thrown(() =>
        checkGrant({ ...grant, refs: [...grant.refs, { entry: other.id, rel: 'grants' }] }, original),
      ).code,
    ).toBe('GRANT_INVALID');
    expect(thrown(() => checkGrant({ ...grant, body: { ...grant.body, extra: 1 } }, original)).code).toBe(
      'GRANT_INVALID',
    );
    expect(thrown(() => checkGrant({ ...grant, body: { ...grant.body, reason: '' } }, original)).code).toBe(
      'GRANT_INVALID',
    );
    expect(thrown(() => checkGrant({ ...grant, object: 'seg:X#1' }, original)).code).toBe('GRANT_INVALID');
    const unsealedOriginal = { entry: unsealed(original.entry) as Entry, id: original.id };
    expect(thrown(() => checkGrant(grant, unsealedOriginal)).code).toBe('GRANT_INVALID');
    expect(parseGrant(grant).target).toEqual(original.id);
    const known = (org: string, keyId: Uint8Array) =>
      org === 'utility' && equalBytes(keyId, k('utility').keyId);
    expect(checkGrant(grant, original, { isEncryptionKey: known }).grantor).toBe('contractor');
    expect(thrown(() => checkGrant(grant, original, { isEncryptionKey: () => false })).code).toBe(
      'ENCRYPTION_KEY_UNKNOWN',
    );
  });
});

describe('scoped views', () => {
  const signed = signedSealed(['contractor', 'supervision']);
  const classify = (field: string) => (field === 'surveyor' ? ('internal' as const) : ('public' as const));

  it('shows the sealed fields only to a recipient org with restricted clearance and its key', () => {
    const view = scopedView(
      signed,
      { org: 'supervision', clearance: 'restricted', keys: k('supervision') },
      { classify },
    );
    expect(view.sealed).toMatchObject({ restricted: false, fields: restrictedFields });
    expect(view.body).toEqual(signed.entry.body);
    expect(view.withheld).toEqual([]);
    expect(view.entry.kind).toBe(signed.entry.kind);
    expect('sealed' in view.entry).toBe(false);
  });

  it('gives everyone else the ciphertext, the recipients and a restricted marker saying why', () => {
    const reasons = [
      [
        { org: 'supervision', clearance: 'internal', keys: k('supervision') },
        'clearance',
        'CLEARANCE_TOO_LOW',
      ],
      [{ org: 'lab', clearance: 'restricted', keys: k('lab') }, 'not-recipient', 'SEAL_NOT_RECIPIENT'],
      [{ clearance: 'restricted' }, 'not-recipient', 'SEAL_NOT_RECIPIENT'],
      [{ org: 'supervision', clearance: 'restricted' }, 'no-key', 'SEAL_WRONG_KEY'],
      [{ org: 'supervision', clearance: 'restricted', keys: k('utility') }, 'wrong-key', 'SEAL_WRONG_KEY'],
    ] as const;
    for (const [reader, reason, code] of reasons) {
      const view = scopedView(signed, reader, { classify });
      expect(view.sealed, reason).toMatchObject({ restricted: true, reason, code });
      if (view.sealed?.restricted) {
        expect(view.sealed.recipients.map((r) => r.org)).toEqual(['contractor', 'supervision']);
        expect(view.sealed.ciphertext).toEqual(parseSealed(signed.entry.sealed).ciphertext);
      }
      expect(contains(encodeCanonical(view as unknown as CborMap), marker)).toBe(false);
    }
  });

  it('filters plain body fields by clearance, defaulting to the entry classification capped at internal', () => {
    const pub = scopedView(signed, { clearance: 'public' }, { classify });
    expect(pub.body).toEqual({ pointCount: 2, method: 'RTK' });
    expect(pub.withheld).toEqual(['surveyor']);
    expect(scopedView(signed, { clearance: 'public' }).body).toEqual({});
    expect(scopedView(signed, { clearance: 'internal' }).body).toEqual(signed.entry.body);
  });

  it('reports a section that does not open instead of hiding or throwing', () => {
    const section = parseSealed(signed.entry.sealed);
    const broken = {
      ...signed,
      entry: withSealed(signed.entry, (s) => ({ ...s, ciphertext: section.ciphertext.slice(1) })),
    };
    const view = scopedView(broken, { org: 'supervision', clearance: 'restricted', keys: k('supervision') });
    expect(view.sealed).toMatchObject({ restricted: true, reason: 'unreadable', code: 'SEAL_AEAD_FAILED' });
    const malformed = { ...signed, entry: withSealed(signed.entry, (s) => ({ ...s, version: 2 })) };
    expect(
      scopedView(malformed, { org: 'supervision', clearance: 'restricted', keys: k('supervision') }).sealed,
    ).toMatchObject({
      restricted: true,
      reason: 'unreadable',
      code: 'SEAL_MALFORMED',
    });
  });

  it('shows granted readers their fields through the grant', () => {
    const context = sealContext(signed.entry, signed.id);
    const wraps = grantWraps(
      signed.entry.sealed,
      { org: 'contractor', keys: k('contractor') },
      [recipientOf('utility')],
      context,
    );
    const view = scopedView(
      signed,
      { org: 'utility', clearance: 'restricted', keys: k('utility') },
      { grants: [wraps] },
    );
    expect(view.sealed).toMatchObject({ restricted: false, fields: restrictedFields });
    if (view.sealed !== undefined)
      expect(view.sealed.recipients.at(-1)).toMatchObject({ org: 'utility', via: 'grant' });
  });

  it('publicView: public fields and a marker only; no ciphertext and no restricted plaintext', () => {
    const view = publicView(signed, { classify });
    expect(view.clearance).toBe('public');
    expect(view.body).toEqual({ pointCount: 2, method: 'RTK' });
    expect(view.sealed).toMatchObject({ restricted: true, reason: 'clearance' });
    expect(view.sealed && 'ciphertext' in view.sealed).toBe(false);
    const bytes = encodeCanonical(view as unknown as CborMap);
    expect(contains(bytes, marker)).toBe(false);
    expect(contains(bytes, restrictedFields.foremanIdHash as Uint8Array)).toBe(false);
    expect(contains(bytes, utf8('Li Wei'))).toBe(false);
    const plain = signEntry(
      buildEntry({ ...unsealed(sealedDraft()), classification: 'public' }),
      nodeSeeds.lab as Uint8Array,
    );
    expect(publicView(plain).body).toEqual(plain.entry.body);
    expect(publicView(plain).sealed).toBeUndefined();
  });

  it('orders clearances public < internal < restricted', () => {
    expect(clearanceCovers('restricted', 'internal')).toBe(true);
    expect(clearanceCovers('internal', 'restricted')).toBe(false);
    expect(clearanceCovers('public', 'public')).toBe(true);
    expect(failureCode(() => requireClearance('internal', 'restricted'))).toBe('CLEARANCE_TOO_LOW');
    expect(failureCode(() => requireClearance('restricted', 'restricted'))).toBe('ok');
  });

  it('decodes the sealed map it wrote (canonical CBOR inside the entry)', () => {
    const bytes = encodeCanonical(signed.entry.sealed as CborMap);
    expect(decodeCanonical(bytes)).toEqual(signed.entry.sealed);
  });
});
