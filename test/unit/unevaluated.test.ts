import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { READ_ACTIONS } from '../../src/collectors/gate.js';
import { RuleMetaError, validateRule } from '../../src/engine/meta.js';
import { type LoadedRule, loadBuiltinRules } from '../../src/engine/registry.js';
import { evaluate } from '../../src/engine/run.js';
import { defineRule, type ResourceType, type RuleFinding } from '../../src/engine/types.js';
import { completeness, DATA_KEYS, dataOf, READ_DATA } from '../../src/engine/unevaluated.js';
import type { CoverageEntry, Service } from '../../src/inventory/schema.js';
import { buildInventory } from '../../src/testing/rule-tester.js';

const NOW = new Date('2026-11-01T00:00:00Z');
const SINCE = new Date('2026-08-03T00:00:00Z');

function rule(
  id: string,
  resourceTypes: ResourceType[],
  reads: string[] | undefined,
  evaluateFn: (inv: ReturnType<typeof buildInventory>) => RuleFinding[] = () => [],
): LoadedRule {
  return {
    rule: defineRule({
      meta: {
        id,
        title: id,
        severity: 'high',
        resourceTypes,
        ...(reads ? { reads } : {}),
        rationale: 'r',
        remediation: 'f',
        references: [],
        options: z.object({}),
      },
      evaluate: (ctx) => evaluateFn(ctx.inventory),
    }),
    source: 'test',
  };
}

const denied = (c: Omit<CoverageEntry, 'error'>, code = 'Forbidden.RAM'): CoverageEntry => ({
  ...c,
  error: { code, message: 'denied' },
});

const sg = (id: string, region: string, rules?: unknown[]) => ({
  id,
  region,
  vpcId: 'vpc-1',
  ...(rules ? { rules } : {}),
});
const inst = (id: string, region: string, groups: string[]) => ({
  id,
  region,
  status: 'Running',
  securityGroupIds: groups,
  keyPairName: null,
  networkInterfaces: [{ id: `eni-${id}`, type: 'Primary', securityGroupIds: groups }],
});

function network(coverage: CoverageEntry[]) {
  return buildInventory({
    ecs: {
      securityGroups: [sg('sg-1', 'r1'), sg('sg-2', 'r1', []), sg('sg-3', 'r2', [])],
      instances: [
        inst('i-1', 'r1', ['sg-1']),
        inst('i-2', 'r1', ['sg-2']),
        inst('i-3', 'r2', ['sg-3']),
      ],
      keyPairs: [],
      disks: [],
      invocations: [],
    },
    coverage,
  } as never);
}

describe('the read-action table', () => {
  it('has a row for every action of READ_ACTIONS, each with a known data key', () => {
    const withoutRow = Object.entries(READ_ACTIONS).flatMap(([service, actions]) =>
      actions
        .filter((a) => !Object.hasOwn(READ_DATA[service as Service], a))
        .map((a) => `${service}:${a}`),
    );
    expect(withoutRow).toEqual([]);
    for (const [service, rows] of Object.entries(READ_DATA)) {
      for (const [action, row] of Object.entries(rows)) {
        expect(DATA_KEYS, `${service}:${action}`).toContain(row.key);
        expect(
          (READ_ACTIONS[service as Service] as readonly string[]).includes(action),
          `${service}:${action} is in READ_ACTIONS`,
        ).toBe(true);
      }
    }
  });

  it('parses the resources coverage entries name', () => {
    expect(
      dataOf({ service: 'ram', operation: 'GetAccessKeyLastUsed', resource: 'alice/LTAIx' }),
    ).toEqual({
      key: 'ram.users.accessKeys',
      named: { type: 'ram-user', id: 'alice' },
    });
    expect(dataOf({ service: 'ram', operation: 'ListAccessKeys', resource: '<root>' })).toEqual({
      key: 'root',
    });
    expect(dataOf({ service: 'ecs', operation: 'DescribeInstances' })).toEqual({
      key: 'ecs.instances',
    });
    expect(dataOf({ service: 'ecs', operation: 'NoSuchAction' })).toBeUndefined();
  });
});

describe('meta.reads', () => {
  it('every built-in rule declares what it reads, in the shared vocabulary', async () => {
    for (const { rule: r } of await loadBuiltinRules()) {
      expect(r.meta.reads, `${r.meta.id} declares meta.reads`).toBeDefined();
      expect(r.meta.reads!.length, r.meta.id).toBeGreaterThan(0);
      for (const key of r.meta.reads!) expect(DATA_KEYS, r.meta.id).toContain(key);
    }
  });

  it('rejects a malformed data key', () => {
    const bad = rule('bad-reads', ['disk'], ['ecs disks']).rule;
    expect(() => validateRule(bad, 'x.ts')).toThrow(RuleMetaError);
    expect(() => validateRule(bad, 'x.ts')).toThrow('meta.reads[0]: must be a dotted data key');
  });
});

describe('isComplete', () => {
  const is = completeness([
    denied({ service: 'ecs', region: 'r1', operation: 'DescribeInstances' }),
    denied({ service: 'ram', region: null, operation: 'GetUserMFAInfo', resource: 'bob' }),
  ]);
  it('answers by key, parent list and region', () => {
    expect(is('ecs.instances', 'r1')).toBe(false);
    expect(is('ecs.instances.metadataOptions', 'r1')).toBe(false);
    expect(is('ecs.instances', 'r2')).toBe(true);
    expect(is('ecs.instances')).toBe(false);
    expect(is('ecs.disks')).toBe(true);
    expect(is('ram.users.mfaDevice', 'r2')).toBe(false);
    expect(is('ram.users')).toBe(true);
  });
});

describe('unevaluated pairs', () => {
  const sgRule = rule('sg-rule', ['security-group'], ['ecs.securityGroups.rules']);
  const instRule = rule(
    'inst-rule',
    ['instance'],
    ['ecs.instances.networkInterfaces', 'ecs.securityGroups.rules'],
  );
  const diskRule = rule('disk-rule', ['disk'], ['ecs.disks']);

  it('a group whose rules could not be read: that group for group rules, the instances using it for instance rules', () => {
    const inv = network([
      denied({
        service: 'ecs',
        region: 'r1',
        operation: 'DescribeSecurityGroupAttribute',
        resource: 'sg-1',
      }),
    ]);
    const r = evaluate(inv, { rules: [sgRule, instRule, diskRule], now: NOW, since: SINCE });
    expect(r.unevaluated).toEqual([
      {
        ruleId: 'sg-rule',
        resource: { type: 'security-group', id: 'sg-1', region: 'r1' },
        reason: 'DescribeSecurityGroupAttribute: Forbidden.RAM',
        coverage: 0,
      },
      {
        ruleId: 'inst-rule',
        resource: { type: 'instance', id: 'i-1', region: 'r1' },
        reason: 'DescribeSecurityGroupAttribute: Forbidden.RAM',
        coverage: 0,
      },
    ]);
  });

  it('an incomplete list: every known resource of the region plus the whole scope; findings from what was read stay', () => {
    const inv = network([
      denied({ service: 'ecs', region: 'r1', operation: 'DescribeSecurityGroups' }),
    ]);
    const flagging = rule('sg-flag', ['security-group'], ['ecs.securityGroups.rules'], () => [
      {
        resource: { type: 'security-group', id: 'sg-2', region: 'r1' },
        message: 'open',
        evidence: {},
      },
    ]);
    const r = evaluate(inv, { rules: [flagging], now: NOW, since: SINCE });
    expect(r.findings.map((f) => f.resource.id)).toEqual(['sg-2']);
    expect(r.unevaluated.map((p) => p.resource?.id ?? null)).toEqual(['sg-1', null]);
  });

  it('a finding on the resource whose data is missing is dropped (its verdict rested on it)', () => {
    const inv = buildInventory({
      ecs: {
        securityGroups: [],
        instances: [],
        keyPairs: [],
        invocations: [],
        disks: [
          { id: 'd-1', region: 'r1', instanceId: null },
          { id: 'd-2', region: 'r1', instanceId: null },
        ],
      },
      coverage: [
        denied(
          { service: 'ecs', region: 'r1', operation: 'DescribeDisks', resource: 'd-1' },
          'MissingField',
        ),
      ],
    } as never);
    const guessing = rule('disk-guess', ['disk'], ['ecs.disks'], (i) =>
      i.ecs.disks.map((d) => ({
        resource: { type: 'disk' as const, id: d.id, region: d.region },
        message: 'not encrypted',
        evidence: {},
      })),
    );
    const r = evaluate(inv, { rules: [guessing], now: NOW, since: SINCE });
    expect(r.findings.map((f) => f.resource.id)).toEqual(['d-2']);
    expect(r.unevaluated).toEqual([
      {
        ruleId: 'disk-guess',
        resource: { type: 'disk', id: 'd-1', region: 'r1' },
        reason: 'DescribeDisks: MissingField',
        coverage: 0,
      },
    ]);
  });

  it('rules that do not read the data are untouched; a rule without reads is taken to read everything', () => {
    const inv = network([denied({ service: 'ram', region: null, operation: 'GetPasswordPolicy' })]);
    const custom = rule('custom', ['account'], undefined);
    const pw = rule('pw', ['account'], ['ram.passwordPolicy']);
    const r = evaluate(inv, { rules: [sgRule, custom, pw], now: NOW, since: SINCE });
    const account = { type: 'account', id: inv.account.id, region: null };
    expect(r.unevaluated.map((p) => [p.ruleId, p.resource])).toEqual([
      ['custom', account],
      ['custom', null],
      ['pw', account],
      ['pw', null],
    ]);
  });

  it('without the region list every regional rule is not evaluated: `--regions all` read no region', () => {
    const inv = buildInventory({
      coverage: [denied({ service: 'ecs', region: null, operation: 'DescribeRegions' })],
    } as never);
    const pw = rule('pw', ['account'], ['ram.passwordPolicy']);
    const r = evaluate(inv, { rules: [sgRule, diskRule, pw], now: NOW, since: SINCE });
    expect(r.unevaluated.map((p) => [p.ruleId, p.resource])).toEqual([
      ['sg-rule', null],
      ['disk-rule', null],
    ]);
    const is = completeness(inv.coverage);
    expect(is('ecs.instances', 'cn-hangzhou')).toBe(false);
    expect(is('actiontrail.trails')).toBe(false);
    expect(is('ram.users')).toBe(true);
  });

  it('a RAM group or policy that could not be read leaves its members and holders unevaluated', () => {
    const inv = buildInventory({
      ram: {
        users: [
          { name: 'alice', groups: ['ops'], policies: [] },
          { name: 'bob', groups: [], policies: [{ name: 'P', type: 'Custom' }] },
          { name: 'carol', groups: [], policies: [] },
        ],
        groups: [{ name: 'ops', policies: [{ name: 'G', type: 'Custom' }] }],
        roles: [{ name: 'r', policies: [{ name: 'P', type: 'Custom' }] }],
        policies: [],
      },
      coverage: [
        // the group's policy: the group and its members
        denied({ service: 'ram', region: null, operation: 'GetPolicy', resource: 'G' }),
        denied({ service: 'ram', region: null, operation: 'GetPolicy', resource: 'P' }),
      ],
    } as never);
    const admin = rule(
      'admin',
      ['ram-user', 'ram-group', 'ram-role'],
      ['ram.users.policies', 'ram.groups.policies', 'ram.roles.policies', 'ram.policies'],
    );
    const r = evaluate(inv, { rules: [admin], now: NOW, since: SINCE });
    expect(r.unevaluated.map((p) => `${p.resource?.type}:${p.resource?.id}:${p.coverage}`)).toEqual(
      ['ram-user:alice:0', 'ram-group:ops:0', 'ram-user:bob:1', 'ram-role:r:1'],
    );
  });

  it('a policy that could not be read leaves unevaluated who holds it at a resource group’s scope', () => {
    const rg = (principalName: string, principalType: string, resourceGroupId = 'rg-1') => ({
      principalName,
      principalType,
      policyName: 'P',
      policyType: 'Custom',
      resourceGroupId,
    });
    const inv = buildInventory({
      ram: {
        users: [
          { name: 'bob', groups: [], policies: [] },
          { name: 'dave', groups: ['ops'], policies: [] },
          { name: 'erin', groups: [], policies: [] },
          { name: 'frank', groups: [], policies: [] },
        ],
        groups: [{ name: 'ops', policies: [] }],
        roles: [{ name: 'r', policies: [] }],
        policies: [],
        resourceGroupAttachments: [
          // RAM names without case, the part before `@`
          rg('Bob@corp.onaliyun.com', 'IMSUser'),
          rg('ops@group.corp.onaliyun.com', 'IMSGroup'),
          rg('r@role.corp.onaliyunservice.com', 'ServiceRole'),
          // the account's own scope is RAM's attachment, which the principal listing holds
          rg('erin@corp.onaliyun.com', 'IMSUser', '1234567890123456'),
        ],
      },
      coverage: [denied({ service: 'ram', region: null, operation: 'GetPolicy', resource: 'P' })],
    } as never);
    const admin = rule(
      'admin',
      ['ram-user', 'ram-group', 'ram-role'],
      ['ram.users.policies', 'ram.groups.policies', 'ram.roles.policies', 'ram.policies'],
    );
    const r = evaluate(inv, { rules: [admin], now: NOW, since: SINCE });
    expect(r.unevaluated.map((p) => `${p.resource?.type}:${p.resource?.id}:${p.coverage}`)).toEqual(
      ['ram-user:bob:0', 'ram-user:dave:0', 'ram-group:ops:0', 'ram-role:r:0'],
    );
  });

  it('a rule that throws is not evaluated on its whole scope, pointing at its coverage entry', () => {
    const inv = network([denied({ service: 'ecs', region: 'r2', operation: 'DescribeDisks' })]);
    const throwing = rule('throws', ['instance'], ['ecs.instances'], () => {
      throw new Error('boom');
    });
    const r = evaluate(inv, { rules: [throwing, diskRule], now: NOW, since: SINCE });
    expect(r.unevaluated).toEqual([
      { ruleId: 'disk-rule', resource: null, reason: 'DescribeDisks: Forbidden.RAM', coverage: 0 },
      { ruleId: 'throws', resource: null, reason: 'evaluate: RuleError', coverage: 1 },
    ]);
  });

  it('MissingField on a disk or an instance: the host rules give no finding and the engine lists the pair', async () => {
    const builtins = (await loadBuiltinRules()).filter((r) =>
      ['disk-not-encrypted', 'instance-metadata-tokens-optional'].includes(r.rule.meta.id),
    );
    const missing = (operation: string, resource: string): CoverageEntry =>
      denied({ service: 'ecs', region: 'r1', operation, resource }, 'MissingField');
    const inv = buildInventory({
      ecs: {
        securityGroups: [],
        keyPairs: [],
        invocations: [],
        instances: [
          { ...inst('i-1', 'r1', []), metadataOptions: { httpEndpoint: 'enabled' } },
          {
            ...inst('i-2', 'r1', []),
            metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'optional' },
          },
        ],
        disks: [
          { id: 'd-1', region: 'r1', instanceId: 'i-1' },
          { id: 'd-2', region: 'r1', instanceId: 'i-2', encrypted: false },
        ],
      },
      coverage: [missing('DescribeDisks', 'd-1'), missing('DescribeInstances', 'i-1')],
    } as never);
    const r = evaluate(inv, { rules: builtins, now: NOW, since: SINCE });
    expect(r.findings.map((f) => `${f.ruleId} ${f.resource.id}`).sort()).toEqual([
      'disk-not-encrypted d-2',
      'instance-metadata-tokens-optional i-2',
    ]);
    expect(r.unevaluated.map((u) => `${u.ruleId} ${u.resource?.id} ${u.reason}`)).toEqual([
      'disk-not-encrypted d-1 DescribeDisks: MissingField',
      'instance-metadata-tokens-optional i-1 DescribeInstances: MissingField',
    ]);
  });

  it('a MissingField entry that names a finer field concerns only the rules reading it', () => {
    const field = (message: string): CoverageEntry => ({
      service: 'ecs',
      region: 'r1',
      operation: 'DescribeInstances',
      resource: 'i-1',
      error: { code: 'MissingField', message },
    });
    expect(dataOf(field('MetadataOptions.HttpTokens is absent'))).toEqual({
      key: 'ecs.instances.metadataOptions',
      named: { type: 'instance', id: 'i-1' },
    });
    expect(dataOf(field('OSType is absent'))?.key).toBe('ecs.instances.osType');
    expect(dataOf(field('Status is absent'))?.key).toBe('ecs.instances');
    const inv = network([field('MetadataOptions.HttpTokens is absent')]);
    const password = rule('password', ['instance'], ['ecs.instances'], () => [
      {
        resource: { type: 'instance', id: 'i-1', region: 'r1' },
        message: 'no key pair',
        evidence: {},
      },
    ]);
    const tokens = rule('tokens', ['instance'], ['ecs.instances.metadataOptions']);
    const r = evaluate(inv, { rules: [password, tokens], now: NOW, since: SINCE });
    expect(r.findings.map((f) => f.ruleId)).toEqual(['password']);
    expect(r.unevaluated.map((u) => `${u.ruleId} ${u.resource?.id}`)).toEqual(['tokens i-1']);
  });
});
