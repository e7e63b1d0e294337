/**
 * What every rule asks of a trace, whichever way the trace is held: built whole from a set of
 * entries (`TraceIndex`: the inspector, `evaluate`, `checkAppend`) or grown entry by entry and
 * seen from one candidate (`AppendView` over an `AncestryIndex`: the node's appends). A holder
 * answers six primitive questions; the queries the rules use are built on them here, once.
 *
 * "Before" in the domain means "in the ancestry": reachable through `parents` and entry `refs`,
 * both hash links, so an entry provably came after everything it reaches. Bodies are what the
 * reader sees: the plain body, plus the sealed fields when the reader opened them
 * (`ProfileEntry.unsealed`).
 */
import { type CborMap, type Entry, type ProfileEntry, toHex } from '@liuhen/core';
import { checkBody } from './body.ts';
import { type BodyOf, type KindName, kindSpec } from './kinds/index.ts';

/**
 * `none`: no sealed section; `opened`: the reader opened it and `body` holds its fields; `closed`:
 * the reader could not, so the restricted fields are missing from `body`.
 */
export type SealedState = 'none' | 'opened' | 'closed';

export interface TraceNode {
  /** Position in causal order: only comparisons between positions mean anything. */
  readonly index: number;
  readonly id: string;
  readonly entry: Entry;
  /** The body as the reader sees it: the plain fields and, when opened, the sealed ones. */
  readonly body: CborMap;
  readonly sealed: SealedState;
  /** The sealed fields the reader opened (`sealed` is `opened`). */
  readonly unsealed?: CborMap;
}

/**
 * Whether a body passes its kind's schema, by body object: a pure function of the body (and of
 * whether restricted fields may be missing from it, which is fixed for a given object: the plain
 * body of a sealed entry, or a whole one), so it is remembered across traces.
 */
const BODY_VALID = new WeakMap<CborMap, boolean>();

/** Records the outcome of a body check made elsewhere (the structural check of a candidate). */
export function noteBodyValid(node: TraceNode, valid: boolean): void {
  BODY_VALID.set(node.body, valid);
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

/** The body, sealed state and opened fields of an entry as its reader sees them. */
export function readerBody(e: ProfileEntry): Pick<TraceNode, 'body' | 'sealed' | 'unsealed'> {
  if (e.entry.sealed === undefined) return { body: e.entry.body, sealed: 'none' };
  if (e.unsealed === undefined) return { body: e.entry.body, sealed: 'closed' };
  return { body: { ...e.entry.body, ...e.unsealed }, sealed: 'opened', unsealed: e.unsealed };
}

/** The ids an entry links to causally: its parents and the entries it cites. */
export function linkIds(entry: Entry): Uint8Array[] {
  const out = [...entry.parents];
  for (const ref of entry.refs) if ('entry' in ref) out.push(ref.entry);
  return out;
}

export abstract class TraceView {
  abstract get(id: string | Uint8Array): TraceNode | undefined;
  /** Entries of `kind`, in causal order. */
  abstract ofKind(kind: string): readonly TraceNode[];
  /** Entries of `object`, in causal order. */
  abstract ofObject(object: string): readonly TraceNode[];
  /** The objects present, in the causal order of their first entries. */
  abstract objects(): string[];
  /** The `attest` entries that endorse `node`, in causal order. */
  abstract attestsOf(node: TraceNode): readonly TraceNode[];
  /** True when `a` is in the ancestry of `b` (a strict ancestor). */
  abstract isAncestor(a: TraceNode, b: TraceNode): boolean;

  /** Entries `node` cites with `rel`, among those present. */
  refTargets(node: TraceNode, rel: string): TraceNode[] {
    const out: TraceNode[] = [];
    for (const ref of node.entry.refs) {
      if (!('entry' in ref) || ref.rel !== rel) continue;
      const target = this.get(ref.entry);
      if (target !== undefined) out.push(target);
    }
    return out;
  }

  /** Objects `node` cites with `rel`. */
  refObjects(node: TraceNode, rel: string): string[] {
    return node.entry.refs.flatMap((r) => ('object' in r && r.rel === rel ? [r.object] : []));
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

export function hexOf(id: string | Uint8Array): string {
  return typeof id === 'string' ? id : toHex(id);
}

export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
