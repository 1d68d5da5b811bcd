#!/usr/bin/env node
// The only place that sets the exit code; everything else returns it.
import { fstatSync, writeSync } from 'node:fs';
import { exitOnInterrupt } from '../dist/src/cli/interrupt.js';
import { oneLine, processIo } from '../dist/src/cli/io.js';
import { main } from '../dist/src/cli/program.js';

exitOnInterrupt();
// `ecs-audit rules | head`, `scan | head -c 100`: a reader that stops reading is not an error
// (and never a stack trace). What is left of stdout is discarded (the stream is closed, and the
// report writer stops at that), but the run goes on to its exit code and summary line: exiting
// 0 here passed a `set -o pipefail` gate over critical findings.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') return;
  // the report is lost (a full disk under `> report.json`): one line and exit 2, not a stack
  // trace and exit 1, which reads as "findings"
  process.stderr.write(
    `ecs-audit: ${oneLine(`cannot write to stdout: ${err.code ?? err.message}`)}\n`,
  );
  process.exit(2);
});
// Diagnostics are best-effort: stderr on a closed pipe or a full disk (`2>/dev/full`) must not
// crash the run (exit 1, no report written); there is nowhere left to say it anyway.
process.stderr.on('error', () => {});
// stdout redirected to a file is written by Node with one write(2) per chunk and its count
// ignored: on a nearly full disk, `--format json > report.json` ended short with a success exit.
// Every byte is written, or the next write fails (ENOSPC) and so does the run (above).
if (isRegularFile(1)) {
  process.stdout._write = (chunk, encoding, done) => {
    try {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
      for (let at = 0; at < bytes.length; ) at += writeSync(1, bytes, at);
    } catch (err) {
      done(err);
      return;
    }
    done();
  };
}
process.exitCode = await main(process.argv.slice(2), processIo());

function isRegularFile(fd) {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}
