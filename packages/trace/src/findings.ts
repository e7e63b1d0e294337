/**
 * Findings: what verification reports, one per problem, each against the part it concerns. The
 * codes here are the trace's own rules; a finding may also carry a governance code (the authority
 * check's verdict, e.g. OPERATOR_REVOKED) or a profile rule code (e.g. P-COVER). Codes are stable:
 * reports print them, `liuhen-inspect explain` looks them up, and they are never renamed.
 */
export type Severity = 'error' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** Which part of the evidence a finding is about. */
export type Part =
  | 'bundle'
  | 'genesis'
  | 'governance'
  | 'checkpoint'
  | 'cosignature'
  | 'entry'
  | 'operator-certificate'
  | 'attachment'
  | 'profile';

export interface FindingSubject {
  readonly part: Part;
  readonly org?: string;
  /** Log index of the entry, or of the first entry a checkpoint problem concerns. */
  readonly index?: number;
  /** Entry id, lowercase hex. */
  readonly entry?: string;
  /** Tree size of the checkpoint. */
  readonly checkpoint?: number;
  /** Position of the checkpoint in the bundle's list for its log. */
  readonly position?: number;
  readonly witness?: string;
  /** Attachment SHA-256, lowercase hex. */
  readonly attachment?: string;
  /** Governance position (sequence number) of an action. */
  readonly seq?: number;
}

export interface Finding {
  readonly severity: Severity;
  readonly code: string;
  /** The rule, standard or protocol clause the finding enforces. */
  readonly clause: string;
  readonly message: string;
  readonly subject: FindingSubject;
  /** The underlying typed error code, when a core or governance check failed. */
  readonly cause?: string;
  /** Other entries the finding involves (ids, lowercase hex), e.g. the parent a child contradicts. */
  readonly related?: readonly string[];
}

export interface RuleInfo {
  readonly code: string;
  readonly severity: Severity;
  readonly clause: string;
  readonly title: string;
  readonly explanation: string;
}

const rule = (
  code: string,
  severity: Severity,
  clause: string,
  title: string,
  explanation: string,
): RuleInfo => ({
  code,
  severity,
  clause,
  title,
  explanation,
});

/** The trace's own rules. Clauses name docs/protocol.md (byte level) or DESIGN.md (the contract). */
export const TRACE_RULES: readonly RuleInfo[] = [
  rule(
    'TRACE_GENESIS_INVALID',
    'error',
    'protocol §2; DESIGN §3',
    'Genesis unreadable',
    'The genesis in the evidence is not a valid canonical genesis, so nothing can be judged against it.',
  ),
  rule(
    'TRACE_GENESIS_UNTRUSTED',
    'error',
    'DESIGN §8 (trust anchor)',
    'Genesis is not the trusted one',
    'The genesis hash (network id) differs from the one the inspector trusts: the evidence is for another network or was altered.',
  ),
  rule(
    'TRACE_UNANCHORED',
    'warning',
    'DESIGN §8 (trust anchor)',
    'No trust anchor given',
    'The evidence was checked against its own genesis only; pass the network id or genesis to pin it.',
  ),
  rule(
    'TRACE_OBJECT_MISMATCH',
    'error',
    'DESIGN §8',
    'Evidence is for another object',
    'The bundle is about a different object than the one asked about.',
  ),
  rule('TRACE_EMPTY', 'error', 'DESIGN §8', 'No entries', 'The evidence holds no entry of the object.'),
  rule(
    'TRACE_PROFILE_UNAVAILABLE',
    'warning',
    'DESIGN §7',
    'Profile rules not checked',
    "The network's profile is not available to this verifier: which roles may sign which kinds, and the profile's lifecycle rules, were not checked.",
  ),
  rule(
    'TRACE_PROFILE_MISMATCH',
    'warning',
    'DESIGN §7',
    'Profile does not match the network',
    "The profile given is not the genesis's profile, so it was not used.",
  ),
  rule(
    'TRACE_PROFILE_FAILED',
    'error',
    'DESIGN §7',
    'Profile check failed to run',
    'A profile hook threw instead of answering; its rules are not checked.',
  ),
  rule(
    'TRACE_GOVERNANCE_INVALID',
    'error',
    'DESIGN §3; protocol (governance actions)',
    'Governance action refused',
    'A governance action in the evidence does not apply to the governance state before it (signatures, threshold, order, or effect); later actions are not applied.',
  ),
  rule(
    'TRACE_GOVERNANCE_POSITION',
    'error',
    'protocol §7 (governance line); DESIGN §3',
    'Unknown governance position',
    'A checkpoint claims a governance position that the verified governance log does not have, or with another hash.',
  ),
  rule(
    'TRACE_CHECKPOINT_MALFORMED',
    'error',
    'protocol §6, §7',
    'Checkpoint unreadable',
    'A checkpoint is not a well-formed block header note; entries proven to it are not proven.',
  ),
  rule(
    'TRACE_CHECKPOINT_FOREIGN',
    'error',
    'protocol §7',
    'Checkpoint of another log',
    'A checkpoint names another network or org than the log it is listed under.',
  ),
  rule(
    'TRACE_CHECKPOINT_SIGNATURE',
    'error',
    'protocol §6, §7',
    'Checkpoint signature invalid',
    "The org node key's signature on the checkpoint is missing or does not verify (or the key was not valid for it at its governance position); entries proven to it are not proven.",
  ),
  rule(
    'TRACE_CHECKPOINT_ORDER',
    'error',
    'protocol §14 (Bundles)',
    'Checkpoints out of order',
    "A log's checkpoints are not in strictly ascending tree size.",
  ),
  rule(
    'TRACE_CHECKPOINT_CHAIN',
    'error',
    'protocol §7 (extends)',
    'Header hash chain broken',
    'Consecutive headers do not link (previous-header hash, height, time, governance position).',
  ),
  rule(
    'TRACE_CONSISTENCY',
    'error',
    'protocol §5 (consistency proofs)',
    'Checkpoints not consistent',
    'The consistency proof between two checkpoints of one log does not verify: they may not be views of one append-only log.',
  ),
  rule(
    'TRACE_COSIGNATURE_INVALID',
    'error',
    'protocol §9',
    'Cosignature invalid',
    "A witness's cosignature on a checkpoint does not verify: it was altered or forged.",
  ),
  rule(
    'TRACE_COSIGNATURE_UNKNOWN',
    'info',
    'protocol §9',
    'Cosignature by an unknown witness',
    'A cosignature names a witness that is not a member org (or not one the policy counts); it is ignored.',
  ),
  rule(
    'TRACE_COSIGNATURE_EARLY',
    'warning',
    'DESIGN §4 (witnessing)',
    'Cosigned before the block was cut',
    "A witness's timestamp is before the checkpoint's own time by more than the clock-skew tolerance: the witness's clock is wrong.",
  ),
  rule(
    'TRACE_WITNESS_POLICY',
    'error',
    'DESIGN §4 (k-of-n witnessing)',
    'Below the witness policy',
    'Fewer distinct witnesses than the policy requires have cosigned a checkpoint that covers the entry, so its inclusion could still be silently rewritten.',
  ),
  rule(
    'TRACE_ENTRY_ENCODING',
    'error',
    'protocol §2, §4',
    'Entry unreadable',
    'The envelope or entry bytes are not canonical or do not have the entry schema.',
  ),
  rule(
    'TRACE_ENTRY_NETWORK',
    'error',
    'protocol §4',
    'Entry of another network',
    "The entry's network id is not the genesis hash.",
  ),
  rule(
    'TRACE_ENTRY_SIGNATURE',
    'error',
    'protocol §3, §4',
    'Entry signature invalid',
    "The signer's Ed25519 signature over the entry bytes does not verify.",
  ),
  rule(
    'TRACE_ENTRY_ORG',
    'error',
    'protocol §8',
    'Entry in another org log',
    'The entry names another org than the log that holds it.',
  ),
  rule(
    'TRACE_INCLUSION',
    'error',
    'protocol §5 (inclusion proofs)',
    'Not included in the log',
    'The inclusion proof does not lead from the entry to a valid signed checkpoint of its org log.',
  ),
  rule(
    'TRACE_DUPLICATE_ENTRY',
    'error',
    'protocol §4',
    'Entry at two positions',
    'The same entry appears at two log positions.',
  ),
  rule(
    'TRACE_CERTIFICATE_INVALID',
    'error',
    'DESIGN §2 (operator certificates)',
    'Operator certificate refused',
    'An operator appointment or revocation is malformed or contradicts an earlier one; it was not applied.',
  ),
  rule(
    'TRACE_FOREIGN_ENTRY',
    'error',
    'DESIGN §8 (bundle contents)',
    'Entry that does not belong',
    'The evidence holds an entry that is neither of the object, nor cited by it (as an entry, or as an entry of an object it cites), nor an operator certificate: evidence was swapped or padded.',
  ),
  rule(
    'TRACE_PARENT_MISSING',
    'error',
    'DESIGN §4 (object DAG)',
    'Parent entry missing',
    "An entry names a parent that is not in the evidence: the object's history is incomplete.",
  ),
  rule(
    'TRACE_PARENT_FOREIGN',
    'error',
    'DESIGN §4 (object DAG)',
    'Parent of another object',
    "An entry's parent is an entry of a different object.",
  ),
  rule(
    'TRACE_CITED_MISSING',
    'warning',
    'DESIGN §8 (bundle contents)',
    'Cited entry missing',
    'An entry cites another entry that is not in the evidence, so what it relies on cannot be checked.',
  ),
  rule(
    'TRACE_TIME_PARENT',
    'error',
    'DESIGN §8 (time consistency)',
    'Earlier than its parent',
    "An entry claims a time before its parent's by more than the clock-skew tolerance, although it was written knowing the parent.",
  ),
  rule(
    'TRACE_TIME_CHECKPOINT',
    'error',
    'DESIGN §8 (time consistency)',
    'Claimed after it was logged',
    'An entry claims a time after the checkpoint that first includes it was cut, beyond the clock-skew tolerance.',
  ),
  rule(
    'TRACE_TIME_FUTURE',
    'error',
    'DESIGN §8 (time consistency)',
    'Claimed in the future',
    'An entry claims a time after the as-of time of the verification, beyond the clock-skew tolerance.',
  ),
  rule(
    'TRACE_LATE_RECORDING',
    'warning',
    'DESIGN §4 (late recording, 补录)',
    'Late recording (补录)',
    'The entry was first witnessed (or, unwitnessed, is by the as-of time) long after the time it claims: it was recorded after the fact.',
  ),
  rule(
    'TRACE_ATTACHMENT_MISMATCH',
    'error',
    'protocol §4 (attachments)',
    'Attachment altered',
    "An attachment's bytes do not have the SHA-256 or size the entry records.",
  ),
  rule(
    'TRACE_SEALED_UNREADABLE',
    'error',
    'DESIGN §11; protocol §15.4',
    'Sealed section does not open',
    "The entry's signature covers a sealed section that its recipient cannot open: the ciphertext or its wrapped key does not authenticate (AEAD failure), or the section is malformed. The restricted fields it claims to hold are lost to every reader, and the rules that need them are not checkable.",
  ),
  rule(
    'TRACE_SEALED_KEY',
    'warning',
    'DESIGN §11; protocol §15.4, §15.7',
    "The reader's key does not open the sealed section",
    "The inspector reads as an org that holds a wrapped key of the entry, but no encryption key it was given is the one wrapped to: the rules that need the sealed fields are not checkable at this clearance. Give the org's key in force when the entry was sealed (retired keys included).",
  ),
  rule(
    'TRACE_ATTACHMENT_MISSING',
    'info',
    'DESIGN §8 (optional blobs)',
    'Attachment not included',
    'An attachment the entry records is not in the evidence; its hash is signed, its content is not checked.',
  ),
];

/** The authority check's codes (governance's checkAuthority), as rules of the trace. */
export const AUTHORITY_CLAUSE = 'DESIGN §2, §3 (authority at the causal position)';

const byCode = new Map(TRACE_RULES.map((r) => [r.code, r]));

export function traceRule(code: string): RuleInfo | undefined {
  return byCode.get(code);
}

export function findingOf(
  code: string,
  message: string,
  subject: FindingSubject,
  extra: {
    cause?: string | undefined;
    related?: readonly string[];
    severity?: Severity;
    clause?: string;
  } = {},
): Finding {
  const info = byCode.get(code);
  return {
    severity: extra.severity ?? info?.severity ?? 'error',
    code,
    clause: extra.clause ?? info?.clause ?? AUTHORITY_CLAUSE,
    message,
    subject,
    ...(extra.cause === undefined ? {} : { cause: extra.cause }),
    ...(extra.related === undefined || extra.related.length === 0 ? {} : { related: extra.related }),
  };
}

/** Errors first, then warnings, then information; stable within a severity. */
export function bySeverity(a: Finding, b: Finding): number {
  return SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity);
}
