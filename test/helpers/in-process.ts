/** The CLI's `main()` in this process with captured stdout/stderr: what bin/ecs-audit.js runs, without a child. */
import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/program.js';
import type { CliResult } from './cli.js';

export async function runInProcess(
  args: string[],
  env: NodeJS.ProcessEnv = { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', NO_COLOR: '1' },
  columns?: number,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void, tty: boolean) => {
    const w = new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        add(chunk.toString());
        cb();
      },
    });
    if (tty) Object.assign(w, { isTTY: true, columns });
    return w;
  };
  const io: CliIo = {
    stdout: sink((s) => {
      stdout += s;
    }, columns !== undefined),
    stderr: sink((s) => {
      stderr += s;
    }, false),
    env,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
