/**
 * The HTML report in a real browser: Debian's Chromium (headless), driven by
 * playwright-core. Filters by severity, rule and region; sorts columns; checks
 * that the hostile strings stay text, that the script ran under the page's CSP
 * and that no network request was made. The browser comes from CHROMIUM_PATH or
 * /usr/bin/chromium (`apt-get install -y chromium`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedFindingsRestored, formatHtml, PAGE_SIZE } from '../../src/report/html.js';
import type { Report } from '../../src/report/schema.js';
import { launchChromium, watchedPage } from '../helpers/browser.js';
import {
  fixtureReportWithSuppressionAndBaseline,
  HOSTILE_NAME,
  HOSTILE_SUMMARY,
  largeReport,
} from './fixtures.js';

let browser: Browser;
let page: Page;
let report: Report;
let dir: string;
let fileUrl: string;
const requests: string[] = [];
const consoleErrors: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  // findings only here: the pairs not evaluated have their own page below
  report = { ...(await fixtureReportWithSuppressionAndBaseline()), unevaluated: [] };
  dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-html-'));
  const file = path.join(dir, 'report.html');
  writeFileSync(file, formatHtml(report));
  fileUrl = pathToFileURL(file).href;
  browser = await launchChromium();
  page = await watchedPage(browser, { requests, consoleErrors, dialogs });
  await page.goto(fileUrl, { waitUntil: 'load' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const rows = () => page.locator('[data-testid="finding-row"]');
const visibleRows = () => page.locator('[data-testid="finding-row"]:visible');

async function visibleAttr(name: string): Promise<string[]> {
  return visibleRows().evaluateAll(
    (els, n) => els.map((e) => e.getAttribute(n as string) ?? ''),
    name,
  );
}

async function resetFilters(): Promise<void> {
  for (const key of ['severity', 'rule', 'region', 'status', 'baseline']) {
    await page.selectOption(`[data-testid="filter-${key}"]`, '');
  }
  await page.fill('[data-testid="filter-text"]', '');
}

describe('HTML report in headless Chromium', () => {
  it('shows every finding, with the filters the script reveals', async () => {
    await expect.poll(() => page.locator('[data-testid="filters"]').isVisible()).toBe(true);
    expect(await rows().count()).toBe(report.findings.length);
    expect(await visibleRows().count()).toBe(report.findings.length);
    expect(await page.textContent('[data-testid="visible-count"]')).toBe(
      String(report.findings.length),
    );
    expect(await page.getAttribute('[data-testid="summary-critical"]', 'data-count')).toBe(
      String(report.summary.critical),
    );
  });

  it('filters by severity and shows exactly the findings of that severity', async () => {
    await resetFilters();
    for (const sev of ['critical', 'high', 'medium', 'low', 'info'] as const) {
      await page.selectOption('[data-testid="filter-severity"]', sev);
      const expected = report.findings.filter((f) => f.severity === sev).map((f) => f.fingerprint);
      expect((await visibleAttr('data-fingerprint')).sort()).toEqual(expected.sort());
      expect(await page.textContent('[data-testid="visible-count"]')).toBe(String(expected.length));
    }
    await page.selectOption('[data-testid="filter-severity"]', '');
    expect(await visibleRows().count()).toBe(report.findings.length);
  });

  it('combines severity, region, rule and status filters', async () => {
    await resetFilters();
    await page.selectOption('[data-testid="filter-severity"]', 'critical');
    await page.selectOption('[data-testid="filter-region"]', 'cn-hangzhou');
    const expected = report.findings
      .filter((f) => f.severity === 'critical' && f.resource.region === 'cn-hangzhou')
      .map((f) => f.resource.id)
      .sort();
    expect(expected.length).toBeGreaterThan(1);
    expect((await visibleAttr('data-resource-id')).sort()).toEqual(expected);

    await page.selectOption('[data-testid="filter-status"]', 'suppressed');
    expect(await visibleAttr('data-resource-id')).toEqual(['sg-bastion']);

    await resetFilters();
    await page.selectOption('[data-testid="filter-rule"]', 'sg-high-risk-port-open-to-internet');
    await page.selectOption('[data-testid="filter-region"]', 'global');
    expect(await visibleRows().count()).toBe(0);
    expect(await page.isVisible('[data-testid="no-rows"]')).toBe(true);

    await resetFilters();
    await page.selectOption('[data-testid="filter-region"]', 'global');
    expect((await visibleAttr('data-resource-id')).length).toBe(
      report.findings.filter((f) => f.resource.region === null).length,
    );
    await page.selectOption('[data-testid="filter-baseline"]', 'unchanged');
    expect(await visibleRows().count()).toBe(0);
    await resetFilters();
    await page.selectOption('[data-testid="filter-baseline"]', 'unchanged');
    expect(await visibleAttr('data-resource-id')).toEqual(
      report.findings.filter((f) => f.baseline === 'unchanged').map((f) => f.resource.id),
    );
    await resetFilters();
  });

  it('filters by free text, matching hostile strings literally', async () => {
    await resetFilters();
    await page.fill('[data-testid="filter-text"]', '</script><img');
    const expected = report.findings
      .filter((f) =>
        JSON.stringify([f.message, f.resource.name, f.evidence]).includes('</script><img'),
      )
      .map((f) => f.fingerprint)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect((await visibleAttr('data-fingerprint')).sort()).toEqual(expected);
    await resetFilters();
  });

  it('sorts by a column, ascending then descending', async () => {
    await resetFilters();
    const regionOf = (attr: string) => (attr === 'global' ? '' : attr);
    await page.click('[data-testid="sort-region"]');
    const asc = (await visibleAttr('data-region')).map(regionOf);
    expect(asc).toEqual([...asc].sort());
    expect(new Set(asc).size).toBeGreaterThan(2);
    expect(await page.getAttribute('th[data-sort="region"]', 'aria-sort')).toBe('ascending');
    await page.click('[data-testid="sort-region"]');
    const desc = (await visibleAttr('data-region')).map(regionOf);
    expect(desc).toEqual([...asc].sort().reverse());
    expect(await page.getAttribute('th[data-sort="region"]', 'aria-sort')).toBe('descending');

    await page.click('[data-testid="sort-severity"]');
    const ranks = await visibleAttr('data-severity-rank');
    expect(ranks.map(Number)).toEqual(ranks.map(Number).sort((a, b) => a - b));
    expect((await visibleAttr('data-severity'))[0]).toBe('critical');
    expect(await page.getAttribute('th[data-sort="region"]', 'aria-sort')).toBe('none');
    await page.click('[data-testid="sort-severity"]');
    expect((await visibleAttr('data-severity'))[0]).toBe('info');
  });

  it('sorting keeps the filter', async () => {
    await resetFilters();
    await page.selectOption('[data-testid="filter-severity"]', 'low');
    await page.click('[data-testid="sort-rule"]');
    const rules = await visibleAttr('data-rule');
    const expected = report.findings.filter((f) => f.severity === 'low').map((f) => f.ruleId);
    expect(rules).toEqual([...expected].sort());
    await resetFilters();
  });

  it('shows hostile strings as text: no injected element, no dialog', async () => {
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    const sg1 = page.locator('[data-testid="finding-row"][data-resource-id="sg-1"]').first();
    expect(await sg1.locator('[data-testid="resource"]').textContent()).toBe(
      `sg-1 (${HOSTILE_NAME})`,
    );
    const disk = page.locator(
      '[data-testid="finding-row"][data-rule="test-disk-hostile-evidence"] [data-testid="evidence"]',
    );
    expect(await disk.textContent()).toContain(JSON.stringify(HOSTILE_SUMMARY).slice(1, -1));
    const embedded = await page.evaluate(
      "JSON.parse(document.getElementById('report-data').textContent)",
    );
    expect(embeddedFindingsRestored(embedded as Report)).toEqual(report);
    expect(dialogs).toEqual([]);
  });

  it('lists the coverage gaps', async () => {
    expect(await page.locator('[data-testid="coverage-row"]').count()).toBe(report.coverage.length);
    expect(await page.textContent('[data-testid="coverage"]')).toContain(
      'DescribeSecurityGroupAttribute',
    );
  });

  it('ran its script under the CSP without errors and made no network request', () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([fileUrl]);
  });
});

describe('HTML report of many findings in headless Chromium', () => {
  let big: Report;
  let bigPage: Page;
  const bigRows = () => bigPage.locator('[data-testid="finding-row"]');
  beforeAll(async () => {
    big = { ...(await largeReport(PAGE_SIZE * 2 + 234)), unevaluated: [] };
    const file = path.join(dir, 'large.html');
    writeFileSync(file, formatHtml(big));
    const context = await browser.newContext({ offline: true });
    bigPage = await context.newPage();
    bigPage.on('pageerror', (e) => consoleErrors.push(String(e)));
    await bigPage.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  }, 60_000);

  it('renders a page of rows and counts every finding; "show more" adds the next page', async () => {
    await expect.poll(() => bigPage.locator('[data-testid="filters"]').isVisible()).toBe(true);
    expect(await bigRows().count()).toBe(PAGE_SIZE);
    expect(await bigPage.textContent('[data-testid="visible-count"]')).toBe(
      String(big.findings.length),
    );
    await bigPage.click('[data-testid="show-more"]');
    expect(await bigRows().count()).toBe(PAGE_SIZE * 2);
    await bigPage.click('[data-testid="show-more"]');
    expect(await bigRows().count()).toBe(big.findings.length);
    expect(await bigPage.isVisible('[data-testid="show-more"]')).toBe(false);
    const shown = await bigRows().evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-fingerprint')),
    );
    expect(new Set(shown)).toEqual(new Set(big.findings.map((f) => f.fingerprint)));
  });

  it('filters every finding, not only the rows on the page', async () => {
    const last = big.findings[big.findings.length - 1]!;
    await bigPage.fill('[data-testid="filter-text"]', last.resource.id);
    expect(
      await bigRows().evaluateAll((els) => els.map((e) => e.getAttribute('data-fingerprint'))),
    ).toEqual([last.fingerprint]);
    await bigPage.fill('[data-testid="filter-text"]', '');
    await bigPage.selectOption('[data-testid="filter-severity"]', 'low');
    const low = big.findings.filter((f) => f.severity === 'low').length;
    expect(low).toBeGreaterThan(0);
    expect(await bigPage.textContent('[data-testid="visible-count"]')).toBe(String(low));
    expect(await bigRows().count()).toBe(Math.min(low, PAGE_SIZE));
    expect(consoleErrors).toEqual([]);
  });
});

describe('HTML report with pairs not evaluated in headless Chromium', () => {
  let withPairs: Report;
  let pairsPage: Page;
  const pairRows = () => pairsPage.locator('[data-testid="finding-row"]');
  beforeAll(async () => {
    withPairs = await fixtureReportWithSuppressionAndBaseline();
    const file = path.join(dir, 'unevaluated.html');
    writeFileSync(file, formatHtml(withPairs));
    const context = await browser.newContext({ offline: true });
    pairsPage = await context.newPage();
    pairsPage.on('pageerror', (e) => consoleErrors.push(String(e)));
    await pairsPage.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  }, 60_000);

  it('lists each pair as a row of status "not evaluated", which the status filter selects', async () => {
    const n = withPairs.unevaluated!.length;
    expect(n).toBeGreaterThan(0);
    await expect.poll(() => pairsPage.locator('[data-testid="filters"]').isVisible()).toBe(true);
    expect(await pairRows().count()).toBe(withPairs.findings.length + n);
    await pairsPage.selectOption('[data-testid="filter-status"]', 'not evaluated');
    expect(await pairsPage.textContent('[data-testid="visible-count"]')).toBe(String(n));
    const statuses = await pairRows().evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-status')),
    );
    expect(new Set(statuses)).toEqual(new Set(['not evaluated']));
    await pairsPage.fill('[data-testid="filter-text"]', 'sg-9');
    expect(
      await pairRows().evaluateAll((els) => els.map((e) => e.getAttribute('data-resource-id'))),
    ).toContain('sg-9');
    expect(consoleErrors).toEqual([]);
  });
});
