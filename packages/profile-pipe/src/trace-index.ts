/**
 * A trace built whole from a set of entries: what `evaluate` and the inspector judge, and what
 * `checkAppend` judges a candidate against when given its causal closure. Entries are ordered
 * causally (core `causalOrder`: parents and cited entries first, then the earliest claimed time,
 * then the smaller id), and a node's position is its `index`.
 */
import { causalOrder, type ProfileEntry, toHex } from '@liuhen/core';
import { hexOf, pushTo, readerBody, type TraceNode, TraceView } from './trace-view.ts';

export { noteBodyValid, type SealedState, type TraceNode, TraceView } from './trace-view.ts';

export class TraceIndex extends TraceView {
  readonly nodes: readonly TraceNode[];
  /** Positions of each node's parents and cited entries present in the trace. */
  readonly #links: readonly (readonly number[])[];
  readonly #byId = new Map<string, TraceNode>();
  readonly #byKind = new Map<string, TraceNode[]>();
  readonly #byObject = new Map<string, TraceNode[]>();
  readonly #attests = new Map<string, TraceNode[]>();
  readonly #reach = new Map<string, boolean>();

  constructor(entries: readonly ProfileEntry[]) {
    super();
    const unique = new Map<string, ProfileEntry>();
    for (const e of entries) unique.set(toHex(e.id), e);
    const present = (id: Uint8Array) => unique.has(toHex(id));
    const ordered = causalOrder(
      [...unique.values()].map((e) => ({
        id: e.id,
        time: e.entry.time,
        // Refs to entries are causal links as much as parents are.
        parents: [
          ...e.entry.parents,
          ...e.entry.refs.flatMap((r) => ('entry' in r && present(r.entry) ? [r.entry] : [])),
        ],
        source: e,
      })),
    );
    const indexOf = new Map(ordered.map((n, i) => [toHex(n.id), i]));
    this.nodes = ordered.map((n, index) => ({
      index,
      id: toHex(n.id),
      entry: n.source.entry,
      ...readerBody(n.source),
    }));
    this.#links = ordered.map((n) => [
      ...new Set(n.parents.map((p) => indexOf.get(toHex(p))).filter((i) => i !== undefined)),
    ]);
    for (const node of this.nodes) {
      this.#byId.set(node.id, node);
      pushTo(this.#byKind, node.entry.kind, node);
      pushTo(this.#byObject, node.entry.object, node);
      if (node.entry.kind === 'attest') {
        for (const target of this.refTargets(node, 'attests')) pushTo(this.#attests, target.id, node);
      }
    }
  }

  get(id: string | Uint8Array): TraceNode | undefined {
    return this.#byId.get(hexOf(id));
  }

  ofKind(kind: string): readonly TraceNode[] {
    return this.#byKind.get(kind) ?? [];
  }

  ofObject(object: string): readonly TraceNode[] {
    return this.#byObject.get(object) ?? [];
  }

  objects(): string[] {
    return [...this.#byObject.keys()];
  }

  attestsOf(node: TraceNode): readonly TraceNode[] {
    return this.#attests.get(node.id) ?? [];
  }

  isAncestor(a: TraceNode, b: TraceNode): boolean {
    if (a.index >= b.index) return false;
    const key = `${a.index}:${b.index}`;
    const known = this.#reach.get(key);
    if (known !== undefined) return known;
    // Causal order puts every ancestor of b before it, so the search prunes below a's index.
    const seen = new Set<number>();
    const stack = [b.index];
    let found = false;
    while (stack.length > 0 && !found) {
      for (const link of this.#links[stack.pop() as number] as readonly number[]) {
        if (link === a.index) {
          found = true;
          break;
        }
        if (link > a.index && !seen.has(link)) {
          seen.add(link);
          stack.push(link);
        }
      }
    }
    this.#reach.set(key, found);
    return found;
  }
}
