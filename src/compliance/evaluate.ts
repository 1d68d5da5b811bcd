/**
 * `--compliance <framework>`: per control, the rules that cover it and what
 * the scan found. `fail` = an open finding of a mapped rule; `pass` = mapped
 * rules ran and found nothing, and nothing they read is missing; `unknown` =
 * no finding, but a mapped rule has an unevaluated pair (data it reads could
 * not be read, or it failed) — never `pass`; for a report without
 * `unevaluated` (written before it existed), any coverage gap; `manual` = no
 * rule covers the control (check it by hand).
 */
import type { LoadedRule } from '../engine/registry.js';
import type { Report } from '../report/schema.js';
import { compareControlIds, type Framework } from './cis.js';

export type ControlStatus = 'pass' | 'fail' | 'unknown' | 'manual';

export interface ControlResult {
  id: string;
  title: string;
  status: ControlStatus;
  rules: string[];
  findings: number;
}

export function evaluateControls(
  framework: Framework,
  rules: readonly LoadedRule[],
  report: Pick<Report, 'findings' | 'coverage' | 'unevaluated'>,
): ControlResult[] {
  const unevaluatedRules = new Set((report.unevaluated ?? []).map((u) => u.ruleId));
  const unknown = (mapped: readonly string[]) =>
    report.unevaluated === undefined
      ? report.coverage.length > 0
      : mapped.some((id) => unevaluatedRules.has(id));
  const byControl = new Map<string, string[]>();
  for (const { rule } of rules) {
    for (const id of rule.meta.compliance?.[framework.id] ?? []) {
      byControl.set(id, [...(byControl.get(id) ?? []), rule.meta.id]);
    }
  }
  const titles = new Map(framework.controls.map((c) => [c.id, c.title]));
  const ids = [...new Set([...titles.keys(), ...byControl.keys()])].sort(compareControlIds);
  return ids.map((id) => {
    const mapped = (byControl.get(id) ?? []).sort();
    const findings = report.findings.filter(
      (f) => f.status === 'open' && mapped.includes(f.ruleId),
    ).length;
    let status: ControlStatus = 'manual';
    if (mapped.length > 0) {
      status = findings > 0 ? 'fail' : unknown(mapped) ? 'unknown' : 'pass';
    }
    return {
      id,
      title: titles.get(id) ?? '(not in the catalogue)',
      status,
      rules: mapped,
      findings,
    };
  });
}
