/**
 * Replay (DESIGN §8): the verified entries in causal order, folded through the profile's reducer
 * (or a generic one) — the state at any time, step by step, the difference between any two steps,
 * and what the ledger itself could have shown at a time: which entries existed and had been
 * witnessed by then, and which were only recorded later.
 */
import { cborToJson, type JsonValue, toHex } from '@liuhen/core';
import { type Change, diffStates } from './diff.ts';
import { TraceError } from './errors.ts';
import type { ProfileHooks, ProfileReducer, TracedEntry } from './profile.ts';
import type { Verification } from './verify.ts';

/** The generic state: how many entries of each kind, and the latest of each with its body. */
export interface GenericState {
  readonly object: string;
  readonly entries: number;
  readonly lastTime: number | null;
  readonly kinds: { readonly [kind: string]: number };
  readonly latest: {
    readonly [kind: string]: {
      readonly id: string;
      readonly time: number;
      readonly org: string;
      readonly role: string;
      readonly signer: string;
      readonly body: JsonValue;
    };
  };
}

export const genericReducer: ProfileReducer<GenericState> = {
  initial: (object) => ({ object, entries: 0, lastTime: null, kinds: {}, latest: {} }),
  apply: (state, t) => ({
    object: state.object,
    entries: state.entries + 1,
    lastTime: Math.max(state.lastTime ?? 0, t.entry.time),
    kinds: { ...state.kinds, [t.entry.kind]: (state.kinds[t.entry.kind] ?? 0) + 1 },
    latest: {
      ...state.latest,
      [t.entry.kind]: {
        id: t.idHex,
        time: t.entry.time,
        org: t.org,
        role: t.entry.role,
        signer: t.operator?.name ?? toHex(t.entry.signer),
        body: cborToJson(t.entry.body),
      },
    },
  }),
};

export interface ReplayStep {
  /** 1-based. */
  readonly step: number;
  readonly entry: TracedEntry;
  readonly state: JsonValue;
  /** What this step changed. */
  readonly changes: readonly Change[];
}

export interface KnownAt {
  readonly time: number;
  /** Entries claiming a time at or before `time` (hex ids, causal order). */
  readonly claimed: readonly string[];
  /** Entries first witnessed at or before `time`: provably in existence then. */
  readonly witnessed: readonly string[];
  /** Claimed by then but witnessed only later: recorded after the fact, as of `time`. */
  readonly recordedLater: readonly string[];
  /** Claimed by then and never witnessed in the evidence. */
  readonly unwitnessed: readonly string[];
  /** The state folded from the witnessed entries alone: what the ledger could show at `time`. */
  readonly state: JsonValue;
}

export class Replay<State = unknown> {
  readonly object: string;
  readonly steps: readonly TracedEntry[];
  readonly #reducer: ProfileReducer<State>;

  constructor(verification: Pick<Verification, 'entries' | 'report'>, profile?: ProfileHooks<State>) {
    this.object = verification.report.object;
    this.steps = verification.entries;
    this.#reducer = profile?.reducer ?? (genericReducer as unknown as ProfileReducer<State>);
  }

  #json(state: State): JsonValue {
    return this.#reducer.toJson?.(state) ?? (state as JsonValue);
  }

  #fold(include: (t: TracedEntry, step: number) => boolean): State {
    let state = this.#reducer.initial(this.object);
    this.steps.forEach((t, i) => {
      if (include(t, i + 1)) state = this.#reducer.apply(state, t);
    });
    return state;
  }

  /** The state after `step` steps (0: before the first entry). */
  stateAfter(step: number): JsonValue {
    if (!Number.isSafeInteger(step) || step < 0 || step > this.steps.length) {
      throw new TraceError('STEP_INVALID', `step ${step} is not in 0 … ${this.steps.length}`);
    }
    return this.#json(this.#fold((_, n) => n <= step));
  }

  /** The state from every entry claiming a time at or before `time`, and how many there were. */
  stateAt(time: number): { readonly steps: number; readonly state: JsonValue } {
    let steps = 0;
    const state = this.#fold((t) => {
      const included = t.entry.time <= time;
      if (included) steps++;
      return included;
    });
    return { steps, state: this.#json(state) };
  }

  /** Every step with the state after it and what it changed. */
  *walk(): Generator<ReplayStep> {
    let state = this.#reducer.initial(this.object);
    let previous = this.#json(state);
    for (const [i, t] of this.steps.entries()) {
      state = this.#reducer.apply(state, t);
      const json = this.#json(state);
      yield { step: i + 1, entry: t, state: json, changes: diffStates(previous, json) };
      previous = json;
    }
  }

  /** What changed from the state after step `a` to the state after step `b`. */
  diff(a: number, b: number): Change[] {
    return diffStates(this.stateAfter(a), this.stateAfter(b));
  }

  knownAt(time: number): KnownAt {
    const claimed: string[] = [];
    const witnessed: string[] = [];
    const recordedLater: string[] = [];
    const unwitnessed: string[] = [];
    for (const t of this.steps) {
      const seen = t.firstWitnessed !== undefined && t.firstWitnessed <= time;
      if (seen) witnessed.push(t.idHex);
      if (t.entry.time > time) continue;
      claimed.push(t.idHex);
      if (seen) continue;
      if (t.firstWitnessed === undefined) unwitnessed.push(t.idHex);
      else recordedLater.push(t.idHex);
    }
    const known = new Set(witnessed);
    return {
      time,
      claimed,
      witnessed,
      recordedLater,
      unwitnessed,
      state: this.#json(this.#fold((t) => known.has(t.idHex))),
    };
  }
}
