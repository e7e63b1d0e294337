/**
 * The binary form: one bundle, one encoding; strict decoding; limits; and the fuzz property that
 * random or mutated bytes only ever fail with a TraceError, never with anything untyped.
 */
import { type CborMap, decodeCanonical, encodeCanonical } from '@liuhen/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assembleBundle,
  type Bundle,
  buildBundle,
  bundleSource,
  decodeBundle,
  encodeBundle,
  isTraceError,
  TraceError,
} from '../src/index.ts';
import { OBJECT, segment } from './fixtures.ts';
import { copy } from './tamper.ts';

let bundle: Bundle;
let bytes: Uint8Array;

beforeAll(async () => {
  bundle = await segment({ governance: true }).bundle();
  bytes = encodeBundle(bundle);
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TraceError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('bundle binary form', () => {
  it('round-trips byte for byte', () => {
    const again = decodeBundle(bytes);
    expect(encodeBundle(again)).toEqual(bytes);
    expect(again.object).toBe(OBJECT);
    expect(again.logs.map((l) => l.org)).toEqual(['contractor', 'design', 'supervision']);
  });

  it('buildBundle puts parts given in any order into the one canonical order', () => {
    const shuffled = buildBundle({
      object: bundle.object,
      genesis: bundle.genesis,
      governance: bundle.governance,
      logs: [...bundle.logs].reverse().map((log) => ({
        org: log.org,
        checkpoints: log.checkpoints,
        entries: [...log.entries].reverse().map((e) => ({
          index: e.index,
          envelope: e.envelope,
          proof: e.proof,
          size: Number((log.checkpoints[e.checkpoint]?.note.split('\n')[1] as string) ?? 0),
        })),
      })),
      attachments: [...bundle.attachments].reverse(),
    });
    expect(encodeBundle(shuffled)).toEqual(bytes);
  });

  it('re-assembling from the bundle as a source gives the same bundle', async () => {
    const again = await assembleBundle(bundleSource(bundle), OBJECT, { attachments: true });
    expect(encodeBundle(again)).toEqual(bytes);
  });

  it('refuses what is not exactly the shape, with a code and the path of the part', () => {
    const withExtra = encodeCanonical({ ...decodeCanonicalMap(bytes), extra: 1 });
    expect(codeOf(() => decodeBundle(withExtra))).toBe('BUNDLE_MALFORMED');
    const swapped = copy(bundle);
    swapped.logs.reverse();
    expect(() => decodeBundle(encodeBundle(swapped))).toThrow(/logs\[1\]: not in strictly ascending org/);
    const badHash = copy(bundle);
    (badHash.logs[0]?.entries[0]?.proof as Uint8Array[])[0] = new Uint8Array(31);
    expect(() => decodeBundle(encodeBundle(badHash))).toThrow(
      /logs\[0\]\.entries\[0\]\.proof\[0\]: expected 32 bytes/,
    );
    const badCheckpoint = copy(bundle);
    (badCheckpoint.logs[0]?.entries[0] as { checkpoint: number }).checkpoint = 99;
    expect(() => decodeBundle(encodeBundle(badCheckpoint))).toThrow(/no checkpoint 99/);
  });

  it('refuses another version with BUNDLE_VERSION, and non-canonical bytes', () => {
    const v2 = encodeCanonical({ ...decodeCanonicalMap(bytes), version: 2 });
    expect(codeOf(() => decodeBundle(v2))).toBe('BUNDLE_VERSION');
    const indefinite = bytes.slice();
    indefinite[0] = 0xbf;
    expect(codeOf(() => decodeBundle(indefinite))).toBe('BUNDLE_MALFORMED');
  });

  it('enforces its limits before building anything big', () => {
    expect(codeOf(() => decodeBundle(bytes, { maxBytes: 1000 }))).toBe('BUNDLE_TOO_LARGE');
    expect(codeOf(() => decodeBundle(bytes, { maxLogs: 2 }))).toBe('BUNDLE_LIMIT');
    expect(codeOf(() => decodeBundle(bytes, { maxEntries: 5 }))).toBe('BUNDLE_LIMIT');
    expect(codeOf(() => decodeBundle(bytes, { maxAttachmentBytes: 10 }))).toBe('BUNDLE_LIMIT');
    expect(codeOf(() => decodeBundle(bytes, { maxCheckpointsPerLog: 1 }))).toBe('BUNDLE_LIMIT');
  });
});

/** The top-level map itself, to re-encode with one key changed. */
function decodeCanonicalMap(input: Uint8Array): CborMap {
  return decodeCanonical(input, { maxBytes: 1 << 24 }) as CborMap;
}

describe('decoding random and mutated bytes', () => {
  const onlyTyped = (input: Uint8Array) => {
    try {
      decodeBundle(input);
    } catch (error) {
      if (!isTraceError(error)) throw error;
    }
  };

  it('random bytes fail only with a TraceError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (input) => onlyTyped(input)),
      { numRuns: 2000 },
    );
  });

  it('mutated bundles fail only with a TraceError (or decode)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        (edits, cut) => {
          const mutated = bytes.slice(0, cut === undefined ? bytes.length : cut % (bytes.length + 1));
          for (const [at, value] of edits) if (mutated.length > 0) mutated[at % mutated.length] = value;
          onlyTyped(mutated);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('CBOR that is canonical but shaped wrongly fails only with a TraceError', () => {
    const leaf = fc.oneof(
      fc.integer(),
      fc.string({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 10 }), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    const keys = [
      'type',
      'version',
      'object',
      'genesis',
      'governance',
      'logs',
      'attachments',
      'org',
      'entries',
      'checkpoints',
    ];
    const shaped = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 8 });
    fc.assert(
      fc.property(shaped, (map) => {
        const input = encodeCanonical({ type: 'liuhen-bundle', version: 1, ...map } as never);
        onlyTyped(input);
      }),
      { numRuns: 1500 },
    );
  });
});
