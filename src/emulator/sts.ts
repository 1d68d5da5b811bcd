/**
 * STS 2015-04-01 handlers of the emulator: GetCallerIdentity answers with
 * `world.account.caller`, filling what the world leaves out.
 */
import { type ActionHandler, apiError, ok } from './types.js';

const getCallerIdentity: ActionHandler = (_req, ctx) => {
  const account = ctx.world.account;
  const caller = account.caller ?? { IdentityType: 'RAMUser' };
  const identityType = caller.IdentityType ?? 'RAMUser';
  const accountId = caller.AccountId ?? account.accountId;
  const userId = caller.UserId ?? (identityType === 'Account' ? accountId : '2000000000000001');
  const arn =
    caller.Arn ??
    (identityType === 'Account'
      ? `acs:ram::${accountId}:root`
      : identityType === 'AssumedRoleUser'
        ? `acs:ram::${accountId}:assumed-role/emulator-role/emulator-session`
        : `acs:ram::${accountId}:user/emulator`);
  return ok({
    ...caller,
    IdentityType: identityType,
    AccountId: accountId,
    UserId: userId,
    PrincipalId: caller.PrincipalId ?? userId,
    Arn: arn,
  });
};

/**
 * AssumeRole (RoleArn, RoleSessionName, DurationSeconds 900–43200, default
 * 3600): the root identity is refused as the real service refuses it; the
 * server (ctx.assumeRole) checks the role exists in the target account and
 * issues temporary credentials.
 */
const assumeRole: ActionHandler = (req, ctx) => {
  const roleArn = req.params['RoleArn'] ?? '';
  const sessionName = req.params['RoleSessionName'] ?? '';
  if (!roleArn) return apiError(400, 'MissingRoleArn', 'RoleArn is mandatory for this action.');
  if (!/^[\w.@-]{2,64}$/.test(sessionName)) {
    return apiError(
      400,
      'InvalidParameter.RoleSessionName',
      'The parameter RoleSessionName is wrong.',
    );
  }
  const duration = Number(req.params['DurationSeconds'] ?? '3600');
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
    return apiError(
      400,
      'InvalidParameter.DurationSeconds',
      'The parameter DurationSeconds is wrong.',
    );
  }
  if ((ctx.world.account.caller?.IdentityType ?? 'RAMUser') === 'Account') {
    return apiError(403, 'NoPermission', 'Roles may not be assumed by root accounts.');
  }
  if (!ctx.assumeRole) {
    return apiError(404, 'EntityNotExist.Role', `The role not exists: ${roleArn}.`);
  }
  return ctx.assumeRole(roleArn, sessionName, duration);
};

export const stsHandlers: Record<string, ActionHandler> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
};
