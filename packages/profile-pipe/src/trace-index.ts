/**
 * The causal view of a set of entries that every rule works on. "Before" in the domain means
 * "in the ancestry": reachable through `parents` and entry `refs`, both hash links, so an entry
 * provably came after everything it reaches. Claimed times are used only where the domain
 * counts durations (deadlines, the hour after the last joint).
 *
 * Bodies are what the reader sees: the plain body, plus the sealed fields when the reader opened
 * them (`ProfileEntry.unsealed`). A rule that needs a sealed field of an entry the reader could
 * not open asks `unreadable` and reports the rule as not checkable at this clearance.
 */
import { type CborMap, causalOrder, type Entry, type ProfileEntry, toHex } from '@liuhen/core';
import { checkBody } from './body.ts';
import { type BodyOf, type KindName, kindSpec } from './kinds/index.ts';

/**
 * Whether a body passes its kind's schema, by body object: a pure function of the body (and of
 * whether restricted fields may be missing from it, which is fixed for a given object: the plain
 * body of a sealed entry, or a whole one), so it is remembered across traces. A node that judges
 * appends builds a trace per append over entries it keeps decoded; without this, every append
 * would re-validate every ancestor's body.
 */
const BODY_VALID = new WeakMap<CborMap, boolean>();

/** Records the outcome of a body check made elsewhere (the structural check of a candidate). */
export function noteBodyValid(node: TraceNode, valid: boolean): void {
  BODY_VALID.set(node.body, valid);
}

/**
 * `none`: no sealed section; `opened`: the reader opened it and `body` holds its fields; `closed`:
 * the reader could not, so the restricted fields are missing from `body`.
 */
export type SealedState = 'none' | 'opened' | 'closed';

export interface TraceNode {
  /** Position in causal order. */
  readonly index: number;
  readonly id: string;
  readonly entry: Entry;
  /** The body as the reader sees it: the plain fields and, when opened, the sealed ones. */
  readonly body: CborMap;
  readonly sealed: SealedState;
  /** The sealed fields the reader opened (`sealed` is `opened`). */
  readonly unsealed?: CborMap;
  /** Indices of the parents and entry refs present in the trace. */
  readonly links: readonly number[];
}

/**
 * The structural check's verdict on a body (structure.ts reports the issues): the plain body
 * valid, restricted fields allowed to be missing when sealed; and, when the reader opened the
 * section, its fields repeating none of the plain ones and the whole body valid.
 */
function bodyValid(node: TraceNode): boolean {
  const { kind, body } = node.entry;
  const plain = checkBody(kind, body, { sealed: node.sealed !== 'none' }).ok;
  if (!plain || node.unsealed === undefined) return plain;
  return !Object.keys(node.unsealed).some((f) => f in body) && checkBody(kind, node.body).ok;
}

function readerBody(e: ProfileEntry): Pick<TraceNode, 'body' | 'sealed' | 'unsealed'> {
  if (e.entry.sealed === undefined) return { body: e.entry.body, sealed: 'none' };
  if (e.unsealed === undefined) return { body: e.entry.body, sealed: 'closed' };
  return { body: { ...e.entry.body, ...e.unsealed }, sealed: 'opened', unsealed: e.unsealed };
}

export class TraceIndex {
  readonly nodes: readonly TraceNode[];
  readonly #byId = new Map<string, TraceNode>();
  readonly #byKind = new Map<string, TraceNode[]>();
  readonly #byObject = new Map<string, TraceNode[]>();
  readonly #attests = new Map<string, TraceNode[]>();
  readonly #reach = new Map<string, boolean>();

  constructor(entries: readonly ProfileEntry[]) {
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
      links: [...new Set(n.parents.map((p) => indexOf.get(toHex(p))).filter((i) => i !== undefined))],
    }));
    for (const node of this.nodes) {
      this.#byId.set(node.id, node);
      push(this.#byKind, node.entry.kind, node);
      push(this.#byObject, node.entry.object, node);
      if (node.entry.kind === 'attest') {
        for (const target of this.refTargets(node, 'attests')) push(this.#attests, target.id, node);
      }
    }
  }

  get(id: string | Uint8Array): TraceNode | undefined {
    return this.#byId.get(typeof id === 'string' ? id : toHex(id));
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

  /** The `attest` entries that endorse `node`. */
  attestsOf(node: TraceNode): readonly TraceNode[] {
    return this.#attests.get(node.id) ?? [];
  }

  /** Entries `node` cites with `rel`, among those present. */
  refTargets(node: TraceNode, rel: string): TraceNode[] {
    const out: TraceNode[] = [];
    for (const ref of node.entry.refs) {
      if (!('entry' in ref) || ref.rel !== rel) continue;
      const target = this.#byId.get(toHex(ref.entry));
      if (target !== undefined) out.push(target);
    }
    return out;
  }

  /** Objects `node` cites with `rel`. */
  refObjects(node: TraceNode, rel: string): string[] {
    return node.entry.refs.flatMap((r) => ('object' in r && r.rel === rel ? [r.object] : []));
  }

  /** True when `a` is in the ancestry of `b` (a strict ancestor). */
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
      const node = this.nodes[stack.pop() as number] as TraceNode;
      for (const link of node.links) {
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

  /** Ancestors of `node` of `kind` with a valid body that pass `filter`, in causal order. */
  ancestors<K extends KindName>(
    node: TraceNode,
    kind: K,
    filter: (candidate: TraceNode, body: BodyOf<K>) => boolean = () => true,
  ): TraceNode[] {
    return this.ofKind(kind).filter((c) => {
      if (c.index >= node.index) return false;
      const body = this.body(c, kind);
      return body !== undefined && filter(c, body) && this.isAncestor(c, node);
    });
  }

  /** Entries of `kind` that have `node` in their ancestry. */
  descendants<K extends KindName>(
    node: TraceNode,
    kind: K,
    filter: (candidate: TraceNode, body: BodyOf<K>) => boolean = () => true,
  ): TraceNode[] {
    return this.ofKind(kind).filter((c) => {
      if (c.index <= node.index) return false;
      const body = this.body(c, kind);
      return body !== undefined && filter(c, body) && this.isAncestor(node, c);
    });
  }

  /** The body typed as `kind`, or undefined when the entry is of another kind or its body is invalid. */
  body<K extends KindName>(node: TraceNode, kind: K): BodyOf<K> | undefined {
    if (node.entry.kind !== kind) return undefined;
    let valid = BODY_VALID.get(node.body);
    if (valid === undefined) {
      valid = kindSpec(kind) !== undefined && bodyValid(node);
      BODY_VALID.set(node.body, valid);
    }
    return valid ? (node.body as unknown as BodyOf<K>) : undefined;
  }

  /**
   * The `fields` of `node` the reader cannot see: those missing from the body of an entry whose
   * sealed section the reader could not open. Empty when every field is readable.
   */
  unreadable<K extends KindName>(
    node: TraceNode,
    kind: K,
    fields: readonly (keyof BodyOf<K> & string)[],
  ): string[] {
    if (node.entry.kind !== kind || node.sealed !== 'closed') return [];
    return fields.filter((f) => !(f in node.body));
  }

  /**
   * Whether `role` signed `node`: as its signer, or by an attestation — one in the ancestry of
   * `before` when given, i.e. known before that entry was made.
   */
  signedBy(node: TraceNode, role: string, before?: TraceNode): boolean {
    if (node.entry.role === role) return true;
    return this.attestsOf(node).some(
      (a) => a.entry.role === role && (before === undefined || a === before || this.isAncestor(a, before)),
    );
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
