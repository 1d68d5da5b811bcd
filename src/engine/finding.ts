import { hash } from 'node:crypto';
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
  /** the controls it breaks, when fewer than its rule's mapping (RuleFinding.controls) */
  controls?: Record<string, string[]>;
}

/**
 * Same rule + same resource ⇒ same fingerprint, whatever the order of the scan
 * or the details of the evidence. Versioned so a future change of the key can
 * be told apart.
 */
export function fingerprint(
  ruleId: string,
  r: Pick<ResourceRef, 'type' | 'id' | 'region' | 'account'>,
): string {
  const parts = ['v1', ruleId, r.type, r.region ?? '', r.id];
  // organization scans: the same resource id in two accounts is two resources;
  // a one-account finding (no account) keeps its fingerprint
  if (r.account !== undefined) parts.push(`account:${r.account}`);
  const key = parts.join('\u0000');
  // one-shot sha256 (half the time of createHash for tens of thousands of findings); the first
  // 16 bytes in hex, made as a string of its own (a slice of the 64-digit hex would be a view
  // that keeps the whole string alive: 64 bytes more for each of a report's findings)
  return hash('sha256', key, 'buffer').toString('hex', 0, 16);
}

/**
 * English collation with default options, made once: the order of
 * `localeCompare` on an English host whatever the host's locale (LANG=da_DK
 * sorts "aa" after "z", so two CI runners gave different bytes), without
 * resolving the collation on every comparison of tens of thousands of findings.
 */
const collator = new Intl.Collator('en');

/** `a.localeCompare(b)` in English, fast; equal strings (the common case in a sort) skip the collator. */
export function localeCompare(a: string, b: string): number {
  return a === b ? 0 : collator.compare(a, b);
}

/** severity (critical first), rule id, region, resource id */
export function compareFindings(
  a: Pick<Finding, 'severity' | 'ruleId' | 'resource'>,
  b: Pick<Finding, 'severity' | 'ruleId' | 'resource'>,
): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    localeCompare(a.ruleId, b.ruleId) ||
    localeCompare(a.resource.region ?? '', b.resource.region ?? '') ||
    localeCompare(a.resource.type, b.resource.type) ||
    localeCompare(a.resource.id, b.resource.id) ||
    localeCompare(a.resource.account ?? '', b.resource.account ?? '')
  );
}
