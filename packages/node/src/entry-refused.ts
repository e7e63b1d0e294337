/**
 * An entry the network's profile refuses (DESIGN §7): a structural fault (unknown kind, wrong
 * object type, a role that may not sign it, a body that fails its schema, missing citations) or
 * a breach of a rule whose append policy is `refuse`. Its codes are the profile's own stable codes
 * — `PIPE_BODY_INVALID`, `P-LEADS`, … — not core's, because the profile defines them: a roads
 * profile brings its own. The HTTP API answers it with 422 and every refusal.
 */
import type { Refusal } from '@liuhen/core';

export class EntryRefusedError extends Error {
  override readonly name = 'EntryRefusedError';
  /** The first refusal's code. */
  readonly code: string;
  /** The first refusal's field, e.g. `body.compactionPct`, when it names one. */
  readonly field: string | undefined;
  readonly refusals: readonly Refusal[];

  constructor(refusals: readonly Refusal[]) {
    const first = refusals[0] ?? { code: 'ENTRY_REFUSED', message: 'refused by the profile' };
    const rest = refusals.slice(1).map((r) => `; ${r.code}: ${r.message}`);
    super(`${first.code}: ${first.message}${rest.join('')}`);
    this.code = first.code;
    this.field = first.field;
    this.refusals = refusals;
  }
}

export function isEntryRefused(value: unknown, code?: string): value is EntryRefusedError {
  return value instanceof EntryRefusedError && (code === undefined || value.code === code);
}
