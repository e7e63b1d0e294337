// The public API of profile pipe/1. The scenario generator is a separate entry point,
// `@liuhen/profile-pipe/scenario`, so the node does not load it.
export { accountability, projectOf } from './accountability.ts';
export { appendIndex, PipeAppendIndex } from './append-index.ts';
export { type BodyOptions, checkBody, parseBody } from './body.ts';
export {
  describeKind,
  fieldClassification,
  KIND_DESCRIPTORS,
  OBJECT_TYPE_DESCRIPTORS,
  RULE_DESCRIPTORS,
} from './describe.ts';
export { renderRulesDoc } from './docs.ts';
export { isPipeProfileError, PIPE_ERROR_CODES, type PipeErrorCode, PipeProfileError } from './errors.ts';
export { causalClosure, checkAppend, evaluate } from './evaluate.ts';
export {
  isAlias,
  jointId,
  type LotPath,
  lotCode,
  OBJECT_TYPE_NAMES,
  OBJECT_TYPES,
  type ObjectType,
  objectId,
  objectTypeOf,
  type ParsedObjectId,
  parseLotId,
  parseObjectId,
  parseSegmentAlias,
  SEWER_UTILITIES,
  type SegmentAlias,
  segmentAlias,
  subdivisionCode,
  subitemCode,
  UTILITIES,
  UTILITY_CODES,
  type UtilityCode,
} from './ids.ts';
export {
  type BodyOf,
  isKindName,
  KIND_NAMES,
  KIND_SPECS,
  type KindName,
  kindSpec,
  STAGES,
  type Stage,
} from './kinds/index.ts';
export type { KindSpec, RefSpec } from './kinds/spec.ts';
export { OperatorDirectory, operatorsFromLog } from './operators.ts';
export { PROFILE_ID, pipeProfile } from './profile.ts';
export {
  isRole,
  LEAD_ROLES,
  partyOfLeadRole,
  RESPONSIBLE_PARTIES,
  type ResponsibleParty,
  ROLE_CODES,
  ROLES,
  type Role,
} from './roles.ts';
export { RULE_CODES, RULES, ruleByCode } from './rules/index.ts';
export type { FieldReads } from './rules/types.ts';
export {
  partySealPolicy,
  RESTRICTED_READER_PARTIES,
  restrictedReaders,
  type SealPolicy,
} from './seal-policy.ts';
export { initialState, reduce } from './state/reduce.ts';
export type * from './state/types.ts';
export { addMonths } from './time.ts';
export { UNITS, type Unit } from './units.ts';
