/**
 * Liuhen's deterministic CBOR profile (RFC 8949 §4.2.1, "core deterministic encoding").
 *
 * Permitted: unsigned and negative integers within ±(2^53 − 1); byte strings; UTF-8 text strings;
 * definite-length arrays; definite-length maps whose keys are text strings; false, true, null;
 * finite floats, in their shortest exact form, for numbers that are not safe integers. Nothing else: no
 * tags, no undefined, no other simple values, no NaN or infinities.
 *
 * Why this codec is written here rather than taken from a library: every entry is decoded and
 * checked on each append, sync and verification, and a general decoder cannot see all of the
 * profile's rules (map key order, float width, integral floats). The previous version decoded with
 * cborg and re-encoded to compare bytes, which cost three times the decode. This one checks each
 * rule once, in the single pass that reads the item; cborg stays in the tests as the reference
 * the encoder is compared with.
 */
import { ByteMemo } from './byte-memo.ts';
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
/** Guards the encoder against cyclic values; far beyond anything a decoder accepts by default. */
const MAX_ENCODE_DEPTH = 256;

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;

const FALSE = 0xf4;
const TRUE = 0xf5;
const NULL = 0xf6;
const FLOAT16 = 0xf9;
const FLOAT32 = 0xfa;
const FLOAT64 = 0xfb;

function fail(code: ErrorCode, message: string): never {
  throw new LiuhenError(code, message);
}

// ---------------------------------------------------------------------------------------------
// Floats

const floatView = new DataView(new ArrayBuffer(8));

/** The IEEE 754 half-precision bits of `value`, or -1 if it has no exact half representation. */
function exactFloat16Bits(value: number): number {
  floatView.setFloat32(0, value);
  if (floatView.getFloat32(0) !== value) return -1;
  const bits = floatView.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127;
  const mantissa = bits & 0x7fffff;
  if (exponent >= -14 && exponent <= 15) {
    if ((mantissa & 0x1fff) !== 0) return -1;
    return sign | ((exponent + 15) << 10) | (mantissa >>> 13);
  }
  if (exponent >= -24 && exponent < -14) {
    // Subnormal half: the significand, with its implicit bit, shifted into 10 bits without loss.
    const significand = mantissa | 0x800000;
    const shift = 13 + (-14 - exponent);
    if ((significand & ((1 << shift) - 1)) !== 0) return -1;
    return sign | (significand >>> shift);
  }
  return -1;
}

function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

// ---------------------------------------------------------------------------------------------
// Encoding

class Writer {
  private buffer = new Uint8Array(1024);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.reserve(1);
    this.buffer[this.length++] = b;
  }

  head(major: number, value: number): void {
    const m = major << 5;
    this.reserve(9);
    const at = this.length;
    if (value < 24) {
      this.buffer[at] = m | value;
      this.length += 1;
    } else if (value < 0x100) {
      this.buffer[at] = m | 24;
      this.buffer[at + 1] = value;
      this.length += 2;
    } else if (value < 0x10000) {
      this.buffer[at] = m | 25;
      this.view.setUint16(at + 1, value);
      this.length += 3;
    } else if (value < 0x100000000) {
      this.buffer[at] = m | 26;
      this.view.setUint32(at + 1, value);
      this.length += 5;
    } else {
      this.buffer[at] = m | 27;
      this.view.setUint32(at + 1, Math.floor(value / 0x100000000));
      this.view.setUint32(at + 5, value >>> 0);
      this.length += 9;
    }
  }

  /**
   * Writes `text` if it is ASCII, whose UTF-16 code units are then its UTF-8 bytes, in one pass
   * that checks as it copies; returns false, having written nothing, for any other text.
   */
  ascii(text: string): boolean {
    const n = text.length;
    const start = this.length;
    this.head(MAJOR_TEXT, n);
    this.reserve(n);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        this.length = start;
        return false;
      }
      buffer[at++] = c;
    }
    this.length = at;
    return true;
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  float(value: number): void {
    this.reserve(9);
    const at = this.length;
    const half = exactFloat16Bits(value);
    if (half >= 0) {
      this.buffer[at] = FLOAT16;
      this.view.setUint16(at + 1, half);
      this.length += 3;
    } else if (Math.fround(value) === value) {
      this.buffer[at] = FLOAT32;
      this.view.setFloat32(at + 1, value);
      this.length += 5;
    } else {
      this.buffer[at] = FLOAT64;
      this.view.setFloat64(at + 1, value);
      this.length += 9;
    }
  }

  output(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

const textEncoder = new TextEncoder();

function encodeText(text: string): Uint8Array {
  if (!text.isWellFormed()) fail('CBOR_UNSUPPORTED_TYPE', 'cannot encode text with a lone surrogate');
  return textEncoder.encode(text);
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function writeText(writer: Writer, text: string): void {
  if (writer.ascii(text)) return;
  const bytes = encodeText(text);
  writer.head(MAJOR_TEXT, bytes.length);
  writer.bytes(bytes);
}

function compareAsciiKeys(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function compareEncodedKeys(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Map keys in RFC 8949 §4.2.1 order: bytewise order of their encodings, which for text keys is
 * by UTF-8 length, then bytewise. For ASCII keys, UTF-16 order is UTF-8 order.
 */
function sortedKeys(map: object): string[] {
  const keys = Object.keys(map);
  if (keys.every(isAscii)) {
    // Values built in canonical order (decoded ones, entries) skip the sort.
    let sorted = true;
    for (let i = 1; i < keys.length && sorted; i++)
      sorted = compareAsciiKeys(keys[i - 1] as string, keys[i] as string) < 0;
    return sorted ? keys : keys.sort(compareAsciiKeys);
  }
  return keys
    .map((key) => ({ key, bytes: encodeText(key) }))
    .sort((a, b) => compareEncodedKeys(a.bytes, b.bytes))
    .map(({ key }) => key);
}

function setKey(map: { [key: string]: CborValue }, key: string, value: CborValue): void {
  // A plain assignment of "__proto__" would set the prototype instead of a key.
  if (key === '__proto__') {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[key] = value;
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function writeValue(writer: Writer, value: unknown, depth: number): void {
  switch (typeof value) {
    case 'number':
      if (Number.isSafeInteger(value)) {
        if (value >= 0) writer.head(MAJOR_UNSIGNED, value);
        else writer.head(MAJOR_NEGATIVE, -1 - value);
      } else if (Number.isFinite(value)) {
        writer.float(value);
      } else {
        fail('CBOR_UNSUPPORTED_TYPE', `cannot encode ${value}`);
      }
      return;
    case 'string':
      writeText(writer, value);
      return;
    case 'boolean':
      writer.byte(value ? TRUE : FALSE);
      return;
    case 'object':
      break;
    default:
      fail('CBOR_UNSUPPORTED_TYPE', `cannot encode ${typeof value === 'bigint' ? 'a bigint' : typeof value}`);
  }
  if (value === null) {
    writer.byte(NULL);
    return;
  }
  if (depth >= MAX_ENCODE_DEPTH) fail('CBOR_TOO_DEEP', `nesting exceeds ${MAX_ENCODE_DEPTH} (a cycle?)`);
  if (value instanceof Uint8Array) {
    writer.head(MAJOR_BYTES, value.length);
    writer.bytes(value);
  } else if (Array.isArray(value)) {
    writer.head(MAJOR_ARRAY, value.length);
    for (const item of value) writeValue(writer, item, depth + 1);
  } else if (isPlainObject(value)) {
    const map = value as Record<string, unknown>;
    const keys = sortedKeys(map);
    writer.head(MAJOR_MAP, keys.length);
    for (const key of keys) {
      writeText(writer, key);
      writeValue(writer, map[key], depth + 1);
    }
  } else {
    fail('CBOR_UNSUPPORTED_TYPE', `cannot encode a ${value.constructor?.name ?? 'non-plain object'}`);
  }
}

/**
 * The same value with every map's keys inserted in canonical order, which the encoder then finds
 * sorted; for values encoded many times (an entry's body is encoded on build and on signing).
 */
export function inCanonicalOrder<T extends CborValue>(value: T): T {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(inCanonicalOrder) as T;
  // Anything else is left as it is, for the encoder to refuse.
  if (!isPlainObject(value)) return value;
  const ordered: { [key: string]: CborValue } = {};
  for (const key of sortedKeys(value)) setKey(ordered, key, inCanonicalOrder(value[key] as CborValue));
  return ordered as T;
}

// One writer reused by every call: encoding is synchronous and the output is copied out.
const sharedWriter = new Writer();

/** Encodes a value in the deterministic profile. Throws CBOR_UNSUPPORTED_TYPE outside it. */
export function encodeCanonical(value: CborValue): Uint8Array {
  return encodeCanonicalAfter(EMPTY, value);
}

const EMPTY = new Uint8Array(0);

/**
 * `prefix` followed by the encoding of `value`, in one buffer: a signed message is a context
 * string and the encoded bytes, and building it this way saves copying the encoding again.
 */
export function encodeCanonicalAfter(prefix: Uint8Array, value: CborValue): Uint8Array {
  sharedWriter.reset();
  sharedWriter.bytes(prefix);
  writeValue(sharedWriter, value, 0);
  return sharedWriter.output();
}

// ---------------------------------------------------------------------------------------------
// Decoding

const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text in `bytes[start, end)`, which must be valid UTF-8 (CBOR_NON_CANONICAL otherwise). Short
 * ASCII text (every map key, most values) is built directly: cheaper than a call into
 * TextDecoder, and a one-byte-per-character string is what V8 would make of it anyway.
 */
function decodeText(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let text = '';
    let i = start;
    for (; i < end; i++) {
      const b = bytes[i] as number;
      if (b > 0x7f) break;
      text += String.fromCharCode(b);
    }
    if (i === end) return text;
  }
  try {
    return textDecoder.decode(bytes.subarray(start, end));
  } catch {
    return fail('CBOR_NON_CANONICAL', `invalid UTF-8 in the text string ending at offset ${end}`);
  }
}

// Map keys repeat across items (every entry has the same fourteen), and so do org ids, kinds and
// roles; building the string each time, and then hashing it as a property name, cost more than
// the rest of the decode. Short text is interned: one string per distinct byte sequence.
const INTERNED_TEXT_MAX_LENGTH = 32;
const internedText = new ByteMemo<string>(1024);

/** `decodeText`, interned when short; for decoders that read text fields in place (entries). */
export function readTextAt(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > INTERNED_TEXT_MAX_LENGTH) return decodeText(bytes, start, end);
  return internedText.get(bytes, start, end, decodeText);
}

class Reader {
  pos = 0;
  #view: DataView | undefined;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
  ) {}

  /** Made on first use: most items (an entry's fields) never need one. */
  private get view(): DataView {
    this.#view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.#view;
  }

  private need(n: number): void {
    if (n > this.bytes.length - this.pos) {
      fail(
        'CBOR_TRUNCATED',
        `needs ${n} more bytes at offset ${this.pos}, has ${this.bytes.length - this.pos}`,
      );
    }
  }

  /** Reads a head's argument: minimal, definite, at most 2^53 − 1. */
  private argument(major: number, info: number): number {
    if (info < 24) return info;
    const at = this.pos;
    let value: number;
    let floor: number;
    switch (info) {
      case 24:
        this.need(1);
        value = this.bytes[at] as number;
        floor = 24;
        this.pos += 1;
        break;
      case 25:
        this.need(2);
        value = this.view.getUint16(at);
        floor = 0x100;
        this.pos += 2;
        break;
      case 26:
        this.need(4);
        value = this.view.getUint32(at);
        floor = 0x10000;
        this.pos += 4;
        break;
      case 27: {
        this.need(8);
        const high = this.view.getUint32(at);
        floor = 0x100000000;
        this.pos += 8;
        if (high > 0x1fffff) {
          fail('CBOR_UNSUPPORTED_TYPE', `an argument of 2^53 or more at offset ${at - 1}`);
        }
        value = high * 0x100000000 + this.view.getUint32(at + 4);
        break;
      }
      case 31:
        return fail(
          major === MAJOR_UNSIGNED || major === MAJOR_NEGATIVE || major === MAJOR_TAG
            ? 'CBOR_MALFORMED'
            : 'CBOR_INDEFINITE_LENGTH',
          `indefinite length at offset ${at - 1}`,
        );
      default:
        fail('CBOR_MALFORMED', `reserved additional information ${info} at offset ${at - 1}`);
    }
    if (value < floor) fail('CBOR_NON_MINIMAL', `more bytes than necessary at offset ${at - 1}`);
    return value;
  }

  private byteString(length: number): Uint8Array {
    this.need(length);
    const start = this.pos;
    this.pos += length;
    return this.bytes.slice(start, this.pos);
  }

  private text(length: number): string {
    this.need(length);
    const start = this.pos;
    this.pos += length;
    return decodeText(this.bytes, start, this.pos);
  }

  private key(length: number): string {
    this.need(length);
    const start = this.pos;
    this.pos += length;
    return readTextAt(this.bytes, start, this.pos);
  }

  private float(info: number): number {
    const at = this.pos - 1;
    const width = info === 25 ? 2 : info === 26 ? 4 : 8;
    this.need(width);
    const value =
      width === 2
        ? float16Value(this.view.getUint16(this.pos))
        : width === 4
          ? this.view.getFloat32(this.pos)
          : this.view.getFloat64(this.pos);
    this.pos += width;
    if (!Number.isFinite(value)) fail('CBOR_UNSUPPORTED_TYPE', `${value} at offset ${at}`);
    if (Number.isSafeInteger(value)) fail('CBOR_NON_CANONICAL', `an integral float at offset ${at}`);
    const shorter =
      (width === 4 && exactFloat16Bits(value) >= 0) || (width === 8 && Math.fround(value) === value);
    if (shorter) fail('CBOR_NON_CANONICAL', `a float not in its shortest form at offset ${at}`);
    return value;
  }

  private simple(info: number): CborValue {
    const at = this.pos - 1;
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 25:
      case 26:
      case 27:
        return this.float(info);
      case 28:
      case 29:
      case 30:
        return fail('CBOR_MALFORMED', `reserved additional information ${info} at offset ${at}`);
      case 31:
        return fail('CBOR_INDEFINITE_LENGTH', `a break outside an indefinite-length item at offset ${at}`);
      default:
        if (info === 24) this.need(1);
        return fail('CBOR_UNSUPPORTED_TYPE', `a simple value other than false, true, null at offset ${at}`);
    }
  }

  /** Bytewise order of the key encoded at [start, end) against the previous one: > 0 when after. */
  private keyOrder(prevStart: number, prevEnd: number, start: number, end: number): number {
    const bytes = this.bytes;
    const n = Math.min(prevEnd - prevStart, end - start);
    for (let i = 0; i < n; i++) {
      const d = (bytes[start + i] as number) - (bytes[prevStart + i] as number);
      if (d !== 0) return d;
    }
    return end - start - (prevEnd - prevStart);
  }

  value(depth: number): CborValue {
    this.need(1);
    const at = this.pos;
    const initial = this.bytes[this.pos++] as number;
    const major = initial >>> 5;
    const info = initial & 0x1f;
    switch (major) {
      case MAJOR_UNSIGNED:
        return this.argument(major, info);
      case MAJOR_NEGATIVE: {
        const n = this.argument(major, info);
        if (n === Number.MAX_SAFE_INTEGER)
          fail('CBOR_UNSUPPORTED_TYPE', `an integer below -(2^53 - 1) at offset ${at}`);
        return -1 - n;
      }
      case MAJOR_BYTES:
        return this.byteString(this.argument(major, info));
      case MAJOR_TEXT:
        return this.text(this.argument(major, info));
      case MAJOR_ARRAY: {
        const count = this.argument(major, info);
        if (depth >= this.maxDepth) fail('CBOR_TOO_DEEP', `nesting exceeds ${this.maxDepth} at offset ${at}`);
        // Each item takes at least one byte: refuse a count the input cannot hold before allocating.
        this.need(count);
        const array: CborValue[] = new Array(count);
        for (let i = 0; i < count; i++) array[i] = this.value(depth + 1);
        return array;
      }
      case MAJOR_MAP: {
        const count = this.argument(major, info);
        if (depth >= this.maxDepth) fail('CBOR_TOO_DEEP', `nesting exceeds ${this.maxDepth} at offset ${at}`);
        this.need(count * 2);
        const map: { [key: string]: CborValue } = {};
        let prevStart = -1;
        let prevEnd = -1;
        for (let i = 0; i < count; i++) {
          const keyStart = this.pos;
          this.need(1);
          const keyInitial = this.bytes[this.pos++] as number;
          if (keyInitial >>> 5 !== MAJOR_TEXT) {
            fail('CBOR_UNSUPPORTED_TYPE', `a map key that is not a text string at offset ${keyStart}`);
          }
          const key = this.key(this.argument(MAJOR_TEXT, keyInitial & 0x1f));
          if (prevStart >= 0) {
            const order = this.keyOrder(prevStart, prevEnd, keyStart, this.pos);
            if (order === 0) fail('CBOR_DUPLICATE_KEY', `map key "${key}" repeated at offset ${keyStart}`);
            if (order < 0) fail('CBOR_NON_CANONICAL', `map key "${key}" out of order at offset ${keyStart}`);
          }
          prevStart = keyStart;
          prevEnd = this.pos;
          const item = this.value(depth + 1);
          // A plain assignment of "__proto__" would set the prototype instead of a key.
          if (key === '__proto__') {
            Object.defineProperty(map, key, {
              value: item,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          } else {
            map[key] = item;
          }
        }
        return map;
      }
      case MAJOR_TAG:
        return fail('CBOR_UNSUPPORTED_TYPE', `a tag at offset ${at}`);
      default:
        return this.simple(info);
    }
  }
}

/**
 * Decodes exactly one deterministic CBOR item. Every failure is a LiuhenError with a CBOR_* code.
 * Byte strings in the result are copies, never views of `bytes`.
 */
export function decodeCanonical(bytes: Uint8Array, options: DecodeOptions = {}): CborValue {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array)) fail('CBOR_MALFORMED', 'input is not a byte array');
  if (bytes.length > maxBytes)
    fail('CBOR_TOO_LARGE', `${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  if (bytes.length === 0) fail('CBOR_TRUNCATED', 'input is empty');
  const reader = new Reader(bytes, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const value = reader.value(0);
  if (reader.pos < bytes.length) {
    fail('CBOR_TRAILING_BYTES', `${bytes.length - reader.pos} bytes after the item`);
  }
  return value;
}

/**
 * Decodes the one item at `start` of `bytes` as an item nested `depth` deep would be, and returns
 * it with the offset after it: for decoders of a fixed outer structure (an entry) that read its
 * scalar fields in place and leave the free-form ones (a body) to this decoder.
 */
export function decodeCanonicalItem(
  bytes: Uint8Array,
  start: number,
  depth: number,
): { value: CborValue; end: number } {
  const reader = new Reader(bytes, DEFAULT_MAX_DEPTH);
  reader.pos = start;
  const value = reader.value(depth);
  return { value, end: reader.pos };
}

/** True for a plain CBOR map value (as opposed to an array, bytes or a scalar). */
export function isCborMap(value: CborValue | undefined): value is { [key: string]: CborValue } {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}
