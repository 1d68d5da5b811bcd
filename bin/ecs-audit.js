#!/usr/bin/env node
// The only place that sets the exit code; everything else returns it.
import { exitOnInterrupt } from '../dist/src/cli/interrupt.js';
import { processIo } from '../dist/src/cli/io.js';
import { main } from '../dist/src/cli/program.js';

exitOnInterrupt();
// `ecs-audit rules | head`: a reader that stops reading is not an error (and never a stack trace)
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await main(process.argv.slice(2), processIo());
