/**
 * The grants of a sealed entry (DESIGN §11, docs/protocol.md §15.5): `org.access-grant` entries
 * that wrap its data key to more orgs, each checked against the readers before it. Pure; the
 * node's reads and the inspector's verification both judge grants this way.
 */
import {
  ACCESS_GRANT_KIND,
  checkGrant,
  type Entry,
  equalBytes,
  GRANT_REL,
  isLiuhenError,
  type WrapSet,
} from '@liuhen/core';

/**
 * The valid grants of `target` among `entries` (an object's trace, in causal order), as wrap
 * sets in that order. A grant is valid when `checkGrant` accepts it with the readers of the
 * section and of the grants before it; an invalid one is skipped, never trusted.
 */
export function grantsOf(
  target: { readonly id: Uint8Array; readonly entry: Entry },
  entries: readonly { readonly entry: Entry }[],
): WrapSet[] {
  if (target.entry.sealed === undefined) return [];
  const sets: WrapSet[] = [];
  const readers = new Set<string>();
  for (const candidate of entries) {
    if (candidate.entry.kind !== ACCESS_GRANT_KIND) continue;
    const cites = candidate.entry.refs.some(
      (r) => r.rel === GRANT_REL && 'entry' in r && equalBytes(r.entry, target.id),
    );
    if (!cites) continue;
    try {
      const grant = checkGrant(candidate.entry, target, { readers });
      sets.push(grant.wraps);
      for (const w of grant.wraps.recipients) readers.add(w.org);
    } catch (error) {
      if (!isLiuhenError(error)) throw error;
    }
  }
  return sets;
}
