/**
 * pipe/1's incremental append judgement (core `AppendIndex`): the candidate and the ancestry the
 * node found beyond the index are added, judged through an `AppendView` by the same code as
 * `checkAppend`, and taken out again when refused, so the index only ever holds entries the
 * node accepted or stored.
 */
import { type AppendDecision, type AppendIndex, type IndexedAppendInput, toHex } from '@liuhen/core';
import { AncestryIndex, type AncestryStats, type IndexedNode } from './ancestry-index.ts';
import { AppendView } from './append-view.ts';
import { isGovernance, judgeCandidate } from './evaluate.ts';

export class PipeAppendIndex implements AppendIndex {
  readonly #index = new AncestryIndex();

  get size(): number {
    return this.#index.size;
  }

  /** Nodes built and positions or links stepped over since the index was made. */
  get stats(): Readonly<AncestryStats> {
    return this.#index.stats;
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  missingLinks(): Uint8Array[] {
    return this.#index.missingLinks();
  }

  judge(input: IndexedAppendInput): AppendDecision {
    const { candidate } = input;
    if (isGovernance(candidate)) return { ok: true, refusals: [], flags: [] };
    const fresh = this.#index.insertAll([...input.added, candidate]);
    const node = this.#index.node(toHex(candidate.id)) as IndexedNode;
    const decision = judgeCandidate(new AppendView(this.#index, node), node, input.now, input.operators);
    if (!decision.ok) this.#index.remove(fresh);
    return decision;
  }
}

export function appendIndex(): PipeAppendIndex {
  return new PipeAppendIndex();
}
