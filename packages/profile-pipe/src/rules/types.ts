/** What a rule is and what it sees. */
import type { FindingSeverity, RuleDescriptor } from '@liuhen/core';
import type { OperatorDirectory } from '../operators.ts';
import type { TraceIndex, TraceNode } from '../trace-index.ts';

export interface RuleContext {
  readonly trace: TraceIndex;
  /**
   * `append`: the candidate is judged before it is stored, so nothing after it exists yet:
   * rules skip what later entries could still satisfy (attestations, deadlines).
   */
  readonly mode: 'append' | 'evaluate';
  /** Evaluate: the "as of" time; append: the node's clock. */
  readonly asOf: number;
  readonly firstWitnessed?: ReadonlyMap<string, number>;
  readonly operators: OperatorDirectory;
}

export interface Violation {
  readonly message: string;
  readonly related?: readonly TraceNode[];
  /** Defaults to the rule's severity; a mandatory rule's good-practice part reports `warning`. */
  readonly severity?: FindingSeverity;
  readonly dueAt?: number;
}

export type Outcome = undefined | Violation | { readonly unchecked: string };

export interface Rule extends RuleDescriptor {
  /** The kinds the rule judges; every kind when absent. */
  readonly kinds?: readonly string[];
  check(ctx: RuleContext, node: TraceNode): Outcome;
}
