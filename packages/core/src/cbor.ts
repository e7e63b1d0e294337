/**
 * Liuhen's deterministic CBOR profile (RFC 8949 §4.2.1, "core deterministic encoding").
 *
 * Permitted: unsigned and negative integers within ±(2^53 − 1); byte strings; UTF-8 text strings;
 * definite-length arrays; definite-length maps whose keys are text strings; false, true, null;
 * finite floats, in their shortest exact form, for numbers that are not safe integers. Nothing else: no
 * tags, no undefined, no other simple values, no NaN or infinities.
 *
 * Decoding is strict: it is cborg's strict decoder followed by re-encoding and a byte comparison,
 * so any input that is not exactly the deterministic encoding of its value is rejected, including
 * cases cborg alone cannot see (map key order, float width, an integral float).
 */
import { decodeFirst, encode } from 'cborg';
import { equalBytes } from './bytes.ts';
import { type ErrorCode, LiuhenError } from './errors.ts';

export type CborValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | CborValue[]
  | { [key: string]: CborValue };

export interface DecodeOptions {
  /** Inputs larger than this are refused before parsing. */
  maxBytes?: number;
  /** Maximum nesting of arrays and maps. */
  maxDepth?: number;
}

export const DEFAULT_MAX_BYTES = 1 << 20;
export const DEFAULT_MAX_DEPTH = 32;

function unsupported(what: string): never {
  throw new LiuhenError('CBOR_UNSUPPORTED_TYPE', `cannot encode ${what}`);
}

// cborg's default map sorter is RFC 7049's length-first order. For text-string keys — the only
// keys this profile allows — it is the same order as RFC 8949's bytewise order of the encoded
// keys, because a text string's header grows monotonically with its byte length; the test suite
// checks the equivalence. The default is used because `rfc8949EncodeOptions` re-encodes every
// key to compare it, which made entry encoding 2.5 times slower.
const encodeOptions = {
  typeEncoders: {
    undefined: () => unsupported('undefined'),
    bigint: () => unsupported('a bigint'),
    number: (n: unknown) => {
      if (typeof n === 'number' && !Number.isFinite(n)) unsupported(String(n));
      return null;
    },
  },
};

const decodeOptions = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  allowBigInt: false,
  rejectDuplicateMapKeys: true,
};

/** Encodes a value in the deterministic profile. Throws CBOR_UNSUPPORTED_TYPE outside it. */
export function encodeCanonical(value: CborValue): Uint8Array {
  try {
    return encode(value, encodeOptions);
  } catch (error) {
    if (error instanceof LiuhenError) throw error;
    throw new LiuhenError('CBOR_UNSUPPORTED_TYPE', (error as Error).message, { cause: error });
  }
}

// cborg reports through message text only; the mapping is pinned to cborg 6.1.x and tested.
const CBORG_MESSAGES: ReadonlyArray<[string, ErrorCode]> = [
  ['more bytes than necessary', 'CBOR_NON_MINIMAL'],
  ['indefinite length', 'CBOR_INDEFINITE_LENGTH'],
  ['repeat map key', 'CBOR_DUPLICATE_KEY'],
  ['not enough data', 'CBOR_TRUNCATED'],
  ['not enough entries', 'CBOR_TRUNCATED'],
  ['unexpected end', 'CBOR_TRUNCATED'],
  ['not supported', 'CBOR_UNSUPPORTED_TYPE'],
];

function classify(error: unknown): LiuhenError {
  if (error instanceof LiuhenError) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new LiuhenError('CBOR_TOO_DEEP', undefined, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  for (const [needle, code] of CBORG_MESSAGES) {
    if (message.includes(needle)) return new LiuhenError(code, message, { cause: error });
  }
  return new LiuhenError('CBOR_MALFORMED', message, { cause: error });
}

function depthOf(value: unknown, limit: number, depth = 0): void {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  if (depth >= limit) throw new LiuhenError('CBOR_TOO_DEEP', `nesting exceeds ${limit}`);
  for (const child of Array.isArray(value) ? value : Object.values(value)) depthOf(child, limit, depth + 1);
}

/**
 * Decodes exactly one deterministic CBOR item. Every failure is a LiuhenError with a CBOR_* code.
 */
export function decodeCanonical(bytes: Uint8Array, options: DecodeOptions = {}): CborValue {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new LiuhenError('CBOR_MALFORMED', 'input is not a byte array');
  if (bytes.length > maxBytes) {
    throw new LiuhenError('CBOR_TOO_LARGE', `${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  }
  if (bytes.length === 0) throw new LiuhenError('CBOR_TRUNCATED', 'input is empty');
  let value: CborValue;
  let rest: Uint8Array;
  try {
    [value, rest] = decodeFirst(bytes, decodeOptions) as [CborValue, Uint8Array];
  } catch (error) {
    throw classify(error);
  }
  if (rest.length > 0) throw new LiuhenError('CBOR_TRAILING_BYTES', `${rest.length} bytes after the item`);
  depthOf(value, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  let again: Uint8Array;
  try {
    again = encodeCanonical(value);
  } catch (error) {
    throw classify(error);
  }
  if (!equalBytes(again, bytes)) {
    throw new LiuhenError(
      'CBOR_NON_CANONICAL',
      'map keys out of order, a float not in shortest form, an integral float, or invalid UTF-8',
    );
  }
  return value;
}

/** True for a plain CBOR map value (as opposed to an array, bytes or a scalar). */
export function isCborMap(value: CborValue | undefined): value is { [key: string]: CborValue } {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}
