export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** One line to stderr, prefixed like every message of the tool. */
export function say(io: CliIo, message: string): void {
  io.stderr.write(`ecs-audit: ${message}\n`);
}
