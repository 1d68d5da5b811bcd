import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FORMATS } from '../../src/report/index.js';
import type { Report } from '../../src/report/schema.js';
import {
  writeChunks,
  writeChunksAtomic,
  writeReports,
  writeStdoutReport,
} from '../../src/report/write.js';
import { fixtureReport } from './fixtures.js';

const dir = () => mkdtempSync(path.join(tmpdir(), 'ecs-audit-write-'));

async function collect(out: PassThrough, run: () => Promise<void>): Promise<string> {
  const parts: Buffer[] = [];
  out.on('data', (d: Buffer) => parts.push(d));
  await run();
  out.end();
  return Buffer.concat(parts).toString('utf8');
}

describe('report files', () => {
  it('writes the pieces as one file, replacing the old one and keeping its permissions', async () => {
    const d = dir();
    const file = path.join(d, 'r.txt');
    writeFileSync(file, 'old');
    chmodSync(file, 0o640);
    const pieces = ['a'.repeat(700_000), 'ü'.repeat(400_000), 'end\n'];
    await writeChunksAtomic(file, pieces);
    expect(readFileSync(file, 'utf8')).toBe(pieces.join(''));
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(['r.txt']);
  });

  it('leaves the old file and no temp file when making the report fails half-way', async () => {
    const d = dir();
    const file = path.join(d, 'r.txt');
    writeFileSync(file, 'old');
    function* failing(): Generator<string> {
      yield 'x'.repeat(2_000_000);
      throw new Error('formatter broke');
    }
    await expect(writeChunksAtomic(file, failing())).rejects.toThrow('formatter broke');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['r.txt']);
  });

  it('writes every format as its formatter makes it; stdout shares the file of its format', async () => {
    const report = await fixtureReport();
    const d = dir();
    const specs = (['json', 'sarif', 'junit', 'html', 'markdown', 'table'] as const).map(
      (format) => ({ format, file: path.join(d, `r.${format}`) }),
    );
    await writeReports(report, specs);
    for (const { format, file } of specs) {
      expect(readFileSync(file, 'utf8'), format).toBe(FORMATS[format](report, { color: false }));
    }
    // copied from the file just written: change the file and stdout follows it
    writeFileSync(specs[0]!.file, '{"copied":true}\n');
    const out = new PassThrough();
    const text = await collect(out, () => writeStdoutReport(out, report, 'json', specs));
    expect(text).toBe('{"copied":true}\n');
    // the table on stdout follows the terminal's colour, so it is always made for stdout
    const out2 = new PassThrough();
    const table = await collect(out2, () =>
      writeStdoutReport(out2, report, 'table', specs, { color: true }),
    );
    expect(table).toBe(FORMATS.table(report, { color: true }));
    expect(table).not.toBe(readFileSync(specs[5]!.file, 'utf8'));
    // without a file of its format, stdout gets the document made for it
    const out3 = new PassThrough();
    const md = await collect(out3, () => writeStdoutReport(out3, report, 'markdown', []));
    expect(md).toBe(FORMATS.markdown(report));
  });
});

describe('SARIF and JUnit on a worker thread (offThread)', () => {
  // the worker runs built code: the module as built (global setup builds dist/ when stale)
  const built = () =>
    import('../../dist/src/report/write.js' as string) as Promise<
      typeof import('../../src/report/write.js')
    >;

  /** the fixture report with many findings, so each document is several pieces of about 1 MB */
  async function largeReport(): Promise<Report> {
    const report = await fixtureReport();
    const findings = Array.from({ length: 120 }, (_, copy) =>
      report.findings.map((f) => ({
        ...f,
        resource: { ...f.resource, id: `${f.resource.id}-${copy}` },
        fingerprint: `${copy}-${f.fingerprint}`,
      })),
    ).flat();
    return { ...report, findings };
  }

  it('writes the same documents as this thread does, and no temp file', async () => {
    const report = await largeReport();
    const d = dir();
    const specs = (['sarif', 'json', 'junit', 'table'] as const).map((format) => ({
      format,
      file: path.join(d, `r.${format}`),
    }));
    const { writeReports: writeBuilt } = await built();
    await writeBuilt(report, specs, { offThread: true });
    const sarif = FORMATS.sarif(report);
    expect(sarif.length).toBeGreaterThan(3 << 19); // several pieces of 1 MB
    expect(readFileSync(specs[0]!.file, 'utf8')).toBe(sarif);
    for (const { format, file } of specs.slice(1)) {
      expect(readFileSync(file, 'utf8'), format).toBe(FORMATS[format](report, { color: false }));
    }
    expect(readdirSync(d).sort()).toEqual(specs.map((s) => path.basename(s.file)).sort());
  });

  it("a file that cannot be written fails with its name and does not stop the worker's other file", async () => {
    const report = await largeReport();
    const d = dir();
    const specs = [
      { format: 'sarif' as const, file: path.join(d, 'missing', 'r.sarif') },
      { format: 'junit' as const, file: path.join(d, 'r.junit') },
      { format: 'json' as const, file: path.join(d, 'r.json') },
    ];
    const { writeReports: writeBuilt } = await built();
    await expect(writeBuilt(report, specs, { offThread: true })).rejects.toThrow(
      `--report: cannot write "${specs[0]!.file}": ENOENT`,
    );
    expect(readFileSync(specs[1]!.file, 'utf8')).toBe(FORMATS.junit(report));
    expect(readdirSync(d).sort()).toEqual(['r.json', 'r.junit']);
  });
});

describe('writeChunks', () => {
  // 3 MB of text in pieces of 40 KB: three or four 1 MB batches
  const pieces = Array.from(
    { length: 75 },
    (_, i) => `${String(i).padStart(4, '0')}${'x'.repeat(40_000)}`,
  );
  const text = pieces.join('');

  it('reuses one buffer for a stream that writes what it is given at once', async () => {
    const seen: Buffer[] = [];
    let copy = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        seen.push(chunk);
        copy += chunk.toString('utf8');
        done();
      },
    });
    await writeChunks(out, pieces);
    expect(copy).toBe(text);
    expect(seen.length).toBeGreaterThan(2);
    expect(new Set(seen.map((b) => b.buffer)).size).toBe(1);
  });

  it('gives each batch a buffer of its own when the stream keeps them queued', async () => {
    const held: Buffer[] = [];
    // a slow reader: nothing is written until the end, so every batch stays queued
    const out = new Writable({
      highWaterMark: 64 << 20,
      write(chunk: Buffer, _enc, done) {
        held.push(chunk);
        setTimeout(done, 5);
      },
    });
    await writeChunks(out, pieces);
    await new Promise<void>((resolve) => out.end(resolve));
    expect(Buffer.concat(held).toString('utf8')).toBe(text);
    expect(new Set(held.map((b) => b.buffer)).size).toBe(held.length);
  });

  it('writes to a stream without the Writable internals (no writableLength) correctly', async () => {
    const got: Buffer[] = [];
    const out = {
      write(chunk: Buffer) {
        got.push(chunk);
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    await writeChunks(out, pieces);
    expect(Buffer.concat(got).toString('utf8')).toBe(text);
  });
});
