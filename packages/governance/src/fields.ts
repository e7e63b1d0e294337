/**
 * Strict readers for decoded CBOR (or JSON) values. Every governance structure is checked field by
 * field, and a failure names the field, because a genesis or a certificate is written by people
 * and the person has to find the mistake.
 */
import { type CborValue, importPublicKey, isCborMap } from '@liuhen/core';
import { type AnyErrorCode, governanceFailure } from './errors.ts';

/** Printable text: no control characters, no lone surrogates. */
const PRINTABLE = /^[^\p{Cc}\p{Cs}]*$/u;

export class FieldReader {
  readonly #code: AnyErrorCode;
  readonly #prefix: string;

  constructor(code: AnyErrorCode, prefix = '') {
    this.#code = code;
    this.#prefix = prefix;
  }

  fail(field: string, problem: string, cause?: unknown): never {
    throw governanceFailure(
      this.#code,
      `${this.#prefix}${field}: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
  }

  /** A map with every `required` key, optionally `optional` ones, and nothing else. */
  map(
    value: CborValue | undefined,
    field: string,
    required: readonly string[],
    optional: readonly string[] = [],
  ) {
    if (!isCborMap(value)) this.fail(field, 'expected a map');
    for (const key of Object.keys(value)) {
      if (!required.includes(key) && !optional.includes(key)) this.fail(field, `unknown key "${key}"`);
    }
    for (const key of required) if (value[key] === undefined) this.fail(field, `missing key "${key}"`);
    return value;
  }

  list(value: CborValue | undefined, field: string, min: number, max: number): CborValue[] {
    if (!Array.isArray(value)) this.fail(field, 'expected an array');
    if (value.length < min || value.length > max) this.fail(field, `expected ${min} to ${max} items`);
    return value;
  }

  /** Printable text of `min`–`max` characters (code points), optionally matching `pattern`. */
  text(value: CborValue | undefined, field: string, min: number, max: number, pattern?: RegExp): string {
    if (typeof value !== 'string') this.fail(field, 'expected text');
    const length = [...value].length;
    if (length < min || length > max) this.fail(field, `expected ${min} to ${max} characters`);
    if (!PRINTABLE.test(value)) this.fail(field, 'control characters are not allowed');
    if (pattern !== undefined && !pattern.test(value)) this.fail(field, `expected text matching ${pattern}`);
    return value;
  }

  uint(value: CborValue | undefined, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      this.fail(field, `expected an integer from ${min} to ${max}`);
    }
    // JSON can say -0, which CBOR encodes as 0; normalise so a JSON genesis round-trips.
    return value === 0 ? 0 : value;
  }

  bytes(value: CborValue | undefined, field: string, length: number): Uint8Array {
    if (!(value instanceof Uint8Array) || value.length !== length)
      this.fail(field, `expected ${length} bytes`);
    return value;
  }

  /** An Ed25519 public key that passes enrolment (canonical, prime order). */
  publicKey(value: CborValue | undefined, field: string): Uint8Array {
    const raw = this.bytes(value, field, 32);
    try {
      return importPublicKey(raw);
    } catch (error) {
      this.fail(field, (error as Error).message, error);
    }
  }

  /** A list of distinct texts, each read with `item`. */
  uniqueTexts(
    value: CborValue | undefined,
    field: string,
    min: number,
    max: number,
    item: (value: CborValue, field: string) => string,
  ): string[] {
    const texts = this.list(value, field, min, max).map((v, i) => item(v, `${field}[${i}]`));
    const seen = new Set<string>();
    texts.forEach((text, i) => {
      if (seen.has(text)) this.fail(`${field}[${i}]`, `duplicate "${text}"`);
      seen.add(text);
    });
    return texts;
  }
}
