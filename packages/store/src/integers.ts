/**
 * Integer codecs. Keys use fixed-width big-endian integers so that LevelDB's bytewise order is
 * numeric order; values use LEB128 varints because they are never compared, only decoded, and
 * small numbers (org numbers, early indices) then cost one or two bytes.
 *
 * Numbers are JS safe integers (< 2^53), like tree sizes in core. They are split into 32-bit
 * halves by division, and the bitwise operators only ever see a half.
 */
import { LiuhenError } from '@liuhen/core';

const TWO_32 = 2 ** 32;

// Byte by byte: these run several times per entry on the commit path, and a DataView per call
// costs more than the writes.
export function writeU32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = n >>> 16;
  out[at + 2] = n >>> 8;
  out[at + 3] = n;
}

export function writeU64(out: Uint8Array, at: number, n: number): void {
  writeU32(out, at, Math.floor(n / TWO_32));
  writeU32(out, at + 4, n % TWO_32);
}

export function readU64(bytes: Uint8Array, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(at) * TWO_32 + view.getUint32(at + 4);
}

/** Appends the varints of `values` into one buffer. */
export function encodeVarints(values: readonly number[]): Uint8Array {
  const out: number[] = [];
  for (let n of values) {
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  }
  return Uint8Array.from(out);
}

/** Decodes exactly `count` varints; anything else means the record is damaged. */
export function decodeVarints(bytes: Uint8Array, count: number): number[] {
  const values: number[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    let n = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new LiuhenError('STORE_CORRUPT', 'a record ends inside a varint');
      n += (byte & 0x7f) * scale;
      if (!Number.isSafeInteger(n) || scale > 2 ** 49) {
        throw new LiuhenError('STORE_CORRUPT', 'a varint in a record is too large');
      }
      if (byte < 0x80) break;
      scale *= 0x80;
    }
    values.push(n);
  }
  if (at !== bytes.length) throw new LiuhenError('STORE_CORRUPT', 'trailing bytes in a record');
  return values;
}
