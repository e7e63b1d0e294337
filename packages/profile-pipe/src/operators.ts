/**
 * Who signed: operator identities as the governance certificates record them. The profile takes
 * them as input (no I/O); `operatorsFromLog` builds them from an org's certificate entries, and
 * the directory answers "which appointment covered key K of org O at time T".
 */
import { type Entry, type OperatorIdentity, toHex } from '@liuhen/core';
import { OPERATOR_APPOINTED, OPERATOR_REVOKED, parseAppointment, parseRevocation } from '@liuhen/governance';

/**
 * The identities appointed on one org's log. `entries` are the org's entries in log order;
 * entries of other kinds are skipped. A revocation, or a later appointment naming the key in
 * `replaces`, ends the appointment at that entry's claimed time.
 */
export function operatorsFromLog(entries: Iterable<Entry>): OperatorIdentity[] {
  const out: OperatorIdentity[] = [];
  const open = new Map<string, number>();
  const end = (key: string, time: number) => {
    const at = open.get(key);
    if (at === undefined) return;
    out[at] = { ...(out[at] as OperatorIdentity), endedAt: time };
    open.delete(key);
  };
  for (const entry of entries) {
    if (entry.kind === OPERATOR_APPOINTED) {
      const a = parseAppointment(entry);
      const key = toHex(a.operator);
      if (a.replaces !== undefined) end(toHex(a.replaces), entry.time);
      end(key, entry.time);
      open.set(key, out.length);
      out.push({
        org: entry.org,
        key,
        name: a.name,
        licence: a.licence,
        idHash: toHex(a.idHash),
        roles: a.roles,
        validFrom: a.validFrom,
        validUntil: a.validUntil,
      });
    } else if (entry.kind === OPERATOR_REVOKED) {
      end(toHex(parseRevocation(entry).operator), entry.time);
    }
  }
  return out;
}

export class OperatorDirectory {
  readonly known: boolean;
  readonly #byKey = new Map<string, OperatorIdentity[]>();

  constructor(identities?: readonly OperatorIdentity[]) {
    this.known = identities !== undefined;
    for (const id of identities ?? []) {
      const list = this.#byKey.get(id.key);
      if (list === undefined) this.#byKey.set(id.key, [id]);
      else list.push(id);
    }
  }

  /** Every appointment of `key` in `org`. */
  all(org: string, key: string): OperatorIdentity[] {
    return (this.#byKey.get(key) ?? []).filter((i) => i.org === org);
  }

  /** The appointment of `key` in `org` in force at `time`. */
  at(org: string, key: string, time: number): OperatorIdentity | undefined {
    return this.all(org, key).find(
      (i) => i.validFrom <= time && time <= i.validUntil && (i.endedAt === undefined || time < i.endedAt),
    );
  }

  /** Any appointment of `key`, for naming a person when the org is not known. */
  any(key: string): OperatorIdentity | undefined {
    return this.#byKey.get(key)?.[0];
  }
}

/** A person behind a signature: the key, and the licence and ID hash when the directory knows them. */
export interface Person {
  readonly key: string;
  readonly licence?: string;
  readonly idHash?: string;
}

export function samePerson(a: Person, b: Person): boolean {
  if (a.key === b.key) return true;
  if (a.idHash !== undefined && a.idHash === b.idHash) return true;
  return a.licence !== undefined && a.licence === b.licence;
}

export function personOf(directory: OperatorDirectory, entry: Entry): Person {
  const key = toHex(entry.signer);
  const id = directory.at(entry.org, key, entry.time) ?? directory.all(entry.org, key)[0];
  return id === undefined ? { key } : { key, licence: id.licence, idHash: id.idHash };
}
