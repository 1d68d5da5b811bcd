/**
 * The HTML report's filter bar in a real browser (Debian's headless Chromium,
 * as html.browser.test.ts): an organization report's Account filter shows every
 * row of a member, the whole-scope pairs of one that could not be entered too;
 * sort buttons show keyboard focus; the count is a live region; severity badges
 * are readable in the dark palette; without JavaScript the dead filter bar stays
 * hidden; on a large report the search waits for a pause in the typing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHtml, SEARCH_DEBOUNCE_MS, SEARCH_DEBOUNCE_ROWS } from '../../src/report/html.js';
import type { Report } from '../../src/report/schema.js';
import { launchChromium, watchedPage } from '../helpers/browser.js';
import {
  largeReport,
  MANAGEMENT,
  NO_ROLE,
  NO_ROLE_ONLY_PAIRS as ONLY_PAIRS,
  orgReport,
} from './fixtures.js';

/** WCAG 2 contrast of two computed `rgb(r, g, b)` colours */
function contrast(a: string, b: string): number {
  const lum = (rgb: string) => {
    const [r, g, b] = rgb
      .match(/\d+(\.\d+)?/g)!
      .slice(0, 3)
      .map((v) => {
        const c = Number(v) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

let browser: Browser;
let dir: string;
let org: Report;
let orgUrl: string;
const requests: string[] = [];
const consoleErrors: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  org = await orgReport();
  dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-html-a11y-'));
  const file = path.join(dir, 'org.html');
  writeFileSync(file, formatHtml(org));
  orgUrl = pathToFileURL(file).href;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function orgPage(): Promise<Page> {
  const page = await watchedPage(browser, { requests, consoleErrors, dialogs });
  await page.goto(orgUrl, { waitUntil: 'load' });
  await expect.poll(() => page.locator('[data-testid="filters"]').isVisible()).toBe(true);
  return page;
}

describe('HTML report of an organization in headless Chromium', () => {
  it('the Account filter shows, per member, every row the JSON holds: whole-scope pairs too', async () => {
    const page = await orgPage();
    const expected = new Map<string, number>();
    const add = (a: string | undefined) => {
      expect(a).toBeDefined();
      expected.set(a!, (expected.get(a!) ?? 0) + 1);
    };
    for (const f of org.findings) add(f.resource.account);
    for (const u of org.unevaluated ?? [])
      add(u.resource?.account ?? u.account ?? org.coverage[u.coverage]?.account);
    expect([...expected.keys()].sort()).toEqual([MANAGEMENT, NO_ROLE, ONLY_PAIRS]);
    expect(expected.get(NO_ROLE)).toBeGreaterThan(10);
    const offered = await page
      .locator('[data-testid="filter-account"] option')
      .evaluateAll((els) => els.map((e) => e.getAttribute('value') ?? ''));
    expect(offered).toEqual(['', ...[...expected.keys()].sort()]);

    // every row names its account, the whole-scope rows too
    const rows = page.locator('[data-testid="finding-row"]');
    expect(await rows.count()).toBe(org.findings.length + org.unevaluated!.length);
    expect(await page.locator('[data-testid="finding-row"]:not([data-account])').count()).toBe(0);

    for (const [account, n] of expected) {
      await page.selectOption('[data-testid="filter-account"]', account);
      expect(await page.textContent('[data-testid="visible-count"]'), account).toBe(String(n));
      const shown = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-account')));
      expect(shown, account).toEqual(Array(n).fill(account));
    }
    // the row of a whole-scope pair says which member it is about
    await page.selectOption('[data-testid="filter-account"]', ONLY_PAIRS);
    expect(await rows.first().locator('td').nth(2).textContent()).toContain(
      `account ${ONLY_PAIRS}`,
    );
    expect(await rows.first().getAttribute('data-status')).toBe('not evaluated');
    expect(consoleErrors).toEqual([]);
  });

  it('the filtered count is announced: a status live region that follows the filters', async () => {
    const page = await orgPage();
    const status = page.getByRole('status');
    expect(await status.count()).toBe(1);
    expect(await status.locator('[data-testid="visible-count"]').count()).toBe(1);
    await page.selectOption('[data-testid="filter-account"]', ONLY_PAIRS);
    const n = org.unevaluated!.filter((u) => u.account === ONLY_PAIRS).length;
    expect(await status.textContent()).toBe(
      `showing ${n} of ${org.findings.length + org.unevaluated!.length}`,
    );
  });

  it('a sort button reached by keyboard shows a focus outline', async () => {
    const page = await orgPage();
    let focused = '';
    for (let i = 0; i < 20 && focused !== 'sort-severity'; i++) {
      await page.keyboard.press('Tab');
      focused = String(
        await page.evaluate("document.activeElement?.getAttribute('data-testid') ?? ''"),
      );
    }
    expect(focused).toBe('sort-severity');
    const ring = (await page.evaluate(`(() => {
      const b = document.activeElement;
      const s = getComputedStyle(b);
      return { visible: b.matches(':focus-visible'), style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    })()`)) as { visible: boolean; style: string; width: number };
    expect(ring.visible).toBe(true);
    expect(ring.style).not.toBe('none');
    expect(ring.width).toBeGreaterThanOrEqual(2);
  });

  it("severity badges' text has 4.5:1 contrast in both colour schemes", async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ offline: true, colorScheme });
      const page = await context.newPage();
      await page.goto(orgUrl, { waitUntil: 'load' });
      const badges = (await page.evaluate(
        `[...document.querySelectorAll('[data-testid="summary"] .sev')].map((e) =>
          [e.textContent, getComputedStyle(e).color, getComputedStyle(e).backgroundColor])`,
      )) as string[][];
      expect(badges).toHaveLength(5);
      for (const [sev, fg, bg] of badges) {
        const ratio = contrast(fg!, bg!);
        expect(ratio, `${colorScheme} ${sev}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
      }
      await context.close();
    }
  });

  it('with JavaScript off the filter bar stays hidden and the page says why the table is empty', async () => {
    const context = await browser.newContext({ offline: true, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(orgUrl, { waitUntil: 'load' });
    expect(await page.isVisible('[data-testid="noscript"]')).toBe(true);
    expect(await page.isVisible('[data-testid="filters"]')).toBe(false);
    expect(await page.isVisible('[data-testid="visible-count"]')).toBe(false);
    await context.close();
  });
});

describe('HTML report of many findings: the search waits for a pause in the typing', () => {
  let big: Report;
  let page: Page;
  beforeAll(async () => {
    big = { ...(await largeReport(SEARCH_DEBOUNCE_ROWS + 500)), unevaluated: [] };
    const file = path.join(dir, 'large.html');
    writeFileSync(file, formatHtml(big));
    page = await watchedPage(browser, { requests, consoleErrors, dialogs });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.locator('[data-testid="filters"]').waitFor({ state: 'visible' });
  }, 60_000);

  /** how many times the rows are filtered from now on (each filter rewrites the count) */
  async function countFilters(): Promise<() => Promise<number>> {
    await page.evaluate(`(() => {
      window.filters = 0;
      if (window.observed) return;
      window.observed = true;
      new MutationObserver((records) => { window.filters += records.length; }).observe(
        document.querySelector('[data-testid="visible-count"]'),
        { childList: true, characterData: true, subtree: true },
      );
    })()`);
    return async () => Number(await page.evaluate('window.filters'));
  }

  /**
   * a quick typist, as the page sees one: an input event per character, all within the wait
   * (sent in one task, so a loaded machine cannot stretch the gaps); then maybe a select
   */
  async function type(needle: string, severity?: string): Promise<void> {
    await page.evaluate(`(() => {
      const input = document.querySelector('[data-testid="filter-text"]');
      const needle = ${JSON.stringify(needle)};
      for (let i = 1; i <= needle.length; i++) {
        input.value = needle.slice(0, i);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
      const severity = ${JSON.stringify(severity ?? null)};
      if (severity !== null) {
        const select = document.querySelector('[data-testid="filter-severity"]');
        select.value = severity;
        select.dispatchEvent(new Event('change', { bubbles: true }));
      }
    })()`);
  }

  it('typing a word filters once, after the typing, to the right rows', async () => {
    const filters = await countFilters();
    const needle = 'sg-2-0';
    await type(needle);
    const expected = big.findings.filter((f) => f.resource.id.startsWith(needle)).length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(big.findings.length);
    await expect
      .poll(() => page.textContent('[data-testid="visible-count"]'), {
        timeout: SEARCH_DEBOUNCE_MS * 20,
      })
      .toBe(String(expected));
    await page.waitForTimeout(SEARCH_DEBOUNCE_MS * 2);
    expect(await filters()).toBe(1);
    expect(consoleErrors).toEqual([]);
  });

  it('a select filters at once, and takes the pending search with it', async () => {
    await page.fill('[data-testid="filter-text"]', '');
    await expect
      .poll(() => page.textContent('[data-testid="visible-count"]'))
      .toBe(String(big.findings.length));
    const filters = await countFilters();
    await type('sg-3', 'critical');
    const expected = big.findings.filter(
      (f) => f.severity === 'critical' && f.resource.id.startsWith('sg-3'),
    ).length;
    expect(expected).toBeGreaterThan(0);
    // no wait: the change event filtered, with the search typed so far
    expect(await page.textContent('[data-testid="visible-count"]')).toBe(String(expected));
    await page.waitForTimeout(SEARCH_DEBOUNCE_MS * 2);
    // the pending search was folded into that filter, not run again
    expect(await filters()).toBe(1);
    expect(consoleErrors).toEqual([]);
  });
});
