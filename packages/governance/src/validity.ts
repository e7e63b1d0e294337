/**
 * Whether a signer may sign an entry: the single decision every path uses — the append pipeline,
 * block verification, the inspector — so they cannot disagree. It is a pure function of its
 * inputs and judges the entry at its own log position (DESIGN §1.3): an operator revoked at
 * index 100 remains valid for the entries before it, which stay valid forever.
 */
import { type ErrorCode, equalBytes, toHex } from '@liuhen/core';
import type { Genesis } from './genesis.ts';
import type { OperatorRegistry } from './operator-registry.ts';
import { ORG_KIND_PREFIX, ORG_ROLE } from './operators.ts';

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

export type AuthorityResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

const OK: AuthorityResult = { ok: true };

function deny(code: ErrorCode, reason: string): AuthorityResult {
  return { ok: false, code, reason };
}

export function checkAuthority(input: AuthorityInput): AuthorityResult {
  const { org, signer, role, kind, logIndex, time } = input;
  const member = input.genesis.orgs.find((o) => o.id === org);
  if (member === undefined) return deny('UNKNOWN_ORG', `org "${org}" is not in the genesis`);

  // The node key speaks for the org as a whole and nothing else; people sign as themselves.
  const orgKind = kind.startsWith(ORG_KIND_PREFIX);
  if (equalBytes(signer, member.nodeKey)) {
    if (orgKind && role === ORG_ROLE) return OK;
    return deny(
      'NODE_KEY_MISUSE',
      `the node key of "${org}" signed ${kind} as ${role}; it may sign only ${ORG_KIND_PREFIX}* kinds as ${ORG_ROLE}`,
    );
  }
  if (orgKind) return deny('ORG_KIND_RESERVED', `${kind} may be signed only by the node key of "${org}"`);

  const who = `operator ${toHex(signer)} of "${org}"`;
  const state = input.registry.stateAt(org, signer, logIndex);
  if (state === undefined)
    return deny('OPERATOR_UNKNOWN', `${who} has no appointment before log index ${logIndex}`);
  if (state.type === 'revoked') {
    return deny('OPERATOR_REVOKED', `${who} was revoked at log index ${state.logIndex}: ${state.reason}`);
  }
  if (state.type === 'replaced') {
    return deny(
      'OPERATOR_REVOKED',
      `${who} was replaced by ${toHex(state.by)} at log index ${state.logIndex}`,
    );
  }
  const { appointment } = state;
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
