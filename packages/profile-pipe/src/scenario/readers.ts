/**
 * Entries as a cleared reader sees them: their sealed sections opened by one org's encryption
 * key, the way an inspector given that key opens them (core's `unsealEntry`).
 */
import {
  type EncryptionKeyPair,
  type ProfileEntry,
  type SignedEntry,
  sealedReaders,
  unsealEntry,
} from '@liuhen/core';
import type { CastOrg } from './cast.ts';

/**
 * Every entry, each sealed section wrapped to `org` opened with the org's key (`unsealed`); the
 * sections not wrapped to it stay closed.
 */
export function unsealFor(
  entries: readonly SignedEntry[],
  org: string,
  key: EncryptionKeyPair,
): ProfileEntry[] {
  return entries.map((e) =>
    e.entry.sealed === undefined || !sealedReaders(e.entry.sealed).includes(org)
      ? e
      : { id: e.id, entry: e.entry, unsealed: unsealEntry(e, org, key) },
  );
}

/**
 * A scenario's entries as `org` reads them with its encryption key. The default org, the owner,
 * holds a wrap of every section the scenario seals.
 */
export function unsealedEntries(
  s: { readonly entries: readonly SignedEntry[]; readonly orgs: readonly CastOrg[] },
  org = 'owner',
): ProfileEntry[] {
  const key = s.orgs.find((o) => o.id === org)?.encryptionKey;
  if (key === undefined) throw new RangeError(`no org ${org} in the scenario`);
  return unsealFor(s.entries, org, key);
}
