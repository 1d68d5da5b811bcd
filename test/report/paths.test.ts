/**
 * Attack paths in the text reports: the table prints each path under the
 * finding, Markdown lists them after the severity's table, both on one line
 * hop by hop; a finding without a path prints none.
 */
import { describe, expect, it } from 'vitest';
import { formatPath, type PathHop } from '../../src/analysis/attack-path.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { findingPaths } from '../../src/report/paths.js';
import type { Report } from '../../src/report/schema.js';
import { formatTable } from '../../src/report/table.js';
import { fixtureReport } from './fixtures.js';

const hops: PathHop[] = [
  {
    kind: 'address',
    address: '47.0.0.10',
    family: 'ipv4',
    entry: 'public-ip',
    protocol: 'tcp',
    ports: '22',
  },
  {
    kind: 'acl',
    aclId: 'nacl-1',
    position: 2,
    entryId: 'nae-2',
    policy: 'accept',
    source: '0.0.0.0/0',
  },
  {
    kind: 'group-rule',
    groupId: 'sg-web',
    position: 3,
    priority: 1,
    policy: 'Accept',
    portRange: '22/22',
    source: '0.0.0.0/0',
  },
  { kind: 'interface', interfaceId: 'eni-1', interfaceType: 'Primary' },
  { kind: 'instance', instanceId: 'i-1' },
  { kind: 'role', roleName: 'web-admin' },
  {
    kind: 'policy-statement',
    policy: 'AdministratorAccess',
    policyType: 'System',
    via: 'direct',
    statement: 0,
    grants: '* on *',
  },
];
const TEXT =
  '47.0.0.10:22 → nacl-1 accept#2 → sg-web rule#3 Accept 0.0.0.0/0 → eni-1 → i-1 → role web-admin → AdministratorAccess Statement[0]';

async function withPath(): Promise<Report> {
  const base = await fixtureReport();
  const template = base.findings.find((f) => f.status === 'open')!;
  return {
    ...base,
    findings: [
      {
        ...template,
        ruleId: 'instance-exposed-with-privileged-role',
        severity: 'critical',
        resource: { type: 'instance', id: 'i-1', region: 'cn-hangzhou' },
        evidence: { path: hops },
      },
    ],
  };
}

describe('attack paths in text reports', () => {
  it('renders the path hop by hop', () => {
    expect(formatPath(hops)).toBe(TEXT);
  });

  it('the table prints it under the finding', async () => {
    const out = formatTable(await withPath(), { width: 400 });
    expect(out).toContain(`path: ${TEXT}`);
  });

  it('Markdown lists it after the severity table, as code', async () => {
    const out = formatMarkdown(await withPath());
    expect(out).toContain('#### Attack paths');
    expect(out).toContain(`- instance-exposed-with-privileged-role i-1: \`${TEXT}\``);
  });

  it('findings without a path show none; malformed evidence is not a path', async () => {
    const base = await fixtureReport();
    expect(formatMarkdown(base)).not.toContain('Attack paths');
    expect(formatTable(base, { width: 200 })).not.toContain('path: ');
    expect(findingPaths({ evidence: { path: 'x' } })).toEqual([]);
    expect(findingPaths({ evidence: { paths: [{ hops: [{ nope: 1 }] }] } })).toEqual([]);
  });
});
