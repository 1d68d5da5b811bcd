/**
 * `--compliance <framework>`: per control, the rules that cover it and what
 * the scan found. `fail` = a finding of a mapped rule, open or suppressed (a
 * suppression keeps the build green; the benchmark is still not met), counting
 * findings `--severity` left out of the report (`hidden`); `pass` = every
 * mapped rule ran and found nothing, and nothing they read is missing;
 * `unknown` = no finding, but a mapped rule did not run (`--checks`,
 * `--skip-checks`, `enabled: false`) or has an unevaluated pair (data it reads
 * could not be read, or it failed) — never `pass`; for a report without
 * `unevaluated` (written before it existed), any coverage gap; `manual` = no
 * rule covers the control, or none of those that do ran (check it by hand).
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

export interface ControlInput {
  /** ids of the rules that ran; absent = every rule given ran */
  ran?: ReadonlySet<string>;
  /** findings `--severity` dropped from the report: they still fail their controls */
  hidden?: readonly { ruleId: string; controls?: Readonly<Record<string, readonly string[]>> }[];
}

/** `rules`: every loaded rule (the mapping), whether or not it ran */
export function evaluateControls(
  framework: Framework,
  rules: readonly LoadedRule[],
  report: Pick<Report, 'findings' | 'coverage' | 'unevaluated'>,
  input: ControlInput = {},
): ControlResult[] {
  const ran = input.ran ?? new Set(rules.map((r) => r.rule.meta.id));
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
    // a finding that names its controls counts only against those
    const findings = [...report.findings, ...(input.hidden ?? [])].filter(
      (f) =>
        mapped.includes(f.ruleId) &&
        (f.controls?.[framework.id] === undefined || f.controls[framework.id]!.includes(id)),
    ).length;
    const run = mapped.filter((r) => ran.has(r));
    let status: ControlStatus = 'manual';
    if (findings > 0) status = 'fail';
    else if (run.length > 0) {
      // a mapped rule that did not run checked nothing: not a pass
      status = run.length < mapped.length || unknown(mapped) ? 'unknown' : 'pass';
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
