/** Small shared pieces of rule logic: ranges, time arithmetic, designs in force, deadlines. */
import type { Entry } from '@liuhen/core';
import { parseObjectId } from '../ids.ts';
import type { BodyOf, KindName } from '../kinds/index.ts';
import { iso } from '../time.ts';
import type { TraceNode, TraceView } from '../trace-view.ts';
import type { RuleContext, Violation } from './types.ts';

export { addMonths, DAY, HOUR, iso, MINUTE } from '../time.ts';

export type Range = readonly [number, number];

export function overlaps(a: Range, b: Range): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}

export function within(x: number, r: Range): boolean {
  return r[0] <= x && x <= r[1];
}

export function formatRange(r: Range): string {
  return r[0] === r[1] ? `${r[0]} m` : `${r[0]}–${r[1]} m`;
}

export function short(node: TraceNode): string {
  return `${node.entry.kind} ${node.id.slice(0, 12)}`;
}

export type DesignBody = BodyOf<'design.issued'>;

/** The design of `node`'s object in force when `node` was made: the latest one in its ancestry. */
export function designInForce(
  trace: TraceView,
  node: TraceNode,
): { node: TraceNode; body: DesignBody } | undefined {
  const designs = [
    ...trace.ancestors(node, 'design.issued', (d) => d.entry.object === node.entry.object),
    ...trace.ancestors(node, 'design.revised', (d) => d.entry.object === node.entry.object),
  ];
  const latest = designs.sort((a, b) => b.index - a.index)[0];
  return latest === undefined ? undefined : { node: latest, body: designBody(trace, latest) };
}

/** The body of a `design.issued` or `design.revised` node (the revision has the fields). */
function designBody(trace: TraceView, node: TraceNode): DesignBody {
  return (trace.body(node, 'design.issued') ?? trace.body(node, 'design.revised')) as unknown as DesignBody;
}

/** The latest design of a segment anywhere in the trace. */
export function latestDesign(trace: TraceView, segment: string): DesignBody | undefined {
  const designs = trace
    .ofObject(segment)
    .filter(
      (n) => trace.body(n, 'design.issued') !== undefined || trace.body(n, 'design.revised') !== undefined,
    );
  const latest = designs[designs.length - 1];
  return latest === undefined ? undefined : designBody(trace, latest);
}

/** Segments of a project present in the trace: those whose design cites the project. */
export function projectSegments(trace: TraceView, project: string): string[] {
  const out = new Set<string>();
  for (const kind of ['design.issued', 'design.revised'] as const) {
    for (const d of trace.ofKind(kind)) {
      if (
        parseObjectId(d.entry.object)?.type === 'segment' &&
        trace.refObjects(d, 'project').includes(project)
      ) {
        out.add(d.entry.object);
      }
    }
  }
  // A revision cites only the design it replaces; its segment is found through the issue.
  return [...out].sort();
}

export function hasPhotoOrVideo(entry: Entry): boolean {
  return entry.attachments.some((a) => a.type.startsWith('image/') || a.type.startsWith('video/'));
}

/**
 * A deadline on `anchor`: met when some fulfilling entry's claimed time is within it; violated
 * when the only fulfilment is late, or none exists and `asOf` is past the due time.
 */
export function deadline(
  ctx: RuleContext,
  fulfilments: readonly TraceNode[],
  dueAt: number,
  what: string,
): Violation | undefined {
  if (fulfilments.some((f) => f.entry.time <= dueAt)) return undefined;
  const first = [...fulfilments].sort((a, b) => a.entry.time - b.entry.time)[0];
  if (first !== undefined) {
    return {
      message: `${what} was due by ${iso(dueAt)} but came at ${iso(first.entry.time)}`,
      related: [first],
      dueAt,
    };
  }
  if (ctx.asOf > dueAt)
    return { message: `${what} was due by ${iso(dueAt)} and is missing as of ${iso(ctx.asOf)}`, dueAt };
  return undefined;
}

/**
 * The outcome of a rule that needs `fields` of `node` sealed away from this reader: not checkable
 * at this clearance, never passed. Undefined when the reader sees them all.
 */
export function sealedAway<K extends KindName>(
  trace: TraceView,
  node: TraceNode,
  kind: K,
  fields: readonly (keyof BodyOf<K> & string)[],
): { readonly unchecked: string } | undefined {
  const hidden = trace.unreadable(node, kind, fields);
  if (hidden.length === 0) return undefined;
  return {
    unchecked: `not checkable at this clearance: ${hidden.join(', ')} of ${short(node)} ${hidden.length === 1 ? 'is' : 'are'} in its sealed section, which this reader cannot open`,
  };
}

/** Several violations of one rule on one entry, reported as one finding. */
export function combine(parts: readonly (Violation | undefined)[]): Violation | undefined {
  const found = parts.filter((p): p is Violation => p !== undefined);
  if (found.length === 0) return undefined;
  const due = found.map((f) => f.dueAt).filter((d): d is number => d !== undefined);
  const severity = found.some((f) => (f.severity ?? 'error') === 'error') ? undefined : 'warning';
  return {
    message: found.map((f) => f.message).join('; '),
    related: found.flatMap((f) => f.related ?? []),
    ...(severity === undefined ? {} : { severity }),
    ...(due.length === 0 ? {} : { dueAt: Math.min(...due) }),
  };
}
