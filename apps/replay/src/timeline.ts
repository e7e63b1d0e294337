/**
 * The terminal views of a replay: the timeline (one line per entry: time, org, person and role,
 * kind, key values, findings), a state, what was known at a time, and a list of changes.
 */
import type { JsonValue, ViewReader } from '@liuhen/core';
import type { Change, Finding, KnownAt, ReportEntry, TraceReport } from '@liuhen/trace';
import { describeReader, explanation, marker, type Restriction } from './scoped.ts';

export const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** The entry's key values: the profile's summary, else its first scalar body fields. */
export function keyValues(e: ReportEntry, width = 48): string {
  if (e.summary !== undefined) return clip(e.summary, width);
  const body = e.body as { [key: string]: JsonValue };
  const parts = Object.entries(body)
    .filter(([, v]) => v === null || typeof v !== 'object' || Array.isArray(v))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return clip(parts.join(' '), width);
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

const pad = (text: string, width: number) => {
  const chars = [...text];
  // CJK characters take two columns in a terminal.
  const columns = chars.reduce((n, c) => n + (/[\u1100-\uffdc]/.test(c) ? 2 : 1), 0);
  return text + ' '.repeat(Math.max(0, width - columns));
};

export function marks(e: ReportEntry, findings: readonly Finding[]): string {
  const about = findings.filter((f) => f.subject.entry === e.id);
  const out: string[] = [];
  const errors = [...new Set(about.filter((f) => f.severity === 'error').map((f) => f.code))];
  const warnings = [...new Set(about.filter((f) => f.severity === 'warning').map((f) => f.code))];
  if (errors.length > 0) out.push(`✗ ${errors.join(',')}`);
  if (warnings.length > 0) out.push(`! ${warnings.join(',')}`);
  if (e.late !== undefined) out.push(`LATE +${(e.late.lagMs / 3_600_000).toFixed(1)}h`);
  return out.join('  ');
}

/**
 * One entry: step, time, org, person and role, kind, key values, findings, and — for an entry
 * whose content the reader does not wholly see — the restricted marker, so a sealed section never
 * reads as an entry without those fields.
 */
export function timelineLine(
  e: ReportEntry,
  findings: readonly Finding[],
  restriction?: Restriction,
): string {
  const person = `${e.operator?.name ?? e.signer.slice(0, 8)} (${e.role})`;
  return [
    pad(String(e.step).padStart(3), 4),
    pad(when(e.time), 17),
    pad(e.org, 12),
    pad(person, 16),
    pad(e.kind, 34),
    pad(keyValues(e), 48),
    [marks(e, findings), restriction === undefined ? '' : `[${marker(restriction)}]`]
      .filter(Boolean)
      .join('  '),
  ]
    .join(' ')
    .trimEnd();
}

export function renderTimeline(
  report: TraceReport,
  until?: number,
  restrictions: ReadonlyMap<string, Restriction> = new Map(),
): string {
  const lines = [
    `${report.object} — ${report.entries.length} entries, verdict ${report.verdict}`,
    `${pad('  #', 4)} ${pad('time (UTC)', 17)} ${pad('org', 12)} ${pad('person (role)', 16)} ${pad('kind', 34)} key values`,
  ];
  let marked = until === undefined;
  let stage = '';
  for (const e of report.entries) {
    if (!marked && e.time > (until as number)) {
      lines.push(`---- ${when(until as number)} ${'-'.repeat(60)}`);
      marked = true;
    }
    if (e.stage !== stage) {
      stage = e.stage;
      lines.push(`  [${stage}]`);
    }
    lines.push(timelineLine(e, report.findings, restrictions.get(e.id)));
  }
  if (!marked) lines.push(`---- ${when(until as number)} ${'-'.repeat(60)}`);
  return lines.join('\n');
}

/**
 * A state, and below it what it lacks: the entries folded into it whose sealed or withheld fields
 * the reader could not see (`missingFromState`), so an absent value reads as restricted, not as
 * never recorded.
 */
export function renderState(title: string, state: JsonValue, missing: readonly Restriction[] = []): string {
  const lines = [
    title,
    ...JSON.stringify(state, null, 2)
      .split('\n')
      .map((l) => `  ${l}`),
  ];
  if (missing.length > 0) {
    lines.push('  not in this state (restricted to this reader):');
    for (const r of missing) lines.push(`    #${r.step} ${r.kind} (${when(r.time)}): ${marker(r)}`);
  }
  return lines.join('\n');
}

/** Every entry whose content the reader does not wholly see: what, to whom, and why. */
export function renderRestricted(restrictions: readonly Restriction[], reader: ViewReader): string {
  return [
    `Restricted content (reader: ${describeReader(reader)})`,
    ...(restrictions.length === 0
      ? ['  none: the reader sees every field']
      : restrictions.flatMap((r) => [
          `  #${r.step} ${r.kind}: ${marker(r)}`,
          `    ${explanation(r, reader)}`,
        ])),
  ].join('\n');
}

export function renderKnown(report: TraceReport, known: KnownAt): string {
  const byId = new Map(report.entries.map((e) => [e.id, e]));
  const list = (ids: readonly string[]) =>
    ids.map((id) => {
      const e = byId.get(id);
      return `    #${e?.step} ${e?.kind} (${e?.org}, claims ${e === undefined ? '?' : when(e.time)}${e?.firstWitnessed === undefined ? ', never witnessed' : `, first witnessed ${when(e.firstWitnessed)}`})`;
    });
  return [
    `What was known at ${when(known.time)}`,
    `  ${known.claimed.length} entries claim a time by then; ${known.witnessed.length} had been witnessed`,
    ...(known.recordedLater.length === 0
      ? []
      : ['  recorded only later (补录):', ...list(known.recordedLater)]),
    ...(known.unwitnessed.length === 0 ? [] : ['  never witnessed:', ...list(known.unwitnessed)]),
  ].join('\n');
}

export function renderChanges(title: string, changes: readonly Change[]): string {
  if (changes.length === 0) return `${title}\n  no change`;
  const show = (v: JsonValue | undefined) => (v === undefined ? '' : clip(JSON.stringify(v), 80));
  return [
    title,
    ...changes.map((c) =>
      c.op === 'add'
        ? `  + ${c.path || '/'} = ${show(c.after)}`
        : c.op === 'remove'
          ? `  - ${c.path || '/'} (was ${show(c.before)})`
          : `  ~ ${c.path || '/'}: ${show(c.before)} → ${show(c.after)}`,
    ),
  ].join('\n');
}
