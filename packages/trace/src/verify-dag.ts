/**
 * The object's DAG and its times. Every entry in the evidence must have a reason to be there —
 * of the object, cited by it, of an object it cites, or an operator certificate — every parent must be present and of
 * the object, and claimed times must agree with causality (a child is not older than its parent)
 * and with the logs (an entry is not younger than the block that holds it), within the network's
 * clock-skew tolerance.
 */
import { causalOrder, toHex } from '@liuhen/core';
import { OPERATOR_APPOINTED, OPERATOR_REVOKED } from '@liuhen/governance';
import { findingOf } from './findings.ts';
import { addFinding, type EntryEvidence, type VerifyContext } from './verify-context.ts';

export interface ObjectDag {
  /** The object's entries in causal order. */
  readonly ordered: readonly EntryEvidence[];
  /** Every decoded entry by id (hex), first occurrence. */
  readonly byId: ReadonlyMap<string, EntryEvidence>;
  /** Ids cited by the object's entries that the evidence lacks. */
  readonly missingCited: readonly { readonly entry: string; readonly cites: string }[];
}

const subjectOf = (e: EntryEvidence) => ({
  part: 'entry' as const,
  org: e.org,
  index: e.index,
  ...(e.idHex === undefined ? {} : { entry: e.idHex }),
});

export function verifyDag(ctx: VerifyContext, object: string, all: readonly EntryEvidence[]): ObjectDag {
  const byId = new Map<string, EntryEvidence>();
  for (const e of all) {
    if (e.idHex === undefined || e.entry === undefined) continue;
    const earlier = byId.get(e.idHex);
    if (earlier === undefined) byId.set(e.idHex, e);
    else
      addFinding(
        ctx,
        findingOf(
          'TRACE_DUPLICATE_ENTRY',
          `entry ${e.idHex} is at ${earlier.org}/${earlier.index} and ${e.org}/${e.index}`,
          subjectOf(e),
        ),
        e,
      );
  }
  const own = [...byId.values()].filter((e) => e.entry?.object === object);
  const cited = new Set<string>();
  const citedObjects = new Set<string>();
  const missingCited: { entry: string; cites: string }[] = [];
  for (const e of own) {
    for (const ref of e.entry?.refs ?? []) {
      if (!('entry' in ref)) {
        citedObjects.add(ref.object);
        continue;
      }
      const id = toHex(ref.entry);
      cited.add(id);
      if (!byId.has(id)) {
        missingCited.push({ entry: e.idHex as string, cites: id });
        addFinding(
          ctx,
          findingOf(
            'TRACE_CITED_MISSING',
            `${e.entry?.kind} cites entry ${id}, which the evidence lacks`,
            subjectOf(e),
            { related: [id] },
          ),
          e,
        );
      }
    }
  }
  for (const e of byId.values()) {
    const kind = e.entry?.kind;
    if (
      e.entry?.object === object ||
      citedObjects.has(e.entry?.object as string) ||
      cited.has(e.idHex as string) ||
      kind === OPERATOR_APPOINTED ||
      kind === OPERATOR_REVOKED
    )
      continue;
    addFinding(
      ctx,
      findingOf(
        'TRACE_FOREIGN_ENTRY',
        `${kind} of object "${e.entry?.object}" is neither of "${object}", nor cited by it, nor of an object it cites, nor an operator certificate`,
        subjectOf(e),
      ),
      e,
    );
  }

  for (const e of own) {
    const entry = e.entry;
    if (entry === undefined) continue;
    for (const parent of entry.parents) {
      const id = toHex(parent);
      const found = byId.get(id);
      if (found === undefined) {
        addFinding(
          ctx,
          findingOf(
            'TRACE_PARENT_MISSING',
            `${entry.kind} names parent ${id}, which the evidence lacks`,
            subjectOf(e),
            { related: [id] },
          ),
          e,
        );
      } else if (found.entry?.object !== object) {
        addFinding(
          ctx,
          findingOf(
            'TRACE_PARENT_FOREIGN',
            `${entry.kind} names parent ${id}, an entry of object "${found.entry?.object}"`,
            subjectOf(e),
            { related: [id] },
          ),
          e,
        );
      } else if (entry.time + ctx.skewMs < (found.entry as NonNullable<typeof found.entry>).time) {
        addFinding(
          ctx,
          findingOf(
            'TRACE_TIME_PARENT',
            `${entry.kind} claims ${new Date(entry.time).toISOString()}, before its parent ${found.entry?.kind} at ${new Date(found.entry?.time ?? 0).toISOString()}`,
            subjectOf(e),
            { related: [id] },
          ),
          e,
        );
      }
    }
    if (e.covering !== undefined && entry.time > e.covering.time + ctx.skewMs) {
      addFinding(
        ctx,
        findingOf(
          'TRACE_TIME_CHECKPOINT',
          `${entry.kind} claims ${new Date(entry.time).toISOString()}, after the block that holds it was cut at ${new Date(e.covering.time).toISOString()}`,
          subjectOf(e),
        ),
        e,
      );
    }
  }
  const ordered = causalOrder(
    own.map((e) => ({
      id: e.id as Uint8Array,
      parents: e.entry?.parents ?? [],
      time: e.entry?.time ?? 0,
      e,
    })),
  ).map((n) => n.e);
  return { ordered, byId, missingCited };
}

/** Claims beyond the judgement time, once it is known. */
export function checkFuture(ctx: VerifyContext, ordered: readonly EntryEvidence[], asOf: number): void {
  for (const e of ordered) {
    if (e.entry !== undefined && e.entry.time > asOf + ctx.skewMs) {
      addFinding(
        ctx,
        findingOf(
          'TRACE_TIME_FUTURE',
          `${e.entry.kind} claims ${new Date(e.entry.time).toISOString()}, after the as-of time ${new Date(asOf).toISOString()}`,
          subjectOf(e),
        ),
        e,
      );
    }
  }
}
