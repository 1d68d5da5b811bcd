import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compareFindings, fingerprint } from '../../src/engine/finding.js';
import { RuleMetaError, validateRule } from '../../src/engine/meta.js';
import {
  builtinRulesDir,
  type LoadedRule,
  loadBuiltinRules,
  loadRulesFromDirs,
  sortAndCheck,
} from '../../src/engine/registry.js';
import { evaluate, RuleOptionsError } from '../../src/engine/run.js';
import { defineRule } from '../../src/engine/types.js';
import { emptyInventory } from '../../src/inventory/schema.js';
import { ROOT } from '../helpers/cli.js';

const meta = {
  title: 'A test rule',
  severity: 'low' as const,
  resourceTypes: ['disk'] as const,
  rationale: 'because',
  remediation: 'fix it',
  references: ['https://www.alibabacloud.com/help/en/ecs/'],
  options: z.object({ flag: z.boolean().default(true) }),
};

function loaded(
  id: string,
  evaluateFn: () => Iterable<never> | ReturnType<typeof Array.prototype.slice> = () => [],
): LoadedRule {
  return {
    rule: defineRule({ meta: { id, ...meta }, evaluate: evaluateFn as never }),
    source: 'test',
  };
}

function ruleFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return ruleFiles(full);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [full] : [];
  });
}

describe('rule discovery', () => {
  it('loads every file under rules/ — there is no list to edit', async () => {
    const rules = await loadBuiltinRules();
    expect(rules.length).toBe(ruleFiles(builtinRulesDir()).length);
    const ids = rules.map((r) => r.rule.meta.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a new rule file in a directory is picked up by dropping it there', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-rules-'));
    writeFileSync(
      path.join(dir, 'my-rule.mjs'),
      `export default {
        meta: { id: 'my-rule', title: 'Mine', severity: 'info', resourceTypes: ['disk'],
          rationale: 'r', remediation: 'x', references: [] },
        evaluate(ctx) { return ctx.inventory.ecs.disks.map((d) => ({ resource: { type: 'disk', id: d.id, region: d.region }, message: 'seen', evidence: {} })); },
      };`,
    );
    const rules = await loadRulesFromDirs([dir]);
    expect(rules.map((r) => r.rule.meta.id)).toEqual(['my-rule']);
    expect(rules[0]!.source).toBe(path.join(dir, 'my-rule.mjs'));
  });

  it('rejects a duplicate id, naming both sources', () => {
    expect(() => sortAndCheck([loaded('a'), { ...loaded('a'), source: 'other.ts' }])).toThrow(
      /other\.ts: duplicate rule id "a" \(also defined by test\)/,
    );
  });

  it('rejects bad metadata with the file and the reason', () => {
    expect(() => validateRule({ meta: { ...meta, id: 'Bad_Id' }, evaluate() {} }, 'x.ts')).toThrow(
      RuleMetaError,
    );
    expect(() =>
      validateRule({ meta: { ...meta, id: 'ok', severity: 'urgent' }, evaluate() {} }, 'x.ts'),
    ).toThrow(/x\.ts: meta\.severity/);
    expect(() => validateRule({ meta: { ...meta, id: 'ok' } }, 'y.ts')).toThrow(
      /y\.ts: rule has no evaluate/,
    );
    expect(() =>
      validateRule(
        { meta: { ...meta, id: 'ok', options: z.object({ n: z.number() }) }, evaluate() {} },
        'z.ts',
      ),
    ).toThrow(/every option needs a default/);
  });
});

describe('evaluation', () => {
  const inv = emptyInventory({
    ecs: {
      securityGroups: [],
      instances: [],
      keyPairs: [],
      invocations: [],
      prefixLists: [],
      portRangeLists: [],
      disks: [
        {
          id: 'd-2',
          region: 'cn-hangzhou',
          name: '',
          instanceId: null,
          type: '',
          category: '',
          encrypted: false,
        },
        {
          id: 'd-1',
          region: 'cn-hangzhou',
          name: '',
          instanceId: null,
          type: '',
          category: '',
          encrypted: false,
        },
      ],
    },
  });
  const perDisk = () =>
    inv.ecs.disks.map((d) => ({
      resource: { type: 'disk' as const, id: d.id, region: d.region },
      message: 'm',
      evidence: { n: Math.random() },
    }));

  it('orders findings deterministically and fingerprints them independently of evidence', () => {
    const opts = {
      rules: [loaded('z-rule', perDisk), loaded('a-rule', perDisk)],
      now: new Date(),
      since: new Date(0),
    };
    const a = evaluate(inv, opts);
    const b = evaluate(inv, opts);
    expect(a.findings.map((f) => `${f.ruleId}/${f.resource.id}`)).toEqual([
      'a-rule/d-1',
      'a-rule/d-2',
      'z-rule/d-1',
      'z-rule/d-2',
    ]);
    expect(a.findings.map((f) => f.fingerprint)).toEqual(b.findings.map((f) => f.fingerprint));
    expect(a.findings[0]!.fingerprint).toBe(
      fingerprint('a-rule', { type: 'disk', id: 'd-1', region: 'cn-hangzhou' }),
    );
    expect(a.findings[0]!.fingerprint).not.toBe(a.findings[1]!.fingerprint);
  });

  it('a throwing rule is reported and the others still run', () => {
    const boom = () => {
      throw new Error('kaput\nsecond line');
    };
    const r = evaluate(inv, {
      rules: [loaded('boom', boom), loaded('ok', perDisk)],
      now: new Date(),
      since: new Date(0),
    });
    expect(r.ruleErrors).toEqual([{ ruleId: 'boom', source: 'test', message: 'Error: kaput' }]);
    expect(r.findings).toHaveLength(2);
  });

  it('applies severity overrides, disabled rules and validates options by rule id', () => {
    const rules = [loaded('one', perDisk), loaded('two', perDisk)];
    const r = evaluate(inv, {
      rules,
      now: new Date(),
      since: new Date(0),
      settings: { one: { severity: 'critical' }, two: { enabled: false } },
    });
    expect(r.evaluated).toEqual(['one']);
    expect(new Set(r.findings.map((f) => f.severity))).toEqual(new Set(['critical']));
    expect(() =>
      evaluate(inv, {
        rules,
        now: new Date(),
        since: new Date(0),
        settings: { one: { options: { flag: 'yes' } } },
      }),
    ).toThrow(RuleOptionsError);
    expect(() =>
      evaluate(inv, { rules, now: new Date(), since: new Date(0), settings: { nope: {} } }),
    ).toThrow(/unknown rule id "nope"/);
  });

  it('sorts by severity first', () => {
    const base = {
      title: '',
      message: '',
      remediation: '',
      evidence: {},
      fingerprint: '',
      status: 'open' as const,
      resource: { type: 'disk' as const, id: 'd', region: null },
    };
    const list = [
      { ...base, ruleId: 'a', severity: 'low' as const },
      { ...base, ruleId: 'b', severity: 'critical' as const },
    ].sort(compareFindings);
    expect(list.map((f) => f.ruleId)).toEqual(['b', 'a']);
  });

  it('orders the same on every host, whatever its locale', () => {
    // Danish collation sorts "aa" after "z": a report's bytes must not depend on LANG
    const sortIn = (lang: string) =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { localeCompare } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'engine', 'finding.js'))});
           console.log(['bob', 'aage', 'Zed'].sort(localeCompare).join(','));`,
        ],
        { env: { ...process.env, LANG: lang, LC_ALL: lang }, encoding: 'utf8' },
      ).trim();
    expect(sortIn('da_DK.UTF-8')).toBe('aage,bob,Zed');
    expect(sortIn('en_US.UTF-8')).toBe('aage,bob,Zed');
  });
});
