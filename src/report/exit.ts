/**
 * Exit codes (../shared/spec/cli.md): 1 when an unsuppressed finding is at or
 * above `--fail-on` (only `new` ones with `--fail-on-new`), else 3 when some
 * data could not be read, else 0. (2 is the CLI's: nothing was scanned.)
 */
import { type Severity, severityRank } from '../engine/types.js';
import type { Report } from './schema.js';

export const EXIT_CODES = { OK: 0, FINDINGS: 1, USAGE: 2, COVERAGE: 3 } as const;

export function failingFindings(
  report: Report,
  failOn: Severity | 'none',
  onlyNew = false,
): Report['findings'] {
  if (failOn === 'none') return [];
  const threshold = severityRank(failOn);
  return report.findings.filter(
    (f) =>
      f.status === 'open' &&
      severityRank(f.severity) >= threshold &&
      (!onlyNew || f.baseline === 'new'),
  );
}

export function exitCodeFor(report: Report, failOn: Severity | 'none', onlyNew = false): number {
  if (failingFindings(report, failOn, onlyNew).length > 0) return EXIT_CODES.FINDINGS;
  if (report.coverage.length > 0) return EXIT_CODES.COVERAGE;
  return EXIT_CODES.OK;
}
