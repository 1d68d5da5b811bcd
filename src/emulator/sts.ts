/**
 * STS 2015-04-01 handlers of the emulator: GetCallerIdentity answers with
 * `world.account.caller`, filling what the world leaves out.
 */
import { type ActionHandler, ok } from './types.js';

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

export const stsHandlers: Record<string, ActionHandler> = {
  GetCallerIdentity: getCallerIdentity,
};
