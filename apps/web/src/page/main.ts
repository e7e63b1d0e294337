/**
 * The web inspector's page: find an object on the node that served the page (or open a bundle
 * file), verify it here, and show the result. State lives in one object; every change re-renders
 * the result from it and puts the keyboard focus back where it was.
 */
import { sha256, toHex } from '@liuhen/core';
import { byId, h } from './dom.ts';
import {
  anchorOf,
  candidateIds,
  fetchBlob,
  fetchBundle,
  type Judged,
  judge,
  LoadError,
  type Loaded,
  objectByAlias,
  readFileBundle,
} from './evidence.ts';
import { type Lang, STRINGS, type Strings } from './i18n.ts';
import {
  attachmentsView,
  findingsView,
  partiesView,
  replayView,
  sectionNav,
  timelineView,
  type ViewActions,
  type ViewState,
  verdictView,
  witnessView,
} from './views.ts';

const online = location.protocol === 'http:' || location.protocol === 'https:';
const node = online ? location.origin : '';

function storage(kind: 'local' | 'session'): Storage | undefined {
  try {
    return kind === 'local' ? localStorage : sessionStorage;
  } catch {
    // Storage is refused in some file:// and private contexts; the page works without it.
    return undefined;
  }
}

const initialLang = (): Lang => {
  const saved = storage('local')?.getItem('liuhen.lang');
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
};

const state: {
  lang: Lang;
  judged: Judged | undefined;
  selected: string | undefined;
  replayAt: number | undefined;
  fetched: Map<string, Uint8Array>;
  previews: Set<string>;
  /** The last load, so a change of trust anchor re-judges the same bytes. */
  loaded: { loaded: Loaded; object: string | undefined } | undefined;
} = {
  lang: initialLang(),
  judged: undefined,
  selected: undefined,
  replayAt: undefined,
  fetched: new Map(),
  previews: new Set(),
  loaded: undefined,
};

const t = (): Strings => STRINGS[state.lang];
/** The entry shown at the last render: a new one starts its detail panel at the top. */
let selectedBefore: string | undefined;

function say(text: string, kind: 'info' | 'error' = 'info'): void {
  const status = byId('status');
  status.textContent = text;
  status.className = `status ${kind}`;
}

const actions: ViewActions = {
  select(id, focus = false) {
    state.selected = id;
    render();
    const e = state.judged?.verification.report.entries.find((x) => x.id === id);
    if (focus && e !== undefined) {
      const button = document.getElementById(`entry-${e.step}`);
      button?.scrollIntoView({ block: 'nearest' });
      button?.focus();
    }
  },
  replay(at) {
    state.replayAt = at;
    render();
  },
  togglePreview(sha) {
    if (!state.previews.delete(sha)) state.previews.add(sha);
    render();
  },
  fetchAttachment(sha) {
    const token = byId<HTMLInputElement>('token').value.trim();
    fetchBlob(node, sha, token).then(
      (data) => {
        state.fetched.set(sha, data);
        render();
      },
      (error: Error) => say(t().failedToLoad(error.message), 'error'),
    );
  },
  saveBundle() {
    const judged = state.judged;
    if (judged === undefined) return;
    const name = `${judged.verification.report.object.replace(/[^A-Za-z0-9._-]+/g, '_')}.bundle`;
    const url = URL.createObjectURL(new Blob([judged.bytes as BlobPart], { type: 'application/cbor' }));
    const link = h('a', { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};

function render(): void {
  const strings = t();
  document.documentElement.lang = strings.htmlLang;
  document.title = strings.title;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n as keyof Strings;
    const value = strings[key];
    if (typeof value === 'string') el.textContent = value;
  }
  const lang = byId<HTMLButtonElement>('lang');
  lang.textContent = strings.switchTo;
  lang.lang = state.lang === 'en' ? 'zh-CN' : 'en';
  lang.setAttribute('aria-label', strings.switchLabel);

  const result = byId('result');
  const focused = document.activeElement?.id;
  const judged = state.judged;
  if (judged === undefined) {
    result.replaceChildren();
    return;
  }
  const v: ViewState = {
    t: strings,
    judged,
    selected: state.selected,
    replayAt: state.replayAt,
    fetched: state.fetched,
    previews: state.previews,
    online,
  };
  // Rebuilding the list would scroll it back to the top; keep where the person was.
  const listScroll = document.querySelector('ol.entries')?.scrollTop ?? 0;
  const detailScroll = document.getElementById('detail')?.scrollTop ?? 0;
  result.replaceChildren(
    verdictView(v, actions),
    sectionNav(strings),
    timelineView(v, actions),
    findingsView(v, actions),
    partiesView(v),
    witnessView(v, actions),
    attachmentsView(v, actions),
    replayView(v, actions),
  );
  const list = document.querySelector('ol.entries');
  if (list !== null) list.scrollTop = listScroll;
  const detail = document.getElementById('detail');
  if (detail !== null && state.selected === selectedBefore) detail.scrollTop = detailScroll;
  // The result was rebuilt: the control that had the focus gets it back.
  if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
  selectedBefore = state.selected;
}

function show(loaded: Loaded, object: string | undefined): void {
  state.loaded = { loaded, object };
  let anchor: ReturnType<typeof anchorOf>;
  try {
    anchor = anchorOf(byId<HTMLInputElement>('network').value);
  } catch {
    say(t().networkInvalid, 'error');
    byId('network').focus();
    return;
  }
  const judged = judge(loaded, anchor, object);
  state.judged = judged;
  state.selected = undefined;
  state.replayAt = undefined;
  state.fetched = new Map();
  state.previews = new Set();
  render();
  const r = judged.verification.report;
  say(
    `${t().verdict[r.verdict]}: ${r.object} — ${t().summary(r.summary.validEntries, r.summary.entries, r.summary.errors, r.summary.warnings)}`,
    r.verdict === 'failed' ? 'error' : 'info',
  );
  byId('verdict-title').setAttribute('tabindex', '-1');
  byId('verdict-title').focus();
}

/** Lets the browser paint the status line before the synchronous verification starts. */
const paint = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function find(query: string): Promise<void> {
  const token = byId<HTMLInputElement>('token').value.trim();
  const attachments = byId<HTMLInputElement>('with-attachments').checked;
  if (token === '') {
    say(t().needToken, 'error');
    byId('token').focus();
    return;
  }
  storage('session')?.setItem('liuhen.token', token);
  say(t().resolving(query));
  let loaded: Loaded | undefined;
  let object: string | undefined;
  for (const id of candidateIds(query)) {
    say(t().downloading(id));
    loaded = await fetchBundle(node, id, token, attachments);
    if (loaded !== undefined) {
      object = id;
      break;
    }
  }
  if (loaded === undefined) {
    const aliased = await objectByAlias(node, query.trim(), token);
    if (aliased !== undefined) {
      say(t().downloading(aliased));
      loaded = await fetchBundle(node, aliased, token, attachments);
      object = aliased;
    }
  }
  if (loaded === undefined) {
    say(t().notFound(query), 'error');
    return;
  }
  say(t().verifying(loaded.bundle.logs.reduce((n, l) => n + l.entries.length, 0)));
  await paint();
  show(loaded, object);
}

async function open(file: File): Promise<void> {
  say(t().reading(file.name));
  const bytes = new Uint8Array(await file.arrayBuffer());
  const loaded = readFileBundle(`${file.name} (${toHex(sha256(bytes)).slice(0, 12)}…)`, bytes);
  say(t().verifying(loaded.bundle.logs.reduce((n, l) => n + l.entries.length, 0)));
  await paint();
  show(loaded, undefined);
}

function failed(error: unknown): void {
  const message = error instanceof LoadError ? `${error.code}: ${error.message}` : (error as Error).message;
  say(t().failedToLoad(message), 'error');
}

function start(): void {
  const network = byId<HTMLInputElement>('network');
  network.value = storage('local')?.getItem('liuhen.network') ?? '';
  network.addEventListener('change', () => {
    storage('local')?.setItem('liuhen.network', network.value.trim());
    // The anchor changed: judge the same bytes again against it.
    if (state.loaded !== undefined) show(state.loaded.loaded, state.loaded.object);
  });
  byId<HTMLInputElement>('token').value = storage('session')?.getItem('liuhen.token') ?? '';

  if (!online) {
    // Opened from disk: there is no node to ask, only files to open.
    byId('find').hidden = true;
    byId('offline-note').hidden = false;
    byId('open').before(byId('offline-note'));
  }
  byId('lang').addEventListener('click', () => {
    state.lang = state.lang === 'en' ? 'zh' : 'en';
    storage('local')?.setItem('liuhen.lang', state.lang);
    render();
  });
  byId('find-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const query = byId<HTMLInputElement>('object').value.trim();
    if (query === '') {
      byId('object').focus();
      return;
    }
    find(query).catch(failed);
  });
  const file = byId<HTMLInputElement>('file');
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen !== undefined) open(chosen).catch(failed);
  });
  const drop = byId('open');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const dropped = event.dataTransfer?.files[0];
    if (dropped !== undefined) open(dropped).catch(failed);
  });
  const query = new URLSearchParams(location.search).get('object');
  if (query !== null) byId<HTMLInputElement>('object').value = query;
  render();
  document.body.dataset.ready = 'true';
}

start();
