/**
 * The JSON report, schema version 1 (../shared/spec/cli.md): the contract with
 * CI jobs and ticketing pipelines. Backward compatible within version 1: fields
 * may be added, never removed or changed in meaning. The published JSON Schema
 * (schema/report.v1.json) is generated from this zod schema.
 */
import { z } from 'zod';
import { RESOURCE_TYPES, SEVERITIES } from '../engine/types.js';

export const REPORT_SCHEMA_VERSION = 1 as const;

export const ResourceRefSchema = z.object({
  type: z.enum(RESOURCE_TYPES),
  id: z.string(),
  region: z.string().nullable(),
  name: z.string().optional(),
  /** organization reports: the member account holding the resource */
  account: z.string().optional(),
});

export const ReportCoverageSchema = z.object({
  /** ecs | ram | ims | sts | actiontrail, or `rule` for a rule that failed to evaluate */
  service: z.string(),
  region: z.string().nullable(),
  operation: z.string(),
  resource: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }),
  /** organization reports: the member account the entry is about */
  account: z.string().optional(),
});

export const ReportFindingSchema = z.object({
  ruleId: z.string(),
  severity: z.enum(SEVERITIES),
  title: z.string(),
  message: z.string(),
  remediation: z.string(),
  resource: ResourceRefSchema,
  evidence: z.record(z.string(), z.unknown()),
  fingerprint: z.string(),
  status: z.enum(['open', 'suppressed']),
  suppression: z
    .object({
      rule: z.string(),
      resource: z.string(),
      reason: z.string(),
      expires: z.string().optional(),
    })
    .optional(),
  baseline: z.enum(['new', 'unchanged']).optional(),
  /** the compliance controls it breaks, per framework, when fewer than its rule's mapping */
  controls: z.record(z.string(), z.array(z.string())).optional(),
});

export const ReportRuleSchema = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  resourceTypes: z.array(z.enum(RESOURCE_TYPES)),
  rationale: z.string(),
  remediation: z.string(),
  references: z.array(z.string()),
  source: z.string(),
  compliance: z.record(z.string(), z.array(z.string())).optional(),
});

/** A (rule, resource) pair the rule could not judge because data it reads could not be read. */
export const ReportUnevaluatedSchema = z.object({
  ruleId: z.string(),
  /** null = the rule's whole scope (the resources themselves are unknown) */
  resource: ResourceRefSchema.nullable(),
  /** `<Operation>: <error code>` of the coverage entry */
  reason: z.string(),
  /** index into `coverage` */
  coverage: z.number().int().min(0),
  /** organization reports: the member account the pair is about (its coverage entry's account) */
  account: z.string().optional(),
});

export const SummarySchema = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
  info: z.number().int(),
  suppressed: z.number().int(),
  /** entries of `unevaluated` (absent in reports written before it existed) */
  unevaluated: z.number().int().optional(),
});

export const ReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('ecs-audit'), version: z.string() }),
  account: z.object({
    id: z.string(),
    callerArn: z.string(),
    identityType: z.string(),
  }),
  scan: z.object({
    startedAt: z.string(),
    finishedAt: z.string(),
    regions: z.array(z.string()),
    since: z.string(),
    now: z.string().optional(),
    /** `api` for a live scan, `snapshot` when a snapshot file was evaluated */
    source: z.enum(['api', 'snapshot']).optional(),
    /**
     * an organization scan run with `--shard k/n`: which shard, and how many
     * accounts were split among the n shards (so `merge` can tell one is
     * missing); absent in a whole scan and in a merged report
     */
    shard: z
      .object({
        k: z.number().int().min(1),
        n: z.number().int().min(1),
        members: z.number().int().min(0),
      })
      .optional(),
  }),
  /**
   * organization reports: every member scanned (or that could not be entered),
   * sorted by id; `account` then names the caller's (management) account
   */
  accounts: z
    .array(z.object({ id: z.string(), name: z.string(), type: z.string(), status: z.string() }))
    .optional(),
  coverage: z.array(ReportCoverageSchema),
  findings: z.array(ReportFindingSchema),
  /** (rule, resource) pairs a rule could not judge; [] when none (absent in reports written before it existed) */
  unevaluated: z.array(ReportUnevaluatedSchema).optional(),
  summary: SummarySchema,
  /** metadata of every rule that was evaluated */
  rules: z.array(ReportRuleSchema).optional(),
  /** with --baseline: findings of the baseline that are gone */
  resolved: z
    .array(
      z.object({
        ruleId: z.string(),
        fingerprint: z.string(),
        resource: ResourceRefSchema,
        severity: z.enum(SEVERITIES).optional(),
      }),
    )
    .optional(),
  /** with --compliance: the framework's controls, the rules covering each and its status */
  compliance: z
    .object({
      framework: z.string(),
      name: z.string(),
      controls: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          status: z.enum(['pass', 'fail', 'unknown', 'manual']),
          rules: z.array(z.string()),
          findings: z.number().int(),
        }),
      ),
    })
    .optional(),
  /** suppressions from the config whose expiry date has passed */
  expiredSuppressions: z
    .array(
      z.object({
        rule: z.string(),
        resource: z.string(),
        region: z.string().optional(),
        account: z.string().optional(),
        reason: z.string(),
        expires: z.string(),
      }),
    )
    .optional(),
});

export type Report = z.infer<typeof ReportSchema>;
export type ReportFinding = z.infer<typeof ReportFindingSchema>;
export type ReportCoverage = z.infer<typeof ReportCoverageSchema>;
export type ReportUnevaluated = z.infer<typeof ReportUnevaluatedSchema>;
