/**
 * Reading back what this node has stored. Each entry was judged when it was accepted, against the
 * `maxEntryBytes` of its block's governance position, so a later `parameter.set` must not make it
 * unreadable: stored envelopes are read with the most any position can allow.
 */
import { decodeEntry, decodeEnvelope, type Entry } from '@liuhen/core';
import { PARAMETER_RANGES } from '@liuhen/governance';
import type { LedgerStore } from '@liuhen/store';

export const STORED_ENTRY_BYTES = PARAMETER_RANGES.maxEntryBytes[1];

/** A stored envelope's entry. Stored entries were verified on the way in: decoding is enough. */
export function storedEnvelopeEntry(envelope: Uint8Array): Entry {
  return decodeEntry(decodeEnvelope(envelope, STORED_ENTRY_BYTES).entryBytes, {
    maxBytes: STORED_ENTRY_BYTES,
  });
}

/** A stored entry by id, decoded; undefined when the store does not hold it. */
export async function storedEntry(store: LedgerStore, id: Uint8Array): Promise<Entry | undefined> {
  const at = await store.locate(id);
  const envelope = at && (await store.envelope(at.org, at.index));
  return envelope && storedEnvelopeEntry(envelope);
}
