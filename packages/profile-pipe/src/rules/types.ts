/** What a rule is and what it sees. */
import type { FindingSeverity, RuleDescriptor } from '@liuhen/core';
import type { BodyOf, KindName } from '../kinds/index.ts';
import type { OperatorDirectory } from '../operators.ts';
import type { TraceNode, TraceView } from '../trace-view.ts';

export interface RuleContext {
  readonly trace: TraceView;
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

/**
 * The top-level body fields a rule reads, by kind: the fields it needs to judge. The catalogue
 * prints them with their classification, and a rule that needs a restricted field reports
 * "not checkable at this clearance" when the reader cannot open the sealed section holding it.
 * A test watches every rule read bodies and fails on a field not declared here.
 */
export type FieldReads = { readonly [K in KindName]?: readonly (keyof BodyOf<K> & string)[] };

export interface Rule extends RuleDescriptor {
  /** The kinds the rule judges; every kind when absent. */
  readonly kinds?: readonly string[];
  readonly reads: FieldReads;
  check(ctx: RuleContext, node: TraceNode): Outcome;
}
