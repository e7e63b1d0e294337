/**
 * The result views: the verdict, the timeline (lane figure, entry list with a badge on each
 * entry, the chosen entry's evidence), findings, responsible parties, witness coverage,
 * attachments and replay. Each is a function of the verified report and the page state; the page
 * re-renders them whole on every change, which at a few hundred entries costs less than a frame.
 */
import { type CborValue, cborToJson, type EntryView, type JsonValue, sha256, toHex } from '@liuhen/core';
import { explainRule, type Finding, type ReportEntry, type TraceReport } from '@liuhen/trace';
import { type Child, h, s } from './dom.ts';
import type { Judged } from './evidence.ts';
import type { Strings } from './i18n.ts';
import { isRestricted, restrictedMark, sealedPanel, withheldNote } from './restricted.ts';

export interface ViewState {
  readonly t: Strings;
  readonly judged: Judged;
  readonly selected: string | undefined;
  readonly replayAt: number | undefined;
  /** Attachments fetched from the node after the bundle (hex SHA-256 → bytes). */
  readonly fetched: ReadonlyMap<string, Uint8Array>;
  readonly previews: ReadonlySet<string>;
  /** True when the page was served by a node (so it can fetch attachments from it). */
  readonly online: boolean;
}

export interface ViewActions {
  select(id: string, focus?: boolean): void;
  replay(at: number): void;
  togglePreview(sha: string): void;
  fetchAttachment(sha: string): void;
  saveBundle(): void;
}

export type EntryStatus = 'ok' | 'warn' | 'fail';

const ICON: Record<EntryStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

/** `2026-11-23 19:35 GMT+8` in the browser's zone: one unambiguous form for both languages. */
export function formatTime(ms: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

const short = (hex: string) => `${hex.slice(0, 12)}…`;

function findingsOf(report: TraceReport, id: string): Finding[] {
  return report.findings.filter((f) => f.subject.entry === id);
}

export function statusOf(report: TraceReport, e: ReportEntry): EntryStatus {
  const about = findingsOf(report, e.id);
  if (!e.valid || about.some((f) => f.severity === 'error')) return 'fail';
  return about.some((f) => f.severity === 'warning') ? 'warn' : 'ok';
}

/**
 * The entry's key values: the profile's summary, else its first scalar body fields — of the body
 * as the page may show it; where plain fields are withheld the summary (made from them) is not used.
 */
export function keyValues(e: ReportEntry, view?: EntryView): string {
  const withheld = view !== undefined && view.withheld.length > 0;
  if (e.summary !== undefined && !withheld) return e.summary;
  const body = (withheld ? cborToJson(view.body as CborValue) : e.body) as { [key: string]: JsonValue };
  if (typeof body !== 'object' || body === null) return '';
  return Object.entries(body)
    .filter(([, v]) => v === null || typeof v !== 'object')
    .slice(0, 4)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

function person(e: ReportEntry): string {
  return e.operator?.name ?? short(e.signer);
}

export function verdictView(v: ViewState, actions: ViewActions): HTMLElement {
  const { t, judged } = v;
  const r = judged.verification.report;
  const icon = r.verdict === 'failed' ? '✗' : r.verdict === 'verified' ? '✓' : '!';
  return h(
    'section',
    { id: 'verdict', class: `card verdict verdict-${r.verdict}`, 'aria-labelledby': 'verdict-title' },
    h(
      'h2',
      { id: 'verdict-title', 'data-verdict': r.verdict },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, icon),
      ' ',
      t.verdict[r.verdict] ?? r.verdict,
    ),
    h('p', { class: 'object' }, r.object),
    h(
      'p',
      { id: 'verdict-summary' },
      t.summary(r.summary.validEntries, r.summary.entries, r.summary.errors, r.summary.warnings),
    ),
    h('p', { class: r.anchored ? 'anchor ok' : 'anchor warn' }, r.anchored ? t.anchored : t.unanchored),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t.network),
      h('dd', { class: 'hex' }, r.network),
      h('dt', {}, t.profile),
      h('dd', {}, r.profile.id, r.profile.checked ? '' : ` (${t.profileUnchecked})`),
      h('dt', {}, t.asOf),
      h('dd', {}, formatTime(r.asOf)),
      h('dt', {}, t.source),
      h('dd', {}, judged.source, ` · ${t.bytes(judged.bytes.length)}`),
      h('dt', {}, t.bundleHash),
      h('dd', { class: 'hex' }, judged.bundleHash),
    ),
    h('p', { class: 'note' }, t.verifiedIn(judged.millis)),
    h('button', { type: 'button', id: 'save-bundle', onclick: () => actions.saveBundle() }, t.saveBundle),
  );
}

export function sectionNav(t: Strings): HTMLElement {
  const ids = Object.keys(t.sections) as (keyof Strings['sections'])[];
  return h(
    'nav',
    { class: 'sections', 'aria-label': t.sections.timeline },
    h(
      'ul',
      {},
      ids.map((id) => h('li', {}, h('a', { href: `#sec-${id}` }, t.sections[id]))),
    ),
  );
}

function laneFigure(v: ViewState, actions: ViewActions): SVGSVGElement {
  const r = v.judged.verification.report;
  const lanes = [...new Set(r.entries.map((e) => e.stage))];
  const step = 22;
  const left = 150;
  const laneHeight = 30;
  const width = left + Math.max(1, r.entries.length) * step + 20;
  const height = lanes.length * laneHeight + 26;
  const at = v.replayAt;
  const children: Child[] = lanes.map((lane, i) => [
    s('rect', {
      x: 0,
      y: i * laneHeight,
      width,
      height: laneHeight,
      class: i % 2 === 0 ? 'lane-bg even' : 'lane-bg',
    }),
    s('text', { x: 8, y: i * laneHeight + 19, class: 'lane-label' }, lane),
  ]);
  r.entries.forEach((e, i) => {
    const status = statusOf(r, e);
    const x = left + i * step + step / 2;
    const y = lanes.indexOf(e.stage) * laneHeight + laneHeight / 2;
    const future = at !== undefined && e.time > at;
    const shape =
      status === 'fail'
        ? s('path', { d: `M${x - 6},${y - 6}L${x + 6},${y + 6}M${x + 6},${y - 6}L${x - 6},${y + 6}` })
        : status === 'warn'
          ? s('path', { d: `M${x},${y - 7}L${x + 7},${y + 6}L${x - 7},${y + 6}Z` })
          : s('circle', { cx: x, cy: y, r: 6 });
    children.push(
      s(
        'g',
        {
          class: `dot ${status}${future ? ' future' : ''}${v.selected === e.id ? ' selected' : ''}`,
          'data-step': e.step,
          onclick: () => actions.select(e.id, true),
        },
        s('title', {}, `#${e.step} ${e.kind} — ${person(e)} (${e.role})`),
        shape,
      ),
    );
  });
  if (at !== undefined) {
    const before = r.entries.filter((e) => e.time <= at).length;
    const x = left + before * step;
    children.push(
      s('line', { x1: x, x2: x, y1: 0, y2: height - 20, class: 'cursor' }),
      s('text', { x: x + 3, y: height - 6, class: 'cursor-label' }, `T = ${formatTime(at)}`),
    );
  }
  return s(
    'svg',
    {
      class: 'lanes',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': v.t.figureLabel(r.entries.length, lanes.length),
    },
    children,
  );
}

function entryButton(v: ViewState, e: ReportEntry, index: number, actions: ViewActions): HTMLElement {
  const { t } = v;
  const r = v.judged.verification.report;
  const status = statusOf(r, e);
  const codes = [
    ...new Set(
      findingsOf(r, e.id)
        .filter((f) => f.severity !== 'info')
        .map((f) => f.code),
    ),
  ];
  const future = v.replayAt !== undefined && e.time > v.replayAt;
  const selected = v.selected === e.id || (v.selected === undefined && index === 0);
  const view = v.judged.views.get(e.id);
  return h(
    'li',
    { class: future ? 'future' : undefined },
    h(
      'button',
      {
        type: 'button',
        class: `entry ${status}`,
        id: `entry-${e.step}`,
        'data-step': e.step,
        'data-status': status,
        'aria-current': v.selected === e.id ? 'true' : undefined,
        tabindex: selected ? 0 : -1,
        onclick: () => actions.select(e.id),
      },
      h('span', { class: 'step' }, `#${e.step}`),
      h('span', { class: 'time' }, formatTime(e.time)),
      h('span', { class: 'lane' }, e.stage),
      h('span', { class: 'kind' }, e.kind),
      h('span', { class: 'who' }, `${person(e)} · ${e.role} · ${e.org}`),
      h('span', { class: 'values' }, keyValues(e, view), restrictedMark(t, view)),
      h(
        'span',
        { class: `badge ${status}` },
        h('span', { 'aria-hidden': 'true' }, `${ICON[status]} `),
        status === 'fail' ? t.badge.fail : status === 'warn' ? t.badge.warn : t.badge.ok,
      ),
      codes.length > 0 ? h('span', { class: `codes ${status}` }, codes.join(' ')) : null,
      e.late !== undefined
        ? h('span', { class: 'late' }, t.late((e.late.lagMs / 3_600_000).toFixed(1)))
        : null,
      future ? h('span', { class: 'badge future' }, t.badge.future) : null,
    ),
  );
}

function onListKey(event: KeyboardEvent): void {
  const list = event.currentTarget as HTMLElement;
  const buttons = [...list.querySelectorAll<HTMLButtonElement>('button.entry')];
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (at < 0) return;
  const next =
    event.key === 'ArrowDown' || event.key === 'ArrowRight'
      ? Math.min(at + 1, buttons.length - 1)
      : event.key === 'ArrowUp' || event.key === 'ArrowLeft'
        ? Math.max(at - 1, 0)
        : event.key === 'Home'
          ? 0
          : event.key === 'End'
            ? buttons.length - 1
            : undefined;
  if (next === undefined) return;
  event.preventDefault();
  // A roving tab stop: Tab leaves the list in one step, the arrows move within it.
  for (const [i, b] of buttons.entries()) b.tabIndex = i === next ? 0 : -1;
  buttons[next]?.focus();
}

function detailView(v: ViewState, actions: ViewActions): HTMLElement {
  const { t } = v;
  const r = v.judged.verification.report;
  const e = r.entries.find((x) => x.id === v.selected);
  if (e === undefined) {
    return h(
      'section',
      { id: 'detail', class: 'detail', 'aria-label': t.detailEmpty },
      h('p', {}, t.detailEmpty),
    );
  }
  const byId = new Map(r.entries.map((x) => [x.id, x]));
  const link = (id: string) => {
    const target = byId.get(id);
    return target === undefined
      ? h('code', {}, short(id))
      : h(
          'button',
          { type: 'button', class: 'link', onclick: () => actions.select(id, true) },
          `#${target.step} ${target.kind}`,
        );
  };
  const about = findingsOf(r, e.id);
  const view = v.judged.views.get(e.id);
  const row = (label: string, ...value: Child[]) => [h('dt', {}, label), h('dd', {}, ...value)];
  return h(
    'section',
    { id: 'detail', class: 'detail', 'aria-labelledby': 'detail-title', tabindex: -1 },
    h('h3', { id: 'detail-title' }, t.detailHeading(e.step, e.kind)),
    h(
      'dl',
      { class: 'facts' },
      row(t.field.id, h('span', { class: 'hex' }, e.id)),
      row(t.field.log, `${e.org} / ${e.index}`),
      row(t.field.stage, e.stage),
      row(t.field.time, formatTime(e.time)),
      row(t.field.loggedAt, e.loggedAt === undefined ? t.never : formatTime(e.loggedAt)),
      row(t.field.firstWitnessed, e.firstWitnessed === undefined ? t.never : formatTime(e.firstWitnessed)),
      row(t.field.witnesses, e.witnesses.join(', ') || t.none),
      row(t.field.signer, e.operator?.name ?? '', ' ', h('span', { class: 'hex' }, e.signer)),
      row(t.field.role, e.role),
      e.operator === undefined ? null : row(t.field.licence, e.operator.licence),
      row(t.field.classification, e.classification),
      row(
        t.field.parents,
        e.parents.length === 0
          ? t.none
          : h(
              'ul',
              { class: 'plain' },
              e.parents.map((p) => h('li', {}, link(p))),
            ),
      ),
      row(
        t.field.refs,
        e.refs.length === 0
          ? t.none
          : h(
              'ul',
              { class: 'plain' },
              e.refs.map((ref) =>
                h(
                  'li',
                  {},
                  ref.rel === undefined ? '' : `${ref.rel}: `,
                  ref.entry === undefined ? (ref.object ?? '') : link(ref.entry),
                ),
              ),
            ),
      ),
    ),
    h('h4', {}, t.field.findings),
    about.length === 0
      ? h('p', {}, t.none)
      : h(
          'ul',
          { class: 'findings-here' },
          about.map((f) =>
            h(
              'li',
              { class: `sev-${f.severity}`, 'data-code': f.code },
              h('strong', {}, `${t.severity[f.severity]} ${f.code}`),
              ` [${f.clause}] `,
              f.message,
            ),
          ),
        ),
    h('h4', {}, t.field.body),
    h(
      'pre',
      { class: 'json' },
      JSON.stringify(view === undefined ? e.body : cborToJson(view.body as CborValue), null, 2),
    ),
    view === undefined ? null : withheldNote(t, view),
    view === undefined ? null : sealedPanel(t, view),
  );
}

export function timelineView(v: ViewState, actions: ViewActions): HTMLElement {
  const { t } = v;
  const r = v.judged.verification.report;
  return h(
    'section',
    { id: 'sec-timeline', class: 'card', 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, t.sections.timeline),
    // Focusable so a keyboard can scroll the figure when it is wider than the screen.
    h(
      'div',
      { class: 'figure-scroll', tabindex: 0, role: 'region', 'aria-label': t.sections.timeline },
      laneFigure(v, actions),
    ),
    h('p', { class: 'hint' }, t.figureLegend),
    h('p', { class: 'hint', id: 'list-hint' }, t.listHint),
    h(
      'div',
      { class: 'timeline' },
      h(
        'ol',
        {
          class: 'entries',
          'aria-label': t.sections.timeline,
          'aria-describedby': 'list-hint',
          onkeydown: onListKey,
        },
        r.entries.map((e, i) => entryButton(v, e, i, actions)),
      ),
      detailView(v, actions),
    ),
  );
}

function aboutView(v: ViewState, f: Finding, actions: ViewActions): Child {
  const r = v.judged.verification.report;
  const e = f.subject.entry === undefined ? undefined : r.entries.find((x) => x.id === f.subject.entry);
  const parts: string[] = [f.subject.part];
  if (f.subject.org !== undefined) {
    parts.push(f.subject.index === undefined ? f.subject.org : `${f.subject.org}/${f.subject.index}`);
  }
  if (f.subject.checkpoint !== undefined) parts.push(`checkpoint ${f.subject.checkpoint}`);
  if (f.subject.witness !== undefined) parts.push(`witness ${f.subject.witness}`);
  if (f.subject.seq !== undefined) parts.push(`action ${f.subject.seq}`);
  return [
    e === undefined
      ? null
      : h(
          'button',
          { type: 'button', class: 'link', onclick: () => actions.select(e.id, true) },
          `#${e.step} ${e.kind}`,
        ),
    e === undefined ? null : h('br', {}),
    h('span', { class: 'muted' }, parts.join(' · ')),
  ];
}

export function findingsView(v: ViewState, actions: ViewActions): HTMLElement {
  const { t } = v;
  const r = v.judged.verification.report;
  // One group per rule, in the report's order (errors first): thirty identical warnings read as
  // one rule with thirty places, and an error is never buried under them.
  const groups = new Map<string, Finding[]>();
  for (const f of r.findings) groups.set(f.code, [...(groups.get(f.code) ?? []), f]);
  return h(
    'section',
    { id: 'sec-findings', class: 'card', 'aria-labelledby': 'findings-title' },
    h('h2', { id: 'findings-title' }, `${t.sections.findings} (${r.findings.length})`),
    r.findings.length === 0
      ? h('p', {}, t.noFindings)
      : [...groups].map(([code, group]) => {
          const first = group[0] as Finding;
          const rule = explainRule(code, v.judged.profile);
          return h(
            'details',
            {
              class: `finding-group sev-${first.severity}`,
              'data-code': code,
              open: first.severity === 'error',
            },
            h(
              'summary',
              {},
              h('span', { class: 'sev' }, t.severity[first.severity]),
              ' ',
              h('code', {}, code),
              ` ×${group.length} · ${first.clause}${rule === undefined ? '' : ` · ${rule.title}`}`,
            ),
            rule === undefined ? null : h('p', { class: 'explain' }, rule.explanation),
            h(
              'div',
              { class: 'table-scroll' },
              h(
                'table',
                { class: 'findings' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    [t.col.about, t.col.message].map((c) => h('th', { scope: 'col' }, c)),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  group.map((f) =>
                    h(
                      'tr',
                      { class: `sev-${f.severity}`, 'data-code': f.code },
                      h('td', {}, aboutView(v, f, actions)),
                      h('td', {}, f.message),
                    ),
                  ),
                ),
              ),
            ),
          );
        }),
  );
}

export function partiesView(v: ViewState): HTMLElement {
  const { t } = v;
  const r = v.judged.verification.report;
  return h(
    'section',
    { id: 'sec-parties', class: 'card', 'aria-labelledby': 'parties-title' },
    h('h2', { id: 'parties-title' }, t.sections.parties),
    r.accountability.stages.length === 0
      ? h('p', {}, t.none)
      : h(
          'div',
          { class: 'stages' },
          r.accountability.stages.map((stage) =>
            h(
              'section',
              { class: 'stage', 'aria-label': stage.stage },
              h('h3', {}, stage.stage),
              stage.parties.length === 0 ? h('p', { class: 'muted' }, t.none) : null,
              h(
                'ul',
                {},
                stage.parties.map((p) =>
                  h(
                    'li',
                    {},
                    h('strong', {}, p.name ?? (p.signer === '' ? t.notAppointed : short(p.signer))),
                    ` (${p.role}${p.licence === undefined ? '' : `, ${p.licence}`})`,
                    h('br', {}),
                    h(
                      'span',
                      { class: 'muted' },
                      `${p.orgName ?? p.org ?? p.party ?? ''} — `,
                      p.kind === 'lead' ? t.lead(p.party ?? p.org) : t.signedEntries(p.entries.length),
                      ' · ',
                      p.first === p.last
                        ? formatTime(p.first)
                        : `${formatTime(p.first)} – ${formatTime(p.last)}`,
                    ),
                    p.note === undefined ? null : h('span', { class: 'note warn' }, ` ${p.note}`),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
}

export function witnessView(v: ViewState, actions: ViewActions): HTMLElement {
  const { t } = v;
  const r = v.judged.verification.report;
  const byId = new Map(r.entries.map((e) => [e.id, e]));
  const entryLink = (id: string) => {
    const e = byId.get(id);
    return e === undefined
      ? h('code', {}, short(id))
      : h(
          'button',
          { type: 'button', class: 'link', onclick: () => actions.select(e.id, true) },
          `#${e.step} ${e.kind}`,
        );
  };
  const gaps = r.gaps;
  return h(
    'section',
    { id: 'sec-witnesses', class: 'card', 'aria-labelledby': 'witnesses-title' },
    h('h2', { id: 'witnesses-title' }, t.sections.witnesses),
    h('p', { id: 'coverage' }, t.coverage(r.witnessing.covered, r.witnessing.total)),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [t.col.org, t.col.policy, t.col.cosigned].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          r.witnessing.logs.map((log) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, log.org),
              h('td', {}, t.policy(log.threshold, log.eligible.length)),
              h(
                'td',
                {},
                log.cosigned.map((c) => t.cosignedBy(c.witness, c.checkpoints)).join(', ') || t.nobody,
              ),
            ),
          ),
        ),
      ),
    ),
    h('h3', {}, t.lateHeading),
    r.lateRecordings.length === 0
      ? h('p', {}, t.none)
      : h(
          'ul',
          {},
          r.lateRecordings.map((late) =>
            h('li', {}, entryLink(late.entry), ` ${t.late((late.lagMs / 3_600_000).toFixed(1))}`),
          ),
        ),
    h('h3', {}, t.gapsHeading),
    gaps.attachments.length + gaps.cosignatures.length + gaps.citedEntries.length === 0
      ? h('p', {}, t.none)
      : h(
          'ul',
          {},
          gaps.attachments.map((a) =>
            h('li', {}, entryLink(a.entry), ` ${a.name} (${a.type}, ${t.bytes(a.size)}): ${t.notInBundle}`),
          ),
          gaps.cosignatures.map((c) =>
            h(
              'li',
              {},
              entryLink(c.entry),
              ` ${t.missingCosig(c.have.length, c.threshold, c.missing.join(', '))}`,
            ),
          ),
          gaps.citedEntries.map((c) => h('li', {}, entryLink(c.entry), ` ${t.citesMissing(short(c.cites))}`)),
        ),
  );
}

/** What the page knows of an attachment's bytes: from the bundle or fetched, and whether they match. */
function attachmentCheck(
  v: ViewState,
  a: ReportEntry['attachments'][number],
): { data?: Uint8Array; ok?: boolean } {
  const data = v.judged.attachments.get(a.sha256) ?? v.fetched.get(a.sha256);
  if (data === undefined) return {};
  return { data, ok: data.length === a.size && toHex(sha256(data)) === a.sha256 };
}

const urls = new Map<string, string>();

/** One object URL per attachment for the page's life: previews and downloads share it. */
function objectUrl(sha: string, data: Uint8Array, type: string): string {
  let url = urls.get(sha);
  if (url === undefined) {
    url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
    urls.set(sha, url);
  }
  return url;
}

export function attachmentsView(v: ViewState, actions: ViewActions): HTMLElement {
  const { t } = v;
  const r = v.judged.verification.report;
  const rows = r.entries.flatMap((e) => e.attachments.map((a) => ({ e, a })));
  return h(
    'section',
    { id: 'sec-attachments', class: 'card', 'aria-labelledby': 'attachments-title' },
    h('h2', { id: 'attachments-title' }, `${t.sections.attachments} (${rows.length})`),
    rows.length === 0
      ? h('p', {}, t.noAttachments)
      : h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'attachments' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [t.col.entry, t.col.name, t.col.type, t.col.size, t.col.hash, t.col.check, t.col.actions].map(
                  (c) => h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              rows.map(({ e, a }) => {
                const check = attachmentCheck(v, a);
                const image = a.type.startsWith('image/');
                const preview = v.previews.has(a.sha256) && check.data !== undefined && check.ok === true;
                return [
                  h(
                    'tr',
                    { 'data-sha256': a.sha256 },
                    h(
                      'td',
                      {},
                      h(
                        'button',
                        { type: 'button', class: 'link', onclick: () => actions.select(e.id, true) },
                        `#${e.step} ${e.kind}`,
                      ),
                    ),
                    h('td', {}, a.name),
                    h('td', {}, a.type),
                    h('td', {}, t.bytes(a.size)),
                    h('td', { class: 'hex', title: a.sha256 }, short(a.sha256)),
                    h(
                      'td',
                      { class: `check ${check.ok === undefined ? 'absent' : check.ok ? 'ok' : 'fail'}` },
                      check.ok === undefined
                        ? t.notInBundle
                        : [
                            h('span', { 'aria-hidden': 'true' }, check.ok ? '✓ ' : '✗ '),
                            check.ok ? t.hashOk : t.hashBad,
                          ],
                    ),
                    h(
                      'td',
                      {},
                      h(
                        'div',
                        { class: 'actions' },
                        check.data !== undefined && check.ok === true && image
                          ? h(
                              'button',
                              {
                                type: 'button',
                                'aria-expanded': preview ? 'true' : 'false',
                                onclick: () => actions.togglePreview(a.sha256),
                              },
                              preview ? t.hide : t.view,
                            )
                          : null,
                        check.data !== undefined
                          ? h(
                              'a',
                              {
                                class: 'button',
                                href: objectUrl(a.sha256, check.data, a.type),
                                download: a.name,
                              },
                              t.download,
                            )
                          : null,
                        check.data === undefined && v.online
                          ? h(
                              'button',
                              { type: 'button', onclick: () => actions.fetchAttachment(a.sha256) },
                              t.fetchFromNode,
                            )
                          : null,
                      ),
                    ),
                  ),
                  preview && check.data !== undefined
                    ? h(
                        'tr',
                        { class: 'preview' },
                        h(
                          'td',
                          { colspan: 7 },
                          h(
                            'figure',
                            {},
                            h('img', {
                              src: objectUrl(a.sha256, check.data, a.type),
                              alt: `${a.name} (#${e.step} ${e.kind})`,
                            }),
                            h('figcaption', {}, `${a.name} · sha256 ${a.sha256}`),
                          ),
                        ),
                      )
                    : null,
                ];
              }),
            ),
          ),
        ),
  );
}

/** `datetime-local` text for `ms` in the browser's time zone. */
export function localInput(ms: number): string {
  const local = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function replayView(v: ViewState, actions: ViewActions): HTMLElement {
  const { t, judged } = v;
  const r = judged.verification.report;
  const first = r.entries[0]?.time ?? r.asOf;
  const at = v.replayAt;
  const byId = new Map(r.entries.map((e) => [e.id, e]));
  const list = (ids: readonly string[]) =>
    h(
      'ul',
      {},
      ids.map((id) => {
        const e = byId.get(id);
        return h(
          'li',
          {},
          e === undefined
            ? short(id)
            : h(
                'button',
                { type: 'button', class: 'link', onclick: () => actions.select(e.id, true) },
                `#${e.step} ${e.kind}`,
              ),
          e === undefined
            ? ''
            : ` (${formatTime(e.time)}${e.firstWitnessed === undefined ? '' : ` → ${formatTime(e.firstWitnessed)}`})`,
        );
      }),
    );
  const timeInput = h('input', {
    id: 'replay-time',
    type: 'datetime-local',
    value: localInput(at ?? r.asOf),
    min: localInput(first),
    'aria-describedby': 'replay-hint',
  });
  const error = h('p', { id: 'replay-error', class: 'error', role: 'alert' });
  const stepValue = at === undefined ? r.entries.length : r.entries.filter((e) => e.time <= at).length;
  const stepInput = h('input', {
    id: 'replay-step',
    type: 'range',
    min: 0,
    max: r.entries.length,
    value: stepValue,
    'aria-valuetext': `${stepValue} / ${r.entries.length}`,
    // "change", not "input": the page re-renders on each replay, which would end a mouse drag.
    onchange: (event: Event) => {
      const n = Number((event.target as HTMLInputElement).value);
      const e = r.entries[n - 1];
      // Step n: the moment entry n claims (step 0: just before the first entry).
      actions.replay(e === undefined ? first - 60_000 : e.time);
    },
  });
  const results: Child[] =
    at === undefined
      ? []
      : (() => {
          const { steps, state } = judged.replay.stateAt(at);
          const known = judged.replay.knownAt(at);
          // The state is folded from what the page may see: say which entries it lacks content of.
          const restrictedInState = r.entries.flatMap((e) => {
            const view = judged.views.get(e.id);
            return e.time <= at && isRestricted(view) ? [{ e, view }] : [];
          });
          return [
            h('p', { id: 'replay-summary' }, t.replayAt(formatTime(at), steps, r.entries.length)),
            h('p', { id: 'replay-known' }, t.known(known.witnessed.length)),
            known.recordedLater.length === 0
              ? null
              : [h('h3', {}, t.recordedLater), list(known.recordedLater)],
            known.unwitnessed.length === 0 ? null : [h('h3', {}, t.unwitnessed), list(known.unwitnessed)],
            h(
              'details',
              { open: true },
              h('summary', {}, t.stateHeading),
              h('pre', { class: 'json', id: 'replay-state' }, JSON.stringify(state, null, 2)),
            ),
            restrictedInState.length === 0
              ? null
              : [
                  h('h3', {}, t.restricted.notInState),
                  h(
                    'ul',
                    { id: 'replay-restricted' },
                    restrictedInState.map(({ e, view }) =>
                      h(
                        'li',
                        {},
                        h(
                          'button',
                          { type: 'button', class: 'link', onclick: () => actions.select(e.id, true) },
                          `#${e.step} ${e.kind}`,
                        ),
                        ' ',
                        restrictedMark(t, view),
                      ),
                    ),
                  ),
                ],
          ];
        })();
  return h(
    'section',
    { id: 'sec-replay', class: 'card', 'aria-labelledby': 'replay-title' },
    h('h2', { id: 'replay-title' }, t.sections.replay),
    h('p', { id: 'replay-hint', class: 'hint' }, t.replayHint),
    h(
      'form',
      {
        class: 'replay-form',
        novalidate: true,
        onsubmit: (event: Event) => {
          event.preventDefault();
          const ms = timeInput.value === '' ? Number.NaN : new Date(timeInput.value).getTime();
          if (!Number.isFinite(ms)) {
            error.textContent = t.replayInvalid;
            return;
          }
          actions.replay(ms);
        },
      },
      h('div', {}, h('label', { for: 'replay-time' }, t.replayTime), timeInput),
      h('div', {}, h('label', { for: 'replay-step' }, t.replayStep), stepInput),
      h('button', { type: 'submit', id: 'replay-apply', class: 'primary' }, t.replayApply),
    ),
    error,
    h('div', { id: 'replay-results', 'aria-live': 'polite' }, results),
  );
}
