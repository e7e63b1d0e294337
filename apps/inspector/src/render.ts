/**
 * The report for a person at a terminal: the verdict line first, then who answers for each stage,
 * the findings by severity with their codes and clauses, witness coverage, late recordings and
 * missing evidence. Everything shown is in the JSON report; this only lays it out.
 */
import type { Finding, ReportEntry, Severity, TraceReport } from '@liuhen/trace';

const when = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d{3}Z$/, 'Z');
const short = (hex: string) => `${hex.slice(0, 12)}…`;
const plural = (n: number, word: string) =>
  `${n} ${n === 1 ? word : word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`;

export function verdictLine(report: TraceReport): string {
  const head =
    report.verdict === 'failed'
      ? 'FAILED'
      : report.verdict === 'verified-with-warnings'
        ? 'VERIFIED WITH WARNINGS'
        : 'VERIFIED';
  const { summary } = report;
  return [
    `${head}: ${report.object}`,
    `${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')}`,
    `${summary.validEntries}/${summary.entries} entries valid from ${plural(summary.orgs.length, 'org')}`,
  ].join(' — ');
}

function subject(f: Finding, entries: ReadonlyMap<string, ReportEntry>): string {
  const s = f.subject;
  const about = s.entry === undefined ? undefined : entries.get(s.entry);
  const parts: string[] = [s.part];
  if (about !== undefined) parts.push(`#${about.step} ${about.kind}`);
  if (s.org !== undefined) parts.push(s.index === undefined ? s.org : `${s.org}/${s.index}`);
  if (s.checkpoint !== undefined) parts.push(`checkpoint size ${s.checkpoint}`);
  if (s.witness !== undefined) parts.push(`witness ${s.witness}`);
  if (s.seq !== undefined) parts.push(`action ${s.seq}`);
  if (s.attachment !== undefined) parts.push(`sha256 ${short(s.attachment)}`);
  if (s.entry !== undefined) parts.push(`entry ${short(s.entry)}`);
  return parts.join(' · ');
}

const HEADINGS: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Information' };

/** Who read the sealed sections, and how many opened: rules on the rest are not checkable. */
function sealedLines(report: TraceReport): string[] {
  const sealed = report.entries.filter((e) => e.sealed !== undefined);
  const reader = report.reader;
  const who =
    reader === undefined
      ? 'read as any node (internal)'
      : `read as ${reader.org ?? 'no org'} at clearance ${reader.clearance}`;
  if (sealed.length === 0) return reader === undefined ? [] : [`${who}; no entry is sealed`];
  const opened = sealed.filter((e) => e.sealed?.opened).length;
  const hint =
    opened < sealed.length && reader === undefined
      ? ' (--org, --clearance restricted and --encryption-key open them)'
      : '';
  return [`${who}: ${opened} of ${plural(sealed.length, 'sealed entry')} opened${hint}`];
}

export function renderReport(report: TraceReport): string {
  const out: string[] = [verdictLine(report)];
  const entries = new Map(report.entries.map((e) => [e.id, e]));
  out.push(
    `network ${report.network}${report.anchored ? ' (matches the trusted anchor)' : ' (NOT anchored: checked against its own genesis)'}`,
    `profile ${report.profile.id}${report.profile.checked ? '' : ' (rules NOT checked)'} · as of ${when(report.asOf)}`,
    ...sealedLines(report),
    '',
    'Responsible parties',
  );
  for (const stage of report.accountability.stages) {
    out.push(`  ${stage.stage}`);
    for (const p of stage.parties) {
      const who = p.name ?? (p.signer === '' ? '(not appointed)' : short(p.signer));
      const licence = p.licence === undefined ? '' : `, licence ${p.licence}`;
      const what = p.kind === 'lead' ? `lead of ${p.party ?? p.org}` : plural(p.entries.length, 'entry');
      const span = p.first === p.last ? when(p.first) : `${when(p.first)} … ${when(p.last)}`;
      out.push(
        `    ${who} (${p.role}${licence}) — ${p.org || p.party || ''}: ${what}, ${span}${p.note ? `  [${p.note}]` : ''}`,
      );
    }
  }
  out.push('', 'Findings');
  if (report.findings.length === 0) out.push('  none');
  for (const severity of ['error', 'warning', 'info'] as const) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    out.push(`  ${HEADINGS[severity]} (${group.length})`);
    for (const f of group) {
      out.push(`    ${f.code}  [${f.clause}]  ${subject(f, entries)}`, `      ${f.message}`);
    }
  }
  out.push('', 'Witness coverage');
  out.push(`  ${report.witnessing.covered} of ${report.witnessing.total} entries meet the witness policy`);
  for (const log of report.witnessing.logs) {
    const who = log.cosigned.map(
      (c) => `${c.witness} (${plural(c.checkpoints, 'checkpoint')}, from ${when(c.earliest)})`,
    );
    out.push(
      `  ${log.org}: ${log.threshold} of ${log.eligible.length} required; cosigned by ${who.join(', ') || 'nobody'}`,
    );
  }
  out.push('', 'Late recordings (补录)');
  if (report.lateRecordings.length === 0) out.push('  none');
  for (const late of report.lateRecordings) {
    const e = entries.get(late.entry);
    const seen =
      e?.firstWitnessed === undefined ? 'never witnessed' : `first witnessed ${when(e.firstWitnessed)}`;
    out.push(
      `  #${e?.step ?? '?'} ${e?.kind ?? short(late.entry)} by ${e?.operator?.name ?? e?.role ?? '?'}: claims ${e === undefined ? '?' : when(e.time)}, ${seen} (+${(late.lagMs / 3_600_000).toFixed(1)} h)`,
    );
  }
  out.push('', 'Missing evidence');
  const { gaps } = report;
  if (gaps.attachments.length + gaps.cosignatures.length + gaps.citedEntries.length === 0) out.push('  none');
  for (const a of gaps.attachments) {
    const e = entries.get(a.entry);
    out.push(
      `  attachment ${a.name} (${a.type}, ${a.size} bytes, sha256 ${short(a.sha256)}) of #${e?.step ?? '?'} ${e?.kind ?? ''}: not in the evidence`,
    );
  }
  for (const c of gaps.cosignatures) {
    const e = entries.get(c.entry);
    out.push(
      `  cosignatures of #${e?.step ?? '?'} ${e?.kind ?? ''}: ${c.have.length} of ${c.threshold} (missing ${c.missing.join(', ')})`,
    );
  }
  for (const c of gaps.citedEntries) {
    const e = entries.get(c.entry);
    out.push(
      `  #${e?.step ?? '?'} ${e?.kind ?? ''} cites entry ${short(c.cites)}, which is not in the evidence`,
    );
  }
  return out.join('\n');
}
