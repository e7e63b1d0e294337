/**
 * A sealed entry in the web inspector, in real Chromium (Debian's package), offline from a bundle
 * file: the page holds no decryption key, so the entry's sealed section must show as restricted —
 * that it is sealed, to which orgs, and why it is not shown — in the entry list, the entry's
 * evidence and the replayed state, and its plaintext must appear nowhere in the page.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toHex } from '@liuhen/core';
import { encodeBundle } from '@liuhen/trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEALED_AT, SECRETS, sealedSegment } from '../../replay/test/sealed-segment.ts';
import { buildWebPage } from '../src/build.ts';
import { ARTIFACTS, type Browser, launchChromium } from './browser.ts';

let browser: Browser;
let page: string;
let bundle: string;
let network: string;
/** The sealed survey's causal step: it follows the segment's eight entries. */
const step = 9;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'liuhen-web-sealed-'));
  // A page of its own, so this test does not race another rebuilding dist/index.html.
  page = (await buildWebPage({ out: join(dir, 'index.html') })).path;
  const s = sealedSegment();
  network = toHex(s.net.network);
  const bytes = encodeBundle(await s.bundle());
  bundle = join(dir, 'sealed.bundle');
  writeFileSync(bundle, bytes);
  browser = await launchChromium();
}, 180_000);

afterAll(() => browser?.close());

describe('a sealed entry in the web inspector', () => {
  it('is marked restricted, with its recipients and the reason, and its plaintext is nowhere in the page', async () => {
    const context = await browser.newContext({
      viewport: { width: 1366, height: 1000 },
      locale: 'en-GB',
      timezoneId: 'Asia/Shanghai',
    });
    try {
      const tab = await context.newPage();
      const requests: string[] = [];
      const problems: string[] = [];
      tab.on('request', (r) => requests.push(r.url()));
      tab.on('pageerror', (error) => problems.push(error.message));
      tab.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      await tab.goto(pathToFileURL(page).href);
      await tab.waitForSelector('body[data-ready="true"]');
      await tab.fill('#network', network);
      await tab.dispatchEvent('#network', 'change');
      await tab.setInputFiles('#file', bundle);
      await tab.waitForSelector('#verdict-title[data-verdict]', { timeout: 60_000 });
      expect(await tab.getAttribute('#verdict-title', 'data-verdict')).not.toBe('failed');

      // The entry list: the sealed entry carries the marker in words; the others carry none.
      const entry = tab.locator(`#entry-${step}`);
      expect(await entry.locator('.kind').textContent()).toBe('construction.as-built-survey');
      expect(await entry.locator('.restricted-mark').textContent()).toBe(
        'Restricted: sealed to contractor, supervision',
      );
      expect(await tab.locator('button.entry .restricted-mark').count()).toBe(1);

      // Its evidence: the plain body, then the sealed section as restricted, to whom and why.
      await entry.click();
      const panel = tab.locator('#sealed-section[data-restricted="true"]');
      await panel.waitFor();
      const text = (await panel.textContent()) ?? '';
      expect(text).toContain('Restricted: its fields are not shown on this page.');
      expect(text).toContain('contractor, supervision');
      expect(text).toContain('not cleared: this page reads at internal clearance');
      expect(text).toContain('CLEARANCE_TOO_LOW');
      expect(text).toMatch(/\d+ bytes of ciphertext/);
      expect(await tab.textContent('#detail pre.json')).toContain('"surveyor": "Li Wei"');
      await panel.scrollIntoViewIfNeeded();
      await tab.locator('#detail').screenshot({ path: join(ARTIFACTS, '09-sealed-entry.png') });

      // The replayed state after it says what it lacks.
      // An hour after the survey, as the input takes it: local (Shanghai) time.
      await tab.fill('#replay-time', new Date(SEALED_AT + 9 * 3_600_000).toISOString().slice(0, 16));
      await tab.click('#replay-apply');
      await tab.waitForSelector('#replay-restricted');
      expect(await tab.textContent('#replay-restricted')).toContain(
        `#${step} construction.as-built-survey Restricted: sealed to contractor, supervision`,
      );

      // And in Chinese.
      await tab.click('#lang');
      await tab.waitForFunction(() => document.documentElement.lang === 'zh-CN');
      expect(await entry.locator('.restricted-mark').textContent()).toBe(
        '受限：加密给 contractor, supervision',
      );

      // No plaintext of the sealed section anywhere: not in the text, not in the markup.
      const html = await tab.content();
      for (const secret of SECRETS) expect(html).not.toContain(secret);
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('blob:'))).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
