/**
 * The HTML incident file in a real browser (Debian's Chromium, as CI installs it): it renders,
 * the timeline figure is drawn, and opening it requests nothing but the file itself.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { incidentScenario } from '@liuhen/profile-pipe/scenario';
import { assembleBundle, encodeBundle } from '@liuhen/trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioLedger } from '../../../packages/trace/test/scenario-ledger.ts';
import { run } from '../../inspector/test/cli.ts';
import { ARTIFACTS, type Browser, launchChromium } from '../../web/test/browser.ts';

const BIN = 'apps/replay/bin/liuhen-replay.js';
let browser: Browser;
let html: string;
let code: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'liuhen-replay-html-'));
  const scenario = incidentScenario('joint-leak');
  const expected = scenario.expected[0];
  if (expected === undefined) throw new Error('the joint-leak preset plants no finding');
  code = expected.code;
  const bundle = join(dir, 'leak.bundle');
  writeFileSync(bundle, encodeBundle(await assembleBundle(scenarioLedger(scenario), expected.object, {})));
  html = join(dir, 'leak.html');
  const r = await run(BIN, [expected.object, '--bundle', bundle, '--html', html]);
  if (r.code !== 1) throw new Error(`liuhen-replay exited ${r.code}: ${r.stderr}`);
  browser = await launchChromium();
}, 180_000);

afterAll(() => browser?.close());

describe('the replay HTML report in Chromium', () => {
  it('renders the timeline and findings and requests no URL outside the file', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const url = pathToFileURL(html).href;
    await page.goto(url, { waitUntil: 'load' });
    const timeline = page.locator('svg#timeline');
    await timeline.waitFor({ state: 'visible' });
    const box = await timeline.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(200);
    expect(await timeline.locator('g.entry').count()).toBeGreaterThan(10);
    expect(await page.locator('h2', { hasText: 'Findings' }).count()).toBe(1);
    expect(await page.textContent('body')).toContain(code);
    await page.screenshot({ path: join(ARTIFACTS, 'replay-incident.png'), fullPage: false });
    expect(requested).toEqual([url]);
    await page.close();
  });
});
