/**
 * The rule tester must catch a broken rule: each deliberately broken variant
 * of a real rule fails the real rule's own case table.
 */
import { describe, expect, it } from 'vitest';
import { defineRule, type Rule, z } from '../../src/index.js';
import { checkCase, type InventoryFragment } from '../../src/testing/index.js';

const disks = (encrypted: boolean[]): InventoryFragment => ({
  ecs: {
    regions: [{ id: 'cn-hangzhou' }],
    securityGroups: [],
    instances: [],
    keyPairs: [],
    disks: encrypted.map((e, i) => ({
      id: `d-${i}`,
      region: 'cn-hangzhou',
      encrypted: e,
      category: 'cloud_essd',
      type: 'data',
      instanceId: null,
    })),
    invocations: [],
  } as never,
});

function diskRule(evaluate: Rule['evaluate']): Rule {
  return defineRule({
    meta: {
      id: 'test-disk',
      title: 'Disk not encrypted',
      severity: 'low',
      resourceTypes: ['disk'],
      rationale: 'r',
      remediation: 'r',
      references: [],
      options: z.object({}),
    },
    evaluate,
  }) as Rule;
}

const correct = diskRule(function* (ctx) {
  for (const d of ctx.inventory.ecs.disks) {
    if (!d.encrypted) {
      yield {
        resource: { type: 'disk', id: d.id, region: d.region },
        message: `${d.id}`,
        evidence: {},
      };
    }
  }
});

const broken: Record<string, Rule> = {
  'flags encrypted disks too': diskRule(function* (ctx) {
    for (const d of ctx.inventory.ecs.disks) {
      yield { resource: { type: 'disk', id: d.id, region: d.region }, message: 'x', evidence: {} };
    }
  }),
  'misses every disk': diskRule(function* () {}),
  'emits two findings for one disk': diskRule(function* (ctx) {
    for (const d of ctx.inventory.ecs.disks) {
      if (d.encrypted) continue;
      const f = {
        resource: { type: 'disk' as const, id: d.id, region: d.region },
        message: 'x',
        evidence: {},
      };
      yield f;
      yield f;
    }
  }),
  'reports the wrong resource type': diskRule(function* (ctx) {
    for (const d of ctx.inventory.ecs.disks) {
      if (!d.encrypted) {
        yield {
          resource: { type: 'instance', id: d.id, region: d.region },
          message: 'x',
          evidence: {},
        };
      }
    }
  }),
  'has an empty message': diskRule(function* (ctx) {
    for (const d of ctx.inventory.ecs.disks) {
      if (!d.encrypted)
        yield { resource: { type: 'disk', id: d.id, region: d.region }, message: '', evidence: {} };
    }
  }),
};

const cases = [
  { name: 'encrypted only', inventory: disks([true, true]), expected: [] },
  { name: 'one plain disk', inventory: disks([true, false]), expected: [{ id: 'd-1' }] },
];

describe('the rule tester', () => {
  it('passes the correct rule on every case', () => {
    for (const c of cases) checkCase(correct, c, c.expected);
  });

  it.each(Object.entries(broken))('catches a rule that %s', (_name, rule) => {
    const failures = cases.filter((c) => {
      try {
        checkCase(rule, c, c.expected);
        return false;
      } catch {
        return true;
      }
    });
    expect(failures.length).toBeGreaterThan(0);
  });

  it('checks messages and evidence when the case names them', () => {
    const c = cases[1]!;
    expect(() => checkCase(correct, c, [{ id: 'd-1', message: 'not this' }])).toThrow();
    expect(() => checkCase(correct, c, [{ id: 'd-1', evidence: { size: 40 } }])).toThrow();
    expect(() => checkCase(correct, c, [{ id: 'd-1', message: 'd-1' }])).not.toThrow();
  });

  it('a RegExp inside expected evidence must match (toMatchObject alone lets any value pass)', () => {
    const withNotes = diskRule(function* (ctx) {
      for (const d of ctx.inventory.ecs.disks) {
        if (d.encrypted) continue;
        const resource = { type: 'disk' as const, id: d.id, region: d.region };
        yield { resource, message: d.id, evidence: { notes: [{ message: 'Drop limited' }] } };
      }
    });
    const c = cases[1]!;
    const expecting = (re: RegExp) => [{ id: 'd-1', evidence: { notes: [{ message: re }] } }];
    expect(() => checkCase(withNotes, c, expecting(/^Nope/))).toThrow();
    expect(() => checkCase(withNotes, c, expecting(/^Drop limited$/))).not.toThrow();
  });
});
