/**
 * A custom rule cannot break the scan or the other rules: a finding of the
 * wrong shape fails that rule only (it crashed every formatter and broke the
 * report schema), a rule's own memo key cannot replace the engine's analysis,
 * and the rule tester judges a rule exactly as the scan loads and runs it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleMetaError, validateRule } from '../../src/engine/meta.js';
import { type LoadedRule, loadBuiltinRules } from '../../src/engine/registry.js';
import { evaluate, InvalidFindingError, RuleOptionsError } from '../../src/engine/run.js';
import { exposureIndex, type Inventory, type Rule, reachabilityIndex, z } from '../../src/index.js';
import { ReportSchema } from '../../src/report/schema.js';
import {
  checkCase,
  evaluateRule,
  makeDisk,
  makeInstance,
  makeInventory,
  makeRule,
  makeSecurityGroup,
  testRule,
} from '../../src/testing/index.js';
import { runCli } from '../helpers/cli.js';

const NOW = new Date('2026-11-01T00:00:00Z');
const SINCE = new Date(NOW.getTime() - 90 * 86_400_000);

const openSsh = (): Inventory =>
  makeInventory({
    ecs: {
      securityGroups: [
        makeSecurityGroup({ rules: [makeRule({ portRange: '22/22', sourceCidrIp: '0.0.0.0/0' })] }),
      ],
      instances: [makeInstance()],
      disks: [makeDisk()],
    },
  });

/** a custom rule over instances yielding `make(instance)` for each */
function instanceRule(
  id: string,
  make: (i: Inventory['ecs']['instances'][number]) => unknown,
  extra: Record<string, unknown> = {},
): Rule {
  return {
    meta: {
      id,
      title: 'T',
      severity: 'low',
      resourceTypes: ['instance'],
      rationale: 'r',
      remediation: 'x',
      references: [],
      options: z.object({}),
      ...extra,
    },
    *evaluate(ctx) {
      for (const i of ctx.inventory.ecs.instances) yield make(i) as never;
    },
  } as Rule;
}

const custom = (rule: Rule): LoadedRule => ({ rule, source: `/rules/${rule.meta.id}.ts` });

const res = (i: { id: string; region: string }) => ({
  type: 'instance',
  id: i.id,
  region: i.region,
});

/** what the audit's rules yielded, and the reason the scan now gives */
const BAD: Array<[string, (i: { id: string; region: string }) => unknown, string]> = [
  ['no evidence', (i) => ({ resource: res(i), message: 'm' }), 'evidence must be an object'],
  [
    'evidence: null',
    (i) => ({ resource: res(i), message: 'm', evidence: null }),
    'evidence must be an object',
  ],
  [
    'evidence: an array',
    (i) => ({ resource: res(i), message: 'm', evidence: [1] }),
    'evidence must be an object',
  ],
  [
    'a resource without id',
    (i) => ({ resource: { type: 'instance', region: i.region }, message: 'm', evidence: {} }),
    'resource.id must be a non-empty string',
  ],
  [
    'a resource without region',
    (i) => ({ resource: { type: 'instance', id: i.id }, message: 'm', evidence: {} }),
    'resource.region must be a string or null',
  ],
  [
    'message: 42',
    (i) => ({ resource: res(i), message: 42, evidence: {} }),
    'message must be a non-empty string',
  ],
  ['no message', (i) => ({ resource: res(i), evidence: {} }), 'message must be a non-empty string'],
  [
    'a resource type that does not exist',
    (i) => ({ resource: { ...res(i), type: 'vpc' }, message: 'm', evidence: {} }),
    'resource.type "vpc" is not a resource type',
  ],
  [
    'a resource type outside meta.resourceTypes',
    (i) => ({ resource: { ...res(i), type: 'disk' }, message: 'm', evidence: {} }),
    'resource.type "disk" is not in meta.resourceTypes (instance)',
  ],
  [
    'controls that are not lists',
    (i) => ({ resource: res(i), message: 'm', evidence: {}, controls: { cis: '4.1' } }),
    'controls must map each framework to an array of control ids',
  ],
  ['not an object', () => 'finding', 'must be an object, got "finding"'],
  ['no resource', () => ({ message: 'm', evidence: {} }), 'resource must be an object'],
];

describe('a finding of the wrong shape fails its rule, not the scan', () => {
  it.each(BAD)(
    '%s: a RuleError for that rule, the other rules still run',
    async (_n, make, why) => {
      const builtins = await loadBuiltinRules();
      const bad = custom(instanceRule('acme-bad', make));
      const inventory = openSsh();
      const r = evaluate(inventory, { rules: [bad, ...builtins], now: NOW, since: SINCE });
      expect(r.ruleErrors).toEqual([
        { ruleId: 'acme-bad', source: bad.source, message: expect.any(String) },
      ]);
      expect(r.ruleErrors[0]!.message).toMatch(/^InvalidFinding: finding 1: /);
      expect(r.ruleErrors[0]!.message).toContain(why);
      // as for a rule that throws: one whole-scope pair pointing at the rule's coverage entry
      expect(r.unevaluated).toContainEqual(
        expect.objectContaining({
          ruleId: 'acme-bad',
          resource: null,
          coverage: inventory.coverage.length,
        }),
      );
      expect(r.findings.filter((f) => f.ruleId === 'acme-bad')).toEqual([]);
      expect(r.findings.map((f) => f.ruleId)).toContain('sg-admin-port-open-to-internet');
    },
  );

  it('every built-in rule yields well-formed findings (on a world that flags many)', async () => {
    const builtins = await loadBuiltinRules();
    const r = evaluate(openSsh(), { rules: builtins, now: NOW, since: SINCE });
    expect(r.ruleErrors).toEqual([]);
    expect(r.findings.length).toBeGreaterThan(0);
  });

  it('the scan: exit 1 with the rule error as coverage, every format renders, the JSON report is valid', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'ecs-audit-shape-'));
    const dir = path.join(base, 'rules');
    mkdirSync(dir);
    // the audit's m/18-no-evidence
    writeFileSync(
      path.join(dir, 'r.ts'),
      `import { defineRule, z } from 'ecs-audit';
export default defineRule({
  meta: { id: 'acme-noevidence', title: 'T', severity: 'low', resourceTypes: ['instance'], reads: ['ecs.instances'],
    rationale: 'r', remediation: 'x', references: [], options: z.object({}) },
  *evaluate(ctx) { for (const i of ctx.inventory.ecs.instances) yield { resource: { type: 'instance', id: i.id, region: i.region }, message: 'm' } as any; },
});`,
    );
    const snap = path.join(base, 'snap.json');
    writeFileSync(snap, JSON.stringify(openSsh()));
    const scan = (format: string) =>
      runCli(['scan', '--snapshot', snap, '--format', format, '--rules-dir', dir]);
    const json = await scan('json');
    expect(json.stderr).not.toContain('internal error');
    const report = ReportSchema.parse(JSON.parse(json.stdout));
    expect(report.coverage).toContainEqual(
      expect.objectContaining({ service: 'rule', resource: 'acme-noevidence' }),
    );
    expect(json.stderr).toContain(
      'rule acme-noevidence failed (' +
        path.join(dir, 'r.ts') +
        '): InvalidFinding: finding 1: evidence must be an object',
    );
    expect(json.code).toBe(1);
    for (const format of ['table', 'sarif', 'markdown', 'junit']) {
      const out = await scan(format);
      expect(out.stderr, format).not.toContain('internal error');
      expect(out.code, format).toBe(1);
    }
  });
});

describe("a rule's memo keys cannot replace the engine's analysis", () => {
  it("ctx.memo('exposure') and ctx.memo('reachability') in a custom rule leave the network rules intact", async () => {
    const builtins = await loadBuiltinRules();
    // the audit's memo/r.js: its own Map under the names the engine used
    const squatter = custom({
      ...instanceRule('acme-memo', () => undefined),
      evaluate(ctx) {
        ctx.memo('exposure', () => new Map());
        ctx.memo('reachability', () => new Map());
        return [];
      },
    });
    const alone = evaluate(openSsh(), { rules: builtins, now: NOW, since: SINCE });
    const r = evaluate(openSsh(), { rules: [squatter, ...builtins], now: NOW, since: SINCE });
    expect(r.ruleErrors).toEqual([]);
    expect(r.findings.map((f) => f.fingerprint)).toEqual(alone.findings.map((f) => f.fingerprint));
    expect(r.findings.some((f) => f.severity === 'critical')).toBe(true);
  });

  it('a custom rule calling the public helpers shares the index the scan computed', async () => {
    const builtins = await loadBuiltinRules();
    const seen: unknown[] = [];
    const peek = (id: string): LoadedRule =>
      custom({
        ...instanceRule(id, () => undefined),
        evaluate(ctx) {
          seen.push(exposureIndex(ctx), reachabilityIndex(ctx));
          return [];
        },
      });
    evaluate(openSsh(), {
      rules: [peek('acme-a'), ...builtins, peek('acme-b')],
      now: NOW,
      since: SINCE,
    });
    expect(seen).toHaveLength(4);
    expect(seen[0]).toBe(seen[2]);
    expect(seen[1]).toBe(seen[3]);
    expect(typeof (seen[0] as { groupExposure?: unknown }).groupExposure).toBe('function');
  });
});

describe('the rule tester judges a rule as the scan does', () => {
  const inventory = { ecs: { instances: [makeInstance()] } };

  it('an id the loader rejects (Acme_Bad) fails the tester with the loader message', () => {
    const rule = instanceRule('Acme_Bad', () => undefined);
    const message = 'rule tester: meta.id: must be kebab-case (a-z, 0-9, single dashes)';
    expect(() =>
      validateRule(
        instanceRule('Acme_Bad', () => undefined),
        'rule tester',
      ),
    ).toThrow(message);
    expect(() => checkCase(rule, { name: 'x', inventory }, [])).toThrow(RuleMetaError);
    expect(() => checkCase(rule, { name: 'x', inventory }, [])).toThrow(message);
    expect(() =>
      testRule(rule, {
        valid: [{ name: 'ok', inventory }],
        invalid: [{ name: 'bad', inventory, findings: [] }],
      }),
    ).toThrow(message);
  });

  it('a JS rule without options runs in the tester as in the scan (options default to z.object({}))', () => {
    const make = () => {
      const rule = instanceRule('acme-noopts', (i) => ({
        resource: res(i),
        message: 'm',
        evidence: {},
      }));
      delete (rule.meta as { options?: unknown }).options;
      return rule;
    };
    expect(evaluateRule(make(), { name: 'x', inventory })).toHaveLength(1);
    const r = evaluate(makeInventory(inventory), {
      rules: [custom(validateRule(make(), 'x.js'))],
      now: NOW,
      since: SINCE,
    });
    expect(r.findings).toHaveLength(1);
  });

  it('a misspelt option in a case fails as it fails in the config', () => {
    const rule = instanceRule('acme-opt', () => undefined, {
      options: z.object({ prefix: z.string().default('acme-') }),
    });
    expect(() =>
      evaluateRule(rule, { name: 'x', inventory, options: { prefx: 'a' } as never }),
    ).toThrow(RuleOptionsError);
  });

  it.each(BAD)('%s: the tester fails with the reason the scan gives', (_n, make) => {
    const rule = instanceRule('acme-bad', make);
    let tester: unknown;
    try {
      evaluateRule(rule, { name: 'x', inventory });
    } catch (err) {
      tester = err;
    }
    expect(tester).toBeInstanceOf(InvalidFindingError);
    const scan = evaluate(makeInventory(inventory), {
      rules: [custom(instanceRule('acme-bad', make))],
      now: NOW,
      since: SINCE,
    });
    expect(scan.ruleErrors.map((e) => e.message)).toEqual([
      `InvalidFinding: ${(tester as Error).message}`,
    ]);
  });
});

describe('meta.options', () => {
  it('a schema that is not an object says options must be a z.object', () => {
    const rule = instanceRule('acme-opt-string', () => undefined, {
      options: z.string().default('x'),
    });
    expect(() => validateRule(rule, 'r.ts')).toThrow(
      'r.ts: meta.options must be a z.object({ ... }) of options, each with a default (this schema expects string, not an object)',
    );
  });

  it('an object whose option lacks a default still says so', () => {
    const rule = instanceRule('acme-opt', () => undefined, {
      options: z.object({ prefix: z.string() }),
    });
    expect(() => validateRule(rule, 'r.ts')).toThrow(
      /^r\.ts: meta\.options: every option needs a default/,
    );
  });
});

describe('aroundRule', () => {
  it('is called around every rule that runs, and its end also when the rule throws or yields a bad finding', () => {
    const log: string[] = [];
    const rule = (id: string, body: () => void): LoadedRule =>
      custom({
        ...instanceRule(id, () => undefined),
        evaluate() {
          log.push(`run ${id}`);
          body();
          return [];
        },
      });
    const rules = [
      rule('acme-a', () => {}),
      rule('acme-b', () => {
        throw new Error('boom');
      }),
      custom(instanceRule('acme-c', (i) => ({ resource: res(i), message: 'm' }))),
      rule('acme-d', () => {}),
      rule('acme-off', () => {}),
    ];
    const r = evaluate(openSsh(), {
      rules,
      now: NOW,
      since: SINCE,
      settings: { 'acme-off': { enabled: false } },
      aroundRule: (loaded) => {
        log.push(`before ${loaded.rule.meta.id} ${loaded.source}`);
        return () => log.push(`after ${loaded.rule.meta.id}`);
      },
    });
    expect(r.ruleErrors.map((e) => e.ruleId)).toEqual(['acme-b', 'acme-c']);
    expect(log).toEqual([
      'before acme-a /rules/acme-a.ts',
      'run acme-a',
      'after acme-a',
      'before acme-b /rules/acme-b.ts',
      'run acme-b',
      'after acme-b',
      'before acme-c /rules/acme-c.ts',
      'after acme-c',
      'before acme-d /rules/acme-d.ts',
      'run acme-d',
      'after acme-d',
    ]);
  });

  it('may return nothing for a rule it leaves alone', () => {
    const r = evaluate(openSsh(), {
      rules: [
        custom(instanceRule('acme-a', (i) => ({ resource: res(i), message: 'm', evidence: {} }))),
      ],
      now: NOW,
      since: SINCE,
      aroundRule: () => undefined,
    });
    expect(r.findings).toHaveLength(1);
  });
});
