/**
 * The web inspector in real Chromium (Debian's package, driven by playwright-core) against a real
 * node: the page the node serves at `/` finds a segment by its alias, downloads its bundle and
 * verifies it in the browser — its verdict and per-entry badges must equal what @liuhen/trace
 * computes here in Node from the same bytes. A tampered bundle opened from disk (in the offline
 * build, opened as a file) fails on exactly the entry that was altered; a node that serves
 * altered bytes is caught the same way; replay goes to a chosen time; the page is driven by
 * keyboard alone and switches language; it fits a tablet. Screenshots go to
 * apps/web/test-artifacts for a person to look at.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fromHex } from '@liuhen/core';
import { pipeProfile } from '@liuhen/profile-pipe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebPage, WEB_PAGE } from '../apps/web/src/build.ts';
import {
  ARTIFACTS,
  type Browser,
  type BrowserContext,
  launchChromium,
  type Page,
} from '../apps/web/test/browser.ts';
import { type FedNode, feedNode } from '../apps/web/test/feed.ts';
import {
  decodeBundle,
  encodeBundle,
  hooksFromProfile,
  Replay,
  type TraceReport,
  verifyBundle,
} from '../packages/trace/src/index.ts';
import { removeDir, stopAll } from '../scripts/lib/node-process.ts';

const profile = hooksFromProfile(pipeProfile);
const SHANGHAI = 8 * 3_600_000;
let fed: FedNode;
let browser: Browser;
let dir: string;
let clean: Uint8Array;
let report: TraceReport;
let replay: Replay;
/** The tampered file and the causal step of the entry whose signature was altered. */
let tampered: { file: string; step: number; failing: number[] };

const verify = (bytes: Uint8Array) =>
  verifyBundle(decodeBundle(bytes), {
    object: fed.segment,
    anchor: { networkId: fromHex(fed.network) },
    profile,
  });

/** A fresh context per test (no shared storage), in the time zone the records were made in. */
async function open(
  url: string,
  options: { viewport?: { width: number; height: number }; touch?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; requests: string[]; problems: string[] }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1366, height: 1000 },
    timezoneId: 'Asia/Shanghai',
    locale: 'en-GB',
    hasTouch: options.touch ?? false,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // A CSP violation or a failed script is a console error: none is acceptable.
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return { context, page, requests, problems };
}

async function findOnNode(page: Page, query: string): Promise<void> {
  await page.fill('#network', fed.network);
  await page.fill('#token', fed.readToken);
  await page.fill('#object', query);
  await page.click('#verify');
  await page.waitForSelector('#verdict-title[data-verdict]', { timeout: 60_000 });
}

/** Steps of the entries the page marks with a status, as rendered. */
const stepsWith = (page: Page, status: string) =>
  page.$$eval(`button.entry[data-status="${status}"]`, (els) => els.map((e) => Number(e.dataset.step)));

beforeAll(async () => {
  const built = await buildWebPage();
  expect(built.path).toBe(WEB_PAGE);
  fed = await feedNode();
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'liuhen-web-files-'));
  const response = await fetch(
    new URL(`/v1/objects/${encodeURIComponent(fed.segment)}/bundle?attachments=1`, fed.node.url),
    { headers: { authorization: `Bearer ${fed.readToken}` } },
  );
  clean = new Uint8Array(await response.arrayBuffer());
  const verified = verify(clean);
  report = verified.report;
  replay = new Replay(verified, profile);
  writeFileSync(join(dir, 'clean.bundle'), clean);

  // Alter the signature (last byte of the envelope) of the segment's first joint record.
  const victim = report.entries.find((e) => e.kind === 'construction.joint-made');
  if (victim === undefined) throw new Error('the fed segment has no joint record');
  const bundle = decodeBundle(clean);
  for (const log of bundle.logs) {
    const entry = log.entries.find((x) => x.index === victim.index && log.org === victim.org);
    if (entry === undefined) continue;
    const envelope = entry.envelope.slice();
    envelope[envelope.length - 1] = (envelope[envelope.length - 1] as number) ^ 0x01;
    (entry as { envelope: Uint8Array }).envelope = envelope;
  }
  const bytes = encodeBundle(bundle);
  // Failing as the page marks it: invalid, or the subject of an error.
  const after = verify(bytes).report;
  const failing = after.entries
    .filter((e) => !e.valid || after.findings.some((f) => f.subject.entry === e.id && f.severity === 'error'))
    .map((e) => e.step);
  tampered = { file: join(dir, 'tampered.bundle'), step: victim.step, failing };
  writeFileSync(tampered.file, bytes);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await fed?.node.stop('SIGTERM');
  await stopAll();
  if (fed) removeDir(fed.dir);
  if (dir) removeDir(dir);
});

describe('the web inspector served by a node', () => {
  it('serves the page at / without a token, as one file whose CSP pins its own script', async () => {
    const response = await fetch(new URL('/', fed.node.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/,
    );
    // Every other route still wants a token.
    expect((await fetch(new URL('/v1/status', fed.node.url))).status).toBe(401);
  });

  it('finds a segment by its alias, verifies it in the browser, and shows the verdict and timeline', async () => {
    const { context, page, requests, problems } = await open(fed.node.url);
    try {
      await findOnNode(page, fed.alias);
      expect(await page.getAttribute('#verdict-title', 'data-verdict')).toBe(report.verdict);
      expect(await page.textContent('#verdict .object')).toBe(fed.segment);
      expect(await page.textContent('#verdict-summary')).toBe(
        `${report.summary.validEntries} of ${report.summary.entries} entries valid · ${report.summary.errors} errors · ${report.summary.warnings} warnings`,
      );
      expect(await page.textContent('#verdict .anchor')).toContain('matches the trusted network id');
      // The timeline: one badge per entry, in causal order, with stage lane, signer and kind.
      const rows = await page.$$eval('button.entry', (els) =>
        els.map((e) => ({
          step: Number(e.dataset.step),
          status: e.dataset.status,
          kind: e.querySelector('.kind')?.textContent,
          lane: e.querySelector('.lane')?.textContent,
          who: e.querySelector('.who')?.textContent,
        })),
      );
      expect(rows.map((r) => r.kind)).toEqual(report.entries.map((e) => e.kind));
      expect(rows.map((r) => r.lane)).toEqual(report.entries.map((e) => e.stage));
      const first = report.entries[0];
      expect(rows[0]?.who).toBe(`${first?.operator?.name} · ${first?.role} · ${first?.org}`);
      for (const row of rows) expect(['ok', 'warn']).toContain(row.status);
      expect(await page.$$eval('svg.lanes g.dot', (els) => els.length)).toBe(report.entries.length);
      // Findings with rule codes and clauses; responsible parties per stage; witness coverage.
      expect(await page.$$eval('table.findings tbody tr', (els) => els.length)).toBe(report.findings.length);
      expect(await page.textContent('#sec-findings')).toContain(report.findings[0]?.clause as string);
      expect(await page.$$eval('#sec-findings details', (els) => els.map((e) => e.dataset.code))).toEqual([
        ...new Set(report.findings.map((f) => f.code)),
      ]);
      const stages = await page.$$eval('#sec-parties .stage h3', (els) => els.map((e) => e.textContent));
      expect(stages).toEqual(report.accountability.stages.map((s) => s.stage));
      expect(await page.textContent('#coverage')).toBe(
        `${report.witnessing.covered} of ${report.witnessing.total} entries meet the witness policy.`,
      );
      // Attachments: each hash checked here, images viewable.
      const checks = await page.$$eval('table.attachments td.check', (els) => els.map((e) => e.className));
      const inBundle = report.entries.flatMap((e) => e.attachments).length - report.gaps.attachments.length;
      expect(checks.filter((c) => c.includes('ok'))).toHaveLength(inBundle);
      expect(checks.filter((c) => c.includes('fail'))).toHaveLength(0);
      await page.evaluate(() => document.getElementById('verdict')?.scrollIntoView());
      await page.screenshot({ path: join(ARTIFACTS, '01-verified.png') });
      await page.locator('#sec-findings').screenshot({ path: join(ARTIFACTS, '01-findings.png') });
      await page.locator('#sec-parties').screenshot({ path: join(ARTIFACTS, '01-parties.png') });
      await page.locator('#sec-witnesses').screenshot({ path: join(ARTIFACTS, '01-witnesses.png') });
      const view = page.locator('table.attachments button', { hasText: 'View' }).first();
      await view.click();
      const image = page.locator('tr.preview img').first();
      await image.waitFor();
      expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(96);
      await page.locator('#sec-attachments').screenshot({ path: join(ARTIFACTS, '02-attachments.png') });
      // The page asked its own node for bytes and nothing else.
      const origin = new URL(fed.node.url).origin;
      expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:'))).toEqual([]);
      expect(requests.some((u) => u.includes('/bundle?attachments=1'))).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('catches a node that serves altered bytes: the verdict is computed in the browser', async () => {
    const { context, page, problems } = await open(fed.node.url);
    try {
      await page.route('**/bundle?attachments=1', (route) =>
        route.fulfill({ status: 200, contentType: 'application/cbor', body: readFileSync(tampered.file) }),
      );
      await findOnNode(page, fed.segment);
      expect(await page.getAttribute('#verdict-title', 'data-verdict')).toBe('failed');
      expect(await stepsWith(page, 'fail')).toEqual(tampered.failing);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('finds a segment by an alias given later (an object.alias entry the node is asked about)', async () => {
    const { context, page, requests, problems } = await open(fed.node.url);
    try {
      await findOnNode(page, fed.laterAlias);
      expect(await page.textContent('#verdict .object')).toBe(fed.segment);
      expect(await page.getAttribute('#verdict-title', 'data-verdict')).toBe(report.verdict);
      // It tried the alias as an id first, then asked the node for object.alias entries.
      expect(requests.some((u) => u.includes(encodeURIComponent(`seg:${fed.laterAlias}`)))).toBe(true);
      expect(requests.some((u) => u.includes('/v1/entries?kind=object.alias'))).toBe(true);
      // The browser logs the expected 404 of that first try; nothing else.
      expect(problems.filter((p) => !p.includes('status of 404'))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('fetches an attachment the bundle left out from the node and checks its hash in the browser', async () => {
    const { context, page, requests, problems } = await open(fed.node.url);
    try {
      await page.uncheck('#with-attachments');
      await findOnNode(page, fed.segment);
      expect(requests.some((u) => u.includes('/bundle?attachments=1'))).toBe(false);
      const image = report.entries.flatMap((e) => e.attachments).find((a) => a.type === 'image/png');
      if (image === undefined) throw new Error('the fed segment has no image attachment');
      const row = page.locator(`tr[data-sha256="${image.sha256}"]`).first();
      expect(await row.locator('td.check').textContent()).toBe('Not in the evidence');
      await row.getByRole('button', { name: 'Fetch from node and check' }).click();
      await row.locator('td.check.ok').waitFor();
      expect(await row.locator('td.check').textContent()).toContain('Hash matches');
      expect(requests.some((u) => u.endsWith(`/v1/blobs/${image.sha256}`))).toBe(true);
      await row.getByRole('button', { name: 'View' }).click();
      await page.locator('tr.preview img').first().waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('replays to a chosen time: the state then, what was known, later entries marked', async () => {
    const { context, page, problems } = await open(fed.node.url);
    try {
      await findOnNode(page, fed.segment);
      // Halfway through the history, to the minute (the input's precision), in Shanghai time.
      const middle = report.entries[Math.floor(report.entries.length / 2)]?.time as number;
      const at = Math.floor(middle / 60_000) * 60_000;
      const local = new Date(at + SHANGHAI).toISOString().slice(0, 16);
      await page.fill('#replay-time', local);
      await page.click('#replay-apply');
      await page.waitForSelector('#replay-summary');
      const { steps, state } = replay.stateAt(at);
      expect(steps).toBeGreaterThan(0);
      expect(steps).toBeLessThan(report.entries.length);
      // The moment as the page shows it: ISO-like, in the browser's zone (Shanghai, GMT+8).
      expect(await page.textContent('#replay-summary')).toBe(
        `At ${local.replace('T', ' ')} GMT+8: ${steps} of ${report.entries.length} entries claim a time by then.`,
      );
      expect(JSON.parse((await page.textContent('#replay-state')) as string)).toEqual(state);
      expect(await page.$$eval('ol.entries li.future', (els) => els.length)).toBe(
        report.entries.length - steps,
      );
      expect(await page.getAttribute('#replay-step', 'value')).toBe(String(steps));
      await page.locator('#sec-replay').screenshot({ path: join(ARTIFACTS, '03-replay.png') });
      await page.locator('#sec-timeline').screenshot({ path: join(ARTIFACTS, '04-timeline-at-T.png') });
      // The step slider by keyboard: one step back.
      await page.focus('#replay-step');
      await page.keyboard.press('ArrowLeft');
      // Step n is the moment entry n claims; entries claiming that same moment count too.
      const back = report.entries[steps - 2];
      const expected = back === undefined ? 0 : replay.stateAt(back.time).steps;
      await page.waitForFunction(
        (n) => document.querySelector('#replay-summary')?.textContent?.includes(`: ${n} of`),
        expected,
      );
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('replay-step');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('works by keyboard alone, and in Chinese', async () => {
    const { context, page, problems } = await open(fed.node.url);
    try {
      const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
      /** Presses Tab until `id` has the focus; fails if it is not reached in `limit` presses. */
      const tabTo = async (id: string, limit = 20) => {
        for (let i = 0; i < limit; i++) {
          await page.keyboard.press('Tab');
          if ((await focused()) === id) return;
        }
        throw new Error(`Tab never reached #${id}`);
      };
      await tabTo('network');
      await page.keyboard.type(fed.network);
      await tabTo('object');
      await page.keyboard.type(fed.segment);
      await tabTo('token');
      await page.keyboard.type(fed.readToken);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#verdict-title[data-verdict]', { timeout: 60_000 });
      // The verdict takes the focus, so a screen reader reads it next.
      expect(await focused()).toBe('verdict-title');
      // The entry list is one tab stop (the first entry); the arrows move within it.
      await tabTo('entry-1', 30);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      expect(await focused()).toBe('entry-3');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#entry-3[aria-current="true"]');
      expect(await page.textContent('#detail-title')).toBe(`Entry #3: ${report.entries[2]?.kind}`);
      expect(await focused()).toBe('entry-3');
      await page.keyboard.press('End');
      expect(await focused()).toBe(`entry-${report.entries.length}`);
      await page.keyboard.press('Tab');
      expect(await focused()).not.toMatch(/^entry-/);
      // Every control has a name: a label, its text or an aria-label.
      const unnamed = await page.$$eval('button, input, a[href], select', (els) =>
        els
          .filter((el) => {
            const id = el.getAttribute('id');
            const label = id === null ? null : document.querySelector(`label[for="${id}"]`);
            return !(el.textContent?.trim() || el.getAttribute('aria-label') || label?.textContent?.trim());
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unnamed).toEqual([]);
      // The language switch, by keyboard.
      await page.focus('#lang');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
      expect(await page.textContent('#verdict-title')).toContain('核验通过');
      expect(await page.textContent('#timeline-title')).toBe('时间线');
      expect(await focused()).toBe('lang');
      await page.focus('#entry-3');
      await page.screenshot({ path: join(ARTIFACTS, '05-keyboard-zh.png') });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('fits a tablet in portrait without sideways scrolling', async () => {
    const { context, page, problems } = await open(fed.node.url, {
      viewport: { width: 820, height: 1180 },
      touch: true,
    });
    try {
      await findOnNode(page, fed.alias);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBe(0);
      // Touch targets: the entry rows and buttons are at least 44 px high.
      const heights = await page.$$eval('button.entry, #verify, #lang', (els) =>
        els.map((e) => e.getBoundingClientRect().height),
      );
      expect(Math.min(...heights)).toBeGreaterThanOrEqual(44);
      await page.evaluate(() => document.getElementById('verdict')?.scrollIntoView());
      await page.screenshot({ path: join(ARTIFACTS, '06-tablet.png') });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});

describe('the web inspector offline, opened from disk', () => {
  it('verifies a dropped bundle file and shows a tampered one failing on the exact entry', async () => {
    const { context, page, requests, problems } = await open(pathToFileURL(WEB_PAGE).href);
    try {
      expect(await page.isHidden('#find')).toBe(true);
      await page.fill('#network', fed.network);
      await page.dispatchEvent('#network', 'change');
      // Drag and drop of the clean bundle.
      const drop = await page.evaluateHandle((bytes) => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], 'clean.bundle', { type: 'application/cbor' }));
        return data;
      }, Array.from(clean));
      await page.dispatchEvent('#open', 'drop', { dataTransfer: drop });
      await page.waitForSelector(`#verdict-title[data-verdict="${report.verdict}"]`, { timeout: 60_000 });
      expect(await stepsWith(page, 'fail')).toEqual([]);

      // The tampered file through the file input.
      await page.setInputFiles('#file', tampered.file);
      await page.waitForSelector('#verdict-title[data-verdict="failed"]', { timeout: 60_000 });
      expect(tampered.failing).toEqual([tampered.step]);
      expect(await stepsWith(page, 'fail')).toEqual([tampered.step]);
      const victim = page.locator(`#entry-${tampered.step}`);
      expect(await victim.locator('.codes').textContent()).toContain('TRACE_ENTRY_SIGNATURE');
      await victim.click();
      await page.waitForSelector(`#detail li[data-code="TRACE_ENTRY_SIGNATURE"]`);
      expect(await page.textContent('#detail-title')).toBe(
        `Entry #${tampered.step}: ${report.entries[tampered.step - 1]?.kind}`,
      );
      expect(
        await page.$$eval('table.findings tr.sev-error', (els) =>
          els.map((e) => e.getAttribute('data-code')),
        ),
      ).toContain('TRACE_ENTRY_SIGNATURE');
      await page.evaluate(() => document.getElementById('verdict')?.scrollIntoView());
      await page.screenshot({ path: join(ARTIFACTS, '07-tampered-offline.png') });
      await victim.scrollIntoViewIfNeeded();
      await page.locator('#sec-timeline').screenshot({ path: join(ARTIFACTS, '08-tampered-entry.png') });
      // Offline means offline: the page fetched nothing but itself.
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('blob:'))).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
