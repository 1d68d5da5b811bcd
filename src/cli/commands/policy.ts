import { leastPrivilegePolicy } from '../../collectors/gate.js';
import { EXIT } from '../errors.js';
import type { CliIo } from '../io.js';

export async function runPolicy(io: CliIo): Promise<number> {
  io.stdout.write(`${JSON.stringify(leastPrivilegePolicy(), null, 2)}\n`);
  return EXIT.OK;
}
