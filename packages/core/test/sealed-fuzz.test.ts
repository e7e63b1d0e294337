/**
 * Hostile sealed sections and grants: whatever arrives, parsing, unsealing, granting and viewing
 * either succeed or fail with a LiuhenError and a stable code, never with anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CborValue, decodeCanonical, encodeCanonical } from '../src/cbor.ts';
import type { CborMap, Entry } from '../src/entry.ts';
import { ERROR_CODES, failureCode } from '../src/errors.ts';
import {
  checkGrant,
  grantWraps,
  parseSealed,
  sealContext,
  sealedToCbor,
  unsealEntry,
  unsealFields,
  type WrapSet,
} from '../src/sealed.ts';
import { publicView, scopedView } from '../src/sealed-view.ts';
import { fixedRng, keys, recipientOf, restrictedFields, signedSealed } from './sealed-fixtures.ts';

const signed = signedSealed(['contractor', 'supervision', 'utility']);
const context = sealContext(signed.entry, signed.id);
const sealedBytes = encodeCanonical(signed.entry.sealed as CborMap);
const utilityKey = keys.utility as NonNullable<typeof keys.utility>;
const codes = new Set(Object.keys(ERROR_CODES));

/** Everything a reader, a grantor or a viewer would do with the section. */
function exercise(sealed: CborValue | undefined): string[] {
  const entry: Entry = { ...signed.entry, sealed: sealed as CborMap };
  const outcomes = [
    failureCode(() => parseSealed(sealed)),
    failureCode(() => unsealFields(sealed, 'utility', utilityKey, context)),
    failureCode(() => unsealEntry({ entry, id: signed.id }, 'lab', keys.lab as typeof utilityKey)),
    failureCode(() =>
      grantWraps(sealed, { org: 'utility', keys: utilityKey }, [recipientOf('archive')], context),
    ),
  ];
  // Views report instead of throwing.
  const view = scopedView(
    { entry, id: signed.id },
    { org: 'utility', clearance: 'restricted', keys: utilityKey },
  );
  expect(view.sealed).toBeDefined();
  expect(publicView({ entry }).sealed).toBeDefined();
  for (const code of outcomes) expect(code === 'ok' || codes.has(code), code).toBe(true);
  return outcomes;
}

const cborValue: fc.Arbitrary<CborValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ maxLength: 12 }),
    fc.uint8Array({ maxLength: 80 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom(
        'version',
        'nonce',
        'ephemeral',
        'ciphertext',
        'recipients',
        'org',
        'keyId',
        'wrappedKey',
        'x',
      ),
      tie('value'),
      { maxKeys: 6 },
    ),
  ),
})).value as fc.Arbitrary<CborValue>;

describe('sealed sections under fuzz', () => {
  it('random values as the sealed section only ever fail with typed errors', () => {
    fc.assert(
      fc.property(cborValue, (value) => {
        exercise(value);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated encodings of a real section only ever fail with typed errors, and never open', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(sealedBytes.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (flips) => {
          const bytes = sealedBytes.slice();
          for (const [at, xor] of flips) bytes[at] = (bytes[at] as number) ^ xor;
          let value: CborValue;
          try {
            value = decodeCanonical(bytes);
          } catch {
            return; // the entry decoder would have refused these bytes already
          }
          const [, unseal] = exercise(value);
          // A changed section can still open only if the change missed everything that is
          // authenticated — e.g. another recipient's wrap — and then it opens to the original.
          if (unseal === 'ok')
            expect(unsealFields(value, 'utility', utilityKey, context)).toEqual(restrictedFields);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('structurally mutated sections: fields swapped, dropped, resized', () => {
    const section = parseSealed(signed.entry.sealed);
    const base = sealedToCbor(section);
    const variants: CborValue[] = [];
    for (const key of Object.keys(base)) {
      const { [key]: _dropped, ...rest } = base;
      variants.push(rest);
      for (const replacement of [
        null,
        0,
        '',
        new Uint8Array(0),
        new Uint8Array(33),
        [],
        {},
        section.ciphertext,
      ]) {
        variants.push({ ...base, [key]: replacement });
      }
    }
    const wrap = base.recipients as CborMap[];
    variants.push({ ...base, recipients: [...wrap].reverse() });
    variants.push({ ...base, recipients: [wrap[0] as CborMap, wrap[0] as CborMap] });
    variants.push({ ...base, recipients: Array.from({ length: 65 }, () => wrap[0] as CborMap) });
    variants.push({ ...base, recipients: wrap.map((w) => ({ ...w, org: 'utility' })) });
    variants.push({ ...base, recipients: wrap.map((w) => ({ ...w, extra: 1 })) });
    for (const v of variants) exercise(v);
  });

  it('random grant bodies and refs only ever fail with typed errors', () => {
    const wraps: WrapSet = grantWraps(
      signed.entry.sealed,
      { org: 'contractor', keys: keys.contractor as typeof utilityKey },
      [recipientOf('lab')],
      context,
      fixedRng('fuzz grant'),
    );
    const grant: Entry = {
      ...signed.entry,
      org: 'contractor',
      kind: 'org.access-grant',
      role: 'ORG',
      classification: 'internal',
      refs: [{ entry: signed.id, rel: 'grants' }],
      body: { ephemeral: wraps.ephemeral, recipients: wraps.recipients as unknown as CborValue[] },
    };
    delete (grant as { sealed?: unknown }).sealed;
    expect(checkGrant(grant, signed).grantor).toBe('contractor');
    fc.assert(
      fc.property(cborValue, fc.constantFrom('body', 'ephemeral', 'recipients', 'reason'), (value, where) => {
        const body = where === 'body' ? (value as CborMap) : { ...grant.body, [where]: value };
        const code = failureCode(() => checkGrant({ ...grant, body }, signed));
        expect(code === 'ok' || codes.has(code)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
