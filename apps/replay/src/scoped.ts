/**
 * What the reader of a replay may see (DESIGN §11). Every entry goes through core's `scopedView`,
 * the one place that decides it for the node's API too: plain body fields the reader's clearance
 * covers, and the sealed fields only for a reader whose org holds a wrap that one of its keys
 * opens. Everything the replay shows and folds is that view, so a sealed section appears as a
 * restricted marker (sealed to whom, why not shown), never as if its fields did not exist, and
 * the state at T is built from what the reader may see.
 *
 * Without `grantsOf` (a replay with no key) the recipients are the section's own; with it, the
 * orgs that valid grants in the trace added are named too, and their wraps can be opened.
 */
import {
  type CborMap,
  type CborValue,
  cborToJson,
  type EntryView,
  type RestrictedReason,
  scopedView,
  type ViewReader,
  type WrapSet,
} from '@liuhen/core';
import type { ReportEntry, TracedEntry, Verification } from '@liuhen/trace';

/** An entry some of whose content the reader does not see, or sees only because it unsealed it. */
export interface Restriction {
  readonly step: number;
  /** Entry id, hex. */
  readonly entry: string;
  readonly kind: string;
  readonly time: number;
  /** Plain body fields above the reader's clearance, ascending. */
  readonly withheld: readonly string[];
  readonly sealed?: {
    /** The orgs the section's own wraps are for, in its order. */
    readonly recipients: readonly string[];
    /** Further orgs that valid grants in the trace wrapped the key to (consulted only with a key). */
    readonly granted: readonly string[];
    /** False when the reader opened the section: its fields are then shown and folded. */
    readonly restricted: boolean;
    readonly reason?: RestrictedReason;
    readonly code?: string;
    readonly detail?: string;
  };
}

export interface Scoped {
  readonly reader: ViewReader;
  /** The verification with every entry's body as the reader sees it, for the replay and its views. */
  readonly verification: Pick<Verification, 'entries' | 'report'>;
  /** Entry id (hex) → what the reader does not see of it; only entries with a sealed section or withheld fields. */
  readonly restrictions: ReadonlyMap<string, Restriction>;
}

/** The body a reader sees: the plain fields its clearance covers, and the sealed fields it opened. */
function visibleBody(view: EntryView): CborMap {
  return view.sealed?.restricted === false ? { ...view.body, ...view.sealed.fields } : view.body;
}

function restrictionOf(e: ReportEntry, view: EntryView): Restriction | undefined {
  const sealed = view.sealed;
  if (sealed === undefined && view.withheld.length === 0) return undefined;
  return {
    step: e.step,
    entry: e.id,
    kind: e.kind,
    time: e.time,
    withheld: view.withheld,
    ...(sealed === undefined
      ? {}
      : {
          sealed: {
            recipients: [...new Set(sealed.recipients.filter((r) => r.via === 'entry').map((r) => r.org))],
            granted: [
              ...new Set(
                sealed.recipients
                  .filter(
                    (r) =>
                      r.via === 'grant' &&
                      !sealed.recipients.some((w) => w.via === 'entry' && w.org === r.org),
                  )
                  .map((r) => r.org),
              ),
            ],
            restricted: sealed.restricted,
            ...(sealed.restricted
              ? {
                  reason: sealed.reason,
                  code: sealed.code,
                  // An unseal error's message leads with its code, which is kept apart.
                  detail: sealed.detail.startsWith(`${sealed.code}: `)
                    ? sealed.detail.slice(sealed.code.length + 2)
                    : sealed.detail,
                }
              : {}),
          },
        }),
  };
}

/**
 * The verification as `reader` may see it. The verdict and findings are the verification's own
 * (integrity never needs a key); the entries' bodies, and so the key values, the walk and the state
 * at any time, are the reader's view. A profile summary is dropped where plain fields are withheld,
 * since it was made from them.
 */
export function scope(
  verification: Pick<Verification, 'entries' | 'report'>,
  reader: ViewReader,
  grantsOf?: (target: TracedEntry, entries: readonly TracedEntry[]) => WrapSet[],
): Scoped {
  const views = new Map(
    verification.entries.map((t) => [
      t.idHex,
      scopedView(t, reader, grantsOf === undefined ? {} : { grants: grantsOf(t, verification.entries) }),
    ]),
  );
  const restrictions = new Map<string, Restriction>();
  const entries: ReportEntry[] = verification.report.entries.map((e) => {
    const view = views.get(e.id);
    if (view === undefined) return e;
    const restriction = restrictionOf(e, view);
    if (restriction === undefined) return e;
    restrictions.set(e.id, restriction);
    const { summary, ...rest } = e;
    return {
      ...rest,
      body: cborToJson(visibleBody(view) as CborValue),
      ...(summary === undefined || view.withheld.length > 0 ? {} : { summary }),
    };
  });
  const traced: TracedEntry[] = verification.entries.map((t) => {
    const view = views.get(t.idHex);
    return view === undefined || !restrictions.has(t.idHex)
      ? t
      : { ...t, entry: { ...t.entry, body: visibleBody(view) } };
  });
  return {
    reader,
    verification: { report: { ...verification.report, entries }, entries: traced },
    restrictions,
  };
}

/** `contractor, supervision, lab (by grant)`: who may read the sealed fields. */
export function recipientList(sealed: NonNullable<Restriction['sealed']>): string {
  const orgs = [...sealed.recipients, ...sealed.granted.map((org) => `${org} (by grant)`)];
  return orgs.length === 0 ? 'no org' : orgs.join(', ');
}

/** One line for the timeline: `restricted: sealed to utility, owner`, or what was unsealed or withheld. */
export function marker(r: Restriction): string {
  const parts: string[] = [];
  if (r.sealed !== undefined)
    parts.push(
      r.sealed.restricted
        ? `restricted: sealed to ${recipientList(r.sealed)}`
        : `unsealed: sealed to ${recipientList(r.sealed)}`,
    );
  if (r.withheld.length > 0) parts.push(`withheld: ${r.withheld.join(', ')}`);
  return parts.join('; ');
}

/** Why the reader does not see it, in words, with the stable code. */
export function explanation(r: Restriction, reader: ViewReader): string {
  const parts: string[] = [];
  if (r.sealed?.restricted === true)
    parts.push(`sealed fields not shown — ${r.sealed.reason}: ${r.sealed.detail} (${r.sealed.code})`);
  if (r.sealed?.restricted === false)
    parts.push(`sealed fields shown: opened with a key of ${reader.org ?? 'the reader'}`);
  if (r.withheld.length > 0)
    parts.push(`plain fields ${r.withheld.join(', ')} are above ${reader.clearance} clearance`);
  return parts.join('; ');
}

/**
 * The restrictions that bear on the state at `time`: entries folded by then whose content the
 * state lacks. An entry the reader unsealed is complete in the state and not listed.
 */
export function missingFromState(scoped: Scoped, time: number): Restriction[] {
  return [...scoped.restrictions.values()].filter(
    (r) => r.time <= time && (r.sealed?.restricted === true || r.withheld.length > 0),
  );
}

/** The reader as the replay names it: its org (if any) and clearance, and whether it holds keys. */
export function describeReader(reader: ViewReader): string {
  const keys = reader.keys === undefined ? 0 : Array.isArray(reader.keys) ? reader.keys.length : 1;
  return `${reader.org === undefined ? 'no org' : `org ${reader.org}`}, ${reader.clearance} clearance, ${keys === 0 ? 'no decryption key' : `${keys} decryption key${keys === 1 ? '' : 's'}`}`;
}
