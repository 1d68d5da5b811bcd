/**
 * Resource Manager 2020-03-31 handlers of the emulator (h4).
 *
 * ListPolicyAttachments {PageNumber, PageSize 1–100 (default 10), ResourceGroupId,
 *   PrincipalType, PrincipalName, PolicyType, PolicyName} →
 *   `{PageNumber, PageSize, TotalCount, PolicyAttachments: {PolicyAttachment: [...]}}`
 *   (wire names of the SDK model ListPolicyAttachmentsResponseBody). The list
 *   holds resource-group-scope attachments (`ResourceGroupId` `rg-…`) and, as the
 *   real service does, account-scope ones (`ResourceGroupId` = the account id);
 *   the world lists both under `resourceManager.PolicyAttachments`.
 */
import { pageByNumber } from './paging.js';
import { type ActionHandler, ok } from './types.js';

const FILTERS = [
  'ResourceGroupId',
  'PrincipalType',
  'PrincipalName',
  'PolicyType',
  'PolicyName',
] as const;

const listPolicyAttachments: ActionHandler = (req, ctx) => {
  // The real API sends every filtered field; an attachment the world wrote
  // without one is served (still without it) to every filter on that field,
  // as it could be any value: a filter never hides it.
  const items = ctx.world.resourceManager.PolicyAttachments.filter((a) =>
    FILTERS.every((f) => {
      const want = req.params[f];
      return want === undefined || want === '' || a[f] === undefined || String(a[f]) === want;
    }),
  );
  const { page, pageNumber, pageSize, totalCount } = pageByNumber(items, req.params, {
    max: 100,
    default: 10,
  });
  return ok({
    PageNumber: pageNumber,
    PageSize: pageSize,
    TotalCount: totalCount,
    PolicyAttachments: { PolicyAttachment: page.map((a) => ({ ...a })) },
  });
};

export const resourceManagerHandlers: Record<string, ActionHandler> = {
  ListPolicyAttachments: listPolicyAttachments,
};
