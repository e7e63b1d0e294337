/**
 * Who may read pipe/1's restricted fields (pipe-lifecycle.md, "Data classification"): a domain
 * decision, so it lives in the profile. The node seals the restricted fields of the entries it
 * signs to these orgs; the scenario generator seals its own the same way.
 */
import type { GovernanceState, Party } from '@liuhen/governance';

/**
 * The parties that read restricted pipe data: as-built and design geometry is mapping data for
 * the owner, the survey and design parties, supervision, the quality supervision agency and the
 * city archive; the contractors, labs and inspection firms that do not author it get it only by
 * a grant.
 */
export const RESTRICTED_READER_PARTIES: readonly Party[] = [
  'owner',
  'survey',
  'design',
  'supervision',
  'qsa',
  'archive',
];

/**
 * The readers of an entry's restricted fields: the author org (it made the record and must be
 * able to read it back) and every org among `orgs` holding one of `parties`; ascending.
 */
export function restrictedReaders(
  author: string,
  orgs: readonly { readonly id: string; readonly parties: readonly Party[] }[],
  parties: readonly Party[] = RESTRICTED_READER_PARTIES,
): string[] {
  const readers = new Set([author]);
  for (const org of orgs) if (org.parties.some((p) => parties.includes(p))) readers.add(org.id);
  return [...readers].sort();
}

/** Who may read an entry's restricted fields: org ids, from the profile's policy. */
export type SealPolicy = (input: {
  readonly author: string;
  readonly kind: string;
  readonly object: string;
  readonly governance: GovernanceState;
  readonly position: number;
}) => readonly string[];

/** The default policy: `restrictedReaders` among the member orgs at the governance position. */
export function partySealPolicy(parties: readonly Party[] = RESTRICTED_READER_PARTIES): SealPolicy {
  return ({ author, governance, position }) =>
    restrictedReaders(author, governance.orgsAt(position), parties);
}
