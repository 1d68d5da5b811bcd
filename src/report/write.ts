/**
 * `--report <format>=<file>`: write extra report files in the same run.
 * Destinations are checked before the scan starts (a typo must not cost a
 * 20-minute scan) and every file is written atomically (temp file + rename),
 * so an interrupted run never leaves half a report.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, unlinkSync } from 'node:fs';
import {
  access,
  constants,
  type FileHandle,
  mkdir,
  open,
  realpath,
  rename,
  stat,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { releaseMemory } from '../util/memory.js';
import { FORMAT_CHUNKS, FORMATS, type FormatName, isFormat } from './index.js';
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
    await checkDestination(file, '--report');
  }
}

/** `file` can be written: its directory exists and is writable, and it is not a directory itself. */
export async function checkDestination(file: string, flag: string): Promise<void> {
  const abs = resolve(file);
  const dir = dirname(abs);
  // a report's directory is made when missing (`--report html=out/report.html`)
  if (flag === '--report') await mkdir(dir, { recursive: true }).catch(() => undefined);
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new Error('not a directory');
    await access(dir, constants.W_OK);
  } catch {
    throw new ReportSpecError(
      `${flag}: cannot write "${file}": ${dir} is not a writable directory`,
    );
  }
  try {
    if ((await stat(abs)).isDirectory()) {
      throw new ReportSpecError(`${flag}: "${file}" is a directory`);
    }
  } catch (err) {
    if (err instanceof ReportSpecError) throw err;
    // does not exist yet: fine
  }
}

/** Temp files being written; removed if the process exits before their rename (e.g. Ctrl-C). */
const pending = new Set<string>();
let exitHook = false;

function removePendingAtExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const tmp of pending) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
  });
}

/** about 1 MB of text per write call */
const WRITE_BATCH = 1 << 20;

/**
 * Write text pieces to `file` atomically, as they come: a temp file in the same
 * directory, fsync, rename (as write-file-atomic does for one string), so a
 * large report is never one string in memory and an interrupted run leaves no
 * partial file. An existing file's permissions are kept.
 */
export async function writeChunksAtomic(file: string, chunks: Iterable<string>): Promise<void> {
  // through a symlink to the file it names, as write-file-atomic does
  const abs = await realpath(resolve(file)).catch(() => resolve(file));
  const tmp = join(
    dirname(abs),
    `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  removePendingAtExit();
  pending.add(tmp);
  let fh: FileHandle | undefined;
  try {
    const mode = await stat(abs).then(
      (st) => st.mode & 0o7777,
      () => undefined,
    );
    fh = await open(tmp, 'wx', mode ?? 0o666);
    if (mode !== undefined) await fh.chmod(mode);
    let batch = '';
    for (const chunk of chunks) {
      batch += chunk;
      if (batch.length >= WRITE_BATCH) {
        await fh.write(batch, null, 'utf8');
        batch = '';
      }
    }
    if (batch) await fh.write(batch, null, 'utf8');
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, abs);
    pending.delete(tmp);
  } catch (err) {
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    pending.delete(tmp);
    throw err;
  }
}

/** Write one report file; a failure is a ReportSpecError naming the file. */
export async function writeReport(
  report: Report,
  { format, file }: ReportSpec,
  opts: { color?: boolean } = { color: false },
): Promise<void> {
  try {
    await writeChunksAtomic(file, FORMAT_CHUNKS[format](report, opts));
  } catch (err) {
    throw new ReportSpecError(
      `--report: cannot write "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/**
 * Write text pieces (or the bytes of a file being read) to a stream, waiting
 * whenever it asks to (`write` returned false), so a large report is not
 * queued in memory in front of a slow reader.
 */
export async function writeChunks(
  out: NodeJS.WritableStream,
  chunks: Iterable<string> | AsyncIterable<string | Buffer>,
): Promise<void> {
  let batch = '';
  const flush = async (data: string | Buffer) => {
    if (!out.write(data)) await once(out, 'drain');
  };
  for await (const chunk of chunks) {
    if (typeof chunk !== 'string') {
      if (batch) await flush(batch);
      batch = '';
      await flush(chunk);
      continue;
    }
    batch += chunk;
    if (batch.length >= WRITE_BATCH) {
      await flush(batch);
      batch = '';
    }
  }
  if (batch) await flush(batch);
}

/**
 * The report on stdout in `format`. When the same document was just written to
 * a `--report` file (any format but the terminal table, whose colours follow
 * the terminal), it is copied from that file rather than made a second time.
 */
export async function writeStdoutReport(
  out: NodeJS.WritableStream,
  report: Report,
  format: FormatName,
  specs: readonly ReportSpec[],
  opts: { color?: boolean; width?: number } = {},
): Promise<void> {
  const written = format === 'table' ? undefined : specs.find((s) => s.format === format);
  if (!written) releaseMemory();
  await writeChunks(
    out,
    written ? createReadStream(written.file) : FORMAT_CHUNKS[format](report, opts),
  );
}

/** Every `--report` file, one at a time: each format is made once, as it is written. */
export async function writeReports(report: Report, specs: readonly ReportSpec[]): Promise<void> {
  for (const spec of specs) {
    releaseMemory();
    await writeReport(report, spec);
  }
}
