/**
 * The last line of a scan on stderr: how long it took, what was read and
 * evaluated, what was found, and why the exit code is what it is.
 */
import type { Inventory } from '../inventory/schema.js';
import { EXIT_CODES, failingFindings } from '../report/exit.js';
import type { Report } from '../report/schema.js';
import type { FailOn } from './parse.js';

/** resources the inventory holds: every listed ECS, VPC, RAM and Security Center entity */
export function countResources(inventory: Inventory): number {
  let n = 0;
  for (const ns of ['ecs', 'vpc', 'ram', 'sas'] as const) {
    const part = (inventory as Record<string, unknown>)[ns];
    if (typeof part !== 'object' || part === null) continue;
    for (const v of Object.values(part)) if (Array.isArray(v)) n += v.length;
  }
  return n;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function summaryLine(
  report: Report,
  run: {
    ms: number;
    resources: number;
    rules: number;
    failOn: FailOn;
    failOnNew: boolean;
    code: number;
  },
): string {
  const s = report.summary;
  const unevaluated =
    (report as { unevaluated?: unknown[] }).unevaluated?.length ??
    (s as { unevaluated?: number }).unevaluated ??
    0;
  const found = `${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.low} low, ${s.info} info${s.suppressed ? ` (${s.suppressed} suppressed)` : ''}`;
  let why: string;
  if (run.code === EXIT_CODES.FINDINGS) {
    const n = failingFindings(report, run.failOn, run.failOnNew).length;
    why = `${plural(n, run.failOnNew ? 'new finding' : 'finding')} at or above --fail-on ${run.failOn}`;
  } else {
    // --fail-on-new judges only new findings: plenty may be at the threshold, none of them new
    const none = `${run.failOnNew ? 'no new finding' : 'nothing'} at or above --fail-on ${run.failOn}`;
    why =
      run.code === EXIT_CODES.COVERAGE
        ? `${none}, but ${plural(report.coverage.length, 'coverage gap')}`
        : `${none} and no coverage gap`;
  }
  return [
    `done in ${seconds(run.ms)}: ${plural(report.scan.regions.length, 'region')}, ${plural(run.resources, 'resource')} read, ${plural(run.rules, 'rule')} run`,
    `findings: ${found}`,
    `${unevaluated} not evaluated`,
    `exit ${run.code}: ${why}`,
  ].join('; ');
}
