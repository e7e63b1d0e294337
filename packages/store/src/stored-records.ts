/**
 * Decoding what the store itself wrote: headers and envelopes were verified before they were
 * committed, so any failure to decode them now is damage to the store, reported as such rather
 * than as a protocol error about the data.
 */
import {
  type BlockHeader,
  decodeEntry,
  decodeEnvelope,
  entryId,
  formatSignedNote,
  LiuhenError,
  parseBlockHeader,
  utf8,
} from '@liuhen/core';

function corrupt<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new LiuhenError('STORE_CORRUPT', `a stored ${what} does not decode`, { cause: error });
  }
}

/** Headers are stored as their signed note, signatures included, exactly as committed. */
export function encodeHeader(header: BlockHeader): Uint8Array {
  return utf8(formatSignedNote(header.note));
}

export function decodeHeader(value: Uint8Array): BlockHeader {
  return corrupt('header', () => parseBlockHeader(value));
}

/** Envelope sizes are bounded by the network's limit, which the store does not know: use the length. */
export function storedEntryId(envelope: Uint8Array): Uint8Array {
  return corrupt('envelope', () => entryId(decodeEnvelope(envelope, envelope.length).entryBytes));
}

export function storedEntryTime(envelope: Uint8Array): number {
  return corrupt('envelope', () => {
    const { entryBytes } = decodeEnvelope(envelope, envelope.length);
    return decodeEntry(entryBytes, { maxBytes: entryBytes.length }).time;
  });
}
