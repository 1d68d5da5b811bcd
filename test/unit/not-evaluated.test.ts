/**
 * `ctx.notEvaluated`: a rule that cannot judge a resource says so, and the
 * engine lists the pair as "not evaluated" under a coverage entry of the rule's
 * own, unless a coverage entry already explains it (rules.md "Coverage and not
 * evaluated": silence is never a pass).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LoadedRule } from '../../src/engine/registry.js';
import { evaluate } from '../../src/engine/run.js';
import { defineRule, type RuleContext, type RuleFinding } from '../../src/engine/types.js';
import { buildReport } from '../../src/report/build.js';
import { exitCodeFor } from '../../src/report/exit.js';
import { buildInventory } from '../../src/testing/rule-tester.js';

const NOW = new Date('2026-11-01T00:00:00Z');
const SINCE = new Date('2026-08-03T00:00:00Z');
const R = 'cn-hangzhou';

const groupRef = (id: string) => ({ type: 'security-group' as const, id, region: R });

function rule(id: string, body: (ctx: RuleContext<unknown>) => RuleFinding[]): LoadedRule {
  return {
    rule: defineRule({
      meta: {
        id,
        title: id,
        severity: 'high',
        resourceTypes: ['security-group'],
        reads: ['ecs.securityGroups.rules'],
        rationale: 'r',
        remediation: 'f',
        references: [],
        options: z.object({}),
      },
      evaluate: (ctx) => body(ctx as RuleContext<unknown>),
    }),
    source: 'test',
  };
}

const inventory = (coverage: unknown[] = []) =>
  buildInventory({
    ecs: {
      securityGroups: [
        { id: 'sg-1', region: R, vpcId: 'vpc-1', rules: [] },
        { id: 'sg-2', region: R, vpcId: 'vpc-1', rules: [] },
        // rules unread: the collector's coverage entry below names it
        { id: 'sg-9', region: R, vpcId: 'vpc-1' },
      ],
    },
    coverage: coverage as never,
  });

const gap = {
  service: 'ecs',
  region: R,
  operation: 'DescribeSecurityGroupAttribute',
  resource: 'sg-9',
  error: { code: 'Throttling.User', message: 'throttled' },
};

function run(rules: LoadedRule[], coverage: unknown[] = []) {
  const inv = inventory(coverage);
  const evaluation = evaluate(inv, { rules, now: NOW, since: SINCE });
  const report = buildReport({
    inventory: inv,
    evaluation,
    rules,
    startedAt: NOW,
    finishedAt: NOW,
    since: SINCE,
    source: 'snapshot',
  });
  return { evaluation, report };
}

describe('a rule that cannot judge a resource', () => {
  it('is listed as not evaluated under one coverage entry of its own, and the scan exits 3', () => {
    const { report } = run([
      rule('undecided', (ctx) => {
        ctx.notEvaluated(groupRef('sg-1'), 'the document of Custom policy p is malformed');
        ctx.notEvaluated(groupRef('sg-2'), 'its rules name a list the analysis cannot place');
        return [];
      }),
    ]);
    expect(report.coverage).toEqual([
      {
        service: 'rule',
        region: null,
        operation: 'evaluate',
        resource: 'undecided',
        error: {
          code: 'NotEvaluated',
          message: `test: could not judge 2 resource(s), first security-group sg-1 in ${R}: the document of Custom policy p is malformed`,
        },
      },
    ]);
    expect(report.unevaluated).toEqual([
      {
        ruleId: 'undecided',
        resource: groupRef('sg-1'),
        reason: 'the document of Custom policy p is malformed',
        coverage: 0,
      },
      {
        ruleId: 'undecided',
        resource: groupRef('sg-2'),
        reason: 'its rules name a list the analysis cannot place',
        coverage: 0,
      },
    ]);
    expect(report.summary.unevaluated).toBe(2);
    expect(exitCodeFor(report, 'critical')).toBe(3);
  });

  it('is not listed twice, nor given an entry, when a coverage entry already explains the pair', () => {
    const { report } = run(
      [
        rule('undecided', (ctx) => {
          ctx.notEvaluated(groupRef('sg-9'), 'its rules could not be read');
          return [];
        }),
      ],
      [gap],
    );
    expect(report.coverage.map((c) => c.error.code)).toEqual(['Throttling.User']);
    expect(report.unevaluated).toEqual([
      {
        ruleId: 'undecided',
        resource: groupRef('sg-9'),
        reason: 'DescribeSecurityGroupAttribute: Throttling.User',
        coverage: 0,
      },
    ]);
  });

  it('a finding on the same resource wins; the same resource said twice is one pair', () => {
    const { report } = run([
      rule('mixed', (ctx) => {
        ctx.notEvaluated(groupRef('sg-1'), 'one policy unknown');
        ctx.notEvaluated(groupRef('sg-2'), 'first reason');
        ctx.notEvaluated(groupRef('sg-2'), 'second reason');
        return [{ resource: groupRef('sg-1'), message: 'open', evidence: {} }];
      }),
    ]);
    expect(report.findings.map((f) => f.resource.id)).toEqual(['sg-1']);
    expect(report.unevaluated?.map((u) => [u.resource?.id, u.reason])).toEqual([
      ['sg-2', 'first reason'],
    ]);
    expect(report.coverage[0]?.error.message).toContain('could not judge 1 resource(s)');
  });

  it("comes after the inventory's entries and the rule errors, one entry per rule in rule order", () => {
    const { report } = run(
      [
        rule('a-undecided', (ctx) => {
          ctx.notEvaluated(groupRef('sg-2'), 'why a');
          return [];
        }),
        rule('b-broken', (ctx) => {
          // said, then threw: the rule's error stands for all of it
          ctx.notEvaluated(groupRef('sg-1'), 'never listed');
          throw new Error('boom');
        }),
        rule('c-undecided', (ctx) => {
          ctx.notEvaluated(groupRef('sg-1'), 'why c');
          return [];
        }),
      ],
      [gap],
    );
    expect(report.coverage.map((c) => [c.resource, c.error.code])).toEqual([
      ['sg-9', 'Throttling.User'],
      ['b-broken', 'RuleError'],
      ['a-undecided', 'NotEvaluated'],
      ['c-undecided', 'NotEvaluated'],
    ]);
    const pairs = report.unevaluated?.map((u) => [u.ruleId, u.resource?.id ?? null, u.coverage]);
    expect(pairs).toEqual(
      expect.arrayContaining([
        ['b-broken', null, 1],
        ['a-undecided', 'sg-2', 2],
        ['c-undecided', 'sg-1', 3],
      ]),
    );
    expect(pairs?.some(([id, r]) => id === 'b-broken' && r === 'sg-1')).toBe(false);
    // every pair points at an entry of its own rule's cause
    for (const u of report.unevaluated ?? []) expect(report.coverage[u.coverage]).toBeDefined();
  });
});
