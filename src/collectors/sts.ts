/** STS GetCallerIdentity: who the credentials belong to. Called before anything else. */
import type { Caller } from '../inventory/schema.js';
import { type CollectContext, call, nonEmpty } from './context.js';
import { CallerIdentityError, describeError } from './errors.js';

export async function callerIdentity(ctx: CollectContext): Promise<Caller> {
  let body: Awaited<ReturnType<CollectContext['clients']['sts']['getCallerIdentity']>>['body'];
  try {
    const res = await call(
      ctx,
      { service: 'sts', region: null, operation: 'GetCallerIdentity' },
      () => ctx.clients.sts.getCallerIdentity(),
    );
    body = res.body;
  } catch (err) {
    const { code, message } = describeError(err, ctx.redact);
    throw new CallerIdentityError(
      `cannot read the caller identity (STS GetCallerIdentity): ${code}: ${message}`,
      code,
    );
  }
  const accountId = nonEmpty(body?.accountId);
  const identityType = nonEmpty(body?.identityType);
  if (!accountId || !identityType) {
    throw new CallerIdentityError(
      'cannot read the caller identity: STS GetCallerIdentity answered without AccountId or IdentityType',
      'MissingField',
    );
  }
  return {
    identityType,
    accountId,
    arn: body?.arn ?? '',
    ...(nonEmpty(body?.userId) ? { userId: body?.userId } : {}),
    ...(nonEmpty(body?.principalId) ? { principalId: body?.principalId } : {}),
    ...(nonEmpty(body?.roleId) ? { roleId: body?.roleId } : {}),
  };
}
