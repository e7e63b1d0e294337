/**
 * Drives the incremental judgement the way a node does, beside the from-scratch one: entries are
 * held once accepted, each object keeps its index, and a candidate brings the ancestry the index
 * lacks, found by walking its links over the held entries.
 */
import { type AppendDecision, type OperatorIdentity, type ProfileEntry, toHex } from '@liuhen/core';
import { appendIndex, causalClosure, checkAppend, type PipeAppendIndex } from '../src/index.ts';
import { linkIds } from '../src/trace-view.ts';

export interface Judged {
  readonly scratch: AppendDecision;
  readonly incremental: AppendDecision;
  /** Closure entries the from-scratch check indexed: its cost. */
  readonly closure: number;
  /** Nodes the incremental index built and stepped over for this append. */
  readonly inserted: number;
  readonly stepped: number;
}

export class Judges {
  readonly held: ProfileEntry[] = [];
  readonly #byId = new Map<string, ProfileEntry>();
  readonly #indexes = new Map<string, PipeAppendIndex>();
  readonly #operators: readonly OperatorIdentity[] | undefined;

  constructor(operators?: readonly OperatorIdentity[]) {
    this.#operators = operators;
  }

  hold(e: ProfileEntry): void {
    this.held.push(e);
    this.#byId.set(toHex(e.id), e);
  }

  index(object: string): PipeAppendIndex | undefined {
    return this.#indexes.get(object);
  }

  /** Both judgements of `candidate`, holding it when the incremental one accepts it. */
  judge(candidate: ProfileEntry, now = candidate.entry.time + 600_000, scratch = true): Judged {
    const operators = this.#operators;
    const context = scratch ? causalClosure(this.held, [candidate]) : [];
    const fromScratch = scratch
      ? checkAppend({ candidate, context, now, ...(operators ? { operators } : {}) })
      : { ok: true, refusals: [], flags: [] };
    const object = candidate.entry.object;
    let index = this.#indexes.get(object);
    if (index === undefined || index.missingLinks().some((id) => this.#byId.has(toHex(id)))) {
      index = appendIndex();
      this.#indexes.set(object, index);
    }
    const { inserted, stepped } = index.stats;
    const incremental = index.judge({
      candidate,
      added: this.#beyond(index, candidate),
      now,
      ...(operators ? { operators } : {}),
    });
    if (incremental.ok) this.hold(candidate);
    return {
      scratch: fromScratch,
      incremental,
      closure: context.length,
      inserted: index.stats.inserted - inserted,
      stepped: index.stats.stepped - stepped,
    };
  }

  /** The held entries `candidate` reaches without passing through indexed ones. */
  #beyond(index: PipeAppendIndex, candidate: ProfileEntry): ProfileEntry[] {
    const found = new Map<string, ProfileEntry>();
    const stack = linkIds(candidate.entry);
    while (stack.length > 0) {
      const hex = toHex(stack.pop() as Uint8Array);
      if (found.has(hex) || index.has(hex)) continue;
      const e = this.#byId.get(hex);
      if (e === undefined) continue;
      found.set(hex, e);
      stack.push(...linkIds(e.entry));
    }
    return [...found.values()];
  }
}
