/**
 * Governance actions arrive from the network and from files people pass around: decoding and
 * applying arbitrary bytes must fail only with typed errors (a stable code), never with a
 * TypeError or a RangeError, and must never apply something that is not a valid action.
 */
import { type CborValue, encodeCanonical, LiuhenError } from '@liuhen/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActionChange,
  decodeAction,
  decodeSignedAction,
  encodeSignedAction,
  GovernanceError,
} from '../src/index.ts';
import { authoritySeed, isTyped, keyOf, labOrg, propose, sampleState, signBy } from './fixtures.ts';

const CHANGES: ActionChange[] = [
  { type: 'org.add', body: labOrg() },
  {
    type: 'org.rotate-key',
    body: { org: 'contractor', nodeKey: keyOf('contractor node 2'), oldKeyUntilHeight: 9 },
  },
  { type: 'org.remove', body: { org: 'supervision', freezeSize: 3, reason: 'x' } },
  { type: 'authority.rotate', body: { keys: [keyOf('authority 9')], threshold: 1 } },
];
const base = sampleState();
const VALID = CHANGES.map((change) =>
  encodeSignedAction(signBy(propose(base, change), [authoritySeed(1), authoritySeed(2)])),
);
const ACTION_MAPS = VALID.map(
  (bytes) => ({ ...decodeSignedAction(bytes).action }) as Record<string, unknown>,
);

// A state at position 0, rebuilt only after an action was applied to it.
let fresh = sampleState();

/** Runs `fn`; returns its value, or undefined when it threw a typed error. Any other error fails. */
function typed<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (!isTyped(error)) throw error;
    return undefined;
  }
}

const mutation = fc.oneof(
  // flip one bit
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  // overwrite one byte
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  // cut the tail
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  // insert bytes
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }),
  // delete a byte
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % (bytes.length + 1);
  const i = Math.min(at, bytes.length - 1);
  switch (m.kind) {
    case 'flip': {
      const out = bytes.slice();
      out[i] = (out[i] as number) ^ (1 << m.bit);
      return out;
    }
    case 'set': {
      const out = bytes.slice();
      out[i] = m.value;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'insert':
      return Uint8Array.from([...bytes.slice(0, at), ...m.bytes, ...bytes.slice(at)]);
    case 'delete':
      return Uint8Array.from([...bytes.slice(0, i), ...bytes.slice(i + 1)]);
  }
}

// Arbitrary CBOR values of the profile, for schema fuzzing after a successful decode.
const { cbor } = fc.letrec<{ cbor: CborValue }>((tie) => ({
  cbor: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ maxLength: 8 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('cbor'), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom('version', 'network', 'seq', 'previous', 'time', 'type', 'body', 'org', 'x'),
      tie('cbor'),
      {
        maxKeys: 7,
      },
    ),
  ) as fc.Arbitrary<CborValue>,
}));

describe('decoding governance actions from hostile bytes', () => {
  it('random bytes fail only with typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        typed(() => decodeSignedAction(bytes));
        typed(() => decodeAction(bytes));
      }),
      { numRuns: 1_000 },
    );
  });

  it('mutated signed actions fail with typed errors, and never apply unless the action is intact', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID.keys()),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (which, ms) => {
          const original = VALID[which] as Uint8Array;
          const bytes = ms.reduce(mutate, original);
          const signed = typed(() => decodeSignedAction(bytes));
          if (signed === undefined) return;
          const state = fresh;
          const position = typed(() => state.apply(signed));
          if (position !== undefined) {
            fresh = sampleState();
            // Only a change outside the signed action bytes (e.g. dropping a surplus signature
            // is impossible here: exactly the threshold signed) can leave it applicable.
            expect(signed.actionBytes).toEqual(decodeSignedAction(original).actionBytes);
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('arbitrary CBOR values fail the schema with typed errors', () => {
    fc.assert(
      fc.property(cbor, fc.constantFrom(...VALID.keys()), fc.boolean(), (value, which, wrap) => {
        const bytes = typed(() => encodeCanonical(value));
        if (bytes === undefined) return;
        typed(() => decodeAction(bytes));
        const envelope = wrap ? [bytes, value] : [value, []];
        const encoded = typed(() => encodeCanonical(envelope as CborValue));
        if (encoded !== undefined) typed(() => decodeSignedAction(encoded));
        // Replace the body of a real action with the arbitrary value.
        const action = typed(() => encodeCanonical({ ...ACTION_MAPS[which], body: value } as CborValue));
        if (action !== undefined) typed(() => decodeAction(action));
      }),
      { numRuns: 500 },
    );
  });

  it('the typed errors are LiuhenError (CBOR_*, KEY_*) or GovernanceError (GOV_*)', () => {
    const codes = new Set<string>();
    for (const bytes of [
      Uint8Array.of(),
      Uint8Array.of(0xff),
      Uint8Array.of(0x82, 0x41, 0x00, 0x80),
      VALID[0]?.slice(0, 40),
    ]) {
      try {
        decodeSignedAction(bytes as Uint8Array);
      } catch (error) {
        expect(error instanceof LiuhenError || error instanceof GovernanceError).toBe(true);
        codes.add((error as { code: string }).code);
      }
    }
    expect([...codes].sort()).toEqual(
      ['CBOR_INDEFINITE_LENGTH', 'CBOR_TRUNCATED', 'GOV_ACTION_INVALID'].sort(),
    );
  });
});
