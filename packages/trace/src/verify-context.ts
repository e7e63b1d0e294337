/**
 * What the verification steps share: the trust established so far (genesis, the governance state
 * folded as far as it verifies), the judgement clock, and the list findings are added to. Each step
 * is a function of this context and the evidence, in its own file.
 */
import type { BlockHeader, Entry } from '@liuhen/core';
import type { Appointment, Genesis, GovernanceState } from '@liuhen/governance';
import type { Finding } from './findings.ts';
import type { ProfileHooks } from './profile.ts';
import type { Keyring } from './verifiers.ts';

export interface VerifyContext {
  readonly genesis: Genesis;
  readonly network: Uint8Array;
  readonly governance: GovernanceState;
  readonly keyring: Keyring;
  /** Tolerance for claimed times against other clocks: the network's `maxClockSkewMs`. */
  readonly skewMs: number;
  readonly maxEntryBytes: number;
  /** Cosignatures made after this (ms) do not count; undefined: all count. */
  readonly asOf: number | undefined;
  readonly profile: ProfileHooks | undefined;
  readonly findings: Finding[];
}

export interface CheckpointEvidence {
  readonly position: number;
  readonly header: BlockHeader | undefined;
  /** Parsed, of this log, signed by a node key valid for it at its governance position. */
  readonly valid: boolean;
  /** Verified cosignatures that count, earliest per witness: time in ms. */
  readonly cosignatures: readonly { readonly witness: string; readonly time: number }[];
}

export interface EntryEvidence {
  readonly org: string;
  readonly index: number;
  readonly envelope: Uint8Array;
  /** Position in the log's checkpoints of the one its proof leads to. */
  readonly checkpoint: number;
  id?: Uint8Array;
  idHex?: string;
  entry?: Entry;
  /** Decoded, of this network and log, and signed by its signer. */
  intact: boolean;
  /** Proven by inclusion in a valid checkpoint. */
  included: boolean;
  /** The signer had authority at the entry's position. */
  authorized: boolean;
  operator?: Appointment;
  /** The earliest valid checkpoint that includes it: its cut time and governance position. */
  covering?: BlockHeader;
  readonly findings: string[];
}

export interface LogEvidence {
  readonly org: string;
  readonly checkpoints: readonly CheckpointEvidence[];
  readonly entries: readonly EntryEvidence[];
}

export function addFinding(ctx: VerifyContext, finding: Finding, entry?: EntryEvidence): void {
  ctx.findings.push(finding);
  entry?.findings.push(finding.code);
}
