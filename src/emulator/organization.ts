/**
 * Resource Manager 2020-03-31 `ListAccounts` of the emulator: the Resource
 * Directory's members as an organization world lists them (world.md "Several
 * accounts"). Wire format per
 * node_modules/@alicloud/resourcemanager20200331/dist/models/ListAccountsResponseBody:
 * `{Accounts: {Account: [...]}, PageNumber, PageSize, TotalCount}`; PageSize 1–100, default 10.
 * Only the management account sees the directory; any other caller gets the
 * service's "no directory" error.
 */
import { pageByNumber } from './paging.js';
import { type ActionHandler, apiError, ok } from './types.js';

const listAccounts: ActionHandler = (req, ctx) => {
  const org = ctx.world.organization;
  if (!org || org.managementAccountId !== ctx.world.account.accountId) {
    return apiError(
      404,
      'EntityNotExists.ResourceDirectory',
      'The resource directory does not exist.',
    );
  }
  // the ListAccounts fields as the world wrote them (absent is absent, world.md)
  const items = org.accounts.map((a) => {
    const { world: _world, worldFile: _file, ...wire } = a;
    return wire;
  });
  const { page, pageNumber, pageSize, totalCount } = pageByNumber(items, req.params, {
    max: 100,
    default: 10,
  });
  return ok({
    Accounts: { Account: page },
    PageNumber: pageNumber,
    PageSize: pageSize,
    TotalCount: totalCount,
  });
};

export const organizationHandlers: Record<string, ActionHandler> = {
  ListAccounts: listAccounts,
};
