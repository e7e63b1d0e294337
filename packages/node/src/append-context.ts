/**
 * What the network's profile needs to judge an append, gathered by the node (DESIGN §1.7, §7: the
 * rules are pure functions; the node does the I/O and hands them their inputs):
 *
 * - the candidate's **causal closure** — every entry it reaches through `parents` and entry
 *   `refs`, which is what "before" means to the rules. It is walked link by link from the
 *   node's entry cache, falling back to id lookups in the store. A profile with an incremental
 *   index (`Profile.checkAppend.index`) holds the closure of the object's earlier appends, and the
 *   walk stops where it meets them: an append costs what is new, not the object's history;
 * - the **operator identities** the org logs appoint (`org.operator-appointed` / `-revoked`), as
 *   `operatorsFromLog` builds them. They are read once at start and then only the records
 *   committed since, when the store has grown (about once per block, not per entry), plus this
 *   node's own records still waiting for their block.
 */
import { type Entry, type OperatorIdentity, type Profile, type ProfileEntry, toHex } from '@liuhen/core';
import { OPERATOR_APPOINTED, OPERATOR_REVOKED } from '@liuhen/governance';
import type { LedgerStore } from '@liuhen/store';
import { storedEnvelopeEntry } from './stored-entry.ts';

/**
 * The profile pipe/1, loaded when a node or replica store first opens without one: its schemas
 * take a while to load, and the CLI's commands that never open a node (status, export, …) should
 * not pay for them.
 */
export async function defaultProfile(): Promise<Profile> {
  return (await import('@liuhen/profile-pipe')).pipeProfile;
}

/** The ids an entry links to: its parents and the entries it cites. */
export function links(entry: Entry): Uint8Array[] {
  const out = [...entry.parents];
  for (const ref of entry.refs) if ('entry' in ref) out.push(ref.entry);
  return out;
}

/**
 * The entries `start` reaches through parents and entry refs, `start` included, walked level by
 * level so that each level's misses reach the store together (its id reads are batched). An id
 * the node does not hold is skipped: a ref may cite an entry of another org not replicated yet;
 * whether that matters is the profile's question (an attestation of an unknown entry is refused).
 */
export async function causalClosure(
  start: ProfileEntry,
  cached: (hex: string) => Entry | undefined,
  load: (id: Uint8Array, hex: string) => Promise<Entry | undefined>,
): Promise<ProfileEntry[]> {
  return [start, ...(await ancestryBeyond(start, () => false, cached, load))];
}

/**
 * The entries `start` reaches (itself excluded) without passing through `known` ones: what an
 * incremental index of the profile lacks to judge `start`. Its cost is what it returns, plus
 * one lookup per link it stops at.
 */
export async function ancestryBeyond(
  start: ProfileEntry,
  known: (hex: string) => boolean,
  cached: (hex: string) => Entry | undefined,
  load: (id: Uint8Array, hex: string) => Promise<Entry | undefined>,
): Promise<ProfileEntry[]> {
  const startHex = toHex(start.id);
  const seen = new Map<string, ProfileEntry>();
  let level = links(start.entry);
  while (level.length > 0) {
    const next: Uint8Array[] = [];
    const missing = new Map<string, Uint8Array>();
    const take = (id: Uint8Array, hex: string, entry: Entry) => {
      seen.set(hex, { id, entry });
      next.push(...links(entry));
    };
    for (const id of level) {
      const hex = toHex(id);
      if (hex === startHex || seen.has(hex) || missing.has(hex) || known(hex)) continue;
      const entry = cached(hex);
      if (entry === undefined) missing.set(hex, id);
      else take(id, hex, entry);
    }
    const loaded = await Promise.all([...missing].map(([hex, id]) => load(id, hex)));
    [...missing].forEach(([hex, id], i) => {
      const entry = loaded[i];
      if (entry !== undefined && !seen.has(hex)) take(id, hex, entry);
    });
    level = next;
  }
  return [...seen.values()];
}

interface OperatorRecord {
  readonly index: number;
  readonly id: string;
  readonly entry: Entry;
}

/** The operator identities of every org's log, kept current as the store grows. */
export class OperatorBook {
  readonly #store: LedgerStore;
  /** org → its committed operator records, in log order. */
  readonly #committed = new Map<string, OperatorRecord[]>();
  /** This node's own records accepted but not committed yet, by id, in log order. */
  readonly #queued = new Map<string, Entry>();
  /** Ids of the records read, so that a record is never counted twice. */
  readonly #seen = new Set<string>();
  /** The last record read of each kind: the next read continues after it. */
  readonly #after = new Map<string, Uint8Array>();
  /** The store's entry count at the last read; unchanged means nothing new to read. */
  #seenCount = -1;
  #reading: Promise<void> | undefined;
  #identities: OperatorIdentity[] | undefined;
  /** profile-pipe's `operatorsFromLog`, loaded by the first `refresh` (see `defaultProfile`). */
  #fromLog: ((entries: Iterable<Entry>) => OperatorIdentity[]) | undefined;

  constructor(store: LedgerStore) {
    this.#store = store;
  }

  /** Reads the operator records committed since the last call, if the store grew meanwhile. */
  async refresh(): Promise<void> {
    this.#fromLog ??= (await import('@liuhen/profile-pipe')).operatorsFromLog;
    for (;;) {
      if (this.#reading) {
        await this.#reading;
        continue;
      }
      const count = await this.#store.entryCount();
      // Another append may have started a read while this one asked for the count.
      if (this.#reading) continue;
      if (count === this.#seenCount) return;
      this.#reading = this.#read(count).finally(() => {
        this.#reading = undefined;
      });
      await this.#reading;
      return;
    }
  }

  async #read(count: number): Promise<void> {
    let changed = false;
    for (const kind of [OPERATOR_APPOINTED, OPERATOR_REVOKED]) {
      for (;;) {
        const after = this.#after.get(kind);
        const page = await this.#store.byKind(kind, { limit: 1_000, ...(after ? { after } : {}) });
        for (const hit of page) {
          const id = toHex(hit.id);
          if (this.#seen.has(id)) continue;
          this.#seen.add(id);
          const entry = storedEnvelopeEntry(hit.envelope);
          const list = this.#committed.get(hit.org) ?? [];
          list.push({ index: hit.index, id, entry });
          // The two kinds are read one after the other: restore each org's log order.
          if (list.length > 1 && (list.at(-2) as OperatorRecord).index > hit.index) {
            list.sort((a, b) => a.index - b.index);
          }
          this.#committed.set(hit.org, list);
          this.#queued.delete(id);
          changed = true;
        }
        const last = page.at(-1);
        if (last !== undefined) this.#after.set(kind, last.id);
        if (page.length < 1_000) break;
      }
    }
    this.#seenCount = count;
    if (changed) this.#identities = undefined;
  }

  /** Notes a record of this node's org that was accepted and waits for its block. */
  noteQueued(id: string, entry: Entry): void {
    if (entry.kind !== OPERATOR_APPOINTED && entry.kind !== OPERATOR_REVOKED) return;
    this.#queued.set(id, entry);
    this.#identities = undefined;
  }

  /** The queued records were dropped (a failed commit): they never happened. */
  dropQueued(): void {
    if (this.#queued.size === 0) return;
    this.#queued.clear();
    this.#identities = undefined;
  }

  /** Every org's operator identities, this node's queued records included. Call `refresh` first. */
  identities(): readonly OperatorIdentity[] {
    const fromLog = this.#fromLog;
    if (fromLog === undefined) throw new Error('OperatorBook.identities before refresh');
    if (this.#identities === undefined) {
      const byOrg = new Map<string, Entry[]>();
      for (const [org, records] of this.#committed) {
        byOrg.set(
          org,
          records.map((r) => r.entry),
        );
      }
      for (const entry of this.#queued.values()) {
        const list = byOrg.get(entry.org) ?? [];
        list.push(entry);
        byOrg.set(entry.org, list);
      }
      this.#identities = [...byOrg.values()].flatMap((entries) => fromLog(entries));
    }
    return this.#identities;
  }
}
