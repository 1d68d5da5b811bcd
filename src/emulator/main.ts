/**
 * `node dist/src/emulator/main.js <world.yaml|json> [--port N]`
 *
 * Prints exactly one stdout line, `listening on http://127.0.0.1:<port>`, when
 * ready and serves until SIGINT/SIGTERM (then closes and exits 0). Bad usage or
 * a bad world file: one line on stderr, exit 2.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './server.js';
import { loadWorld, WorldError } from './world.js';

const PREFIX = 'ecs-audit emulator: ';
const USAGE = 'usage: emulator <world.yaml|world.json> [--port N]';

function fail(message: string): never {
  process.stderr.write(`${PREFIX}${message.split('\n')[0]}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let file: string;
  let port = 0;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { port: { type: 'string', short: 'p' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) fail(USAGE);
    file = positionals[0]!;
    if (values.port !== undefined) {
      if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
        fail(`--port: not a port number: ${values.port}`);
      }
      port = Number(values.port);
    }
  } catch (err) {
    fail(`${(err as Error).message} (${USAGE})`);
  }

  let world: Awaited<ReturnType<typeof loadWorld>>;
  try {
    world = await loadWorld(file);
  } catch (err) {
    if (err instanceof WorldError) fail(err.message);
    fail(`${file}: ${(err as Error).message}`);
  }

  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator(world, { port });
  } catch (err) {
    fail(
      `cannot listen on port ${port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  process.stdout.write(`listening on ${emulator.url}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  fail(err instanceof Error ? err.message : String(err));
});
