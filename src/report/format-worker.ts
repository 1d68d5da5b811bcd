/**
 * A second thread that makes report documents while the main thread makes the
 * others (`writeReports`). It only formats: the report arrives once (a
 * structured clone), each document goes back as UTF-8 pieces of about 1 MB
 * (transferred, not copied), and the main thread writes them to their files,
 * so every file operation (temp file, rename, clean-up on Ctrl-C) stays where
 * it always was. At most `IN_FLIGHT` pieces wait to be written: a slow disk
 * does not let the documents pile up in memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  FORMAT_WORKER,
  type FromFormatWorker,
  type ToFormatWorker,
  withRuleTexts,
} from './format-protocol.js';
import { FORMAT_CHUNKS, type FormatName } from './index.js';
import type { Report } from './schema.js';
import { utf8Batches } from './write.js';

/** pieces sent and not yet written */
const IN_FLIGHT = 8;

const port = parentPort;
// only as the worker `writeReports` starts (a test runner's worker is not one)
if (port && workerData === FORMAT_WORKER) {
  let inFlight = 0;
  let wake: (() => void) | undefined;
  // every batch has an ArrayBuffer of its own (never a slice of Buffer's shared pool)
  const send = async (index: number, data: Buffer) => {
    const whole = data.buffer as ArrayBuffer;
    port.postMessage({ type: 'piece', index, data } satisfies FromFormatWorker, [whole]);
    inFlight += 1;
    while (inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
  };
  let received: { report: Report; formats: FormatName[] } | undefined;
  port.on('message', async (msg: ToFormatWorker) => {
    if (msg.type === 'written') {
      inFlight -= 1;
      const w = wake;
      wake = undefined;
      w?.();
      return;
    }
    if (msg.type === 'report') {
      received = { report: msg.report, formats: msg.formats };
      return;
    }
    if (msg.type === 'findings') {
      for (const f of msg.findings) received?.report.findings.push(f);
      return;
    }
    if (!received) return;
    const report = withRuleTexts(received.report);
    for (const [index, format] of received.formats.entries()) {
      try {
        // each batch a buffer of its own, handed over (transferred) whole
        for (const data of utf8Batches(FORMAT_CHUNKS[format](report, { color: false }))) {
          await send(index, data);
        }
        port.postMessage({ type: 'end', index } satisfies FromFormatWorker);
      } catch (err) {
        port.postMessage({
          type: 'error',
          index,
          message: err instanceof Error ? err.message : String(err),
        } satisfies FromFormatWorker);
      }
    }
  });
}
