/**
 * What the trace needs from a profile (DESIGN §7), as optional hooks: a profile that provides none
 * still gets every integrity check, and each hook it adds switches on one more kind of judgement.
 * The pipe profile (packages/profile-pipe) satisfies this with its role table, rules, reducer and
 * accountability view; a road or bridge profile would do the same.
 */
import type { CborMap, Entry, JsonValue, OperatorIdentity, RestrictedReason } from '@liuhen/core';
import type { Appointment, Genesis, Party } from '@liuhen/governance';
import type { RuleInfo, Severity } from './findings.ts';

/** One entry of a verified trace, with what verification established about it. */
export interface TracedEntry {
  readonly id: Uint8Array;
  /** The id in lowercase hex: the key every report and view uses. */
  readonly idHex: string;
  readonly org: string;
  /** Position in the org's log. */
  readonly index: number;
  readonly entry: Entry;
  readonly envelope: Uint8Array;
  /** The operator's appointment in force at the entry's position; absent for node-key signers. */
  readonly operator?: Appointment;
  /** Encoding, signature, inclusion and authority all verified. */
  readonly valid: boolean;
  /** Earliest verified cosignature over a checkpoint that includes the entry, ms; absent if none. */
  readonly firstWitnessed?: number;
  /** Distinct witnesses that cosigned a checkpoint including the entry. */
  readonly witnesses: readonly string[];
  /** Cut time of the earliest valid checkpoint that includes the entry, ms. */
  readonly loggedAt?: number;
  /** Codes of the findings about this entry. */
  readonly findings: readonly string[];
  /** For an entry with a sealed section: whether the reader opened it, and why not. */
  readonly sealed?: SealedStatus;
  /** The sealed fields, when the reader opened the section. */
  readonly unsealed?: CborMap;
}

/** What became of an entry's sealed section for the verification's reader (DESIGN §11). */
export interface SealedStatus {
  readonly opened: boolean;
  /** Why it stayed closed (core's `RestrictedReason`). */
  readonly reason?: RestrictedReason;
  /** The typed error code behind `reason`, e.g. SEAL_AEAD_FAILED. */
  readonly code?: string;
  /** The orgs holding a wrapped key: the section's and its valid grants'. */
  readonly recipients: readonly string[];
}

/** The trace as the profile's hooks see it. */
export interface ProfileTrace {
  readonly object: string;
  readonly genesis: Genesis;
  /** The time the trace is judged at (deadlines run to it), ms. */
  readonly asOf: number;
  /** The object's entries in causal order. */
  readonly entries: readonly TracedEntry[];
  /** The object's entries and the entries they cite (operator certificates aside). */
  readonly evidence: readonly TracedEntry[];
  /** Any entry in the evidence by id (hex): the object's and those they cite. */
  entry(idHex: string): TracedEntry | undefined;
  /** The operators the verified certificates appoint, as core's profile interface takes them. */
  readonly operators: readonly OperatorIdentity[];
}

export interface ProfileFinding {
  readonly code: string;
  readonly severity: Severity;
  readonly clause: string;
  readonly message: string;
  /** The entry the finding concerns (hex id); absent for a finding about the object as a whole. */
  readonly entry?: string;
  readonly related?: readonly string[];
}

export interface AccountableParty {
  /** A party's appointed lead, or a person who signed entries of the stage. */
  readonly kind?: 'lead' | 'signer';
  /** The org's party role (owner, contractor, …), when the profile knows it. */
  readonly party?: string;
  readonly org: string;
  readonly orgName?: string;
  readonly role: string;
  /** Signer key, lowercase hex. */
  readonly signer: string;
  readonly name?: string;
  readonly licence?: string;
  /** The entries the person signed in this stage (hex ids), in causal order. */
  readonly entries: readonly string[];
  readonly first: number;
  readonly last: number;
  /** E.g. "appointment had lapsed" or "no lead appointed". */
  readonly note?: string;
}

export interface AccountabilityStage {
  readonly stage: string;
  readonly parties: readonly AccountableParty[];
}

export interface AccountabilityView {
  readonly stages: readonly AccountabilityStage[];
}

/** Folds the ordered entries into the object's state. `apply` must not modify its input. */
export interface ProfileReducer<State = unknown> {
  initial(object: string): State;
  apply(state: State, entry: TracedEntry): State;
  /** The state as plain JSON, for diffs and reports (default: the state itself). */
  toJson?(state: State): JsonValue;
}

export interface ProfileHooks<State = unknown> {
  /** Profile id and major version, as in the genesis (`pipe/1`). */
  readonly id: string;
  /** May `role` sign `kind`? Passed to governance's `checkAuthority`. Without it, not checked. */
  mayRoleSign?(kind: string, role: string): boolean;
  /** May an org with these parties record `kind`? Passed to `checkAuthority` when given. */
  mayPartyRecord?(kind: string, parties: readonly Party[]): boolean;
  /** The profile's rule catalogue, for reports and `explain`. */
  readonly rules?: readonly RuleInfo[];
  /** Every lifecycle rule, over the whole trace. */
  check?(trace: ProfileTrace): readonly ProfileFinding[];
  accountability?(trace: ProfileTrace): AccountabilityView;
  /** The lifecycle stage of a kind, for timelines and the default accountability view. */
  stageOf?(kind: string): string | undefined;
  /** The key values of an entry for a one-line timeline ("J07, rubber ring, 0.35 MPa"). */
  summarize?(entry: Entry): string;
  readonly reducer?: ProfileReducer<State>;
  /** The late-recording rule (default: 24 h, TRACE_LATE_RECORDING). */
  readonly lateRecording?: { readonly thresholdMs: number; readonly code?: string; readonly clause?: string };
}
