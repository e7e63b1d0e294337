/**
 * The incident file: one self-contained HTML page (inline CSS and SVG, no script, no URL of any
 * kind), so it can be attached to a case, archived and opened offline years later. It shows the
 * timeline figure (stages as lanes, signers, findings and late recordings marked), the state at the
 * chosen time and what was known then, who answered for each stage, the findings with their
 * clauses, and the hashes that tie every statement to the evidence.
 */
import type { JsonValue, ViewReader } from '@liuhen/core';
import type { Finding, KnownAt, ReportEntry, TraceReport } from '@liuhen/trace';
import { describeReader, explanation, marker, type Restriction, recipientList } from './scoped.ts';
import { keyValues, when } from './timeline.ts';

export interface HtmlInput {
  readonly report: TraceReport;
  /** Entry id → leaf hash (hex), from the verified envelopes. */
  readonly leafHashes: ReadonlyMap<string, string>;
  readonly at: number;
  readonly state: JsonValue;
  readonly known: KnownAt;
  /** Who the report is for; the entries' bodies and the state are this reader's view (scoped.ts). */
  readonly reader: ViewReader;
  /** Entries whose content the reader does not wholly see, in causal order. */
  readonly restrictions: readonly Restriction[];
  /** Those of them folded into the state at T with content the state lacks. */
  readonly missing: readonly Restriction[];
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const esc = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => escapes[c] as string);

const CSS = `
body{font:14px/1.45 system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Zen Hei",sans-serif;margin:24px;color:#1b1f24;max-width:1200px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.verdict{font-weight:700;padding:2px 8px;border-radius:4px;color:#fff}
.failed{background:#cf222e}.verified{background:#1a7f37}.verified-with-warnings{background:#9a6700}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}code,pre{font:12px/1.4 ui-monospace,monospace}pre{background:#f6f8fa;padding:8px;overflow:auto}
.error{color:#cf222e}.warning{color:#9a6700}.info{color:#57606a}.muted{color:#57606a}
.restricted{display:inline-block;border:1px solid #8250df;color:#6639ba;border-radius:4px;padding:0 4px;font-weight:600}
svg text{font:11px system-ui,sans-serif}
`;

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function figure(report: TraceReport, at: number, restricted: ReadonlyMap<string, Restriction>): string {
  const entries = report.entries;
  if (entries.length === 0) return '<p class="muted">No entries.</p>';
  const stages = [...new Set(entries.map((e) => e.stage))];
  const times = entries.flatMap((e) => [
    e.time,
    ...(e.firstWitnessed === undefined ? [] : [e.firstWitnessed]),
  ]);
  const t0 = times.reduce((a, b) => Math.min(a, b), at);
  const t1 = times.reduce((a, b) => Math.max(a, b), at);
  const left = 150;
  const width = 1000;
  const lane = 46;
  const height = 40 + stages.length * lane;
  const x = (t: number) => left + (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * (width - left - 30));
  const y = (stage: string) => 30 + stages.indexOf(stage) * lane + lane / 2;
  const byId = new Map(entries.map((e) => [e.id, e]));
  const severityOf = (e: ReportEntry) =>
    report.findings.some((f) => f.subject.entry === e.id && f.severity === 'error')
      ? 'error'
      : report.findings.some((f) => f.subject.entry === e.id && f.severity === 'warning')
        ? 'warning'
        : 'ok';
  const colour = { error: '#cf222e', warning: '#bf8700', ok: '#1a7f37' };
  const parts: string[] = [];
  stages.forEach((stage, i) => {
    parts.push(
      `<rect x="0" y="${30 + i * lane}" width="${width}" height="${lane}" fill="${i % 2 ? '#ffffff' : '#f6f8fa'}"/>`,
      `<text x="8" y="${y(stage) + 4}" font-weight="600">${esc(stage)}</text>`,
    );
  });
  for (let k = 0; k <= 4; k++) {
    const t = t0 + ((t1 - t0) * k) / 4;
    parts.push(
      `<line x1="${x(t)}" y1="24" x2="${x(t)}" y2="${height}" stroke="#d0d7de"/>`,
      `<text x="${x(t)}" y="16" text-anchor="middle" class="muted">${esc(when(t).slice(0, 10))}</text>`,
    );
  }
  for (const e of entries) {
    for (const p of e.parents) {
      const parent = byId.get(p);
      if (parent === undefined) continue;
      parts.push(
        `<line x1="${x(parent.time)}" y1="${y(parent.stage)}" x2="${x(e.time)}" y2="${y(e.stage)}" stroke="#8c959f" stroke-width="0.8"/>`,
      );
    }
  }
  for (const e of entries) {
    if (e.late !== undefined && e.firstWitnessed !== undefined) {
      parts.push(
        `<line x1="${x(e.time)}" y1="${y(e.stage) + 9}" x2="${x(e.firstWitnessed)}" y2="${y(e.stage) + 9}" stroke="#bf8700" stroke-width="2" stroke-dasharray="4 3"/>`,
        `<text x="${x(e.firstWitnessed) + 3}" y="${y(e.stage) + 13}" fill="#9a6700">补录 late +${(e.late.lagMs / 3_600_000).toFixed(0)}h</text>`,
      );
    }
  }
  const who = (e: ReportEntry) => e.operator?.name ?? e.role;
  for (const e of entries) {
    const r = restricted.get(e.id);
    parts.push(
      `<g class="entry" data-step="${e.step}"${r === undefined ? '' : ' data-restricted="true"'}><circle cx="${x(e.time)}" cy="${y(e.stage)}" r="6" fill="${colour[severityOf(e)]}" stroke="${r === undefined ? '#fff' : '#8250df'}"${r === undefined ? '' : ' stroke-width="2.5"'}/>` +
        `<title>#${e.step} ${esc(e.kind)} — ${esc(who(e))} (${esc(e.role)}, ${esc(e.org)}) ${esc(when(e.time))}${r === undefined ? '' : ` — ${esc(marker(r))}`}</title></g>`,
    );
  }
  // Decades of entries crowd a lane: a label is drawn only where it overlaps none already drawn,
  // entries with findings first; every point keeps its tooltip and its row in the table below.
  const placed = new Map<string, Array<[number, number]>>();
  const rank = { error: 0, warning: 1, ok: 2 };
  for (const e of [...entries].sort((a, b) => rank[severityOf(a)] - rank[severityOf(b)] || a.step - b.step)) {
    const label = `${e.step} ${who(e)}`;
    const start = x(e.time) + 8;
    // Wide characters (CJK) take about twice the width of Latin ones at this size.
    const end = start + [...label].reduce((w, c) => w + (c.charCodeAt(0) > 0x2e80 ? 13 : 7), 0);
    const lane = placed.get(e.stage) ?? [];
    if (end > width || lane.some(([a, b]) => start < b + 4 && a < end + 4)) continue;
    lane.push([start, end]);
    placed.set(e.stage, lane);
    parts.push(`<text x="${start}" y="${y(e.stage) - 8}">${esc(label)}</text>`);
  }
  const nearRight = x(at) > width - 220;
  parts.push(
    `<line x1="${x(at)}" y1="24" x2="${x(at)}" y2="${height}" stroke="#0969da" stroke-width="1.5"/>`,
    `<text x="${nearRight ? x(at) - 3 : x(at) + 3}" y="${height - 4}" fill="#0969da"${nearRight ? ' text-anchor="end"' : ''}>T = ${esc(when(at))}</text>`,
  );
  return `<svg id="timeline" role="img" aria-label="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

function findingRow(f: Finding, byId: ReadonlyMap<string, ReportEntry>): string {
  const e = f.subject.entry === undefined ? undefined : byId.get(f.subject.entry);
  const where = [
    f.subject.part,
    e === undefined ? '' : `#${e.step} ${e.kind}`,
    f.subject.org === undefined
      ? ''
      : `${f.subject.org}${f.subject.index === undefined ? '' : `/${f.subject.index}`}`,
    f.subject.witness === undefined ? '' : `witness ${f.subject.witness}`,
  ]
    .filter(Boolean)
    .join(' · ');
  return `<tr><td class="${f.severity}">${f.severity}</td><td><code>${esc(f.code)}</code></td><td>${esc(f.clause)}</td><td>${esc(where)}</td><td>${esc(f.message)}</td></tr>`;
}

/** The restricted marker as the page shows it: never colour alone, always the words. */
const badge = (r: Restriction) => `<span class="restricted">${esc(marker(r))}</span>`;

function restrictedSection(input: HtmlInput): string {
  const rows = input.restrictions
    .map(
      (r) =>
        `<tr data-entry="${esc(r.entry)}"><td>${r.step}</td><td><code>${esc(r.kind)}</code></td><td>${badge(r)}</td><td>${esc(r.sealed === undefined ? '' : recipientList(r.sealed))}</td><td>${esc(explanation(r, input.reader))}</td></tr>`,
    )
    .join('');
  return `<h2>Restricted content</h2>
<p>This report shows what a reader with ${esc(describeReader(input.reader))} may see (DESIGN §11). Integrity is checked for every entry whatever the reader sees.</p>
${rows === '' ? '<p>None: the reader sees every field.</p>' : `<table id="restricted"><thead><tr><th>#</th><th>kind</th><th>marker</th><th>sealed to</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>`}`;
}

function missingList(missing: readonly Restriction[]): string {
  if (missing.length === 0) return '';
  return `<p>Not in this state (restricted to this reader):</p><ul id="state-restricted">${missing
    .map((r) => `<li>#${r.step} <code>${esc(r.kind)}</code> (${esc(when(r.time))}): ${badge(r)}</li>`)
    .join('')}</ul>`;
}

export function renderHtml(input: HtmlInput): string {
  const { report, at, state, known } = input;
  const byId = new Map(report.entries.map((e) => [e.id, e]));
  const restricted = new Map(input.restrictions.map((r) => [r.entry, r]));
  const rows = report.entries
    .map((e) => {
      const codes = report.findings
        .filter((f) => f.subject.entry === e.id)
        .map((f) => `${f.severity}: ${f.code}`);
      return `<tr${e.time > at ? ' class="muted"' : ''}><td>${e.step}</td><td>${esc(when(e.time))}</td><td>${esc(e.stage)}</td><td>${esc(e.org)}</td><td>${esc(e.operator?.name ?? '')} (${esc(e.role)})</td><td><code>${esc(e.kind)}</code></td><td>${esc(keyValues(e, 80))}${restricted.has(e.id) ? ` ${badge(restricted.get(e.id) as Restriction)}` : ''}</td><td>${esc([...new Set(codes)].join(', '))}${e.late === undefined ? '' : ` <b class="warning">late +${(e.late.lagMs / 3_600_000).toFixed(1)}h</b>`}</td></tr>`;
    })
    .join('');
  const parties = report.accountability.stages
    .flatMap((s) =>
      s.parties.map(
        (p) =>
          `<tr><td>${esc(s.stage)}</td><td>${esc(p.kind === 'lead' ? `lead (${p.party ?? ''})` : 'signer')}</td><td>${esc(p.name ?? '')}</td><td>${esc(p.licence ?? '')}</td><td>${esc(p.role)}</td><td>${esc(p.orgName ?? p.org)}</td><td>${p.entries.length}</td><td>${esc(p.note ?? '')}</td></tr>`,
      ),
    )
    .join('');
  const evidence = report.entries
    .map(
      (e) =>
        `<tr><td>${e.step}</td><td><code>${esc(e.id)}</code></td><td>${esc(e.org)}/${e.index}</td><td><code>${esc(input.leafHashes.get(e.id) ?? '')}</code></td><td>${e.attachments.map((a) => `${esc(a.name)}: <code>${esc(a.sha256)}</code>`).join('<br>')}</td></tr>`,
    )
    .join('');
  const list = (ids: readonly string[]) =>
    ids.length === 0
      ? 'none'
      : ids.map((id) => `#${byId.get(id)?.step} ${esc(byId.get(id)?.kind ?? id)}`).join(', ');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Incident replay: ${esc(report.object)}</title><style>${CSS}</style></head><body>
<h1>Incident replay: ${esc(report.object)}</h1>
<p><span class="verdict ${esc(report.verdict)}">${esc(report.verdict)}</span>
 ${report.summary.validEntries}/${report.summary.entries} entries valid · ${plural(report.summary.errors, 'error')} · ${plural(report.summary.warnings, 'warning')} ·
 profile ${esc(report.profile.id)}${report.profile.checked ? '' : ' (rules not checked)'} · network <code>${esc(report.network)}</code>${report.anchored ? '' : ' (not anchored)'} · as of ${esc(when(report.asOf))}</p>
<h2>Timeline</h2>${figure(report, at, restricted)}
<table><thead><tr><th>#</th><th>time (UTC)</th><th>stage</th><th>org</th><th>person (role)</th><th>kind</th><th>key values</th><th>findings</th></tr></thead><tbody>${rows}</tbody></table>
${restrictedSection(input)}
<h2>State at ${esc(when(at))}</h2><pre id="state">${esc(JSON.stringify(state, null, 2))}</pre>${missingList(input.missing)}
<h2>What was known at ${esc(when(at))}</h2>
<p>${known.claimed.length} entries claim a time by then; ${known.witnessed.length} had been witnessed.</p>
<p>Recorded only later (补录): ${list(known.recordedLater)}</p><p>Never witnessed: ${list(known.unwitnessed)}</p>
<h2>Responsible parties</h2>
<table><thead><tr><th>stage</th><th></th><th>name</th><th>licence</th><th>role</th><th>org</th><th>entries</th><th>note</th></tr></thead><tbody>${parties}</tbody></table>
<h2>Findings</h2>
${report.findings.length === 0 ? '<p>None.</p>' : `<table><thead><tr><th>severity</th><th>code</th><th>clause</th><th>concerns</th><th>explanation</th></tr></thead><tbody>${report.findings.map((f) => findingRow(f, byId)).join('')}</tbody></table>`}
<h2>Evidence hashes</h2>
<p>Entry id = SHA-256 of the entry bytes; leaf hash = SHA-256(0x00 ‖ envelope), the RFC 6962 leaf of the org log.</p>
<table><thead><tr><th>#</th><th>entry id</th><th>log position</th><th>leaf hash</th><th>attachments (SHA-256)</th></tr></thead><tbody>${evidence}</tbody></table>
</body></html>
`;
}
