import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIS } from '../../src/compliance/cis.js';
import { evaluateControls } from '../../src/compliance/evaluate.js';
import { loadBuiltinRules } from '../../src/engine/registry.js';
import { renderRulesReference } from '../../src/report/rules-doc.js';
import { ROOT } from '../helpers/cli.js';

describe('docs/rules.md', () => {
  it('is current: regenerate with `npm run docs` after changing a rule', async () => {
    const rules = await loadBuiltinRules();
    const checkedIn = readFileSync(path.join(ROOT, 'docs', 'rules.md'), 'utf8');
    expect(checkedIn).toBe(renderRulesReference(rules));
    for (const { rule } of rules) expect(checkedIn).toContain(`## ${rule.meta.id}\n`);
  });
});

describe('CIS mapping', () => {
  it('every control a built-in rule names is in the catalogue', async () => {
    const known = new Set(CIS.controls.map((c) => c.id));
    const rules = await loadBuiltinRules();
    const mapped = rules.flatMap(({ rule }) => rule.meta.compliance?.['cis'] ?? []);
    expect(mapped.length).toBeGreaterThan(10);
    for (const id of mapped) expect(known, id).toContain(id);
  });

  it('the catalogue holds every control of the CIS v2.0 subset in the corpus, with its title', () => {
    const subset = JSON.parse(
      readFileSync(
        path.join(ROOT, '../shared/corpus/prowler-alibabacloud/cis_2.0_alibabacloud.subset.json'),
        'utf8',
      ),
    ) as { Requirements: Array<{ Id: string; Description: string }> };
    const byId = new Map(CIS.controls.map((c) => [c.id, c.title]));
    for (const r of subset.Requirements) {
      expect(byId.get(r.Id), r.Id).toBeDefined();
      // the corpus truncates nothing but spells the titles the same way
      expect(r.Description.toLowerCase()).toContain(byId.get(r.Id)!.toLowerCase().slice(0, 30));
    }
  });

  it('control status: fail on an open finding, unknown with gaps, pass otherwise, manual when unmapped', async () => {
    const rules = (await loadBuiltinRules()).filter((r) =>
      ['root-mfa-disabled', 'root-access-key-exists'].includes(r.rule.meta.id),
    );
    const finding = {
      ruleId: 'root-mfa-disabled',
      status: 'open' as const,
    } as Parameters<typeof evaluateControls>[2]['findings'][number];
    const status = (findings: (typeof finding)[], gaps = 0) =>
      Object.fromEntries(
        evaluateControls(CIS, rules, {
          findings,
          coverage: Array.from({ length: gaps }, () => ({
            service: 'ims',
            region: null,
            operation: 'GetAccountMFAInfo',
            error: { code: 'x', message: 'y' },
          })),
        }).map((c) => [c.id, c.status]),
      );
    expect(status([finding])).toMatchObject({ '1.3': 'fail', '1.2': 'pass', '4.3': 'manual' });
    expect(status([], 1)).toMatchObject({ '1.3': 'unknown', '1.2': 'unknown' });
    // a suppression keeps the build green; the benchmark is still not met
    expect(status([{ ...finding, status: 'suppressed' as never }])['1.3']).toBe('fail');
  });

  it('control status with unevaluated pairs: unknown for the controls of those rules only, never pass', async () => {
    const rules = (await loadBuiltinRules()).filter((r) =>
      ['root-mfa-disabled', 'root-access-key-exists'].includes(r.rule.meta.id),
    );
    const coverage = [
      {
        service: 'ims',
        region: null,
        operation: 'GetAccountMFAInfo',
        error: { code: 'x', message: 'y' },
      },
    ];
    const controls = evaluateControls(CIS, rules, {
      findings: [],
      coverage,
      unevaluated: [
        {
          ruleId: 'root-mfa-disabled',
          resource: null,
          reason: 'GetAccountMFAInfo: x',
          coverage: 0,
        },
      ],
    });
    const status = Object.fromEntries(controls.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({ '1.3': 'unknown', '1.2': 'pass' });
  });
});
