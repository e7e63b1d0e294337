/**
 * Operators are identified by licence number plus a salted hash of their national ID
 * (pipe-lifecycle.md), never the ID itself: an ID number is personal data, and the ledger is
 * replicated to every department and kept for decades. The salt is secret and per person, kept by
 * the appointing org: the 18-digit ID space is small enough that an unsalted or shared-salt hash
 * is reversed by enumeration. With the salt, an inspector can later confirm that a named person
 * holds the ID behind the hash.
 */
import { concatBytes, LiuhenError, sha256, utf8 } from '@liuhen/core';

export const NATIONAL_ID_SALT_BYTES = 32;
/** Domain separation, so the hash cannot be confused with any other SHA-256 in the system. */
const CONTEXT = utf8('liuhen/national-id/v1\n');

/** SHA-256("liuhen/national-id/v1\n" ‖ salt (32 bytes) ‖ UTF-8 of the ID exactly as written). */
export function nationalIdHash(salt: Uint8Array, nationalId: string): Uint8Array {
  if (!(salt instanceof Uint8Array) || salt.length !== NATIONAL_ID_SALT_BYTES) {
    throw new LiuhenError('OPERATOR_RECORD_INVALID', `salt: expected ${NATIONAL_ID_SALT_BYTES} bytes`);
  }
  if (nationalId.length === 0) throw new LiuhenError('OPERATOR_RECORD_INVALID', 'nationalId: empty');
  return sha256(concatBytes(CONTEXT, salt, utf8(nationalId)));
}
