/**
 * Debian's headless Chromium, driven by playwright-core, for the HTML report
 * tests: the browser comes from CHROMIUM_PATH or /usr/bin/chromium
 * (`apt-get install -y chromium`); pages are offline and record every request,
 * console error, uncaught error and dialog.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install -y chromium`).toBe(
    true,
  );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions'],
  });
}

/** what a watched page saw (several pages may share one record) */
export interface PageRecord {
  requests: string[];
  consoleErrors: string[];
  dialogs: string[];
}

/** an offline page of `browser` that writes what it sees into `record`; dialogs are dismissed */
export async function watchedPage(browser: Browser, record: PageRecord): Promise<Page> {
  const context = await browser.newContext({ offline: true });
  const page = await context.newPage();
  page.on('request', (r) => record.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') record.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => record.consoleErrors.push(String(e)));
  page.on('dialog', (d) => {
    record.dialogs.push(d.message());
    void d.dismiss();
  });
  return page;
}
