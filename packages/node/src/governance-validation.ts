/**
 * Block headers judged against the governance log (docs/protocol.md §13.7), for the replica store
 * and the replicator: which of an org's node keys signed a header, and whether that key, the org
 * and the header's size were valid at the governance position the header claims and its height.
 * Everything else about a header (its signature, the hash chain, the root) is core's.
 */
import { type BlockHeader, equalBytes, orgCheckpointVerifier, toHex } from '@liuhen/core';
import {
  type AnyErrorCode,
  checkAuthority,
  type GovernanceState,
  type GovernedAuthorityInput,
  governanceFailure,
} from '@liuhen/governance';

export type HeaderVerdict =
  | { readonly ok: true; readonly key: Uint8Array }
  | { readonly ok: false; readonly code: AnyErrorCode; readonly reason: string };

/**
 * The node key of `header.org` whose key id is on the header's org signature line (any key the
 * org ever had), or undefined. The signature itself is not checked here.
 */
export function headerSigner(state: GovernanceState, header: BlockHeader): Uint8Array | undefined {
  for (const record of state.nodeKeysOf(header.org)) {
    const verifier = orgCheckpointVerifier(header.network, header.org, record.key);
    if (
      header.note.signatures.some((s) => s.name === verifier.name && equalBytes(s.keyHash, verifier.keyHash))
    )
      return record.key;
  }
  return undefined;
}

/**
 * The governance checks of a header before its signature is verified, in the order of
 * docs/protocol.md §13.7: the claimed position is verified here (GOV_POSITION_UNKNOWN: fetch the
 * missing actions, then retry) and ours (GOV_POSITION_MISMATCH); the org a member there
 * (UNKNOWN_ORG); the size within any freeze point (ORG_FROZEN); the signing key one of the org's
 * (NODE_KEY_UNKNOWN) and valid at that position and height (NODE_KEY_NOT_YET_VALID,
 * NODE_KEY_RETIRED). On success, the key that must verify the signature.
 */
export function headerVerdict(state: GovernanceState, header: BlockHeader): HeaderVerdict {
  const position = state.positionVerdict(header.governance);
  if (!position.ok) return position;
  const signer = headerSigner(state, header);
  if (signer === undefined) {
    const member = state.orgVerdict(header.org, header.governance.seq, header.size - 1);
    if (!member.ok) return member;
    return {
      ok: false,
      code: 'NODE_KEY_UNKNOWN',
      reason: `header ${header.org}/${header.height} is not signed by any node key of "${header.org}"`,
    };
  }
  const verdict = state.checkHeader({
    org: header.org,
    signer,
    size: header.size,
    height: header.height,
    governance: header.governance,
  });
  if (!verdict.ok) return verdict;
  // nodeKeysFor agrees, by construction; kept as the one-line statement of the rule.
  if (
    !state
      .nodeKeysFor(header.org, { governance: header.governance.seq, height: header.height })
      .some((k) => equalBytes(k, signer))
  ) {
    return { ok: false, code: 'NODE_KEY_RETIRED', reason: `${toHex(signer)} may not sign this header` };
  }
  return { ok: true, key: signer };
}

/** `headerVerdict`, throwing the failure typed (LiuhenError or GovernanceError). */
export function governedHeaderKey(state: GovernanceState, header: BlockHeader): Uint8Array {
  const verdict = headerVerdict(state, header);
  if (!verdict.ok) throw governanceFailure(verdict.code, `${header.org}/${header.height}: ${verdict.reason}`);
  return verdict.key;
}

/**
 * The governed `checkAuthority` of an entry of a block, at the governance position the header
 * claims (with its hash) and the header's height; throws the failure typed.
 */
export function governedCheck(
  state: GovernanceState,
  input: Omit<GovernedAuthorityInput, 'governance' | 'governancePosition' | 'blockHeight'>,
  header: BlockHeader,
): void {
  const verdict = checkAuthority({
    ...input,
    governance: state,
    governancePosition: header.governance,
    blockHeight: header.height,
  });
  if (!verdict.ok) throw governanceFailure(verdict.code, `${input.org}/${input.logIndex}: ${verdict.reason}`);
}
