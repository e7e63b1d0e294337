// The public API of @liuhen/trace. The verification steps (verify-*.ts) stay internal.
export { defaultAccountability, stageOf } from './accountability.ts';
export { type AssembleOptions, assembleBundle } from './assemble.ts';
export {
  BUNDLE_TYPE,
  BUNDLE_VERSION,
  type Bundle,
  type BundleAttachment,
  type BundleCheckpoint,
  type BundleEntry,
  type BundleInput,
  type BundleLimits,
  type BundleLog,
  buildBundle,
  DEFAULT_BUNDLE_LIMITS,
  MAX_ENVELOPE_BYTES,
  MAX_PROOF_HASHES,
} from './bundle.ts';
export { decodeBundle, encodeBundle } from './bundle-cbor.ts';
export { bundleFromJson, bundleToJson, formatBundleJson } from './bundle-json.ts';
export { bundleSource } from './bundle-source.ts';
export { type Change, diffStates } from './diff.ts';
export { errorCode, isTraceError, TRACE_ERROR_CODES, TraceError, type TraceErrorCode } from './errors.ts';
export { explainRule, ruleCatalogue } from './explain.ts';
export {
  AUTHORITY_CLAUSE,
  type Finding,
  type FindingSubject,
  type Part,
  type RuleInfo,
  SEVERITIES,
  type Severity,
  TRACE_RULES,
} from './findings.ts';
export { grantsOf } from './grants.ts';
export {
  anchorFromGenesisFile,
  anchorFromNetworkId,
  bundleRequest,
  bundleResponse,
  parseTime,
  readBundle,
} from './inputs.ts';
export { type CutOptions, MemoryLedger } from './memory-ledger.ts';
export type {
  AccountabilityStage,
  AccountabilityView,
  AccountableParty,
  ProfileFinding,
  ProfileHooks,
  ProfileReducer,
  ProfileTrace,
  SealedStatus,
  TracedEntry,
} from './profile.ts';
export { hooksFromProfile, plainJson } from './profile-adapter.ts';
export { type GenericState, genericReducer, type KnownAt, Replay, type ReplayStep } from './replay.ts';
export { REPORT_FORMAT, type ReportEntry, type TraceReport, type Verdict } from './report.ts';
export type { LocatedEnvelope, TraceSource } from './source.ts';
export { type Verification, type VerifyOptions, verifyBundle } from './verify.ts';
export type { TrustAnchor } from './verify-governance.ts';
export type { SealedReader } from './verify-sealed.ts';
export { DEFAULT_LATE_RECORDING_MS, type LogCoverage } from './verify-witnessing.ts';
export { type LogWitnessPolicy, type WitnessPolicy, witnessPolicyFor } from './witness-policy.ts';
