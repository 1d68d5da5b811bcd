#!/usr/bin/env node
// The only place that sets the exit code; everything else returns it.
import { exitOnInterrupt } from '../dist/src/cli/interrupt.js';
import { processIo } from '../dist/src/cli/io.js';
import { main } from '../dist/src/cli/program.js';

exitOnInterrupt();
process.exitCode = await main(process.argv.slice(2), processIo());
