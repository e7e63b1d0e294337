/**
 * The accountability view when the profile has none of its own: per lifecycle stage (the profile's
 * `stageOf`, else the kind's first segment), who signed — person, licence, role, org and its party
 * roles — with the entries they answer for. A signer whose entry did not verify is kept and
 * marked, because "who signed without standing" is exactly what an inspector needs to see.
 */
import { toHex } from '@liuhen/core';
import type { GovernanceState } from '@liuhen/governance';
import type { AccountabilityView, AccountableParty, ProfileHooks, TracedEntry } from './profile.ts';

export function stageOf(profile: ProfileHooks | undefined, kind: string): string {
  return profile?.stageOf?.(kind) ?? kind.split('.')[0] ?? kind;
}

export function defaultAccountability(
  entries: readonly TracedEntry[],
  governance: GovernanceState,
  profile: ProfileHooks | undefined,
): AccountabilityView {
  const stages = new Map<string, Map<string, AccountableParty>>();
  for (const t of entries) {
    const stage = stageOf(profile, t.entry.kind);
    const people = stages.get(stage) ?? new Map<string, AccountableParty>();
    stages.set(stage, people);
    const signer = toHex(t.entry.signer);
    const key = `${t.org} ${signer} ${t.entry.role}`;
    const earlier = people.get(key);
    if (earlier !== undefined) {
      people.set(key, {
        ...earlier,
        entries: [...earlier.entries, t.idHex],
        first: Math.min(earlier.first, t.entry.time),
        last: Math.max(earlier.last, t.entry.time),
        ...(t.valid || earlier.note !== undefined ? {} : { note: `not verified: ${t.findings.join(', ')}` }),
      });
      continue;
    }
    const org = governance.orgIds().includes(t.org) ? governance.nodeKeysOf(t.org) : [];
    const view = governance.isMember(t.org) ? governance.orgAt(t.org) : undefined;
    const nodeKeySigned = org.some((r) => toHex(r.key) === signer);
    const name = t.operator?.name ?? (nodeKeySigned ? view?.name : undefined);
    people.set(key, {
      org: t.org,
      ...(view === undefined ? {} : { orgName: view.name, party: view.parties.join(', ') }),
      role: t.entry.role,
      signer,
      ...(name === undefined ? {} : { name }),
      ...(t.operator === undefined ? {} : { licence: t.operator.licence }),
      entries: [t.idHex],
      first: t.entry.time,
      last: t.entry.time,
      ...(t.valid ? {} : { note: `not verified: ${t.findings.join(', ')}` }),
    });
  }
  return { stages: [...stages].map(([stage, people]) => ({ stage, parties: [...people.values()] })) };
}
