/**
 * The object DAG: entries name the heads they knew as `parents`. Causal order is a topological
 * order of that DAG; among entries whose parents are all placed, the earliest claimed time goes
 * first, then the smaller id, so every node and every offline verifier orders a trace the same way.
 */
import { compareBytes, toHex } from './bytes.ts';

export interface DagNode {
  readonly id: Uint8Array;
  readonly parents: readonly Uint8Array[];
  readonly time: number;
}

function before(a: DagNode, b: DagNode): boolean {
  return a.time !== b.time ? a.time < b.time : compareBytes(a.id, b.id) < 0;
}

/**
 * Orders nodes causally. Parents missing from the input are ignored here (completeness is a
 * separate check); a cycle cannot occur between hash-linked entries, but if fabricated input has
 * one, its members are appended in tie-break order rather than dropped.
 */
export function causalOrder<T extends DagNode>(nodes: readonly T[]): T[] {
  const byId = new Map(nodes.map((n) => [toHex(n.id), n]));
  const waiting = new Map<string, number>();
  const children = new Map<string, T[]>();
  for (const node of byId.values()) {
    const present = node.parents.map(toHex).filter((p) => byId.has(p));
    waiting.set(toHex(node.id), new Set(present).size);
    for (const parent of new Set(present)) children.set(parent, [...(children.get(parent) ?? []), node]);
  }
  const ready = [...byId.values()].filter((n) => waiting.get(toHex(n.id)) === 0);
  const out: T[] = [];
  while (ready.length > 0) {
    // Linear scan: traces are hundreds to thousands of entries and `ready` is usually tiny.
    let best = 0;
    for (let i = 1; i < ready.length; i++) if (before(ready[i] as T, ready[best] as T)) best = i;
    const node = ready.splice(best, 1)[0] as T;
    out.push(node);
    for (const child of children.get(toHex(node.id)) ?? []) {
      const left = (waiting.get(toHex(child.id)) as number) - 1;
      waiting.set(toHex(child.id), left);
      if (left === 0) ready.push(child);
    }
  }
  if (out.length < byId.size) {
    const placed = new Set(out.map((n) => toHex(n.id)));
    const rest = [...byId.values()].filter((n) => !placed.has(toHex(n.id)));
    rest.sort((a, b) => (before(a, b) ? -1 : 1));
    out.push(...rest);
  }
  return out;
}

/** The heads of a DAG: nodes that no other node names as a parent. */
export function dagHeads<T extends DagNode>(nodes: readonly T[]): T[] {
  const named = new Set(nodes.flatMap((n) => n.parents.map(toHex)));
  return nodes.filter((n) => !named.has(toHex(n.id)));
}
