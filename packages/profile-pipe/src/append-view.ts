/**
 * An `AncestryIndex` as one candidate sees it: its causal closure and itself, which is exactly
 * what `checkAppend` builds a `TraceIndex` over. The index may hold more — entries of a branch
 * the candidate does not build on (two appends made from the same heads) — and those are left
 * out: they are the heads of the index other than the candidate, and the ancestors of theirs
 * that are not ancestors of the candidate.
 *
 * When the candidate builds on every head, which is the usual case, nothing is left out and
 * every query is the index's own list. Otherwise the excluded part is found by walking down
 * from those heads and, alongside, down from the candidate, both in decreasing causal position,
 * until the two meet: work in the size of the fork, not of the history.
 */
import type { AncestryIndex, IndexedNode } from './ancestry-index.ts';
import { hexOf, type TraceNode, TraceView } from './trace-view.ts';

export class AppendView extends TraceView {
  readonly #index: AncestryIndex;
  readonly #candidate: IndexedNode;
  readonly #excluded: ReadonlySet<IndexedNode>;

  constructor(index: AncestryIndex, candidate: IndexedNode) {
    super();
    this.#index = index;
    this.#candidate = candidate;
    this.#excluded = outsideClosure(index, candidate);
  }

  #visible(list: readonly IndexedNode[]): readonly IndexedNode[] {
    return this.#excluded.size === 0 ? list : list.filter((n) => !this.#excluded.has(n));
  }

  get(id: string | Uint8Array): TraceNode | undefined {
    const node = this.#index.node(hexOf(id));
    return node === undefined || this.#excluded.has(node) ? undefined : node;
  }

  ofKind(kind: string): readonly TraceNode[] {
    return this.#visible(this.#index.kindList(kind));
  }

  ofObject(object: string): readonly TraceNode[] {
    return this.#visible(this.#index.objectList(object));
  }

  objects(): string[] {
    const first: [string, number][] = [];
    for (const [object, list] of this.#index.objectLists()) {
      const node = list.find((n) => !this.#excluded.has(n));
      if (node !== undefined) first.push([object, node.index]);
    }
    return first.sort((a, b) => a[1] - b[1]).map(([object]) => object);
  }

  attestsOf(node: TraceNode): readonly TraceNode[] {
    return this.#visible(this.#index.attestList(node.id));
  }

  isAncestor(a: TraceNode, b: TraceNode): boolean {
    if (a.index >= b.index) return false;
    // Everything the candidate sees is its ancestry.
    if (b === this.#candidate) return !this.#excluded.has(a as IndexedNode);
    return this.#index.reaches(a as IndexedNode, b as IndexedNode);
  }
}

/**
 * The indexed entries that are neither the candidate nor its ancestors. A head other than the
 * candidate is never its ancestor (an ancestor has a child on the way to it); below the heads,
 * an entry is excluded unless the walk down from the candidate reaches it.
 */
function outsideClosure(index: AncestryIndex, candidate: IndexedNode): Set<IndexedNode> {
  const excluded = new Set<IndexedNode>();
  const heads = [...index.heads()].filter((h) => h !== candidate);
  if (heads.length === 0) return excluded;
  const ancestors = new Set<IndexedNode>();
  const below = new PositionHeap();
  for (const link of candidate.links) below.push(link);
  const pending = new PositionHeap();
  for (const head of heads) pending.push(head);
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node === candidate) continue;
    // Every ancestor of the candidate at or above this position is found by now.
    for (let a = below.peek(); a !== undefined && a.index >= node.index; a = below.peek()) {
      below.pop();
      ancestors.add(a);
      for (const link of a.links) below.push(link);
      index.stats.stepped++;
    }
    if (ancestors.has(node)) continue;
    excluded.add(node);
    for (const link of node.links) pending.push(link);
    index.stats.stepped++;
  }
  return excluded;
}

/** Nodes by decreasing causal position, each once. */
class PositionHeap {
  readonly #items: IndexedNode[] = [];
  readonly #seen = new Set<IndexedNode>();

  push(node: IndexedNode): void {
    if (this.#seen.has(node)) return;
    this.#seen.add(node);
    const items = this.#items;
    items.push(node);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as IndexedNode).index >= node.index) break;
      items[i] = items[parent] as IndexedNode;
      items[parent] = node;
      i = parent;
    }
  }

  peek(): IndexedNode | undefined {
    return this.#items[0];
  }

  pop(): IndexedNode | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < items.length && (items[l] as IndexedNode).index > (items[best] as IndexedNode).index) best = l;
      if (r < items.length && (items[r] as IndexedNode).index > (items[best] as IndexedNode).index) best = r;
      if (best === i) break;
      [items[i], items[best]] = [items[best] as IndexedNode, items[i] as IndexedNode];
      i = best;
    }
    return top;
  }
}
