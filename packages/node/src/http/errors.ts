/** The HTTP status for each stable error code; the body always carries the code itself. */
import type { ErrorCode } from '@liuhen/core';
import type { GovernanceErrorCode } from '@liuhen/governance';

/**
 * Governance (packages/governance GOVERNANCE_ERROR_CODES), every code: the type makes a new code
 * fail to compile until it has a status here.
 */
const GOVERNANCE_STATUS: Record<GovernanceErrorCode, number> = {
  // A signed action that is not one, or not for this network: a bad request.
  GOV_ACTION_INVALID: 400,
  GOV_DUPLICATE_SIGNER: 400,
  GOV_WRONG_NETWORK: 400,
  // Signatures that do not authorise the action.
  GOV_SIGNER_NOT_AUTHORITY: 403,
  GOV_UNDER_THRESHOLD: 403,
  GOV_SIGNATURE_INVALID: 403,
  // Well-formed and signed, but in conflict with the node's log or state.
  GOV_ACTION_REPLAYED: 409,
  GOV_ACTION_CONFLICT: 409,
  GOV_ACTION_OUT_OF_ORDER: 409,
  GOV_CHAIN_BROKEN: 409,
  GOV_ACTION_REFUSED: 409,
  GOV_POSITION_UNKNOWN: 409,
  GOV_POSITION_MISMATCH: 409,
  // An append this node may not make under the governance state.
  ORG_FROZEN: 403,
  NODE_KEY_RETIRED: 403,
  NODE_KEY_NOT_YET_VALID: 403,
  NODE_KEY_UNKNOWN: 403,
  PARTY_NOT_PERMITTED: 403,
};

const STATUS: Partial<Record<string, number>> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  OPERATOR_UNKNOWN: 403,
  OPERATOR_REVOKED: 403,
  OPERATOR_EXPIRED: 403,
  OPERATOR_NOT_YET_VALID: 403,
  ROLE_NOT_HELD: 403,
  ROLE_NOT_PERMITTED: 403,
  UNKNOWN_ORG: 403,
  NOT_FOUND: 404,
  BLOB_NOT_FOUND: 404,
  ENTRY_DUPLICATE: 409,
  ENTRY_TOO_LARGE: 413,
  BLOB_TOO_LARGE: 413,
  CBOR_TOO_LARGE: 413,
  NODE_BUSY: 503,
  NODE_CLOSED: 503,
  STORAGE_FAILED: 503,
  STORE_UNAVAILABLE: 503,
  // Insufficient Storage: nothing was written; the same request succeeds once space is freed.
  STORE_FULL: 507,
  BLOB_CORRUPT: 500,
  VERIFY_WORKER_FAILED: 500,
  STORE_CORRUPT: 500,
  ...GOVERNANCE_STATUS,
  // Sealed sections (protocol §15.8): the reader or grantor may not see the content.
  CLEARANCE_TOO_LOW: 403,
  GRANT_UNAUTHORIZED: 403,
  SEAL_NOT_RECIPIENT: 403,
  SEAL_WRONG_KEY: 403,
  // The stored section does not open: damaged or altered data, not a bad request.
  SEAL_AEAD_FAILED: 422,
  ENCRYPTION_KEY_UNKNOWN: 409,
};

export function httpStatus(code: ErrorCode | GovernanceErrorCode | string): number {
  return STATUS[code] ?? 400;
}
