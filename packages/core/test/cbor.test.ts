import { decodeFirst, encode, rfc8949EncodeOptions } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes.ts';
import { type CborValue, decodeCanonical, encodeCanonical } from '../src/cbor.ts';
import { failureCode, LiuhenError } from '../src/errors.ts';

describe('deterministic CBOR encoding', () => {
  it.each([
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [-1, '20'],
    [65536, '1a00010000'],
    [1.5, 'f93e00'],
    [0.1, 'fb3fb999999999999a'],
    [3, '03'],
    [2 ** 53, 'fa5a000000'],
    ['', '60'],
    [new Uint8Array([1, 2]), '420102'],
    [[], '80'],
    [null, 'f6'],
    [true, 'f5'],
    [false, 'f4'],
    [2 ** -24, 'f90001'],
    [3 * 2 ** -24, 'f90003'],
    [1.5 * 2 ** -15, 'f90300'],
    [-(2 ** -14), 'f98400'],
    [65504.5, 'fa477fe080'],
    [Math.fround(0.1), 'fa3dcccccd'],
    [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
    [-Number.MAX_SAFE_INTEGER, '3b001ffffffffffffe'],
    ['ü', '62c3bc'],
    [{ __proto__: null, a: 1 } as unknown as CborValue, 'a1616101'],
  ] as Array<[CborValue, string]>)('encodes %o as %s', (value, hex) => {
    expect(toHex(encodeCanonical(value))).toBe(hex);
  });

  it('sorts map keys by the bytewise order of their encodings (RFC 8949 §4.2.1)', () => {
    expect(toHex(encodeCanonical({ b: 1, aa: 3, a: 2 }))).toBe('a3616102616201626161' + '03');
  });

  it('encodes -0 as the integer 0, so there is one zero', () => {
    expect(toHex(encodeCanonical(-0))).toBe('00');
  });

  it.each([
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint', 1n],
    ['a Map', new Map()],
    ['a Date', new Date(0)],
    ['a lone surrogate', '\ud800'],
    ['a function', () => 1],
  ])('refuses to encode %s', (_name, value) => {
    expect(failureCode(() => encodeCanonical(value as unknown as CborValue))).toBe('CBOR_UNSUPPORTED_TYPE');
  });
});

describe('strict decoding', () => {
  it.each([
    ['a non-minimal integer', '1801', 'CBOR_NON_MINIMAL'],
    ['a non-minimal length', '780161', 'CBOR_NON_MINIMAL'],
    ['an indefinite array', '9f01ff', 'CBOR_INDEFINITE_LENGTH'],
    ['an indefinite byte string', '5f4101ff', 'CBOR_INDEFINITE_LENGTH'],
    ['a lone break', 'ff', 'CBOR_INDEFINITE_LENGTH'],
    ['duplicate map keys', 'a2616101616102', 'CBOR_DUPLICATE_KEY'],
    ['unsorted map keys', 'a2616201616102', 'CBOR_NON_CANONICAL'],
    ['length-first violated', 'a2626161016162' + '02', 'CBOR_NON_CANONICAL'],
    ['trailing bytes', '0101', 'CBOR_TRAILING_BYTES'],
    ['a truncated string', '62ab', 'CBOR_TRUNCATED'],
    ['a truncated map', 'a16161', 'CBOR_TRUNCATED'],
    ['empty input', '', 'CBOR_TRUNCATED'],
    ['a tag', 'c11a00000000', 'CBOR_UNSUPPORTED_TYPE'],
    ['undefined', 'f7', 'CBOR_UNSUPPORTED_TYPE'],
    ['a simple value', 'f0', 'CBOR_UNSUPPORTED_TYPE'],
    ['NaN', 'f97e00', 'CBOR_UNSUPPORTED_TYPE'],
    ['Infinity', 'f97c00', 'CBOR_UNSUPPORTED_TYPE'],
    ['a 64-bit integer beyond 2^53', '1b0020000000000000', 'CBOR_UNSUPPORTED_TYPE'],
    ['an integer map key', 'a10102', 'CBOR_UNSUPPORTED_TYPE'],
    ['a float that is not in shortest form', 'fb3ff8000000000000', 'CBOR_NON_CANONICAL'],
    ['an integral float', 'f93c00', 'CBOR_NON_CANONICAL'],
    ['negative zero', 'f98000', 'CBOR_NON_CANONICAL'],
    ['invalid UTF-8', '61ff', 'CBOR_NON_CANONICAL'],
    ['a float32 that fits a float16', 'fa3fc00000', 'CBOR_NON_CANONICAL'],
    ['a float32 that fits a float16 subnormal', 'fa34400000', 'CBOR_NON_CANONICAL'],
    ['a float64 infinity', 'fb7ff0000000000000', 'CBOR_UNSUPPORTED_TYPE'],
    ['an integer below -(2^53 - 1)', '3b001fffffffffffff', 'CBOR_UNSUPPORTED_TYPE'],
    ['reserved additional information', '1c', 'CBOR_MALFORMED'],
    ['an indefinite integer', '1f', 'CBOR_MALFORMED'],
    ['an array longer than its input', '9a7fffffff01', 'CBOR_TRUNCATED'],
    ['a map longer than its input', 'ba7fffffff6161', 'CBOR_TRUNCATED'],
    ['a one-byte simple value', 'f820', 'CBOR_UNSUPPORTED_TYPE'],
  ])('rejects %s', (_name, hex, code) => {
    expect(failureCode(() => decodeCanonical(fromHex(hex)))).toBe(code);
  });

  it('rejects input over the size limit before parsing', () => {
    expect(failureCode(() => decodeCanonical(new Uint8Array(11), { maxBytes: 10 }))).toBe('CBOR_TOO_LARGE');
  });

  it('rejects nesting beyond the depth limit, and survives very deep input', () => {
    expect(failureCode(() => decodeCanonical(fromHex('818181818100'), { maxDepth: 4 }))).toBe(
      'CBOR_TOO_DEEP',
    );
    const deep = new Uint8Array(200_000).fill(0x81);
    deep[deep.length - 1] = 0;
    expect(failureCode(() => decodeCanonical(deep))).toMatch(/^CBOR_TOO_DEEP$/);
  });

  it('keeps a "__proto__" key as data, not as a prototype', () => {
    const value = decodeCanonical(fromHex('a1695f5f70726f746f5f5f01')) as Record<string, CborValue>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(toHex(encodeCanonical(value))).toBe('a1695f5f70726f746f5f5f01');
  });

  it('keeps a leading byte order mark as text', () => {
    expect(decodeCanonical(fromHex('63efbbbf'))).toBe('\ufeff');
  });

  it('returns byte strings that do not alias the input', () => {
    const input = fromHex('420102');
    const out = decodeCanonical(input) as Uint8Array;
    input[1] = 9;
    expect(toHex(out)).toBe('0102');
  });

  it('round-trips a realistic entry body', () => {
    const body = {
      dn: 600,
      material: 'HDPE',
      ringStiffness: 8000,
      slope: 2.5,
      joints: ['J01', 'J02'],
      pass: true,
    };
    expect(decodeCanonical(encodeCanonical(body))).toEqual(body);
  });
});

const cborValue: fc.Arbitrary<CborValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    fc.string(),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
})).value as fc.Arbitrary<CborValue>;

describe('properties', () => {
  it('our key order is RFC 8949 bytewise order for any text keys', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 40 }), fc.nat(), { maxKeys: 12 }),
        (map) => {
          expect(toHex(encodeCanonical(map))).toBe(toHex(encode(map, rfc8949EncodeOptions)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decode(encode(v)) re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(cborValue, (value) => {
        const bytes = encodeCanonical(value);
        expect(encodeCanonical(decodeCanonical(bytes))).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  // cborg is the reference implementation: our encoding must be byte-identical to its RFC 8949
  // deterministic encoding, and our decoder must accept exactly what cborg's strict decoder
  // accepts and re-encodes to the same bytes. One known difference is excluded: cborg 6.1.5
  // encodes most float16 subnormals (0 < |x| < 2^-14) as float32, which is not the shortest
  // exact form RFC 8949 §4.2.2 asks for; the tests above pin ours.
  const hasHalfSubnormal = (value: unknown): boolean =>
    typeof value === 'number'
      ? value !== 0 && Math.abs(value) < 2 ** -14 && Math.abs(value) >= 2 ** -24
      : typeof value === 'object' && value !== null && !(value instanceof Uint8Array)
        ? Object.values(value).some(hasHalfSubnormal)
        : false;

  it('encodes exactly as cborg does with RFC 8949 deterministic options', () => {
    fc.assert(
      fc.property(cborValue, (value) => {
        fc.pre(!hasHalfSubnormal(value));
        expect(toHex(encodeCanonical(value))).toBe(toHex(encode(value, rfc8949EncodeOptions)));
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts exactly what cborg strict decoding accepts and re-encodes unchanged', () => {
    const reference = (bytes: Uint8Array): string | undefined => {
      try {
        const [value, rest] = decodeFirst(bytes, {
          strict: true,
          allowIndefinite: false,
          allowUndefined: false,
          allowNaN: false,
          allowInfinity: false,
          allowBigInt: false,
          rejectDuplicateMapKeys: true,
        });
        if (rest.length > 0) return undefined;
        const again = encode(value, rfc8949EncodeOptions);
        if (toHex(again) !== toHex(bytes)) return undefined;
        return toHex(again);
      } catch {
        return undefined;
      }
    };
    const mutated = fc
      .tuple(cborValue, fc.nat(), fc.integer({ min: 1, max: 255 }))
      .map(([value, at, xor]) => {
        const bytes = encodeCanonical(value).slice();
        bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ xor;
        return bytes;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 24 }), mutated), (bytes) => {
        let ours: string | undefined;
        try {
          const value = decodeCanonical(bytes);
          fc.pre(!hasHalfSubnormal(value));
          ours = toHex(encodeCanonical(value));
        } catch (error) {
          if (fc.PreconditionFailure.isFailure(error)) throw error;
          ours = undefined;
        }
        expect(ours).toBe(reference(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('random and mutated bytes only ever produce a typed error', () => {
    const mutated = fc
      .tuple(cborValue, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat({ max: 3 }))
      .map(([value, at, xor, cut]) => {
        const bytes = encodeCanonical(value).slice();
        if (bytes.length > 0) bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ xor;
        return bytes.subarray(0, Math.max(0, bytes.length - cut));
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
        try {
          decodeCanonical(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(LiuhenError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
