/**
 * `ecs-audit merge <report.json>...`: the JSON reports of shards of an
 * organization scan (or of separate one-account scans) as one report, in any
 * format; the exit code is computed on the merged report. Merging is exact:
 * the merged report of `n` shards equals one scan of the whole organization,
 * apart from scan times (src/report/merge.ts).
 */
import { BaselineError, readReportFile } from '../../report/baseline.js';
import { exitCodeFor } from '../../report/exit.js';
import { type FormatName, isFormat } from '../../report/index.js';
import { MergeError, mergeReports } from '../../report/merge.js';
import { sarifSizeWarning } from '../../report/sarif.js';
import {
  checkReportDestinations,
  parseReportFlag,
  ReportSpecError,
  writeReports,
  writeStdoutReport,
} from '../../report/write.js';
import { UsageError } from '../errors.js';
import { type CliIo, say } from '../io.js';
import { parseFailOn } from '../parse.js';
import { terminalWidth } from '../progress.js';

export interface MergeFlags {
  format: string;
  report: string[];
  failOn?: string;
  color?: boolean;
}

export async function runMerge(files: string[], flags: MergeFlags, io: CliIo): Promise<number> {
  if (!isFormat(flags.format)) throw new UsageError(`--format: unknown format "${flags.format}"`);
  const format: FormatName = flags.format;
  const failOn = parseFailOn(flags.failOn ?? 'critical');
  if (files.length === 0) throw new UsageError('merge: name at least one JSON report');
  let specs: ReturnType<typeof parseReportFlag>[];
  try {
    specs = flags.report.map(parseReportFlag);
    await checkReportDestinations(specs);
  } catch (err) {
    if (err instanceof ReportSpecError) throw new UsageError(err.message);
    throw err;
  }
  const reports = [];
  for (const file of files) {
    try {
      reports.push(await readReportFile(file));
    } catch (err) {
      if (err instanceof BaselineError) throw new UsageError(err.message);
      throw err;
    }
  }
  let merged: ReturnType<typeof mergeReports>;
  try {
    merged = mergeReports(reports, files);
  } catch (err) {
    if (err instanceof MergeError) throw new UsageError(`merge: ${err.message}`);
    throw err;
  }
  try {
    await writeReports(merged, specs);
  } catch (err) {
    if (err instanceof ReportSpecError) throw new UsageError(err.message);
    throw err;
  }
  // the table takes the terminal's width (or COLUMNS), as scan's does
  await writeStdoutReport(io.stdout, merged, format, specs, {
    color: flags.color,
    width: terminalWidth(io.stdout as { columns?: number }, io.env),
  });
  const tooBig = sarifSizeWarning(merged, [format, ...specs.map((s) => s.format)]);
  if (tooBig) say(io, `warning: ${tooBig}`);
  say(
    io,
    `merged ${files.length} report(s): ${merged.accounts?.length ?? 0} account(s), ${merged.findings.length} finding(s), ${merged.coverage.length} coverage gap(s)`,
  );
  return exitCodeFor(merged, failOn);
}
