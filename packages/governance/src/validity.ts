/**
 * Whether a signer may sign an entry: the single decision every path uses — the append pipeline,
 * block verification, sync, the inspector — so they cannot disagree. It is a pure function of its
 * inputs and judges the entry at its own causal position (DESIGN §1.3): its index in the org's log
 * and the governance position its block was validated against. An operator revoked at index 100
 * remains valid for the entries before it, which stay valid forever; an org removed with a freeze
 * point keeps the entries below it.
 *
 * Called with a genesis only, it judges against the genesis (governance position 0) and can
 * answer only with core's codes. Called with a `GovernanceState`, it judges against the governance
 * log and can also answer with the codes of `GOVERNANCE_ERROR_CODES`.
 */
import { type ErrorCode, type GovernancePosition, toHex } from '@liuhen/core';
import type { AnyErrorCode } from './errors.ts';
import type { Genesis, Party } from './genesis.ts';
import type { OperatorRegistry } from './operator-registry.ts';
import { ORG_KIND_PREFIX, ORG_ROLE } from './operators.ts';
import { GovernanceState, type Verdict } from './state.ts';

export interface AuthorityInput {
  readonly genesis: Genesis;
  /** Fed with every operator record of `org`'s log below `logIndex`. */
  readonly registry: OperatorRegistry;
  /** The org whose log holds the entry. */
  readonly org: string;
  readonly signer: Uint8Array;
  /** The role the entry is signed as. */
  readonly role: string;
  readonly kind: string;
  /** The entry's index in `org`'s log. */
  readonly logIndex: number;
  /** The entry's claimed time, ms. */
  readonly time: number;
  /** The profile's rule: may `role` sign `kind`? */
  readonly rolePolicy: (kind: string, role: string) => boolean;
}

/** The input judged against the governance log. Everything added to `AuthorityInput` is optional. */
export interface GovernedAuthorityInput extends Omit<AuthorityInput, 'genesis'> {
  /** Not needed: the state's own genesis is used. */
  readonly genesis?: Genesis;
  readonly governance: GovernanceState;
  /**
   * The governance position the entry's block was (or will be) validated against: the block
   * header's `governance` line. A number is taken as verified; a position's hash is checked
   * against the log (GOV_POSITION_MISMATCH). Default: the state's current position, which is
   * what a node appending now records.
   */
  readonly governancePosition?: number | GovernancePosition;
  /**
   * The height of the block holding the entry. A rotated-out node key may sign within its overlap
   * window only when the height is given (otherwise it is retired from its rotation on).
   */
  readonly blockHeight?: number;
  /** The profile's org-level rule: may an org with these party roles record `kind`? */
  readonly partyPolicy?: (kind: string, parties: readonly Party[]) => boolean;
}

export type AuthorityResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

/** As `AuthorityResult`, with the governance codes (`AnyErrorCode`) too. */
export type GovernedAuthorityResult = Verdict;

const OK = { ok: true } as const;

function deny(code: AnyErrorCode, reason: string): Verdict {
  return { ok: false, code, reason };
}

/** Governance states of bare genesis objects, so the genesis-only form costs one map lookup. */
const genesisStates = new WeakMap<Genesis, GovernanceState>();

function genesisState(genesis: Genesis): GovernanceState {
  let state = genesisStates.get(genesis);
  if (state === undefined) {
    state = GovernanceState.fromGenesis(genesis);
    genesisStates.set(genesis, state);
  }
  return state;
}

/**
 * The rules, in order; the first that fails gives the code (packages/governance/README.md):
 *
 * 1. the governance position is known and, if given with its hash, ours (GOV_POSITION_UNKNOWN,
 *    GOV_POSITION_MISMATCH);
 * 2. `org` is a member at that position (UNKNOWN_ORG);
 * 3. `logIndex` is below the org's freeze point, if it was removed (ORG_FROZEN);
 * 4. a node key of the org — of any era — must be valid at the position and height
 *    (NODE_KEY_NOT_YET_VALID, NODE_KEY_RETIRED), and signs org.* kinds as ORG only
 *    (NODE_KEY_MISUSE);
 * 5. nobody else signs org.* kinds (ORG_KIND_RESERVED);
 * 6. the org's parties may record the kind, when a `partyPolicy` is given (PARTY_NOT_PERMITTED);
 * 7. the operator rules: OPERATOR_UNKNOWN, OPERATOR_REVOKED, OPERATOR_NOT_YET_VALID,
 *    OPERATOR_EXPIRED, ROLE_NOT_HELD, ROLE_NOT_PERMITTED.
 */
export function checkAuthority(input: GovernedAuthorityInput): GovernedAuthorityResult;
export function checkAuthority(input: AuthorityInput): AuthorityResult;
export function checkAuthority(input: AuthorityInput | GovernedAuthorityInput): GovernedAuthorityResult {
  const { org, signer, role, kind, logIndex, time } = input;
  const governed = 'governance' in input && input.governance !== undefined ? input : undefined;
  const state = governed?.governance ?? genesisState(input.genesis as Genesis);

  // 1. The causal position in the governance log.
  let g = state.seq;
  const claimed = governed?.governancePosition;
  if (typeof claimed === 'number') {
    g = claimed;
  } else if (claimed !== undefined) {
    const position = state.positionVerdict(claimed);
    if (!position.ok) return position;
    g = claimed.seq;
  }
  if (!Number.isSafeInteger(g) || g < 0) return deny('RANGE_INVALID', `governance position ${g}`);
  if (g > state.seq) {
    return deny(
      'GOV_POSITION_UNKNOWN',
      `position ${g} is beyond the verified governance log (at ${state.seq})`,
    );
  }

  // 2–3. Membership at the position, and the freeze point known now.
  const member = state.orgVerdict(org, g, logIndex);
  if (!member.ok) return member;

  // 4. The node key speaks for the org as a whole and nothing else; people sign as themselves.
  const orgKind = kind.startsWith(ORG_KIND_PREFIX);
  if (state.isNodeKeyOf(org, signer)) {
    const key = state.keyVerdictFor(org, signer, g, governed?.blockHeight);
    if (!key.ok) return key;
    if (orgKind && role === ORG_ROLE) return OK;
    return deny(
      'NODE_KEY_MISUSE',
      `the node key of "${org}" signed ${kind} as ${role}; it may sign only ${ORG_KIND_PREFIX}* kinds as ${ORG_ROLE}`,
    );
  }
  // 5.
  if (orgKind) return deny('ORG_KIND_RESERVED', `${kind} may be signed only by the node key of "${org}"`);

  // 6. The org's party roles at the position.
  if (governed?.partyPolicy !== undefined) {
    const parties = state.partiesAt(org, g) ?? [];
    if (!governed.partyPolicy(kind, parties)) {
      return deny('PARTY_NOT_PERMITTED', `"${org}" (${parties.join(', ')}) may not record ${kind}`);
    }
  }

  // 7. The operator, as the org's own log stood just before the entry.
  const who = `operator ${toHex(signer)} of "${org}"`;
  const operator = input.registry.stateAt(org, signer, logIndex);
  if (operator === undefined)
    return deny('OPERATOR_UNKNOWN', `${who} has no appointment before log index ${logIndex}`);
  if (operator.type === 'revoked') {
    return deny(
      'OPERATOR_REVOKED',
      `${who} was revoked at log index ${operator.logIndex}: ${operator.reason}`,
    );
  }
  if (operator.type === 'replaced') {
    return deny(
      'OPERATOR_REVOKED',
      `${who} was replaced by ${toHex(operator.by)} at log index ${operator.logIndex}`,
    );
  }
  const { appointment } = operator;
  if (time < appointment.validFrom) {
    return deny(
      'OPERATOR_NOT_YET_VALID',
      `${who} is valid from ${appointment.validFrom}; the entry is at ${time}`,
    );
  }
  if (time > appointment.validUntil) {
    return deny(
      'OPERATOR_EXPIRED',
      `${who} was valid until ${appointment.validUntil}; the entry is at ${time}`,
    );
  }
  if (!appointment.roles.includes(role)) {
    return deny('ROLE_NOT_HELD', `${who} holds ${appointment.roles.join(', ')}, not ${role}`);
  }
  if (!input.rolePolicy(kind, role)) return deny('ROLE_NOT_PERMITTED', `role ${role} may not sign ${kind}`);
  return OK;
}
