import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reportJsonSchema, SCHEMA_FILE, schemaFileIsCurrent } from '../../scripts/gen-schema.js';
import { formatJson } from '../../src/report/json.js';
import { asAccountReport, mergeReports } from '../../src/report/merge.js';
import { type Report, ReportSchema } from '../../src/report/schema.js';
import { fixtureReport, fixtureReportWithSuppressionAndBaseline } from './fixtures.js';

const published = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;

function compile(schema: object) {
  return new Ajv2020({ allErrors: true, strict: true }).compile(schema);
}

let plain: Report;
let full: Report;
/** an organization report of two members, as `scan --org` and `merge` write it */
let org: Report;
beforeAll(async () => {
  plain = await fixtureReport();
  full = await fixtureReportWithSuppressionAndBaseline();
  org = mergeReports(
    ['1000000000000002', '1000000000000001'].map((id) =>
      asAccountReport({ ...plain, account: { ...plain.account, id } }),
    ),
  );
});

describe('schema/report.v1.json', () => {
  it('is what scripts/gen-schema.ts generates from the zod schema now', () => {
    expect(published).toEqual(reportJsonSchema());
    expect(schemaFileIsCurrent()).toBe(true);
  });

  it('is a 2020-12 schema with an id, for schemaVersion 1', () => {
    expect(published['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(published['$id']).toBe('urn:ecs-audit:report:v1');
    const props = published['properties'] as Record<string, { const?: unknown }>;
    expect(props['schemaVersion']?.const).toBe(1);
    expect(published['required']).toEqual(
      expect.arrayContaining([
        'schemaVersion',
        'tool',
        'account',
        'scan',
        'coverage',
        'findings',
        'summary',
      ]),
    );
  });

  it('validates real reports, as written by the json format', () => {
    const validate = compile(published);
    for (const report of [plain, full]) {
      const doc = JSON.parse(formatJson(report));
      const ok = validate(doc);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('rejects reports that break the contract', () => {
    const validate = compile(published);
    const badSeverity = structuredClone(plain) as unknown as { findings: { severity: string }[] };
    badSeverity.findings[0]!.severity = 'urgent';
    expect(validate(badSeverity)).toBe(false);
    const noFingerprint = structuredClone(plain) as unknown as {
      findings: Record<string, unknown>[];
    };
    delete noFingerprint.findings[0]!['fingerprint'];
    expect(validate(noFingerprint)).toBe(false);
    expect(validate({ ...plain, schemaVersion: 2 })).toBe(false);
    const badStatus = structuredClone(plain) as unknown as { findings: { status: string }[] };
    badStatus.findings[0]!.status = 'ignored';
    expect(validate(badStatus)).toBe(false);
  });

  it('validates unevaluated pairs and rejects malformed ones', () => {
    const validate = compile(published);
    // the fixture's unreadable group (sg-9) is not evaluated by the group rules
    expect(plain.unevaluated).toContainEqual({
      ruleId: 'sg-admin-port-open-to-internet',
      resource: { type: 'security-group', id: 'sg-9', region: 'ap-southeast-1' },
      reason: 'DescribeSecurityGroupAttribute: Throttling.User',
      coverage: 0,
    });
    expect(plain.summary.unevaluated).toBe(plain.unevaluated!.length);
    const whole = structuredClone(plain);
    whole.unevaluated!.push({
      ruleId: 'x',
      resource: null,
      reason: 'evaluate: RuleError',
      coverage: 0,
    });
    expect(validate(JSON.parse(formatJson(whole)))).toBe(true);
    const badIndex = structuredClone(plain) as unknown as { unevaluated: { coverage: number }[] };
    badIndex.unevaluated[0]!.coverage = -1;
    expect(validate(badIndex)).toBe(false);
    const badType = structuredClone(plain) as unknown as {
      unevaluated: { resource: { type: string } }[];
    };
    badType.unevaluated.find((u) => u.resource !== null)!.resource.type = 'bucket';
    expect(validate(badType)).toBe(false);
    const noReason = structuredClone(plain) as unknown as {
      unevaluated: Record<string, unknown>[];
    };
    delete noReason.unevaluated[0]!['reason'];
    expect(validate(noReason)).toBe(false);
  });

  it('validates an organization report whose unevaluated pairs name their account', () => {
    const validate = compile(published);
    const doc = JSON.parse(formatJson(org)) as Report;
    expect(doc.unevaluated?.length).toBe(2 * plain.unevaluated!.length);
    expect(doc.unevaluated?.every((u) => /^10{14}[12]$/.test(u.account ?? ''))).toBe(true);
    expect(doc.unevaluated?.some((u) => u.resource === null)).toBe(true);
    expect(validate(doc)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    // the published schema declares the field: an account that is not a string is refused
    const badAccount = structuredClone(doc) as unknown as { unevaluated: { account: unknown }[] };
    badAccount.unevaluated[0]!.account = 1000000000000001;
    expect(validate(badAccount)).toBe(false);
  });

  it('lets version 1 gain fields: a report with an extra field still validates', () => {
    const validate = compile(published);
    const extended = structuredClone(plain) as unknown as Record<string, unknown> & {
      findings: Record<string, unknown>[];
    };
    extended['futureField'] = { any: 'thing' };
    extended.findings[0]!['cvss'] = 7.5;
    expect(validate(extended)).toBe(true);
  });

  it('real reports carry no field the zod schema does not declare', () => {
    // the output side of the zod schema forbids undeclared properties
    const strict = compile(z.toJSONSchema(ReportSchema, { target: 'draft-2020-12', io: 'output' }));
    for (const report of [plain, full, org]) {
      const ok = strict(JSON.parse(formatJson(report)));
      expect(strict.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
    expect(ReportSchema.parse(full)).toEqual(full);
  });
});
