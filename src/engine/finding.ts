import { createHash } from 'node:crypto';
import type { ResourceRef, Severity } from './types.js';
import { severityRank } from './types.js';

export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  remediation: string;
  resource: ResourceRef;
  evidence: Record<string, unknown>;
  /** stable across scans for the same rule and resource */
  fingerprint: string;
  status: 'open' | 'suppressed';
  suppression?: { reason: string; expires?: string; rule: string; resource: string };
  baseline?: 'new' | 'unchanged';
}

/**
 * Same rule + same resource ⇒ same fingerprint, whatever the order of the scan
 * or the details of the evidence. Versioned so a future change of the key can
 * be told apart.
 */
export function fingerprint(
  ruleId: string,
  r: Pick<ResourceRef, 'type' | 'id' | 'region'>,
): string {
  const key = ['v1', ruleId, r.type, r.region ?? '', r.id].join('\u0000');
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/** severity (critical first), rule id, region, resource id */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.ruleId.localeCompare(b.ruleId) ||
    (a.resource.region ?? '').localeCompare(b.resource.region ?? '') ||
    a.resource.type.localeCompare(b.resource.type) ||
    a.resource.id.localeCompare(b.resource.id)
  );
}
