/**
 * Resource-group-scope policy attachments (issue #15): Resource Manager
 * ListPolicyAttachments through the real SDK client against the emulator,
 * paged, account-scope entries left to RAM, their policies fetched with
 * GetPolicy, and a failed listing left unknown (coverage, field absent).
 */
import { describe, expect, it } from 'vitest';
import runAsRule from '../../rules/identity/ram-command-run-as-root.js';
import adminRule from '../../rules/identity/ram-policy-admin-access.js';
import type { WorldInput } from '../../src/emulator/world.js';
import { evaluate } from '../../src/engine/run.js';
import { ACCOUNT, baseWorld, isolateCollectorRuns, NOW, runCollect, SINCE } from './harness.js';

isolateCollectorRuns();

const attachment = (
  PrincipalName: string,
  PrincipalType: string,
  PolicyName: string,
  ResourceGroupId = 'rg-prod',
  PolicyType = 'System',
) => ({ PrincipalName, PrincipalType, PolicyName, PolicyType, ResourceGroupId });

function world(extra: Partial<WorldInput> = {}): WorldInput {
  return baseWorld({
    ram: {
      Users: [{ UserName: 'bob' }, { UserName: 'carol', Groups: ['ops'] }],
      Groups: [{ GroupName: 'ops' }],
      Roles: [
        {
          RoleName: 'deployer',
          AssumeRolePolicyDocument: {
            Version: '1',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'sts:AssumeRole',
                Principal: { Service: ['ecs.aliyuncs.com'] },
              },
            ],
          },
        },
      ],
      Policies: [
        {
          PolicyName: 'AdministratorAccess',
          PolicyType: 'System',
          PolicyDocument: {
            Version: '1',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          },
        },
        {
          PolicyName: 'runner',
          PolicyType: 'Custom',
          PolicyDocument: {
            Version: '1',
            Statement: [{ Effect: 'Allow', Action: 'ecs:RunCommand', Resource: '*' }],
          },
        },
        {
          PolicyName: 'AliyunECSReadOnlyAccess',
          PolicyType: 'System',
          PolicyDocument: {
            Version: '1',
            Statement: [{ Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' }],
          },
        },
      ],
    },
    resourceManager: {
      PolicyAttachments: [
        attachment('bob@example.onaliyun.com', 'IMSUser', 'AdministratorAccess'),
        attachment('ops@group.example.onaliyun.com', 'IMSGroup', 'runner', 'rg-dev', 'Custom'),
        attachment(
          'deployer@role.example.onaliyunservice.com',
          'ServiceRole',
          'AliyunECSReadOnlyAccess',
        ),
        // account scope: RAM's own attachment, which ListPoliciesForUser already reports (here it does not)
        attachment('carol@example.onaliyun.com', 'IMSUser', 'AdministratorAccess', ACCOUNT),
      ],
    },
    ...extra,
  });
}

describe('resource-group policy attachments', () => {
  it('reads every page, keeps rg- entries only, and fetches their policies', async () => {
    const { inventory, emulator } = await runCollect(world(), { maxPageSize: 1 });
    expect(inventory.coverage).toEqual([]);
    expect(inventory.ram.resourceGroupAttachments).toEqual([
      {
        principalName: 'bob@example.onaliyun.com',
        principalType: 'IMSUser',
        policyName: 'AdministratorAccess',
        policyType: 'System',
        resourceGroupId: 'rg-prod',
      },
      {
        principalName: 'ops@group.example.onaliyun.com',
        principalType: 'IMSGroup',
        policyName: 'runner',
        policyType: 'Custom',
        resourceGroupId: 'rg-dev',
      },
      {
        principalName: 'deployer@role.example.onaliyunservice.com',
        principalType: 'ServiceRole',
        policyName: 'AliyunECSReadOnlyAccess',
        policyType: 'System',
        resourceGroupId: 'rg-prod',
      },
    ]);
    // four attachments at one per page: four pages and the empty fifth is not needed (TotalCount)
    expect(emulator.stats().requests['ListPolicyAttachments']).toBe(4);
    // referenced by no user, group or role directly: fetched for the attachments
    expect(inventory.ram.policies.map((p) => p.name).sort()).toEqual([
      'AdministratorAccess',
      'AliyunECSReadOnlyAccess',
      'runner',
    ]);
    expect(inventory.ram.policies.every((p) => p.document !== undefined)).toBe(true);

    const result = evaluate(inventory, {
      rules: [
        { rule: adminRule, source: 'builtin' },
        { rule: runAsRule, source: 'builtin' },
      ],
      now: NOW,
      since: SINCE,
    });
    const flagged = result.findings.map((f) => `${f.ruleId} ${f.resource.type} ${f.resource.id}`);
    expect(flagged.sort()).toEqual([
      'ram-command-run-as-root ram-group ops',
      // AdministratorAccess allows ecs:RunCommand too
      'ram-command-run-as-root ram-user bob',
      'ram-command-run-as-root ram-user carol',
      'ram-policy-admin-access ram-user bob',
    ]);
    const bob = result.findings.find((f) => f.ruleId === 'ram-policy-admin-access')!;
    expect(bob.message).toContain('in resource group rg-prod');
    expect(bob.evidence).toMatchObject({ resourceGroups: ['rg-prod'] });
  });

  it('a failed listing leaves the attachments unknown, with one coverage entry', async () => {
    const { inventory } = await runCollect(
      world({
        emulator: {
          latencyMs: 0,
          qps: {},
          faults: [{ action: 'ListPolicyAttachments', kind: 'accessDenied' }],
        },
      }),
    );
    expect(inventory.ram.resourceGroupAttachments).toBeUndefined();
    expect(inventory.coverage).toEqual([
      expect.objectContaining({
        service: 'resourcemanager',
        region: null,
        operation: 'ListPolicyAttachments',
      }),
    ]);
    expect(inventory.coverage[0]).not.toHaveProperty('resource');
  });

  it('a page without its list is missing data, not "no attachments"', async () => {
    const { inventory } = await runCollect(
      world({
        emulator: {
          latencyMs: 0,
          qps: {},
          faults: [{ action: 'ListPolicyAttachments', kind: 'malformedJson' }],
        },
      }),
    );
    expect(inventory.ram.resourceGroupAttachments).toBeUndefined();
    expect(inventory.coverage.map((c) => c.operation)).toEqual(['ListPolicyAttachments']);
  });
});
