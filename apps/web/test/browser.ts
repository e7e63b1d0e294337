/**
 * Debian's Chromium driven by playwright-core, as CI runs it: headless, no sandbox (containers),
 * no GPU, nothing phoning home, and a fresh profile per launch. A missing browser is a failure
 * with a clear message, never a skipped test: the web inspector is only tested in a browser.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.LIUHEN_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots kept as test artefacts (gitignored). */
export const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set LIUHEN_CHROMIUM to its path`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  // launch() (not launchPersistentContext) gives every run a new temporary profile.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export type { Browser, BrowserContext, Page } from 'playwright-core';
