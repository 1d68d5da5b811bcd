/**
 * Member reports kept on disk while an organization scan goes on, so a member
 * that is done costs no memory while the others are still read and evaluated
 * (issue 17: peak memory set by the largest member, not by the sum).
 *
 * A report is written as JSON lines: the report without its findings, then
 * one finding per line, each finding's `title` and `remediation` (the
 * rule's texts, about 700 characters that every finding of a rule shares in
 * memory) written as an index into a table kept here; `take` reads the file
 * back and puts the shared texts back in their places, so the report is equal
 * to the one given, key order included. Only JSON values survive the trip,
 * which is what every report format writes anyway.
 *
 * Files live in a private temporary directory, removed by `close` and, should
 * the process end first (Ctrl-C), by an exit hook. When the directory cannot
 * be made or a file cannot be written, the report is kept in memory: the spool
 * saves memory, it is never a reason for a scan to fail.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extend } from '../util/extend.js';
import type { Report } from './schema.js';

const NEWLINE = 0x0a;
/** findings per write */
const BATCH = 64;

/** a report given to the spool: on disk, or still in memory */
export type SpooledReport = { file: string } | { report: Report };

export interface ReportSpool {
  /** keep `report` (no longer to be used by the caller) until `take` */
  put(report: Report): SpooledReport;
  /** the report given to `put`, equal to it */
  take(spooled: SpooledReport): Report;
  /** remove every file; reports not yet taken are gone */
  close(): void;
}

/** a spool in a new private directory under `dir` (the system's temporary directory) */
export function openReportSpool(dir: string = tmpdir()): ReportSpool {
  let root: string | undefined;
  try {
    root = mkdtempSync(join(dir, 'ecs-audit-spool-'));
  } catch {
    root = undefined;
  }
  const removeRoot = () => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  };
  if (root !== undefined) process.on('exit', removeRoot);
  const texts: string[] = [];
  const textIndex = new Map<string, number>();
  const indexOf = (text: string): number => {
    let i = textIndex.get(text);
    if (i === undefined) {
      i = texts.length;
      texts.push(text);
      textIndex.set(text, i);
    }
    return i;
  };
  let n = 0;
  return {
    put(report) {
      if (root === undefined) return { report };
      const file = join(root, `${n++}.json`);
      const findings = report.findings;
      let fd: number | undefined;
      try {
        fd = openSync(file, 'wx', 0o600);
        // the report without its findings on the first line, then a finding per line: read
        // back a line at a time, no string of the whole file (a large-object-space string per
        // member, garbage at once, took the heap past its size while the reports were read)
        writeSync(fd, `${JSON.stringify({ ...report, findings: [] })}\n`);
        for (let i = 0; i < findings.length; i += BATCH) {
          let lines = '';
          for (const f of findings.slice(i, i + BATCH)) {
            // a copy: the finding keeps its texts (the same object may stand twice in a report)
            const line = extend(f, {
              title: indexOf(f.title),
              remediation: indexOf(f.remediation),
            });
            lines += `${JSON.stringify(line)}\n`;
          }
          writeSync(fd, lines);
        }
        return { file };
      } catch {
        // kept in memory, as it was given
        rmSync(file, { force: true });
        return { report };
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    take(spooled) {
      if ('report' in spooled) return spooled.report;
      const bytes = readFileSync(spooled.file);
      rmSync(spooled.file, { force: true });
      let at = bytes.indexOf(NEWLINE);
      const report = JSON.parse(bytes.toString('utf8', 0, at)) as Report;
      const findings: unknown[] = report.findings;
      for (
        let next = bytes.indexOf(NEWLINE, at + 1);
        next !== -1;
        next = bytes.indexOf(NEWLINE, at + 1)
      ) {
        const f = JSON.parse(bytes.toString('utf8', at + 1, next)) as {
          title: unknown;
          remediation: unknown;
        };
        f.title = texts[f.title as number];
        f.remediation = texts[f.remediation as number];
        findings.push(f);
        at = next;
      }
      return report;
    },
    close() {
      removeRoot();
      process.removeListener('exit', removeRoot);
      root = undefined;
    },
  };
}
