/**
 * The trace tests' segment (packages/trace/test/fixtures.ts) with one more record after the
 * backfill: core's sealed as-built survey (packages/core/test/sealed-fixtures.ts — as-built
 * geometry, a national-ID hash and a marked note in its sealed section, sealed to the contractor
 * and supervision), signed by the contractor's QI and cut into the contractor's log like any other
 * entry; a day later the contractor's node grants the lab access with an `org.access-grant` entry
 * (core's `grantWraps` and `buildGrant`). The replay and the web page must show that section as
 * restricted and never its plaintext.
 */
import { buildEntry, buildGrant, grantWraps, sealContext, signEntry, toHex } from '@liuhen/core';
import {
  fixedRng,
  keys,
  recipientOf,
  restrictedFields,
  sealedDraft,
} from '../../../packages/core/test/sealed-fixtures.ts';
import {
  DAY,
  keyOf,
  OBJECT,
  type Segment,
  seedOf,
  segment,
  T0,
} from '../../../packages/trace/test/fixtures.ts';

export const SEALED_TO = ['contractor', 'supervision'] as const;
export const SEALED_AT = T0 + 6 * DAY;
/** The org the contractor grants access to a day later, by an `org.access-grant` entry. */
export const GRANTED_TO = 'lab';
export const GRANTED_AT = SEALED_AT + DAY;

/** Pieces of the sealed plaintext, as text: none may appear in anything shown to an uncleared reader. */
export const SECRETS: readonly string[] = [
  'SECRET-MARKER-7f3a',
  '114.0579123',
  '22.5433789',
  'CGCS2000',
  toHex(restrictedFields.foremanIdHash as Uint8Array),
];

/** The X25519 secret of a recipient org, as core's fixtures derive it. */
export const secretOf = (org: (typeof SEALED_TO)[number] | typeof GRANTED_TO): Uint8Array =>
  (keys[org] as { secretKey: Uint8Array }).secretKey;

export function sealedSegment(): Segment & { readonly sealed: Uint8Array; readonly grant: Uint8Array } {
  const s = segment({ profile: 'test/1' });
  const signed = signEntry(
    buildEntry(
      sealedDraft([...SEALED_TO], {
        network: s.net.network,
        org: 'contractor',
        object: OBJECT,
        time: SEALED_AT,
        signer: keyOf('qi'),
        role: 'QI',
        parents: [s.ids.backfill as Uint8Array],
      }),
    ),
    seedOf('qi'),
  );
  s.net.log('contractor', [signed.envelope], SEALED_AT + 60_000);
  const original = { entry: signed.entry, id: signed.id };
  const wraps = grantWraps(
    signed.entry.sealed,
    { org: 'contractor', keys: keys.contractor as NonNullable<typeof keys.contractor> },
    [recipientOf(GRANTED_TO)],
    sealContext(signed.entry, signed.id),
    fixedRng('grant to the lab'),
  );
  const grant = signEntry(
    buildGrant(
      {
        org: 'contractor',
        signer: keyOf('contractor node'),
        time: GRANTED_AT,
        parents: [signed.id],
        reason: 'leak investigation',
      },
      original,
      wraps,
    ),
    seedOf('contractor node'),
  );
  s.net.log('contractor', [grant.envelope], GRANTED_AT + 60_000);
  return { ...s, sealed: signed.id, grant: grant.id };
}
