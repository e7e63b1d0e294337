/**
 * The operator state of every org, built by feeding each org's log in order. Validity is judged
 * at an entry's position in its log (DESIGN §1.3), not "now": the registry keeps, per operator
 * key, the short list of events that changed its state, and answers "what was the state of key K
 * of org O just before log index i" by binary search.
 */
import { type Entry, LiuhenError, toHex } from '@liuhen/core';
import {
  type Appointment,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  parseAppointment,
  parseRevocation,
} from './operators.ts';

/** What happened to one operator key at one log index. The last event before an index is its state. */
export type OperatorEvent =
  | { readonly type: 'appointed'; readonly logIndex: number; readonly appointment: Appointment }
  | { readonly type: 'revoked'; readonly logIndex: number; readonly reason: string }
  /** A later appointment named this key in `replaces`. */
  | { readonly type: 'replaced'; readonly logIndex: number; readonly by: Uint8Array };

interface OrgOperators {
  /** Index of the last operator record applied, so out-of-order feeding is caught. */
  last: number;
  readonly byKey: Map<string, OperatorEvent[]>;
}

export class OperatorRegistry {
  readonly #orgs = new Map<string, OrgOperators>();

  /**
   * Records an operator appointment or revocation at `logIndex` of `org`'s log; other kinds are
   * ignored. Records must come in log order. The caller applies only entries it has accepted —
   * in particular whose signer `checkAuthority` found to be the org's node key — since the
   * registry does not know node keys. A malformed record throws OPERATOR_RECORD_INVALID and
   * changes nothing.
   */
  apply(org: string, logIndex: number, entry: Entry): void {
    if (entry.kind !== OPERATOR_APPOINTED && entry.kind !== OPERATOR_REVOKED) return;
    if (!Number.isSafeInteger(logIndex) || logIndex < 0) {
      throw new LiuhenError('RANGE_INVALID', `log index ${logIndex} is not a non-negative integer`);
    }
    if (entry.org !== org) {
      throw new LiuhenError(
        'OPERATOR_RECORD_INVALID',
        `org: the entry is of "${entry.org}", applied to "${org}"`,
      );
    }
    const state = this.#orgs.get(org) ?? { last: -1, byKey: new Map() };
    if (logIndex <= state.last) {
      throw new LiuhenError('RANGE_INVALID', `log index ${logIndex} of "${org}" is not after ${state.last}`);
    }
    const events: [Uint8Array, OperatorEvent][] = [];
    if (entry.kind === OPERATOR_APPOINTED) {
      const appointment = parseAppointment(entry);
      events.push([appointment.operator, { type: 'appointed', logIndex, appointment }]);
      if (appointment.replaces !== undefined) {
        events.push([appointment.replaces, { type: 'replaced', logIndex, by: appointment.operator }]);
      }
    } else {
      const { operator, reason } = parseRevocation(entry);
      events.push([operator, { type: 'revoked', logIndex, reason }]);
    }
    for (const [key, event] of events) {
      const id = toHex(key);
      const list = state.byKey.get(id);
      if (list === undefined) state.byKey.set(id, [event]);
      else list.push(event);
    }
    state.last = logIndex;
    this.#orgs.set(org, state);
  }

  /**
   * The last event of `operator` on `org`'s log at an index below `logIndex` — the key's state
   * as an entry at `logIndex` sees it — or undefined if there is none. Correct once every record
   * of `org` below `logIndex` has been applied.
   */
  stateAt(org: string, operator: Uint8Array, logIndex: number): OperatorEvent | undefined {
    const events = this.#orgs.get(org)?.byKey.get(toHex(operator));
    if (events === undefined) return undefined;
    // Events are in ascending log order; find the last one strictly before logIndex.
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((events[mid] as OperatorEvent).logIndex < logIndex) lo = mid + 1;
      else hi = mid;
    }
    return events[lo - 1];
  }
}
