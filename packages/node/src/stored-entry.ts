/**
 * Reading back what this node has stored. Each entry was judged when it was accepted, against the
 * `maxEntryBytes` of its block's governance position, so a later `parameter.set` must not make it
 * unreadable: stored envelopes are read with the most any position can allow.
 *
 * Reads decode; they do not verify signatures again. Every entry was verified, once, before it
 * was stored; `liuhen-node verify` audits the store; and whoever reads signed bytes from the API
 * (a client, the inspector, a peer) verifies them itself. Verifying on every read cost a trace
 * about 0.2 ms per entry here, nine tenths of its time.
 */
import { decodeEntry, decodeEnvelope, type Entry, entryId, type SignedEntry } from '@liuhen/core';
import { PARAMETER_RANGES } from '@liuhen/governance';
import type { LedgerStore } from '@liuhen/store';

export const STORED_ENTRY_BYTES = PARAMETER_RANGES.maxEntryBytes[1];

/** A stored envelope's entry. */
export function storedEnvelopeEntry(envelope: Uint8Array): Entry {
  return decodeEntry(decodeEnvelope(envelope, STORED_ENTRY_BYTES).entryBytes, {
    maxBytes: STORED_ENTRY_BYTES,
  });
}

/**
 * A stored envelope as a signed entry, decoded and hashed for its id, unless the caller has the
 * id already (the store's index reads compute it).
 */
export function storedSignedEntry(envelope: Uint8Array, id?: Uint8Array): SignedEntry {
  const { entryBytes, signature } = decodeEnvelope(envelope, STORED_ENTRY_BYTES);
  const entry = decodeEntry(entryBytes, { maxBytes: STORED_ENTRY_BYTES });
  return { entry, entryBytes, signature, id: id ?? entryId(entryBytes), envelope };
}

/** A stored entry by id, decoded; undefined when the store does not hold it. */
export async function storedEntry(store: LedgerStore, id: Uint8Array): Promise<Entry | undefined> {
  const at = await store.locate(id);
  const envelope = at && (await store.envelope(at.org, at.index));
  return envelope && storedEnvelopeEntry(envelope);
}
