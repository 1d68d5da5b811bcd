/**
 * Resource Manager (2020-03-31): the policies attached at resource-group scope
 * (ListPolicyAttachments, paged by PageNumber/PageSize ≤ 100). The same call
 * also lists account-scope attachments (ResourceGroupId = the account id),
 * which RAM's ListPoliciesFor* already report: only `rg-…` entries are kept.
 * A failed or list-less answer leaves the attachments absent (unknown), with
 * a coverage entry (service resourcemanager, operation ListPolicyAttachments,
 * no region, no resource).
 */
import type * as RmSdk from '@alicloud/resourcemanager20200331';
import type { ResourceGroupAttachment } from '../inventory/schema.js';
import {
  attempt,
  type CollectContext,
  call,
  fail,
  missingField,
  nonEmpty,
  pageSize,
} from './context.js';
import { requiredList } from './errors.js';
import { type PageMeta, pageByNumber, trackIncomplete } from './paging.js';
import { sdks } from './sdk.js';

type WireAttachment = RmSdk.ListPolicyAttachmentsResponseBodyPolicyAttachmentsPolicyAttachment;

/** a resource group id (`rg-…`), as opposed to the account id of an account-scope attachment */
export function isResourceGroupId(id: string): boolean {
  return /^rg-/i.test(id);
}

/** resource-group-scoped attachments; undefined when they could not be read completely */
export async function collectResourceGroupAttachments(
  ctx: CollectContext,
): Promise<ResourceGroupAttachment[] | undefined> {
  const m: PageMeta = {
    service: 'resourcemanager',
    region: null,
    operation: 'ListPolicyAttachments',
  };
  ctx.progress({ service: 'resourcemanager', region: null, phase: 'resource-group policies' });
  const size = pageSize(ctx, 100);
  const guard = trackIncomplete(ctx.guard);
  const raw = await attempt(ctx, m, () =>
    pageByNumber<WireAttachment>(
      guard,
      m,
      size,
      (a) =>
        [a.principalType, a.principalName, a.policyType, a.policyName, a.resourceGroupId].join(
          '\u0000',
        ),
      async (pageNumber) => {
        const res = await call(ctx, m, () =>
          ctx.clients.resourcemanager.listPolicyAttachments(
            new (sdks().rm.ListPolicyAttachmentsRequest)({ pageNumber, pageSize: size }),
          ),
        );
        const body = res.body;
        return {
          items: requiredList(
            body?.policyAttachments?.policyAttachment,
            'PolicyAttachments.PolicyAttachment',
          ),
          ...(typeof body?.totalCount === 'number' ? { totalCount: body.totalCount } : {}),
        };
      },
    ),
  );
  // a listing cut short may miss the attachment that grants everything: unknown, not partial
  if (!raw || guard.incomplete) return undefined;
  const out: ResourceGroupAttachment[] = [];
  for (const a of raw) {
    const resourceGroupId = nonEmpty(a.resourceGroupId);
    const principalName = nonEmpty(a.principalName);
    const principalType = nonEmpty(a.principalType);
    const policyName = nonEmpty(a.policyName);
    // the API always sends the scope: an attachment without it could be at resource-group scope
    if (!resourceGroupId) {
      missingField(ctx, m, 'an attachment', 'ResourceGroupId', 'list');
      return undefined;
    }
    if (!isResourceGroupId(resourceGroupId)) continue;
    if (!principalName || !principalType || !policyName) {
      // the attachment that is missing a field could be the one that grants everything
      const field = !principalName
        ? 'PrincipalName'
        : !principalType
          ? 'PrincipalType'
          : 'PolicyName';
      fail(
        ctx,
        { ...m, resource: resourceGroupId },
        {
          code: 'MissingField',
          message: `ListPolicyAttachments answered an attachment in ${resourceGroupId} without ${field}`,
        },
      );
      return undefined;
    }
    out.push({
      principalName,
      principalType,
      policyName,
      policyType: nonEmpty(a.policyType) ?? 'Custom',
      resourceGroupId,
    });
  }
  return out;
}
