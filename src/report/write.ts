/**
 * `--report <format>=<file>`: write extra report files in the same run.
 * Destinations are checked before the scan starts (a typo must not cost a
 * 20-minute scan) and every file is written atomically (temp file + rename,
 * util/atomic-write.ts), so an interrupted run never leaves half a report.
 */
import { createReadStream } from 'node:fs';
import { access, constants, mkdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { utf8Batches, WRITE_BATCH, writeChunksAtomic } from '../util/atomic-write.js';
import {
  FINDINGS_PER_MESSAGE,
  FORMAT_WORKER,
  type FromFormatWorker,
  type ToFormatWorker,
  withoutRuleTexts,
} from './format-protocol.js';
import { FORMAT_CHUNKS, FORMATS, type FormatName, isFormat } from './index.js';
import type { Report } from './schema.js';

// the atomic writing itself lives below the reports (snapshots use it too)
export { utf8Batches, writeChunksAtomic };

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
  const seen = new Map<string, string>();
  for (const { file } of specs) {
    // through symlinks: `sarif=o/link.json` (-> a.json) beside `json=o/a.json` wrote the SARIF
    // over the JSON, and stdout's JSON was then copied from it
    const real = await physicalPath(resolve(file));
    const other = seen.get(real);
    if (other !== undefined) {
      throw new ReportSpecError(
        resolve(other) === resolve(file)
          ? `--report: "${file}" is named twice`
          : `--report: "${file}" and "${other}" are the same file`,
      );
    }
    seen.set(real, file);
    await checkDestination(file, '--report');
  }
}

/**
 * `abs` as the writes will reach it: every symlink followed, a dangling one
 * to the file it names (once another report made that file, a write through
 * the link lands there), a part not yet made kept as it is.
 */
async function physicalPath(abs: string, hops = 0): Promise<string> {
  const real = await realpath(abs).catch(() => undefined);
  if (real !== undefined) return real;
  const parent = dirname(abs);
  if (parent === abs) return abs;
  const target = hops < 40 ? await readlink(abs).catch(() => undefined) : undefined;
  if (target !== undefined) return physicalPath(resolve(parent, target), hops + 1);
  return join(await physicalPath(parent, hops), basename(abs));
}

/** report directories checkDestination found missing: writeReports makes them, and only them */
const missingDirs = new Set<string>();

/**
 * `file` can be written: its directory is writable (for `--report`, the
 * nearest part of it that exists: the rest is made when the report is
 * written), and it is not a directory itself.
 */
export async function checkDestination(file: string, flag: string): Promise<void> {
  // resolve('') is the working directory: say what was given, not "is a directory"
  if (file.trim() === '') throw new ReportSpecError(`${flag}: the file name is empty`);
  const abs = resolve(file);
  const dir = dirname(abs);
  // does not exist yet: fine
  const existing = await stat(abs).catch(() => undefined);
  if (existing && !existing.isFile() && !existing.isDirectory()) {
    // a pipe or a device (/dev/stdout, /dev/null) is written in place, never replaced:
    // its own permission counts, not its directory's (/dev is not writable for a user)
    try {
      await access(abs, constants.W_OK);
    } catch {
      throw new ReportSpecError(`${flag}: cannot write "${file}": not writable`);
    }
    return;
  }
  // a report's missing directory (`--report html=out/report.html`) is made by writeReports, not
  // here: a run refused for another input (a bad config, a bad snapshot) leaves no directory
  let nearest = dir;
  if (flag === '--report') {
    while (dirname(nearest) !== nearest && (await isMissing(nearest))) {
      nearest = dirname(nearest);
    }
  }
  try {
    const s = await stat(nearest);
    if (!s.isDirectory()) throw new Error('not a directory');
    await access(nearest, constants.W_OK);
  } catch {
    throw new ReportSpecError(
      `${flag}: cannot write "${file}": ${dir} is not a writable directory`,
    );
  }
  if (nearest !== dir) missingDirs.add(dir);
  if (existing?.isDirectory()) throw new ReportSpecError(`${flag}: "${file}" is a directory`);
}

/** nothing at `path` (ENOENT), as opposed to something there or a part of it not a directory */
function isMissing(path: string): Promise<boolean> {
  return stat(path).then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
}

/**
 * Write one report file; a file-system failure is a ReportSpecError naming the
 * file. Any other (a formatter that threw) is the tool's own and goes on as it
 * is: the CLI says "internal error", not that the file cannot be written.
 */
export async function writeReport(
  report: Report,
  { format, file }: ReportSpec,
  opts: { color?: boolean } = { color: false },
  made: Iterable<string> | AsyncIterable<Uint8Array> = FORMAT_CHUNKS[format](report, opts),
): Promise<void> {
  try {
    await writeChunksAtomic(file, made);
  } catch (err) {
    // a system call's failure has an errno; Node's own ERR_* codes are the tool's bugs
    const e = err as NodeJS.ErrnoException | undefined;
    if (typeof e?.code !== 'string' || typeof e.errno !== 'number') throw err;
    throw new ReportSpecError(`--report: cannot write "${file}": ${e.code}`);
  }
}

/**
 * Write text pieces (or the bytes of a file being read) to a stream, waiting
 * whenever it asks to (`write` returned false), so a large report is not
 * queued in memory in front of a slow reader. A reader that went away
 * (`| head -c 100`: EPIPE) destroys the stream: the rest is discarded, and
 * the run goes on to its exit code (its 'drain' would never come).
 */
export async function writeChunks(
  out: NodeJS.WritableStream,
  chunks: Iterable<string> | AsyncIterable<string | Buffer>,
): Promise<void> {
  const closed = () => (out as { destroyed?: unknown }).destroyed === true;
  const drained = () =>
    new Promise<void>((resolve, reject) => {
      const settle = (err?: NodeJS.ErrnoException) => {
        out.off('drain', settle);
        out.off('close', settle);
        out.off('error', settle);
        if (err instanceof Error && err.code !== 'EPIPE') reject(err);
        else resolve();
      };
      out.on('drain', settle);
      out.on('close', settle);
      out.on('error', settle);
      if (closed()) settle();
    });
  if (Symbol.asyncIterator in chunks) {
    for await (const chunk of chunks) {
      if (closed()) return;
      if (!out.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)) {
        await drained();
      }
    }
    return;
  }
  // A stream may keep what it was given queued: the next batch gets a buffer of its own unless
  // the stream has already written all it was given (stdout to a file or a pipe, written at
  // once). A new buffer per batch kept up to 28 MB of them (off the heap, freed only with their
  // wrappers) when 240 MB of JSON went to stdout.
  let written = false;
  for (const bytes of utf8Batches(chunks, { reuse: () => written })) {
    if (closed()) return;
    const more = out.write(bytes);
    written = (out as { writableLength?: unknown }).writableLength === 0;
    if (!more) await drained();
  }
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
  let written = format === 'table' ? undefined : specs.find((s) => s.format === format);
  // a pipe or a device cannot be read back for what was written to it
  if (
    written &&
    !(await stat(written.file).then(
      (st) => st.isFile(),
      () => false,
    ))
  ) {
    written = undefined;
  }
  await writeChunks(
    out,
    written
      ? createReadStream(written.file, { highWaterMark: WRITE_BATCH })
      : FORMAT_CHUNKS[format](report, opts),
  );
}

/**
 * The formats made on a second thread when there are others to make on this
 * one: the two largest documents to make (a SARIF result and a JUnit case per
 * finding), about half the time of all six formats.
 */
export const OFF_THREAD_FORMATS: ReadonlySet<FormatName> = new Set(['sarif', 'junit']);

/**
 * The worker's code, when this module runs built (`dist/`); from the sources
 * (`.ts`, under a test runner) there is no worker and every format is made here.
 */
function workerUrl(): URL | undefined {
  return import.meta.url.endsWith('.js')
    ? new URL('./format-worker.js', import.meta.url)
    : undefined;
}

/**
 * Bytes from the worker, as an async iterable for `writeChunksAtomic`; each
 * piece acknowledged once written, or at once when the file's write has
 * failed (so the worker is never left waiting to make the next document).
 */
class Pieces implements AsyncIterable<Uint8Array> {
  private readonly items: Uint8Array[] = [];
  private ended = false;
  private discarding = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  constructor(private readonly written: () => void) {}
  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
  push(data: Uint8Array): void {
    if (this.discarding) this.written();
    else this.items.push(data);
    this.notify();
  }
  end(): void {
    this.ended = true;
    this.notify();
  }
  fail(err: Error): void {
    if (this.ended) return;
    this.error ??= err;
    this.notify();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    let done = false;
    try {
      for (;;) {
        const next = this.items.shift();
        if (next) {
          yield next;
          this.written();
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) {
          done = true;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (!done) {
        this.discarding = true;
        for (const _ of this.items.splice(0)) this.written();
      }
    }
  }
}

/** Start making `specs` on a worker thread; their bytes, per spec, as they come. */
async function formatOffThread(
  report: Report,
  specs: readonly ReportSpec[],
  url: URL,
): Promise<{ pieces: Pieces[]; stop: () => Promise<void> }> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(url, { workerData: FORMAT_WORKER });
  const ack = () => worker.postMessage({ type: 'written' } satisfies ToFormatWorker);
  const pieces = specs.map(() => new Pieces(ack));
  const failAll = (err: Error) => {
    for (const p of pieces) p.fail(err);
  };
  worker.on('message', (msg: FromFormatWorker) => {
    const p = pieces[msg.index]!;
    if (msg.type === 'piece') p.push(msg.data);
    else if (msg.type === 'end') p.end();
    else p.fail(new Error(msg.message));
  });
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new Error('the format worker stopped')));
  const lean = withoutRuleTexts(report);
  worker.postMessage({
    type: 'report',
    report: { ...lean, findings: [] },
    formats: specs.map((s) => s.format),
  } satisfies ToFormatWorker);
  for (let i = 0; i < lean.findings.length; i += FINDINGS_PER_MESSAGE) {
    const findings = lean.findings.slice(i, i + FINDINGS_PER_MESSAGE);
    worker.postMessage({ type: 'findings', findings } satisfies ToFormatWorker);
  }
  worker.postMessage({ type: 'format' } satisfies ToFormatWorker);
  return {
    pieces,
    stop: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

/**
 * Every `--report` file: each format is made once, as it is written. With
 * `offThread` and more than one format, SARIF and JUnit are made on a worker
 * thread meanwhile (the files are still written here): on two cores the
 * formats take about half the wall time (at scale 1 about a second less),
 * for a second copy of the report in the worker (about 150 MB more peak RSS
 * for 77,000 findings) and about 1 s more CPU (copying the report over,
 * the worker's start). The CLI asks for it unless `ECS_AUDIT_REPORT_THREAD=0`;
 * a run writing one document (the live scan's usual case) never starts the
 * worker. The first failure, in the order given, is the one reported.
 */
export async function writeReports(
  report: Report,
  specs: readonly ReportSpec[],
  opts: { offThread?: boolean } = {},
): Promise<void> {
  // a directory found missing when the destinations were checked is made now that there is a
  // report to put there; should that fail, the write says why, naming the file
  for (const { file } of specs) {
    const dir = dirname(resolve(file));
    if (missingDirs.delete(dir)) await mkdir(dir, { recursive: true }).catch(() => undefined);
  }
  const url = opts.offThread ? workerUrl() : undefined;
  let off = url && specs.length > 1 ? specs.filter((s) => OFF_THREAD_FORMATS.has(s.format)) : [];
  // something must be left to make here, or the worker only adds the copy of the report
  if (off.length === specs.length) off = off.slice(1);
  if (off.length === 0 || !url) {
    for (const spec of specs) {
      await writeReport(report, spec);
    }
    return;
  }
  const worker = await formatOffThread(report, off, url);
  try {
    // the worker's files are written as its pieces arrive, alongside this thread's own
    const offWrites = off.map((spec, i) =>
      writeReport(report, spec, undefined, worker.pieces[i]!).then(
        () => undefined,
        (err: unknown) => err,
      ),
    );
    const errors = new Map<ReportSpec, unknown>();
    for (const spec of specs) {
      if (off.includes(spec)) continue;
      await writeReport(report, spec).catch((err: unknown) => errors.set(spec, err));
    }
    const offErrors = await Promise.all(offWrites);
    off.forEach((spec, i) => {
      if (offErrors[i] !== undefined) errors.set(spec, offErrors[i]);
    });
    const first = specs.find((s) => errors.has(s));
    if (first) throw errors.get(first);
  } finally {
    await worker.stop();
  }
}
