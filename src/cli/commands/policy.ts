import { leastPrivilegePolicy, organizationCallerPolicy } from '../../collectors/gate.js';
import { EXIT, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

export interface PolicyFlags {
  org?: boolean;
  memberRole?: string;
}

/**
 * The read-only policy; with `--org` an object of two policies:
 * `managementCaller` (the caller of an organization scan, in the management
 * account: the read-only actions for its own account, `ListAccounts`, and
 * `sts:AssumeRole` on the member role) and `memberRole` (the read-only policy
 * the member role needs in every member).
 */
export async function runPolicy(io: CliIo, flags: PolicyFlags = {}): Promise<number> {
  if (!flags.org) {
    if (flags.memberRole !== undefined) throw new UsageError('--member-role needs --org');
    io.stdout.write(`${JSON.stringify(leastPrivilegePolicy(), null, 2)}\n`);
    return EXIT.OK;
  }
  const role = flags.memberRole ?? 'ResourceDirectoryAccountAccessRole';
  if (!/^[A-Za-z0-9.-]{1,64}$/.test(role)) {
    throw new UsageError(`--member-role: not a RAM role name: ${JSON.stringify(role)}`);
  }
  const out = {
    managementCaller: organizationCallerPolicy(role),
    memberRole: leastPrivilegePolicy(),
  };
  io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return EXIT.OK;
}
