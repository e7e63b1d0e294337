/**
 * The contract between the ledger and a domain profile (DESIGN §7). The ledger knows entries,
 * signatures, logs and causality; a profile knows what the entries mean: which kinds exist, what
 * their bodies hold, who may sign them, which orderings the law demands, how they fold into an
 * object's state and who answers for each stage. Pipes are the first profile; roads or bridges
 * implement the same interface, so the node, the inspector and replay never name a domain.
 *
 * Everything here is data or a pure function of its arguments. Time is always an input ("as
 * of", first-witnessed times), never read from a clock, so every verifier gets the same answer.
 */
import { toHex } from './bytes.ts';
import type { CborMap, Entry } from './entry.ts';

/** An entry as a profile sees it: the decoded entry and its id (a `SignedEntry` fits). */
export interface ProfileEntry {
  readonly id: Uint8Array;
  readonly entry: Entry;
  /**
   * The fields of the entry's sealed section, when the reader the profile judges for opened it
   * (DESIGN §11). Absent when the entry has no sealed section or the reader cannot open it; a
   * rule that needs such a field then reports it as not checkable at this clearance.
   */
  readonly unsealed?: CborMap;
}

/** `error`: a mandatory rule (law or standard) is broken; `warning`: good practice is not followed. */
export type FindingSeverity = 'error' | 'warning';

/**
 * What the node does with an entry that breaks a rule at append time: `refuse` it with the
 * rule's code, or `flag` it — store it and report the finding — because refusing would lose the
 * evidence of what happened.
 */
export type AppendPolicy = 'refuse' | 'flag';

export interface RuleDescriptor {
  /** Stable code that reports print, e.g. `P-COVER`; never renamed. */
  readonly code: string;
  readonly title: string;
  readonly severity: FindingSeverity;
  /** The standard or regulation the rule enforces, e.g. `GB 55032-2022`. */
  readonly standard: string;
  /** The clause within it, e.g. `§3.3.4`. */
  readonly clause: string;
  /** One line for a person reading a report. */
  readonly explanation: string;
  readonly onAppend: AppendPolicy;
  /** Why the rule refuses or flags. */
  readonly onAppendReason: string;
  /** True for rules judged against an "as of" time (a deadline has to pass first). */
  readonly deadline: boolean;
}

/** A rule broken by one entry. Ids are lower-case hex. */
export interface Finding {
  readonly code: string;
  readonly severity: FindingSeverity;
  /** The entry the finding concerns (for a deadline, the entry that started the clock). */
  readonly entry: string;
  readonly object: string;
  readonly kind: string;
  readonly message: string;
  /** Other entries the finding cites. */
  readonly related: readonly string[];
  /** For deadline rules: when the obligation fell due, ms. */
  readonly dueAt?: number;
}

/** A rule that could not be judged, e.g. for lack of first-witnessed times. Never counts as passed. */
export interface Unchecked {
  readonly code: string;
  readonly entry?: string;
  readonly reason: string;
}

/**
 * A person appointed to sign for an org, as the governance operator certificates record them,
 * reduced to what a profile needs. The caller builds these from `org.operator-appointed`
 * entries; the profile does no I/O.
 */
export interface OperatorIdentity {
  readonly org: string;
  /** The operator's Ed25519 public key, hex. */
  readonly key: string;
  readonly name: string;
  readonly licence: string;
  /** Salted hash of the national ID, hex. */
  readonly idHash: string;
  readonly roles: readonly string[];
  readonly validFrom: number;
  readonly validUntil: number;
  /** When the appointment ended early (revoked or replaced), ms. */
  readonly endedAt?: number;
}

export interface EvaluationInput {
  /**
   * The entries to judge: the objects' whole histories and every entry they reach through
   * parents and entry refs. Order does not matter; the profile orders causally.
   */
  readonly entries: readonly ProfileEntry[];
  /** Objects whose entries are judged; the rest is context. Default: every object present. */
  readonly focus?: readonly string[];
  /** Deadlines are judged as of this time, ms. */
  readonly asOf: number;
  /** Entry id (hex) → earliest witness cosignature time, ms. */
  readonly firstWitnessed?: ReadonlyMap<string, number>;
  readonly operators?: readonly OperatorIdentity[];
}

export interface Evaluation {
  readonly findings: readonly Finding[];
  readonly unchecked: readonly Unchecked[];
}

export interface AppendInput {
  readonly candidate: ProfileEntry;
  /** Entries the node holds that the candidate may depend on: at least its causal closure. */
  readonly context: readonly ProfileEntry[];
  /** The node's clock, ms. A record made now about an act long ago is a late recording. */
  readonly now: number;
  readonly operators?: readonly OperatorIdentity[];
}

/** Why an entry is refused; `code` is a rule code or one of the profile's error codes. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
  /** The body field at fault, when there is one, e.g. `body.compactionPct`. */
  readonly field?: string;
}

/**
 * A profile's incremental index of one object's ancestry, which a node keeps between appends so
 * that judging an append costs what is new since the last one, not the object's whole history.
 * The node walks a candidate's links until it meets indexed entries and passes what it found.
 */
export interface AppendIndex {
  /** Entries held: what a node bounds its memory by. */
  readonly size: number;
  /** Whether the entry (hex id) is indexed, with everything it links to that the node held. */
  has(id: string): boolean;
  /**
   * Ids indexed entries link to that the node did not hold when they were indexed (a ref to
   * another org's entry not replicated yet). Once the node holds one, the index is stale: build
   * a new one.
   */
  missingLinks(): readonly Uint8Array[];
  /**
   * The same decision as `checkAppend` with the candidate's causal closure as context. Keeps
   * the candidate and `added` when it is accepted, and forgets them when it is refused: an
   * accepted candidate that is not stored after all (its block refused) leaves the index stale.
   */
  judge(input: IndexedAppendInput): AppendDecision;
}

/**
 * A profile's append judgement, optionally with its incremental form: `index` makes an empty
 * `AppendIndex` that decides exactly as this function does. It belongs to the function, so a
 * profile that replaces `checkAppend` without one is judged with whole closures.
 */
export interface CheckAppend {
  (input: AppendInput): AppendDecision;
  readonly index?: () => AppendIndex;
}

export interface IndexedAppendInput {
  readonly candidate: ProfileEntry;
  /** The candidate's causal closure minus what the index holds, in any order. */
  readonly added: readonly ProfileEntry[];
  readonly now: number;
  readonly operators?: readonly OperatorIdentity[];
}

export interface AppendDecision {
  readonly ok: boolean;
  readonly refusals: readonly Refusal[];
  /** Findings the node stores with the accepted entry. */
  readonly flags: readonly Finding[];
}

export interface BodyIssue {
  /** e.g. `body.items[0].measuredValue` */
  readonly field: string;
  readonly message: string;
}

export type BodyCheck = { readonly ok: true } | { readonly ok: false; readonly issues: readonly BodyIssue[] };

export type FieldClassification = 'public' | 'internal' | 'restricted';

export interface FieldDescriptor {
  /** Dotted path, `[]` for array items, e.g. `items[].measuredValue`. */
  readonly path: string;
  readonly type: string;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  /** For text: its format in words, e.g. `J followed by 2–3 digits`. */
  readonly format?: string;
  /** For text: the longest accepted, in characters. */
  readonly maxLength?: number;
  readonly required: boolean;
  readonly classification: FieldClassification;
  readonly description: string;
}

export interface KindDescriptor {
  readonly kind: string;
  readonly stage: string;
  readonly summary: string;
  /** Object types the kind may be recorded on. */
  readonly objectTypes: readonly string[];
  /** Roles that may sign the entry itself. */
  readonly signers: readonly string[];
  /** Roles that must also sign, by their own `attest` entries, unless they signed the entry. */
  readonly cosigners: readonly string[];
  /** Roles that may attest as witnesses. */
  readonly witnesses: readonly string[];
  readonly attachments: string;
  readonly fields: readonly FieldDescriptor[];
}

export interface ObjectTypeDescriptor {
  readonly type: string;
  /** Primary ids are `prefix:token`. */
  readonly prefix: string;
  readonly aliasExample: string;
  readonly aliasPattern: string;
  readonly description: string;
}

export type LeadStatus = 'in-force' | 'replaced' | 'lapsed' | 'missing';

export interface LeadAccount {
  readonly party: string;
  readonly role: string;
  readonly status: LeadStatus;
  readonly name?: string;
  readonly licence?: string;
  readonly org?: string;
  /** When the appointment was recorded, ms. */
  readonly time?: number;
  readonly entry?: string;
  readonly note?: string;
}

export type SignerStatus = 'valid' | 'unknown' | 'lapsed' | 'role-not-held';

export interface SignerAccount {
  readonly entry: string;
  readonly kind: string;
  readonly role: string;
  readonly org: string;
  readonly key: string;
  readonly time: number;
  readonly status: SignerStatus;
  readonly name?: string;
  readonly licence?: string;
}

export interface StageAccount {
  readonly stage: string;
  readonly from?: number;
  readonly to?: number;
  readonly leads: readonly LeadAccount[];
  readonly signers: readonly SignerAccount[];
}

/** Who answered for each stage of an object (DESIGN §7; 质量终身责任). */
export interface AccountabilityView {
  readonly object: string;
  readonly stages: readonly StageAccount[];
}

export interface AccountabilityInput {
  readonly object: string;
  /** The object's history and the related objects' (for a segment: its project). */
  readonly entries: readonly ProfileEntry[];
  readonly operators?: readonly OperatorIdentity[];
}

export interface Profile<State = unknown> {
  /** Profile id and major version, as in the genesis, e.g. `pipe/1`. */
  readonly id: string;
  readonly objectTypes: readonly ObjectTypeDescriptor[];
  readonly kinds: readonly KindDescriptor[];
  readonly rules: readonly RuleDescriptor[];
  isKnownKind(kind: string): boolean;
  /** The object type of a primary id, or undefined when it is not one of the profile's. */
  objectTypeOf(object: string): string | undefined;
  checkBody(kind: string, body: CborMap, options?: { readonly sealed?: boolean }): BodyCheck;
  mayRoleSign(kind: string, role: string): boolean;
  /** Roles that must attest an entry of `kind` signed as `role`. */
  requiredCosigners(kind: string, role: string): readonly string[];
  /** Schema, role and structure checks, then the rules judged on the candidate alone. */
  checkAppend: CheckAppend;
  /** Every rule on every focus entry. */
  evaluate(input: EvaluationInput): Evaluation;
  initialState(object: string): State;
  /** Folds one entry of the object, in causal order, into its state. */
  reduce(state: State, entry: ProfileEntry): State;
  accountability(input: AccountabilityInput): AccountabilityView;
}

/** An entry's id as reports print it. */
export function profileEntryId(entry: ProfileEntry): string {
  return toHex(entry.id);
}

/** Folds an object's causally ordered entries through a profile's reducer. */
export function replayObject<State>(
  profile: Profile<State>,
  object: string,
  ordered: Iterable<ProfileEntry>,
): State {
  let state = profile.initialState(object);
  for (const e of ordered) if (e.entry.object === object) state = profile.reduce(state, e);
  return state;
}

/** Findings in a stable order: by entry, then code, so two verifiers print the same report. */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.entry !== b.entry) return a.entry < b.entry ? -1 : 1;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
