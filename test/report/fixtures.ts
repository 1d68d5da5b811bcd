/**
 * Real reports for the formatter tests: an inventory evaluated by the built-in
 * network rules plus a few test rules (every severity, a global resource, a
 * rule without findings, a rule that throws), then built with buildReport.
 * Names, messages and evidence carry hostile strings: `</script>`, an
 * `<img onerror>`, pipes, ampersands, quotes, control characters and
 * non-ASCII text. `withSuppressionAndBaseline` applies a suppression and a
 * baseline the way the scan command does (status, suppression, baseline,
 * resolved, expiredSuppressions, summary).
 */
import { z } from 'zod';
import { evaluateUnenteredMember } from '../../src/cli/commands/org.js';
import type { LoadedRule } from '../../src/engine/registry.js';
import { loadBuiltinRules } from '../../src/engine/registry.js';
import { evaluate } from '../../src/engine/run.js';
import { defineRule } from '../../src/engine/types.js';
import { buildReport, summarize } from '../../src/report/build.js';
import { asAccountReport, mergeReports } from '../../src/report/merge.js';
import type { Report } from '../../src/report/schema.js';
import { buildInventory } from '../../src/testing/rule-tester.js';
import { from, group, instance } from '../helpers/network.js';

export const HOSTILE_NAME = '</script><img src=x onerror="alert(1)">';
export const PIPE_NAME = 'db | prod & co "数据库" ünïcödé';
export const HOSTILE_SUMMARY = '</script><script>alert(2)</script> a|b && c <b>bold</b>';
export const CONTROL_TEXT = 'red\u001b[31mALERT\u0007\u0000end';
export const COVERAGE_MESSAGE = 'Request was denied <b>& throttled</b> | retry </script>';

const base = {
  rationale: 'Test rationale with <tags> & | pipes.',
  remediation: 'Do the thing: `aliyun ecs Foo --Bar <x>` | then & more.',
  references: ['https://www.alibabacloud.com/help/en/ecs/', 'javascript:alert(3)'],
  options: z.object({}),
};

/** medium, on disks: hostile evidence */
const hostileEvidence = defineRule({
  meta: {
    ...base,
    id: 'test-disk-hostile-evidence',
    title: 'Disk with <hostile> | evidence & co',
    severity: 'medium',
    resourceTypes: ['disk'],
    reads: ['ecs.disks'],
  },
  *evaluate(ctx) {
    for (const d of ctx.inventory.ecs.disks) {
      yield {
        resource: { type: 'disk', id: d.id, region: d.region, name: d.name },
        message: `Disk ${d.name} says ${HOSTILE_SUMMARY}`,
        evidence: {
          summary: HOSTILE_SUMMARY,
          control: CONTROL_TEXT,
          unicode: 'ünïcödé 🚀 数据 \u2028 line separator',
          nested: { html: '<!-- comment --> ]]> &amp;' },
        },
      };
    }
  },
});

/** low, on key pairs */
const lowRule = defineRule({
  meta: {
    ...base,
    id: 'test-key-pair-low',
    title: 'Key pair is old',
    severity: 'low',
    resourceTypes: ['key-pair'],
    reads: ['ecs.keyPairs'],
  },
  *evaluate(ctx) {
    for (const k of ctx.inventory.ecs.keyPairs) {
      yield {
        resource: { type: 'key-pair', id: k.name, region: k.region },
        message: `Key pair ${k.name} is old.`,
        evidence: { ageDays: 400 },
      };
    }
  },
});

/** info, on the account (a global resource) */
const infoRule = defineRule({
  meta: {
    ...base,
    id: 'test-account-info',
    title: 'Account note',
    severity: 'info',
    resourceTypes: ['account'],
    reads: ['root'],
  },
  *evaluate(ctx) {
    yield {
      resource: { type: 'account', id: ctx.inventory.account.id, region: null },
      message: 'The account has a note.',
      evidence: { note: 'informational' },
    };
  },
});

/** never reports: a rule that passes */
const quietRule = defineRule({
  meta: {
    ...base,
    id: 'test-quiet',
    title: 'Nothing to see',
    severity: 'high',
    resourceTypes: ['instance'],
    reads: ['ecs.instances'],
  },
  evaluate: () => [],
});

/** throws: its error becomes a coverage entry */
const brokenRule = defineRule({
  meta: {
    ...base,
    id: 'test-broken',
    title: 'Broken rule',
    severity: 'low',
    resourceTypes: ['instance'],
  },
  evaluate() {
    throw new Error('boom </script> & <b>');
  },
});

export const TEST_RULES: LoadedRule[] = [
  hostileEvidence,
  lowRule,
  infoRule,
  quietRule,
  brokenRule,
].map((rule) => ({ rule: rule as LoadedRule['rule'], source: 'test/report/fixtures.ts' }));

export function fixtureInventory() {
  return buildInventory({
    scope: {
      regions: ['cn-hangzhou', 'ap-southeast-1'],
      since: '2026-08-03T00:00:00.000Z',
      until: '2026-11-01T00:00:00.000Z',
    },
    ecs: {
      securityGroups: [
        group('sg-1', [from('0.0.0.0/0', { description: 'ssh | everyone & <all>' })], {
          name: HOSTILE_NAME,
        }),
        group('sg-2', [from('0.0.0.0/0', { portRange: '3306/3306' })], { name: PIPE_NAME }),
        group('sg-3', [from('0.0.0.0/0', { portRange: '1/65535' })], {
          region: 'ap-southeast-1',
        }),
        group('sg-bastion', [from('0.0.0.0/0')], { name: 'bastion' }),
        group('sg-closed', [from('10.0.0.0/8')]),
      ],
      instances: [instance('i-web', { publicIps: ['203.0.113.7'], securityGroupIds: ['sg-1'] })],
      keyPairs: [{ name: 'old-key', region: 'cn-hangzhou' }],
      disks: [
        {
          id: 'd-1',
          region: 'ap-southeast-1',
          name: `disk ${HOSTILE_NAME} | ${CONTROL_TEXT}`,
          instanceId: null,
          encrypted: false,
        },
      ],
      invocations: [],
    },
    coverage: [
      {
        service: 'ecs',
        region: 'ap-southeast-1',
        operation: 'DescribeSecurityGroupAttribute',
        resource: 'sg-9',
        error: { code: 'Throttling.User', message: COVERAGE_MESSAGE },
      },
    ],
  });
}

/** The plain report: every finding open, no baseline. */
export async function fixtureReport(): Promise<Report> {
  const inventory = fixtureInventory();
  const rules = [...(await loadBuiltinRules()), ...TEST_RULES].sort((a, b) =>
    a.rule.meta.id.localeCompare(b.rule.meta.id),
  );
  const now = new Date('2026-11-01T00:00:00Z');
  const since = new Date('2026-08-03T00:00:00Z');
  const evaluation = evaluate(inventory, { rules, now, since });
  return buildReport({
    inventory,
    evaluation,
    rules,
    startedAt: new Date('2026-11-01T00:00:00.000Z'),
    finishedAt: new Date('2026-11-01T00:00:12.345Z'),
    since,
    now,
    source: 'snapshot',
  });
}

export const SUPPRESSION = {
  rule: 'sg-admin-port-open-to-internet',
  resource: 'sg-bastion*',
  reason: 'bastion | reviewed by <SecOps> & co (TICKET-123)',
  expires: '2027-03-31',
};

/**
 * The report with the bastion group's admin-port finding suppressed, every
 * finding of sg-2 `unchanged` and the rest `new`, one resolved finding, one
 * expired suppression and a compliance control table.
 */
export async function fixtureReportWithSuppressionAndBaseline(): Promise<Report> {
  const r = await fixtureReport();
  const findings = r.findings.map((f) => {
    const suppressed = f.ruleId === SUPPRESSION.rule && f.resource.id === 'sg-bastion';
    return {
      ...f,
      ...(suppressed ? { status: 'suppressed' as const, suppression: { ...SUPPRESSION } } : {}),
      baseline: f.resource.id === 'sg-2' ? ('unchanged' as const) : ('new' as const),
    };
  });
  return {
    ...r,
    findings,
    summary: summarize(findings, r.unevaluated?.length ?? 0),
    resolved: [
      {
        ruleId: 'sg-high-risk-port-open-to-internet',
        fingerprint: 'f'.repeat(32),
        resource: { type: 'security-group', id: 'sg-gone', region: 'cn-hangzhou' },
        severity: 'high',
      },
    ],
    compliance: {
      framework: 'cis',
      name: 'CIS Alibaba Cloud Foundations Benchmark v2.0.0',
      controls: [
        {
          id: '1.3',
          title: 'Ensure MFA is enabled for the root account',
          status: 'pass',
          rules: ['root-mfa-disabled'],
          findings: 0,
        },
        {
          id: '3.2',
          title: 'SSH & <RDP> | restricted',
          status: 'fail',
          rules: ['instance-admin-port-exposed', 'sg-admin-port-open-to-internet'],
          findings: 3,
        },
        {
          id: '4.1',
          title: 'Ensure that disks are encrypted',
          status: 'unknown',
          rules: ['disk-not-encrypted'],
          findings: 0,
        },
        { id: '2.2', title: 'A control no rule covers', status: 'manual', rules: [], findings: 0 },
      ],
    },
    expiredSuppressions: [
      {
        rule: 'sg-all-ports-open-to-internet',
        resource: 'sg-3',
        region: 'ap-southeast-1',
        reason: 'temporary | migration & <test>',
        expires: '2026-10-01',
      },
    ],
  };
}

/**
 * A report of `n` findings (the fixture's findings repeated over new resource
 * ids and fingerprints), for what only shows at size: pages of rows, pieces of
 * a streamed document.
 */
export async function largeReport(n: number): Promise<Report> {
  const r = await fixtureReportWithSuppressionAndBaseline();
  const findings = Array.from({ length: n }, (_, i) => {
    const f = r.findings[i % r.findings.length]!;
    const id = `${f.resource.id}-${String(i).padStart(5, '0')}`;
    return {
      ...f,
      resource: { ...f.resource, id },
      fingerprint: i.toString(16).padStart(32, '0'),
    };
  });
  return { ...r, findings, summary: summarize(findings) };
}

const ORG_NOW = new Date('2026-11-01T00:00:00Z');
const ORG_SINCE = new Date('2026-08-03T00:00:00Z');
export const MANAGEMENT = '1000000000000001';
/** a member whose AssumeRole failed: an invited CloudAccount (the directory rule finds its root) */
export const NO_ROLE = '1000000000000004';
/** the same, a ResourceAccount: nothing but whole-scope pairs */
export const NO_ROLE_ONLY_PAIRS = '1000000000000006';

/** an organization report: one member scanned, two that could not be entered (as `org` builds them) */
export async function orgReport(): Promise<Report> {
  const rules = await loadBuiltinRules();
  const caller = {
    identityType: 'RAMUser',
    accountId: MANAGEMENT,
    arn: `acs:ram::${MANAGEMENT}:user/auditor`,
  };
  const organization = {
    managementAccountId: MANAGEMENT,
    accounts: [
      { id: MANAGEMENT, name: 'management', type: 'CloudAccount', status: 'CreateSuccess' },
      { id: NO_ROLE, name: 'no-role', type: 'CloudAccount', status: 'CreateSuccess' },
      {
        id: NO_ROLE_ONLY_PAIRS,
        name: 'no-role-2',
        type: 'ResourceAccount',
        status: 'CreateSuccess',
      },
    ],
  };
  const unentered = (id: string): Report => {
    const gap = {
      service: 'sts' as const,
      region: null,
      operation: 'AssumeRole',
      resource: `acs:ram::${id}:role/ResourceDirectoryAccountAccessRole`,
      error: { code: 'EntityNotExist.Role', message: 'The role not exists.' },
      account: id,
    };
    const member = organization.accounts.find((a) => a.id === id)!;
    const { inventory, evaluation } = evaluateUnenteredMember({
      member,
      gap,
      rules,
      settings: {},
      now: ORG_NOW,
      since: ORG_SINCE,
      caller,
      organization,
    });
    return asAccountReport(
      buildReport({
        inventory,
        evaluation,
        rules,
        startedAt: ORG_NOW,
        finishedAt: ORG_NOW,
        since: ORG_SINCE,
        now: ORG_NOW,
        source: 'api',
      }),
    );
  };
  const scanned = await fixtureReport();
  return mergeReports([
    asAccountReport({ ...scanned, account: { ...scanned.account, id: MANAGEMENT } }),
    unentered(NO_ROLE),
    unentered(NO_ROLE_ONLY_PAIRS),
  ]);
}
