/**
 * Entries signed in the test, outside any node, as an operator's own device signs them: a QI's
 * joint record claimed a minute ago, unless the draft says otherwise.
 */
import { buildEntry, type EntryDraft, publicKeyFromSeed, type SignedEntry, signEntry } from '@liuhen/core';

/** `draft` (which names the network, org, object and body) signed by operator `seed`. */
export function signJoint(
  seed: Uint8Array,
  draft: Pick<EntryDraft, 'network' | 'org' | 'object' | 'body'> & Partial<EntryDraft>,
  maxBytes?: number,
): SignedEntry {
  return signEntry(
    buildEntry({
      kind: 'construction.joint-made',
      role: 'QI',
      signer: publicKeyFromSeed(seed),
      time: Date.now() - 60_000,
      ...draft,
    }),
    seed,
    maxBytes,
  );
}
