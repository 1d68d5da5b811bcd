/**
 * What the main thread and the format worker (`format-worker.ts`) say to each
 * other, and the report as it is sent there.
 */
import type { FormatName } from './index.js';
import type { Report } from './schema.js';

/** the worker's `workerData`: it serves only when started as this */
export const FORMAT_WORKER = 'ecs-audit-format-worker';

/** the main thread → the worker */
export type ToFormatWorker =
  /** the findings come after, a batch at a time, so no copy of them all is ever in flight */
  | { type: 'report'; report: Report; formats: FormatName[] }
  | { type: 'findings'; findings: Report['findings'] }
  | { type: 'format' }
  | { type: 'written' };

/** findings per message */
export const FINDINGS_PER_MESSAGE = 4096;

/** the worker → the main thread, per document (`index` into `formats`) */
export type FromFormatWorker =
  | { type: 'piece'; index: number; data: Uint8Array }
  | { type: 'end'; index: number }
  | { type: 'error'; index: number; message: string };

/**
 * The report as sent to the worker: a finding's title and remediation that are
 * its rule's are left out (`undefined`, keeping the keys' order), since a clone
 * would copy the same paragraph once per finding; `withRuleTexts` puts them back.
 */
export function withoutRuleTexts(report: Report): Report {
  const rules = new Map((report.rules ?? []).map((r) => [r.id, r]));
  return {
    ...report,
    findings: report.findings.map((f) => {
      const rule = rules.get(f.ruleId);
      if (!rule || (f.title !== rule.title && f.remediation !== rule.remediation)) return f;
      return {
        ...f,
        title: f.title === rule.title ? undefined : f.title,
        remediation: f.remediation === rule.remediation ? undefined : f.remediation,
      } as unknown as Report['findings'][number];
    }),
  };
}

export function withRuleTexts(report: Report): Report {
  const rules = new Map((report.rules ?? []).map((r) => [r.id, r]));
  for (const f of report.findings) {
    const rule = rules.get(f.ruleId);
    if (!rule) continue;
    f.title ??= rule.title;
    f.remediation ??= rule.remediation;
  }
  return report;
}
