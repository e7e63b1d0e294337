/**
 * The two ways the node and the inspector use the rules. `evaluate` judges a whole history as of
 * a time; `checkAppend` judges one candidate entry before it is stored, refusing structural
 * faults and breaches of the refusing rules, and returning the rest as flags to store with it.
 */
import type {
  AppendDecision,
  AppendInput,
  Evaluation,
  EvaluationInput,
  Finding,
  OperatorIdentity,
  ProfileEntry,
  Refusal,
  Unchecked,
} from '@liuhen/core';
import { toHex } from '@liuhen/core';
import { ORG_KIND_PREFIX } from '@liuhen/governance';
import { OperatorDirectory } from './operators.ts';
import { RULES } from './rules/index.ts';
import type { Rule, RuleContext, Violation } from './rules/types.ts';
import { checkStructure } from './structure.ts';
import { TraceIndex } from './trace-index.ts';
import type { TraceNode, TraceView } from './trace-view.ts';

/** Governance acts (operator certificates) are judged by the governance package, not the profile. */
export function isGovernance(e: ProfileEntry): boolean {
  return e.entry.kind.startsWith(ORG_KIND_PREFIX);
}

function finding(rule: Pick<Rule, 'code' | 'severity'>, node: TraceNode, v: Violation): Finding {
  return {
    code: rule.code,
    severity: v.severity ?? rule.severity,
    entry: node.id,
    object: node.entry.object,
    kind: node.entry.kind,
    message: v.message,
    related: [...new Set((v.related ?? []).map((r) => r.id))],
    ...(v.dueAt === undefined ? {} : { dueAt: v.dueAt }),
  };
}

export function evaluate(input: EvaluationInput): Evaluation {
  const trace = new TraceIndex(input.entries.filter((e) => !isGovernance(e)));
  const focus = new Set(input.focus ?? trace.objects());
  const ctx: RuleContext = {
    trace,
    mode: 'evaluate',
    asOf: input.asOf,
    ...(input.firstWitnessed === undefined ? {} : { firstWitnessed: input.firstWitnessed }),
    operators: new OperatorDirectory(input.operators),
  };
  const findings: Finding[] = [];
  const unchecked: Unchecked[] = [];
  for (const node of trace.nodes) {
    if (!focus.has(node.entry.object)) continue;
    const structure = checkStructure(trace, node);
    for (const issue of structure) {
      findings.push(finding({ code: issue.code, severity: 'error' }, node, { message: issue.message }));
    }
    // Rules read bodies; an entry that is not a well-formed record is reported above only.
    if (structure.some((i) => i.code === 'PIPE_KIND_UNKNOWN' || i.code === 'PIPE_BODY_INVALID')) continue;
    for (const rule of RULES) {
      if (rule.kinds !== undefined && !rule.kinds.includes(node.entry.kind)) continue;
      const outcome = rule.check(ctx, node);
      if (outcome === undefined) continue;
      if ('unchecked' in outcome)
        unchecked.push({ code: rule.code, entry: node.id, reason: outcome.unchecked });
      else findings.push(finding(rule, node, outcome));
    }
  }
  if (input.firstWitnessed === undefined) {
    unchecked.push({ code: 'P-CONTEMPORANEOUS', reason: 'no first-witnessed times were given' });
  }
  if (input.operators === undefined) {
    unchecked.push({
      code: 'P-SEPARATION',
      reason: 'roles held were not checked: no operator identities were given',
    });
  }
  return { findings, unchecked };
}

export function checkAppend(input: AppendInput): AppendDecision {
  const { candidate } = input;
  if (isGovernance(candidate)) return { ok: true, refusals: [], flags: [] };
  const id = toHex(candidate.id);
  const trace = new TraceIndex([
    ...input.context.filter((e) => toHex(e.id) !== id && !isGovernance(e)),
    candidate,
  ]);
  return judgeCandidate(trace, trace.get(id) as TraceNode, input.now, input.operators);
}

/**
 * The judgement of `checkAppend` on a trace that is the candidate's causal closure and the
 * candidate itself, however that trace is held (built whole, or an `AppendView`).
 */
export function judgeCandidate(
  trace: TraceView,
  node: TraceNode,
  now: number,
  operators: readonly OperatorIdentity[] | undefined,
): AppendDecision {
  const structure = checkStructure(trace, node);
  if (structure.length > 0) {
    return {
      ok: false,
      refusals: structure.map((i) => ({
        code: i.code,
        message: i.message,
        ...(i.field ? { field: i.field } : {}),
      })),
      flags: [],
    };
  }
  const ctx: RuleContext = {
    trace,
    mode: 'append',
    asOf: now,
    operators: directoryOf(operators),
  };
  const refusals: Refusal[] = [];
  const flags: Finding[] = [];
  for (const rule of RULES) {
    if (rule.kinds !== undefined && !rule.kinds.includes(node.entry.kind)) continue;
    const outcome = rule.check(ctx, node);
    if (outcome === undefined || 'unchecked' in outcome) continue;
    if (rule.onAppend === 'refuse') refusals.push({ code: rule.code, message: outcome.message });
    else flags.push(finding(rule, node, outcome));
  }
  return { ok: refusals.length === 0, refusals, flags };
}

/**
 * Directories by identity list: a node passes the same list to every append until an operator
 * record changes it, so the directory is built once per change rather than once per append.
 */
const DIRECTORIES = new WeakMap<readonly OperatorIdentity[], OperatorDirectory>();

function directoryOf(operators: readonly OperatorIdentity[] | undefined): OperatorDirectory {
  if (operators === undefined) return new OperatorDirectory();
  let directory = DIRECTORIES.get(operators);
  if (directory === undefined) {
    directory = new OperatorDirectory(operators);
    DIRECTORIES.set(operators, directory);
  }
  return directory;
}

/**
 * The entries `from` reaches through parents and entry refs, themselves included: what a node
 * must pass as `context` to `checkAppend` at the least.
 */
export function causalClosure(all: readonly ProfileEntry[], from: readonly ProfileEntry[]): ProfileEntry[] {
  const byId = new Map(all.map((e) => [toHex(e.id), e]));
  const seen = new Map<string, ProfileEntry>();
  const stack = [...from];
  while (stack.length > 0) {
    const e = stack.pop() as ProfileEntry;
    const id = toHex(e.id);
    if (seen.has(id)) continue;
    seen.set(id, e);
    const links = [...e.entry.parents, ...e.entry.refs.flatMap((r) => ('entry' in r ? [r.entry] : []))];
    for (const link of links) {
      const next = byId.get(toHex(link));
      if (next !== undefined && !seen.has(toHex(link))) stack.push(next);
    }
  }
  return [...seen.values()];
}
