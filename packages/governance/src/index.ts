// The public API. Schema readers (genesisFromCbor, parametersFromCbor, FieldReader) stay internal.
export { creditCodeCheckCharacter, isCreditCode } from './credit-code.ts';
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
export { DEFAULT_PARAMETERS, type NetworkParameters, PARAMETER_RANGES } from './parameters.ts';
export { type AuthorityInput, type AuthorityResult, checkAuthority } from './validity.ts';
