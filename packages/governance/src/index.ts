// The public API. Schema readers (genesisFromCbor, orgFromCbor, parametersFromCbor, FieldReader)
// stay internal.
export {
  ACTION_SIGNATURE_CONTEXT,
  ACTION_TYPES,
  ACTION_VERSION,
  type Action,
  type ActionChange,
  type ActionHeader,
  type ActionSignature,
  type ActionType,
  AUTHORITY_ROTATE,
  actionFromCbor,
  actionHash,
  actionSigningMessage,
  actionToCbor,
  decodeAction,
  decodeSignedAction,
  describeAction,
  encodeAction,
  encodeSignedAction,
  MAX_ACTION_BYTES,
  MAX_ACTION_SIGNATURES,
  MAX_REASON_CHARS,
  MAX_SIGNED_ACTION_BYTES,
  mergeSignatures,
  ORG_ADD,
  ORG_REMOVE,
  ORG_REMOVE_ENCRYPTION_KEY,
  ORG_ROTATE_KEY,
  ORG_SET_ENCRYPTION_KEY,
  ORG_SET_PARTIES,
  PARAMETER_SET,
  proposeAction,
  type SignedAction,
  signAction,
  signedActionToJson,
  verifyActionSignature,
} from './actions.ts';
export { type ClockJudgement, judgeBlockTime, judgeCosignatureTime } from './clock-skew.ts';
export { creditCodeCheckCharacter, isCreditCode } from './credit-code.ts';
export {
  type AnyErrorCode,
  describeCode,
  GOVERNANCE_ERROR_CODES,
  GovernanceError,
  type GovernanceErrorCode,
  governanceFailure,
  isGovernanceCode,
  isGovernanceError,
} from './errors.ts';
export {
  decodeGenesis,
  encodeGenesis,
  GENESIS_VERSION,
  type Genesis,
  type GenesisOrg,
  MAX_AUTHORITIES,
  MAX_BOOTSTRAP,
  MAX_GENESIS_BYTES,
  MAX_ORGS,
  networkId,
  PARTIES,
  type Party,
} from './genesis.ts';
export { genesisFromJson, genesisToJson } from './genesis-json.ts';
export { NATIONAL_ID_SALT_BYTES, nationalIdHash } from './national-id.ts';
export { type OperatorEvent, OperatorRegistry } from './operator-registry.ts';
export {
  type Appointment,
  appointmentBody,
  MAX_OPERATOR_ROLES,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  ORG_KIND_PREFIX,
  ORG_ROLE,
  parseAppointment,
  parseRevocation,
  type Revocation,
  revocationBody,
} from './operators.ts';
export {
  DEFAULT_PARAMETERS,
  type NetworkParameters,
  PARAMETER_NAMES,
  PARAMETER_RANGES,
} from './parameters.ts';
export {
  type Authorities,
  type EncryptionKeyRecord,
  type Freeze,
  foldGovernance,
  GovernanceState,
  type GovernanceView,
  type HeaderClaim,
  type KeyPosition,
  type NodeKeyRecord,
  type OrgView,
  type Verdict,
} from './state.ts';
export {
  type AuthorityInput,
  type AuthorityResult,
  checkAuthority,
  type GovernedAuthorityInput,
  type GovernedAuthorityResult,
} from './validity.ts';
