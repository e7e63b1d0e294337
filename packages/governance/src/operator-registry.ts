/**
 * The operator state of every org, built by feeding each org's log in order. Validity is judged
 * at an entry's position in its log (DESIGN §1.3), not "now": the registry keeps, per operator
 * key, the short list of events that changed its state, and answers "what was the state of key K
 * of org O just before log index i" by binary search.
 */
import { type Entry, equalBytes, LiuhenError, toHex } from '@liuhen/core';
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
  /** Each appointed key's identity: the first key of its rotation chain. */
  readonly roots: Map<string, Uint8Array>;
  /** Each identity's keys, oldest first, by the hex of its first key. */
  readonly chains: Map<string, Uint8Array[]>;
}

function invalid(detail: string): never {
  throw new LiuhenError('OPERATOR_RECORD_INVALID', `${OPERATOR_APPOINTED} ${detail}`);
}

function lastAppointment(events: readonly OperatorEvent[] | undefined): Appointment | undefined {
  for (let i = (events?.length ?? 0) - 1; i >= 0; i--) {
    const event = (events as OperatorEvent[])[i] as OperatorEvent;
    if (event.type === 'appointed') return event.appointment;
  }
  return undefined;
}

export class OperatorRegistry {
  readonly #orgs = new Map<string, OrgOperators>();

  /**
   * Records an operator appointment or revocation at `logIndex` of `org`'s log; other kinds are
   * ignored. Records must come in log order. The caller applies only entries it has accepted —
   * in particular whose signer `checkAuthority` found to be the org's node key — since the
   * registry does not know node keys. A record that throws changes nothing: RANGE_INVALID for
   * an index that does not grow, OPERATOR_RECORD_INVALID for a malformed record, a record of
   * another org, or an appointment that would break an identity —
   * - re-appointing a key with another `idHash` (a key belongs to one person),
   * - appointing a key that was replaced (a person has one live key),
   * - `replaces` on a key that already has records, naming a key with no appointment on this
   *   log, a key already replaced, or a key of another person (`idHash` differs).
   * Such an entry must be refused as a whole (the node and the replica store do).
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
    const state = this.#orgs.get(org) ?? { last: -1, byKey: new Map(), roots: new Map(), chains: new Map() };
    if (logIndex <= state.last) {
      throw new LiuhenError('RANGE_INVALID', `log index ${logIndex} of "${org}" is not after ${state.last}`);
    }
    const events: [Uint8Array, OperatorEvent][] = [];
    let link: (() => void) | undefined;
    if (entry.kind === OPERATOR_APPOINTED) {
      const appointment = parseAppointment(entry);
      const id = toHex(appointment.operator);
      const history = state.byKey.get(id);
      const last = history?.at(-1);
      if (last?.type === 'replaced') {
        invalid(`body.operator: ${id} was replaced by ${toHex(last.by)} at log index ${last.logIndex}`);
      }
      const earlier = lastAppointment(history);
      if (earlier !== undefined && !equalBytes(earlier.idHash, appointment.idHash)) {
        invalid(`body.idHash: ${id} is appointed to another person (idHash differs)`);
      }
      events.push([appointment.operator, { type: 'appointed', logIndex, appointment }]);
      if (appointment.replaces !== undefined) {
        const oldId = toHex(appointment.replaces);
        if (history !== undefined) {
          invalid(`body.replaces: ${id} already has records; only a new key can replace another`);
        }
        const oldHistory = state.byKey.get(oldId);
        const oldLast = oldHistory?.at(-1);
        const oldAppointment = lastAppointment(oldHistory);
        if (oldAppointment === undefined) invalid(`body.replaces: ${oldId} has no appointment on "${org}"`);
        if (oldLast?.type === 'replaced') {
          invalid(`body.replaces: ${oldId} was already replaced by ${toHex(oldLast.by)}`);
        }
        if (!equalBytes(oldAppointment.idHash, appointment.idHash)) {
          invalid(`body.replaces: ${oldId} is another person's key (idHash differs)`);
        }
        events.push([appointment.replaces, { type: 'replaced', logIndex, by: appointment.operator }]);
        const root = state.roots.get(oldId) as Uint8Array;
        link = () => {
          state.roots.set(id, root);
          state.chains.get(toHex(root))?.push(appointment.operator);
        };
      } else if (!state.roots.has(id)) {
        link = () => {
          state.roots.set(id, appointment.operator);
          state.chains.set(id, [appointment.operator]);
        };
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
    link?.();
    state.last = logIndex;
    this.#orgs.set(org, state);
  }

  /**
   * The person behind an operator key of `org`: the first key of its rotation chain (the key
   * itself when it replaced none), or undefined for a key never appointed on `org`'s log. Every
   * key of one chain has the same identity, so a person's entries before and after a rotation
   * are one history.
   */
  identityOf(org: string, operator: Uint8Array): Uint8Array | undefined {
    return this.#orgs.get(org)?.roots.get(toHex(operator));
  }

  /** All keys of the identity `operator` belongs to, oldest first; empty for an unknown key. */
  identityKeys(org: string, operator: Uint8Array): Uint8Array[] {
    const state = this.#orgs.get(org);
    const root = state?.roots.get(toHex(operator));
    return root === undefined ? [] : [...(state?.chains.get(toHex(root)) ?? [])];
  }

  /** Every event of `operator` on `org`'s log, in log order. */
  eventsOf(org: string, operator: Uint8Array): readonly OperatorEvent[] {
    return [...(this.#orgs.get(org)?.byKey.get(toHex(operator)) ?? [])];
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
