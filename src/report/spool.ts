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
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extend } from '../util/extend.js';
import type { Report, ReportFinding } from './schema.js';

const NEWLINE = 0x0a;
/** findings per write */
const BATCH = 64;

/** bytes read at a time: a member's file is never one buffer or one string */
const READ_CHUNK = 1 << 20;

/** the lines of a file, without their newlines, read a chunk at a time into one buffer */
function* lines(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(READ_CHUNK);
    let kept = 0;
    for (;;) {
      if (kept === buffer.length) {
        // a line longer than the buffer: a larger one
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, kept);
        buffer = larger;
      }
      const read = readSync(fd, buffer, kept, buffer.length - kept, null);
      const end = kept + read;
      let start = 0;
      for (
        let nl = buffer.indexOf(NEWLINE, kept);
        nl !== -1 && nl < end;
        nl = buffer.indexOf(NEWLINE, start)
      ) {
        yield buffer.toString('utf8', start, nl);
        start = nl + 1;
      }
      if (read === 0) {
        if (start < end) yield buffer.toString('utf8', start, end);
        return;
      }
      buffer.copy(buffer, 0, start, end);
      kept = end - start;
    }
  } finally {
    closeSync(fd);
  }
}

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
  const strings = new Map<string, string>();
  const shared = <S extends string>(value: S): S => {
    const known = strings.get(value);
    if (known !== undefined) return known as S;
    strings.set(value, value);
    return value;
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
        // back a line at a time through one buffer, never the whole file as one string (a
        // large-object-space string per member, garbage at once, took the heap past its size)
        writeSync(fd, `${JSON.stringify({ ...report, findings: [] })}\n`);
        for (let i = 0; i < findings.length; i += BATCH) {
          let text = '';
          for (const f of findings.slice(i, i + BATCH)) {
            // a copy: the finding keeps its texts (the same object may stand twice in a report)
            const line = extend(f, {
              title: indexOf(f.title),
              remediation: indexOf(f.remediation),
            });
            text += `${JSON.stringify(line)}\n`;
          }
          writeSync(fd, text);
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
      let report: Report | undefined;
      let findings: unknown[] = [];
      for (const line of lines(spooled.file)) {
        if (report === undefined) {
          report = JSON.parse(line) as Report;
          findings = report.findings;
          continue;
        }
        const f = JSON.parse(line) as Omit<ReportFinding, 'title' | 'remediation'> & {
          title: unknown;
          remediation: unknown;
        };
        f.title = texts[f.title as number];
        f.remediation = texts[f.remediation as number];
        // the values every finding repeats, one string each (JSON.parse makes a new one per value)
        f.ruleId = shared(f.ruleId);
        f.severity = shared(f.severity);
        f.status = shared(f.status);
        const r = f.resource;
        r.type = shared(r.type);
        if (typeof r.region === 'string') r.region = shared(r.region);
        if (typeof r.account === 'string') r.account = shared(r.account);
        findings.push(f);
      }
      rmSync(spooled.file, { force: true });
      if (report === undefined) throw new Error(`spooled report ${spooled.file} is empty`);
      return report;
    },
    close() {
      removeRoot();
      process.removeListener('exit', removeRoot);
      root = undefined;
    },
  };
}
