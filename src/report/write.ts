/**
 * `--report <format>=<file>`: write extra report files in the same run.
 * Destinations are checked before the scan starts (a typo must not cost a
 * 20-minute scan) and every file is written atomically (temp file + rename),
 * so an interrupted run never leaves half a report.
 */
import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { FORMATS, type FormatName, isFormat } from './index.js';
import type { Report } from './schema.js';

export class ReportSpecError extends Error {
  override name = 'ReportSpecError';
}

export interface ReportSpec {
  format: FormatName;
  file: string;
}

export function parseReportFlag(value: string): ReportSpec {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) {
    throw new ReportSpecError(`--report: expected <format>=<file>, got "${value}"`);
  }
  const format = value.slice(0, eq).trim().toLowerCase();
  const file = value.slice(eq + 1);
  if (!isFormat(format)) {
    throw new ReportSpecError(
      `--report: unknown format "${format}"; expected one of ${Object.keys(FORMATS).join(', ')}`,
    );
  }
  return { format, file };
}

/** Fail before the scan when a report could not be written afterwards. */
export async function checkReportDestinations(specs: readonly ReportSpec[]): Promise<void> {
  const seen = new Set<string>();
  for (const { file } of specs) {
    const abs = resolve(file);
    if (seen.has(abs)) throw new ReportSpecError(`--report: "${file}" is named twice`);
    seen.add(abs);
    const dir = dirname(abs);
    try {
      const s = await stat(dir);
      if (!s.isDirectory()) throw new Error('not a directory');
      await access(dir, constants.W_OK);
    } catch {
      throw new ReportSpecError(
        `--report: cannot write "${file}": ${dir} is not a writable directory`,
      );
    }
    try {
      if ((await stat(abs)).isDirectory()) {
        throw new ReportSpecError(`--report: "${file}" is a directory`);
      }
    } catch (err) {
      if (err instanceof ReportSpecError) throw err;
      // does not exist yet: fine
    }
  }
}

export async function writeReports(report: Report, specs: readonly ReportSpec[]): Promise<void> {
  for (const { format, file } of specs) {
    try {
      await writeFileAtomic(file, FORMATS[format](report, { color: false }));
    } catch (err) {
      throw new ReportSpecError(
        `--report: cannot write "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
}
