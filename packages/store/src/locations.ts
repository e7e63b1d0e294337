/**
 * Where an entry lives: (org number, log index), as varints. Index postings and the id table
 * store this instead of the 32-byte entry id, which cannot be compressed; a location is usually
 * 4 bytes.
 */
import { decodeVarints, encodeVarints } from './integers.ts';

export interface Location {
  readonly orgNo: number;
  readonly index: number;
}

/** The id table also keeps the entry's commit sequence number, the position of its postings. */
export interface IdRecord extends Location {
  readonly seq: number;
}

export function encodeLocation(orgNo: number, index: number): Uint8Array {
  return encodeVarints([orgNo, index]);
}

export function decodeLocation(value: Uint8Array): Location {
  const [orgNo, index] = decodeVarints(value, 2) as [number, number];
  return { orgNo, index };
}

export function encodeIdRecord(orgNo: number, index: number, seq: number): Uint8Array {
  return encodeVarints([orgNo, index, seq]);
}

export function decodeIdRecord(value: Uint8Array): IdRecord {
  const [orgNo, index, seq] = decodeVarints(value, 3) as [number, number, number];
  return { orgNo, index, seq };
}
