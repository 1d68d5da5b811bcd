/**
 * RAM: users (console access, MFA, AccessKeys and their last use, groups,
 * attached policies), groups, roles (trust policy), the default version of every
 * referenced policy, the password policy and the security preference.
 */
import * as $Ram from '@alicloud/ram20150501';
import type {
  AccessKey,
  PasswordPolicy,
  PolicyRef,
  RamGroup,
  RamPolicy,
  RamRole,
  RamUser,
  ResourceGroupAttachment,
  SecurityPreference,
} from '../inventory/schema.js';
import {
  apiCode,
  attempt,
  type CollectContext,
  call,
  fail,
  missingField,
  nonEmpty,
  pageSize,
  parseDocument,
  phaseCounter,
} from './context.js';
import { MalformedResponseError, requiredList } from './errors.js';
import type { PageMeta } from './paging.js';
import { pageByCursor } from './paging.js';

export interface RamResult {
  users: RamUser[];
  groups: RamGroup[];
  roles: RamRole[];
  policies: RamPolicy[];
  passwordPolicy?: PasswordPolicy;
  securityPreference?: SecurityPreference;
  /** filled by collect() from Resource Manager; absent = unknown */
  resourceGroupAttachments?: ResourceGroupAttachment[];
}

const meta = (operation: string, resource?: string): PageMeta => ({
  service: 'ram',
  region: null,
  operation,
  ...(resource !== undefined ? { resource } : {}),
});

/** asks GetPolicy for a policy the first time it is referenced (once per policy) */
type PolicyWanted = (refs: PolicyRef[] | undefined) => void;

const policyKey = (p: PolicyRef) => `${p.type}:${p.name}`;

/**
 * `alsoReferenced`: policies named elsewhere (resource-group-scope attachments,
 * Resource Manager) whose documents are needed too; fetched like the others
 */
export async function collectRam(
  ctx: CollectContext,
  alsoReferenced?: Promise<PolicyRef[] | undefined>,
): Promise<RamResult> {
  // GetPolicy starts as soon as a user, group or role names the policy, not after them all
  const fetching = new Map<string, Promise<RamPolicy>>();
  const counter = phaseCounter(ctx, 'ram', null, 'policies');
  const want: PolicyWanted = (refs) => {
    for (const ref of refs ?? []) {
      const key = policyKey(ref);
      if (fetching.has(key)) continue;
      counter.add(1);
      fetching.set(
        key,
        policyOf(ctx, ref).then((p) => {
          counter.tick();
          return p;
        }),
      );
    }
  };
  const [users, groups, roles, passwordPolicy, securityPreference, extra] = await Promise.all([
    usersOf(ctx, want),
    groupsOf(ctx, want),
    rolesOf(ctx, want),
    passwordPolicyOf(ctx),
    securityPreferenceOf(ctx),
    (alsoReferenced ?? Promise.resolve(undefined)).then((refs) => {
      want(refs);
      return refs ?? [];
    }),
  ]);
  // the inventory lists policies in the order users, groups, roles (then other holders) first name them
  const order = new Set<string>();
  for (const holder of [...users, ...groups, ...roles]) {
    for (const p of holder.policies ?? []) order.add(policyKey(p));
  }
  for (const p of extra) order.add(policyKey(p));
  const policies = await Promise.all(
    [...order].map((key) => fetching.get(key) as Promise<RamPolicy>),
  );
  return {
    users,
    groups,
    roles,
    policies,
    ...(passwordPolicy ? { passwordPolicy } : {}),
    ...(securityPreference ? { securityPreference } : {}),
  };
}

/** the attached policies of a ListPoliciesFor* answer; throws when the answer lacks the list */
function policyRefs(
  list: Array<{ policyName?: string; policyType?: string }> | undefined,
): PolicyRef[] {
  return requiredList(list, 'Policies.Policy')
    .filter((p) => nonEmpty(p.policyName))
    .map((p) => ({ name: p.policyName as string, type: nonEmpty(p.policyType) ?? 'Custom' }));
}

// ------------------------------------------------------------ users

async function usersOf(ctx: CollectContext, want: PolicyWanted): Promise<RamUser[]> {
  const ram = ctx.clients.ram;
  const m = meta('ListUsers');
  const counter = phaseCounter(ctx, 'ram', null, 'users');
  // each user's own calls start as soon as its page arrives, not after the whole listing
  const details = new Map<string, Promise<RamUser>>();
  const listed = await attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (marker) => {
        const res = await call(ctx, m, () =>
          ram.listUsers(new $Ram.ListUsersRequest({ maxItems: pageSize(ctx, 1000), marker })),
        );
        const users = requiredList(res.body?.users?.user, 'Users.User')
          .filter((u) => nonEmpty(u.userName))
          .map(
            (u): RamUser => ({
              name: u.userName as string,
              id: u.userId ?? '',
              displayName: u.displayName ?? '',
              ...(nonEmpty(u.createDate) ? { createDate: u.createDate } : {}),
            }),
          );
        for (const user of users) {
          if (details.has(user.name)) continue;
          counter.add(1);
          details.set(user.name, userDetails(ctx, user, want).finally(counter.tick));
        }
        return {
          items: users,
          next: nonEmpty(res.body?.marker),
          more: res.body?.isTruncated === true,
        };
      },
      (u) => u.name,
    ),
  );
  const all = await Promise.all(details.values());
  // a listing that failed part-way leaves the users unknown (absent), as a whole
  if (!listed) return [];
  const byName = new Map(all.map((u) => [u.name, u]));
  return listed.map((u) => byName.get(u.name) as RamUser);
}

async function userDetails(
  ctx: CollectContext,
  user: RamUser,
  want: PolicyWanted,
): Promise<RamUser> {
  const name = user.name;
  const [loginProfile, mfaDevice, accessKeys, groups, policies] = await Promise.all([
    loginProfileOf(ctx, name),
    mfaDeviceOf(ctx, name),
    accessKeysOf(ctx, name),
    userGroupsOf(ctx, name),
    userPoliciesOf(ctx, name, want),
  ]);
  if (loginProfile !== undefined) user.loginProfile = loginProfile;
  if (mfaDevice !== undefined) user.mfaDevice = mfaDevice;
  if (accessKeys !== undefined) user.accessKeys = accessKeys;
  if (groups !== undefined) user.groups = groups;
  if (policies !== undefined) user.policies = policies;
  return user;
}

/** the call, or `null` when the API answers `notFoundCode` (the thing does not exist) */
async function orNull<T>(
  ctx: CollectContext,
  m: PageMeta,
  notFoundCode: string,
  fn: () => Promise<T>,
): Promise<T | null | undefined> {
  return attempt(ctx, m, async () => {
    try {
      return await call(ctx, m, fn);
    } catch (err) {
      if (apiCode(err) === notFoundCode) return null;
      throw err;
    }
  });
}

async function loginProfileOf(
  ctx: CollectContext,
  userName: string,
): Promise<RamUser['loginProfile']> {
  const m = meta('GetLoginProfile', userName);
  const res = await orNull(ctx, m, 'EntityNotExist.User.LoginProfile', () =>
    ctx.clients.ram.getLoginProfile(new $Ram.GetLoginProfileRequest({ userName })),
  );
  if (res === undefined) return undefined;
  if (res === null) return null;
  const lp = res.body?.loginProfile;
  // "no login profile" is the EntityNotExist answer; a success without the profile is unknown
  if (!lp) {
    fail(ctx, m, new MalformedResponseError('the answer has no LoginProfile'));
    return undefined;
  }
  return {
    ...(typeof lp.passwordResetRequired === 'boolean'
      ? { passwordResetRequired: lp.passwordResetRequired }
      : {}),
    ...(typeof lp.MFABindRequired === 'boolean' ? { mfaBindRequired: lp.MFABindRequired } : {}),
    ...(nonEmpty(lp.createDate) ? { createDate: lp.createDate } : {}),
  };
}

async function mfaDeviceOf(ctx: CollectContext, userName: string): Promise<RamUser['mfaDevice']> {
  const m = meta('GetUserMFAInfo', userName);
  const res = await orNull(ctx, m, 'EntityNotExist.User.MFADevice', () =>
    ctx.clients.ram.getUserMFAInfo(new $Ram.GetUserMFAInfoRequest({ userName })),
  );
  if (res === undefined) return undefined;
  if (res === null) return null;
  // "no MFA device" is the EntityNotExist answer; a success without the device is unknown
  const device = res.body?.MFADevice;
  if (!device) {
    fail(ctx, m, new MalformedResponseError('the answer has no MFADevice'));
    return undefined;
  }
  if (!nonEmpty(device.serialNumber)) {
    missingField(ctx, m, userName, 'MFADevice.SerialNumber');
    return undefined;
  }
  return {
    serialNumber: device.serialNumber as string,
    ...(nonEmpty(device.type) ? { type: device.type } : {}),
  };
}

async function accessKeysOf(
  ctx: CollectContext,
  userName: string,
): Promise<AccessKey[] | undefined> {
  const m = meta('ListAccessKeys', userName);
  const listed = await attempt(ctx, m, async () => {
    const res = await call(ctx, m, () =>
      ctx.clients.ram.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName })),
    );
    return requiredList(res.body?.accessKeys?.accessKey, 'AccessKeys.AccessKey');
  });
  if (!listed) return undefined;
  const keys = listed.filter((k) => nonEmpty(k.accessKeyId));
  return Promise.all(
    keys.map(async (k) => {
      const key: AccessKey = {
        id: k.accessKeyId as string,
        status: k.status ?? '',
        ...(nonEmpty(k.createDate) ? { createDate: k.createDate } : {}),
      };
      const lm = meta('GetAccessKeyLastUsed', `${userName}/${key.id}`);
      const used = await attempt(ctx, lm, () =>
        call(ctx, lm, () =>
          ctx.clients.ram.getAccessKeyLastUsed(
            new $Ram.GetAccessKeyLastUsedRequest({ userName, userAccessKeyId: key.id }),
          ),
        ),
      );
      // a successful answer without a date = never used; a failed call = unknown (absent)
      const last = used?.body?.accessKeyLastUsed;
      if (used && !last) {
        fail(ctx, lm, new MalformedResponseError('the answer has no AccessKeyLastUsed'));
      } else if (last) key.lastUsedDate = nonEmpty(last.lastUsedDate) ?? null;
      return key;
    }),
  );
}

/** list the caller's own AccessKeys (ListAccessKeys without UserName): the root identity's keys */
export async function ownAccessKeysOf(ctx: CollectContext): Promise<AccessKey[] | undefined> {
  const m = meta('ListAccessKeys', '<root>');
  const listed = await attempt(ctx, m, async () => {
    const res = await call(ctx, m, () =>
      ctx.clients.ram.listAccessKeys(new $Ram.ListAccessKeysRequest({})),
    );
    return requiredList(res.body?.accessKeys?.accessKey, 'AccessKeys.AccessKey');
  });
  if (!listed) return undefined;
  return listed
    .filter((k) => nonEmpty(k.accessKeyId))
    .map((k) => ({
      id: k.accessKeyId as string,
      status: k.status ?? '',
      ...(nonEmpty(k.createDate) ? { createDate: k.createDate } : {}),
    }));
}

async function userGroupsOf(ctx: CollectContext, userName: string): Promise<string[] | undefined> {
  const m = meta('ListGroupsForUser', userName);
  const listed = await attempt(ctx, m, async () => {
    const res = await call(ctx, m, () =>
      ctx.clients.ram.listGroupsForUser(new $Ram.ListGroupsForUserRequest({ userName })),
    );
    return requiredList(res.body?.groups?.group, 'Groups.Group');
  });
  if (!listed) return undefined;
  return listed.map((g) => g.groupName ?? '').filter((n) => n !== '');
}

async function userPoliciesOf(
  ctx: CollectContext,
  userName: string,
  want: PolicyWanted,
): Promise<PolicyRef[] | undefined> {
  const m = meta('ListPoliciesForUser', userName);
  const refs = await attempt(ctx, m, async () => {
    const res = await call(ctx, m, () =>
      ctx.clients.ram.listPoliciesForUser(new $Ram.ListPoliciesForUserRequest({ userName })),
    );
    return policyRefs(res.body?.policies?.policy);
  });
  if (!refs) return undefined;
  want(refs);
  return refs;
}

// ------------------------------------------------------------ groups, roles

async function groupsOf(ctx: CollectContext, want: PolicyWanted): Promise<RamGroup[]> {
  const ram = ctx.clients.ram;
  const m = meta('ListGroups');
  const raw = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (marker) => {
      const res = await call(ctx, m, () =>
        ram.listGroups(new $Ram.ListGroupsRequest({ maxItems: pageSize(ctx, 100), marker })),
      );
      return {
        items: requiredList(res.body?.groups?.group, 'Groups.Group'),
        next: nonEmpty(res.body?.marker),
        more: res.body?.isTruncated === true,
      };
    }),
  );
  if (!raw) return [];
  return Promise.all(
    raw
      .filter((g) => nonEmpty(g.groupName))
      .map(async (g) => {
        const name = g.groupName as string;
        const group: RamGroup = { name, ...(nonEmpty(g.comments) ? { comments: g.comments } : {}) };
        const pm = meta('ListPoliciesForGroup', name);
        const refs = await attempt(ctx, pm, async () => {
          const res = await call(ctx, pm, () =>
            ram.listPoliciesForGroup(new $Ram.ListPoliciesForGroupRequest({ groupName: name })),
          );
          return policyRefs(res.body?.policies?.policy);
        });
        if (refs) {
          group.policies = refs;
          want(refs);
        }
        return group;
      }),
  );
}

async function rolesOf(ctx: CollectContext, want: PolicyWanted): Promise<RamRole[]> {
  const ram = ctx.clients.ram;
  const m = meta('ListRoles');
  const raw = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (marker) => {
      const res = await call(ctx, m, () =>
        ram.listRoles(new $Ram.ListRolesRequest({ maxItems: pageSize(ctx, 1000), marker })),
      );
      return {
        items: requiredList(res.body?.roles?.role, 'Roles.Role'),
        next: nonEmpty(res.body?.marker),
        more: res.body?.isTruncated === true,
      };
    }),
  );
  if (!raw) return [];
  return Promise.all(
    raw
      .filter((r) => nonEmpty(r.roleName))
      .map(async (r) => {
        const name = r.roleName as string;
        const role: RamRole = {
          name,
          arn: r.arn ?? '',
          ...(nonEmpty(r.description) ? { description: r.description } : {}),
        };
        const gm = meta('GetRole', name);
        const pm = meta('ListPoliciesForRole', name);
        const [got, pols] = await Promise.all([
          attempt(ctx, gm, () =>
            call(ctx, gm, () => ram.getRole(new $Ram.GetRoleRequest({ roleName: name }))),
          ),
          attempt(ctx, pm, async () => {
            const res = await call(ctx, pm, () =>
              ram.listPoliciesForRole(new $Ram.ListPoliciesForRoleRequest({ roleName: name })),
            );
            return policyRefs(res.body?.policies?.policy);
          }),
        ]);
        if (got) {
          const trust = parseDocument(nonEmpty(got.body?.role?.assumeRolePolicyDocument));
          if (trust !== undefined) role.trustPolicy = trust;
          else if (!got.body?.role) {
            fail(ctx, gm, new MalformedResponseError('the answer has no Role'));
          } else missingField(ctx, gm, name, 'Role.AssumeRolePolicyDocument');
        }
        if (pols) {
          role.policies = pols;
          want(pols);
        }
        return role;
      }),
  );
}

// ------------------------------------------------------------ policies, account settings

/** GetPolicy: the policy's default version and document; only the name and type when it fails */
async function policyOf(ctx: CollectContext, ref: PolicyRef): Promise<RamPolicy> {
  const policy: RamPolicy = { name: ref.name, type: ref.type };
  const m = meta('GetPolicy', ref.name);
  const res = await attempt(ctx, m, () =>
    call(ctx, m, () =>
      ctx.clients.ram.getPolicy(
        new $Ram.GetPolicyRequest({ policyName: ref.name, policyType: ref.type }),
      ),
    ),
  );
  if (!res) return policy;
  const p = res.body?.policy;
  const version = res.body?.defaultPolicyVersion;
  const defaultVersion = nonEmpty(p?.defaultVersion) ?? nonEmpty(version?.versionId);
  if (defaultVersion) policy.defaultVersion = defaultVersion;
  if (nonEmpty(p?.description)) policy.description = p?.description;
  const doc = parseDocument(nonEmpty(version?.policyDocument) ?? nonEmpty(p?.policyDocument));
  if (doc !== undefined) policy.document = doc;
  else if (!p && !version) fail(ctx, m, new MalformedResponseError('the answer has no Policy'));
  else missingField(ctx, m, ref.name, 'DefaultPolicyVersion.PolicyDocument');
  return policy;
}

async function passwordPolicyOf(ctx: CollectContext): Promise<PasswordPolicy | undefined> {
  const m = meta('GetPasswordPolicy');
  const res = await attempt(ctx, m, () => call(ctx, m, () => ctx.clients.ram.getPasswordPolicy()));
  if (!res) return undefined;
  const p = res.body?.passwordPolicy;
  if (!p) {
    fail(ctx, m, new MalformedResponseError('the answer has no PasswordPolicy'));
    return undefined;
  }
  return dropUndefined({
    minimumPasswordLength: p.minimumPasswordLength,
    requireLowercaseCharacters: p.requireLowercaseCharacters,
    requireUppercaseCharacters: p.requireUppercaseCharacters,
    requireNumbers: p.requireNumbers,
    requireSymbols: p.requireSymbols,
    hardExpiry: p.hardExpiry,
    maxPasswordAge: p.maxPasswordAge,
    passwordReusePrevention: p.passwordReusePrevention,
    maxLoginAttempts: p.maxLoginAttemps,
  });
}

async function securityPreferenceOf(ctx: CollectContext): Promise<SecurityPreference | undefined> {
  const m = meta('GetSecurityPreference');
  const res = await attempt(ctx, m, () =>
    call(ctx, m, () => ctx.clients.ram.getSecurityPreference()),
  );
  if (!res) return undefined;
  const s = res.body?.securityPreference;
  if (!s) {
    fail(ctx, m, new MalformedResponseError('the answer has no SecurityPreference'));
    return undefined;
  }
  return dropUndefined({
    enableSaveMfaTicket: s.loginProfilePreference?.enableSaveMFATicket,
    allowUserToChangePassword: s.loginProfilePreference?.allowUserToChangePassword,
    loginSessionDuration: s.loginProfilePreference?.loginSessionDuration,
    loginNetworkMasks: s.loginProfilePreference?.loginNetworkMasks,
    allowUserToManageAccessKeys: s.accessKeyPreference?.allowUserToManageAccessKeys,
    allowUserToManageMfaDevices: s.MFAPreference?.allowUserToManageMFADevices,
  });
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== null),
  ) as T;
}
