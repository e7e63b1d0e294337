/**
 * One object's ancestry, grown entry by entry: the trace a node judges that object's appends
 * against, kept between appends so an append costs what is new, not the object's history.
 *
 * It holds a set of entries closed under ancestry (every link an entry has to an entry the node
 * holds is in the set), in the exact causal order `TraceIndex` gives the same entries: ancestry
 * is immutable, so an entry that arrives after its ancestors never reorders what is there. The
 * greedy order (parents first, then the earliest time, then the smaller id) places a newcomer
 * right before the first later entry it precedes by time and id, found in O(log n) by a
 * `MaxTree`; an entry that arrives in that order (the usual case) goes last, O(log n) in all.
 * An older newcomer renumbers the positions after it, plain integer work.
 *
 * Governance entries (org.*) are held as ids only: they are not the profile's to judge, and
 * they cite nothing but other governance entries.
 */
import { causalOrder, type ProfileEntry, toHex } from '@liuhen/core';
import { isGovernance } from './evaluate.ts';
import { MaxTree } from './max-tree.ts';
import { linkIds, pushTo, readerBody, type TraceNode } from './trace-view.ts';

export interface IndexedNode extends TraceNode {
  index: number;
  /** The parents and cited entries present, each once. */
  readonly links: readonly IndexedNode[];
  /** How many indexed entries link to this one: a head has none. */
  children: number;
}

/** Work done, for cost accounting: nodes built and positions or links stepped over. */
export interface AncestryStats {
  inserted: number;
  stepped: number;
}

/** The causal tie-break: the earlier claimed time, then the smaller id (lower-case hex sorts as bytes). */
function precedes(a: TraceNode, b: TraceNode): boolean {
  return a.entry.time !== b.entry.time ? a.entry.time < b.entry.time : a.id < b.id;
}

/** Reachability answers kept before the cache is cleared: a bound on memory, not a tuning knob. */
const MAX_REACH_ANSWERS = 100_000;

export class AncestryIndex {
  #order: IndexedNode[] = [];
  readonly #positions = new MaxTree<IndexedNode>((a, b) => precedes(b, a));
  readonly #byId = new Map<string, IndexedNode>();
  readonly #byKind = new Map<string, IndexedNode[]>();
  readonly #byObject = new Map<string, IndexedNode[]>();
  readonly #attests = new Map<string, IndexedNode[]>();
  readonly #heads = new Set<IndexedNode>();
  /** Governance entries met in the ancestry. */
  readonly #opaque = new Set<string>();
  /** Ids that indexed entries cite but the node did not hold, with how many entries cite each. */
  readonly #missing = new Map<string, { id: Uint8Array; citers: number }>();
  readonly #reach = new Map<string, boolean>();
  readonly stats: AncestryStats = { inserted: 0, stepped: 0 };

  get size(): number {
    return this.#order.length;
  }

  has(hex: string): boolean {
    return this.#byId.has(hex) || this.#opaque.has(hex);
  }

  /** Every indexed entry, in causal order. */
  nodes(): readonly IndexedNode[] {
    return this.#order;
  }

  node(hex: string): IndexedNode | undefined {
    return this.#byId.get(hex);
  }

  missingLinks(): Uint8Array[] {
    return [...this.#missing.values()].map((m) => m.id);
  }

  kindList(kind: string): readonly IndexedNode[] {
    return this.#byKind.get(kind) ?? [];
  }

  objectList(object: string): readonly IndexedNode[] {
    return this.#byObject.get(object) ?? [];
  }

  objectLists(): IterableIterator<[string, readonly IndexedNode[]]> {
    return this.#byObject.entries();
  }

  attestList(id: string): readonly IndexedNode[] {
    return this.#attests.get(id) ?? [];
  }

  /** Entries no indexed entry links to. */
  heads(): ReadonlySet<IndexedNode> {
    return this.#heads;
  }

  /**
   * Adds the entries not indexed yet, ancestors before descendants; each entry's links must be
   * indexed or among `entries`, or not held by the node (they are then remembered as missing).
   * Returns the nodes built, for `remove`.
   */
  insertAll(entries: readonly ProfileEntry[]): IndexedNode[] {
    const fresh = new Map<string, ProfileEntry>();
    for (const e of entries) {
      const hex = toHex(e.id);
      if (this.has(hex)) continue;
      if (isGovernance(e)) this.#opaque.add(hex);
      else fresh.set(hex, e);
    }
    const ordered = causalOrder(
      [...fresh.values()].map((e) => ({
        id: e.id,
        time: e.entry.time,
        parents: linkIds(e.entry),
        source: e,
      })),
    );
    return ordered.map((n) => this.#insert(n.source));
  }

  #insert(e: ProfileEntry): IndexedNode {
    const links = new Set<IndexedNode>();
    for (const id of linkIds(e.entry)) {
      const hex = toHex(id);
      const target = this.#byId.get(hex);
      if (target !== undefined) links.add(target);
      else if (!this.#opaque.has(hex)) {
        const known = this.#missing.get(hex);
        if (known === undefined) this.#missing.set(hex, { id, citers: 1 });
        else known.citers++;
      }
    }
    const node: IndexedNode = {
      index: 0,
      id: toHex(e.id),
      entry: e.entry,
      ...readerBody(e),
      links: [...links],
      children: 0,
    };
    let after = 0;
    for (const link of links) after = Math.max(after, link.index + 1);
    const before = this.#positions.firstGreater(after, node);
    if (before < 0) {
      node.index = this.#order.length;
      this.#order.push(node);
      this.#positions.push(node);
    } else {
      this.#order.splice(before, 0, node);
      this.#renumber(before);
      this.#positions.rebuild(this.#order);
    }
    this.#byId.set(node.id, node);
    insertByPosition(this.#byKind, node.entry.kind, node);
    insertByPosition(this.#byObject, node.entry.object, node);
    if (node.entry.kind === 'attest') {
      for (const ref of node.entry.refs) {
        if (!('entry' in ref) || ref.rel !== 'attests') continue;
        const target = this.#byId.get(toHex(ref.entry));
        if (target !== undefined) insertByPosition(this.#attests, target.id, node);
      }
    }
    for (const link of links) {
      if (link.children++ === 0) this.#heads.delete(link);
    }
    this.#heads.add(node);
    this.stats.inserted++;
    return node;
  }

  /** Takes out nodes `insertAll` built (a refused candidate and the ancestry it brought). */
  remove(nodes: readonly IndexedNode[]): void {
    if (nodes.length === 0) return;
    const gone = new Set(nodes);
    for (const node of nodes) {
      this.#byId.delete(node.id);
      removeFrom(this.#byKind, node.entry.kind, node);
      removeFrom(this.#byObject, node.entry.object, node);
      if (node.entry.kind === 'attest') {
        for (const ref of node.entry.refs) {
          if ('entry' in ref && ref.rel === 'attests') removeFrom(this.#attests, toHex(ref.entry), node);
        }
      }
      this.#heads.delete(node);
      for (const link of node.links) {
        if (!gone.has(link) && --link.children === 0) this.#heads.add(link);
      }
      for (const id of linkIds(node.entry)) {
        const known = this.#missing.get(toHex(id));
        if (known !== undefined && --known.citers === 0) this.#missing.delete(toHex(id));
      }
    }
    const kept = this.#order.length - gone.size;
    if (nodes.every((n) => n.index >= kept)) {
      this.#order.length = kept;
      this.#positions.truncate(kept);
      return;
    }
    this.#order = this.#order.filter((n) => !gone.has(n));
    this.#renumber(0);
    this.#positions.rebuild(this.#order);
  }

  #renumber(from: number): void {
    for (let i = from; i < this.#order.length; i++) (this.#order[i] as IndexedNode).index = i;
    this.stats.stepped += this.#order.length - from;
  }

  /** True when `a` is a strict ancestor of `b`; the search never goes below `a`'s position. */
  reaches(a: IndexedNode, b: IndexedNode): boolean {
    if (a.index >= b.index) return false;
    const key = `${a.id}${b.id}`;
    const known = this.#reach.get(key);
    if (known !== undefined) return known;
    const seen = new Set<IndexedNode>();
    const stack = [b];
    let found = false;
    while (stack.length > 0 && !found) {
      for (const link of (stack.pop() as IndexedNode).links) {
        this.stats.stepped++;
        if (link === a) {
          found = true;
          break;
        }
        if (link.index > a.index && !seen.has(link)) {
          seen.add(link);
          stack.push(link);
        }
      }
    }
    if (this.#reach.size >= MAX_REACH_ANSWERS) this.#reach.clear();
    this.#reach.set(key, found);
    return found;
  }
}

/** Lists stay in causal order; a newcomer usually goes last. */
function insertByPosition(map: Map<string, IndexedNode[]>, key: string, node: IndexedNode): void {
  const list = map.get(key);
  if (list === undefined || list.length === 0 || (list.at(-1) as IndexedNode).index < node.index) {
    pushTo(map, key, node);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as IndexedNode).index < node.index) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, node);
}

function removeFrom(map: Map<string, IndexedNode[]>, key: string, node: IndexedNode): void {
  const list = map.get(key);
  const at = list?.lastIndexOf(node) ?? -1;
  if (list === undefined || at < 0) return;
  list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}
