/**
 * The root of trust: the genesis, checked against the anchor the inspector brings (its hash is
 * the network id), then the governance log folded onto it through governance's own state machine,
 * one action at a time. The first action that does not apply is reported and the fold stops there:
 * checkpoints that claim later positions then fail as unknown positions, which is the truth.
 */
import { equalBytes, sha256, toHex } from '@liuhen/core';
import {
  decodeGenesis,
  decodeSignedAction,
  type Genesis,
  GovernanceState,
  networkId,
} from '@liuhen/governance';
import type { Bundle } from './bundle.ts';
import { errorCode } from './errors.ts';
import { type Finding, findingOf } from './findings.ts';
import { Memo } from './memo.ts';

/** What the inspector trusts: the network id, or the genesis bytes themselves. */
export interface TrustAnchor {
  readonly networkId?: Uint8Array;
  readonly genesis?: Uint8Array;
}

export interface GovernanceResult {
  readonly genesis: Genesis;
  readonly network: Uint8Array;
  readonly state: GovernanceState;
  /** Actions applied, of those in the evidence. */
  readonly applied: number;
}

interface Folded {
  readonly genesis: Genesis;
  readonly state: GovernanceState;
  readonly applied: number;
  /** The first action that did not apply. */
  readonly refused?: { readonly seq: number; readonly message: string; readonly code: string | undefined };
}

/** Folded states are only read once made, so one serves every bundle of the same governance. */
const folds = new Memo<Folded | { readonly invalid: Error }>(16);

function fold(bundle: Bundle, network: Uint8Array): Folded | { readonly invalid: Error } {
  let genesis: Genesis;
  try {
    genesis = decodeGenesis(bundle.genesis);
  } catch (error) {
    return { invalid: error as Error };
  }
  const state = GovernanceState.fromGenesis(genesis, network);
  let applied = 0;
  for (const [i, bytes] of bundle.governance.entries()) {
    try {
      state.apply(decodeSignedAction(bytes));
      applied++;
    } catch (error) {
      const refused = { seq: i + 1, message: (error as Error).message, code: errorCode(error) };
      return { genesis, state, applied, refused };
    }
  }
  return { genesis, state, applied };
}

/** Undefined when the genesis itself is unusable: nothing can then be judged. */
export function verifyGovernance(
  bundle: Bundle,
  anchor: TrustAnchor | undefined,
  findings: Finding[],
): GovernanceResult | undefined {
  const network = networkId(bundle.genesis);
  const expected =
    anchor?.networkId ?? (anchor?.genesis === undefined ? undefined : networkId(anchor.genesis));
  if (expected === undefined) {
    const message = `checked against the evidence's own genesis, network id ${toHex(network)}`;
    findings.push(findingOf('TRACE_UNANCHORED', message, { part: 'genesis' }));
  } else if (!equalBytes(expected, network)) {
    const message = `the evidence's genesis hashes to ${toHex(network)}, not the trusted ${toHex(expected)}`;
    findings.push(findingOf('TRACE_GENESIS_UNTRUSTED', message, { part: 'genesis' }));
  }
  const key = [toHex(network), ...bundle.governance.map((a) => toHex(sha256(a)))].join(' ');
  const folded = folds.get(key, () => fold(bundle, network));
  if ('invalid' in folded) {
    const cause = errorCode(folded.invalid);
    findings.push(findingOf('TRACE_GENESIS_INVALID', folded.invalid.message, { part: 'genesis' }, { cause }));
    return undefined;
  }
  const { refused } = folded;
  if (refused !== undefined) {
    findings.push(
      findingOf(
        'TRACE_GOVERNANCE_INVALID',
        `governance action ${refused.seq}: ${refused.message}`,
        { part: 'governance', seq: refused.seq },
        { cause: refused.code },
      ),
    );
  }
  return { genesis: folded.genesis, network, state: folded.state, applied: folded.applied };
}
