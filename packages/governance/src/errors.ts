/**
 * Failures of the governance log and of the validity rules it adds, each with a stable code. Same
 * convention as `LiuhenError` in @liuhen/core (codes are never renamed, only added); these codes
 * live here until they are merged into core's `ERROR_CODES`, as `NET_*` codes live in
 * @liuhen/net. No code here has the name of a core code, so the merge changes no code.
 */
import { ERROR_CODES, type ErrorCode, LiuhenError } from '@liuhen/core';

export const GOVERNANCE_ERROR_CODES = {
  // Decoding a governance action
  GOV_ACTION_INVALID: 'the governance action does not have the required shape',
  GOV_DUPLICATE_SIGNER: 'one key signed the governance action more than once',
  // Applying it to the governance log
  GOV_WRONG_NETWORK: 'the governance action names a different network',
  GOV_ACTION_REPLAYED: 'the governance action is already applied',
  GOV_ACTION_CONFLICT: 'a different governance action is already applied at this sequence number',
  GOV_ACTION_OUT_OF_ORDER: 'the governance action does not follow the last applied one: actions are missing',
  GOV_CHAIN_BROKEN: 'the governance action does not extend the last applied one (previous hash or time)',
  GOV_SIGNER_NOT_AUTHORITY: 'a signature is by a key that is not an authority at this position',
  GOV_UNDER_THRESHOLD: 'the governance action has fewer authority signatures than the threshold',
  GOV_SIGNATURE_INVALID: 'an authority signature on the governance action does not verify',
  GOV_ACTION_REFUSED: 'the governance action does not apply to the governance state',
  // Governance positions claimed by blocks and asked of the state
  GOV_POSITION_UNKNOWN: 'the governance position is beyond the verified governance log',
  GOV_POSITION_MISMATCH: 'the governance position names another action than the verified governance log',
  // Validity verdicts that need the governance log
  ORG_FROZEN: "the entry or block lies beyond the org's freeze point",
  NODE_KEY_UNKNOWN: 'the key is not a node key of the org',
  NODE_KEY_RETIRED: 'the node key was rotated out and is past its overlap window',
  NODE_KEY_NOT_YET_VALID: 'the node key is enrolled at a later governance position',
  PARTY_NOT_PERMITTED: "the org's parties may not record this kind",
} as const;

export type GovernanceErrorCode = keyof typeof GOVERNANCE_ERROR_CODES;

/** Any code a governance function reports: core's codes and the governance log's. */
export type AnyErrorCode = ErrorCode | GovernanceErrorCode;

export class GovernanceError extends Error {
  override readonly name = 'GovernanceError';
  readonly code: GovernanceErrorCode;

  constructor(code: GovernanceErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${code}: ${detail}` : `${code}: ${GOVERNANCE_ERROR_CODES[code]}`, options);
    this.code = code;
  }
}

export function isGovernanceError(value: unknown, code?: GovernanceErrorCode): value is GovernanceError {
  return value instanceof GovernanceError && (code === undefined || value.code === code);
}

export function isGovernanceCode(code: string): code is GovernanceErrorCode {
  return Object.hasOwn(GOVERNANCE_ERROR_CODES, code);
}

/** A typed error for any code: a `LiuhenError` for core's codes, a `GovernanceError` for ours. */
export function governanceFailure(
  code: AnyErrorCode,
  detail?: string,
  options?: { cause?: unknown },
): LiuhenError | GovernanceError {
  if (isGovernanceCode(code)) return new GovernanceError(code, detail, options);
  return new LiuhenError(code, detail, options);
}

/** The one-line meaning of any code. */
export function describeCode(code: AnyErrorCode): string {
  return isGovernanceCode(code) ? GOVERNANCE_ERROR_CODES[code] : ERROR_CODES[code];
}
