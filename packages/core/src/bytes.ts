/**
 * Byte helpers shared by every module. Portable (no Buffer) so the core runs in browsers; the
 * codecs come from noble and scure, which are audited and strict.
 */
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';

export { concatBytes };

export const toHex: (bytes: Uint8Array) => string = bytesToHex;
export const fromHex: (hex: string) => Uint8Array = hexToBytes;
export const utf8: (text: string) => Uint8Array = utf8ToBytes;

/** Standard base64 with padding (RFC 4648 §4), as signed notes require. */
export const toBase64: (bytes: Uint8Array) => string = base64.encode;

/**
 * Strict base64: padding required, no whitespace, unused trailing bits zero, so every byte
 * string has exactly one accepted text form.
 */
export const fromBase64: (text: string) => Uint8Array = base64.decode;

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Lexicographic byte order, for sorting parents and hash lists canonically. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Throws on invalid UTF-8 instead of substituting U+FFFD, and keeps a leading BOM as text. */
export function fromUtf8(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}

export function u64be(value: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}
