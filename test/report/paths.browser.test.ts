/**
 * Attack paths in the HTML report, in a real browser (Debian's Chromium,
 * headless, via playwright-core): every path is a row of hops laid out by the
 * page's own CSS (allowed by its CSP hash), visible, with no console error and
 * no network request; a screenshot of the section is taken. The browser comes
 * from CHROMIUM_PATH or /usr/bin/chromium (`apt-get install -y chromium`).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PathHop, pathOf } from '../../src/analysis/attack-path.js';
import { formatHtml } from '../../src/report/html.js';
import type { Report } from '../../src/report/schema.js';
import { launchChromium, watchedPage } from '../helpers/browser.js';
import { fixtureReport, HOSTILE_NAME } from './fixtures.js';

const hops: PathHop[] = [
  ...pathOf(
    {
      kind: 'dnat',
      address: '47.0.0.99',
      family: 'ipv4',
      interfaceId: 'eni-1',
      interfaceType: 'Primary',
      securityGroupIds: ['sg-web'],
      vSwitchId: 'vsw-1',
      bypassesAcl: false,
      dnat: {
        natGatewayId: 'ngw-1',
        entryId: 'fwd-1',
        forwardTableId: 'ftb-1',
        externalIp: '47.0.0.99',
        externalPort: '2222',
        internalIp: '10.0.0.20',
        internalPort: '22',
        protocol: 'TCP',
      },
    },
    {
      protocol: 'tcp',
      from: 22,
      to: 22,
      externalFrom: 2222,
      externalTo: 2222,
      coverage: 1,
      sources: ['0.0.0.0/0'],
      acl: {
        aclId: 'nacl-1',
        acceptedBy: [
          {
            aclId: 'nacl-1',
            position: 2,
            entryId: 'nae-2',
            name: '',
            policy: 'accept',
            protocol: 'all',
            port: '-1/-1',
            source: '0.0.0.0/0',
          },
        ],
      },
      groupRules: [
        {
          groupId: 'sg-web',
          index: 2,
          priority: 1,
          policy: 'Accept',
          protocol: 'TCP',
          portRange: '22/22',
          source: '0.0.0.0/0',
          nicType: 'intranet',
        },
      ],
    },
    { id: 'i-1' },
  ),
  { kind: 'role', roleName: HOSTILE_NAME },
  {
    kind: 'policy-statement',
    policy: 'AdministratorAccess',
    policyType: 'System',
    via: 'direct',
    statement: 0,
    grants: '* on *',
  },
];

let browser: Browser;
let page: Page;
let dir: string;
const requests: string[] = [];
const consoleErrors: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  const base = await fixtureReport();
  const template = base.findings[0]!;
  const report: Report = {
    ...base,
    findings: [
      ...base.findings,
      {
        ...template,
        ruleId: 'instance-exposed-with-privileged-role',
        severity: 'critical',
        status: 'open',
        resource: { type: 'instance', id: 'i-1', region: 'cn-hangzhou' },
        evidence: { path: hops, paths: [{ text: 'x', hops }] },
      },
    ],
  };
  dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-paths-html-'));
  const file = path.join(dir, 'report.html');
  writeFileSync(file, formatHtml(report));
  browser = await launchChromium();
  page = await watchedPage(browser, { requests, consoleErrors, dialogs });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('attack paths in the HTML report (Chromium)', () => {
  it('draws the path as one row of visible hops, in order', async () => {
    expect(await page.locator('[data-testid="paths"]').isVisible()).toBe(true);
    const hopEls = page.locator('[data-testid="path"] [data-testid="hop"]');
    expect(await hopEls.count()).toBe(hops.length);
    const kinds = await hopEls.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds).toEqual(hops.map((h) => h.kind));
    for (let i = 0; i < hops.length; i++) expect(await hopEls.nth(i).isVisible()).toBe(true);
    // the page's CSS applied (its hash is in the CSP): a flex row, the first hops side by side
    const layout = await page
      .locator('ol.path')
      .evaluate(
        (el) =>
          (
            globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }
          ).getComputedStyle(el).display,
      );
    expect(layout).toBe('flex');
    const tops = await hopEls.evaluateAll((els) =>
      els.slice(0, 3).map((e) => Math.round(e.getBoundingClientRect().top)),
    );
    expect(new Set(tops).size).toBe(1);
    expect(await hopEls.nth(1).textContent()).toBe('DNAT ngw-1 fwd-1 → 10.0.0.20:22');
  });

  it('keeps hostile names as text, with no console error, dialog or request', async () => {
    expect(await page.locator('[data-kind="role"]').textContent()).toBe(`role ${HOSTILE_NAME}`);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
  });

  it('takes a screenshot of the section', async () => {
    const shot = path.join(dir, 'paths.png');
    await page.locator('[data-testid="paths"]').screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(1000);
  });
});
