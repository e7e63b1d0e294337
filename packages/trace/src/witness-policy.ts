/**
 * The k-of-n witness policy (DESIGN §4): how many distinct orgs must have cosigned a checkpoint
 * covering an entry before the entry's inclusion counts as witnessed. A witness's cosignature
 * name is its org id and its key the org's node key (as `packages/net` cosigns), and an org never
 * witnesses its own log, so for a log of org O the eligible witnesses are the other members.
 * Default k: a majority of them, ⌊n/2⌋ + 1.
 */
export interface WitnessPolicy {
  /** Org ids whose cosignatures count (default: every member org). */
  readonly witnesses?: readonly string[];
  /** Distinct witnesses required (default: a majority of the eligible ones). */
  readonly threshold?: number;
}

export interface LogWitnessPolicy {
  readonly eligible: readonly string[];
  readonly threshold: number;
}

/** The policy for the log of `org` among `members`. */
export function witnessPolicyFor(
  policy: WitnessPolicy,
  org: string,
  members: readonly string[],
): LogWitnessPolicy {
  const pool = policy.witnesses ?? members;
  const eligible = pool.filter((w) => w !== org && members.includes(w));
  const majority = eligible.length === 0 ? 0 : Math.floor(eligible.length / 2) + 1;
  // A threshold the eligible witnesses cannot reach is kept: it then fails every entry, as it should.
  return { eligible, threshold: policy.threshold ?? majority };
}
