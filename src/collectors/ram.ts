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
  SecurityPreference,
} from '../inventory/schema.js';
import {
  apiCode,
  attempt,
  type CollectContext,
  call,
  nonEmpty,
  pageSize,
  parseDocument,
  phaseCounter,
} from './context.js';
import type { PageMeta } from './paging.js';
import { pageByCursor } from './paging.js';

export interface RamResult {
  users: RamUser[];
  groups: RamGroup[];
  roles: RamRole[];
  policies: RamPolicy[];
  passwordPolicy?: PasswordPolicy;
  securityPreference?: SecurityPreference;
}

const meta = (operation: string, resource?: string): PageMeta => ({
  service: 'ram',
  region: null,
  operation,
  ...(resource !== undefined ? { resource } : {}),
});

export async function collectRam(ctx: CollectContext): Promise<RamResult> {
  const [users, groups, roles, passwordPolicy, securityPreference] = await Promise.all([
    usersOf(ctx),
    groupsOf(ctx),
    rolesOf(ctx),
    passwordPolicyOf(ctx),
    securityPreferenceOf(ctx),
  ]);
  const refs = new Map<string, PolicyRef>();
  for (const holder of [...users, ...groups, ...roles]) {
    for (const p of holder.policies ?? []) refs.set(`${p.type}:${p.name}`, p);
  }
  const policies = await policiesOf(ctx, [...refs.values()]);
  return {
    users,
    groups,
    roles,
    policies,
    ...(passwordPolicy ? { passwordPolicy } : {}),
    ...(securityPreference ? { securityPreference } : {}),
  };
}

function policyRefs(
  list: Array<{ policyName?: string; policyType?: string }> | undefined,
): PolicyRef[] {
  return (list ?? [])
    .filter((p) => nonEmpty(p.policyName))
    .map((p) => ({ name: p.policyName as string, type: nonEmpty(p.policyType) ?? 'Custom' }));
}

// ------------------------------------------------------------ users

async function usersOf(ctx: CollectContext): Promise<RamUser[]> {
  const ram = ctx.clients.ram;
  const m = meta('ListUsers');
  const raw = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (marker) => {
      const res = await call(ctx, m, () =>
        ram.listUsers(new $Ram.ListUsersRequest({ maxItems: pageSize(ctx, 1000), marker })),
      );
      return {
        items: res.body?.users?.user ?? [],
        next: nonEmpty(res.body?.marker),
        more: res.body?.isTruncated === true,
      };
    }),
  );
  if (!raw) return [];
  const counter = phaseCounter(ctx, 'ram', null, 'users');
  counter.add(raw.length);
  return Promise.all(
    raw
      .filter((u) => nonEmpty(u.userName))
      .map(async (u) => {
        const name = u.userName as string;
        const user: RamUser = {
          name,
          id: u.userId ?? '',
          displayName: u.displayName ?? '',
          ...(nonEmpty(u.createDate) ? { createDate: u.createDate } : {}),
        };
        const [loginProfile, mfaDevice, accessKeys, groups, policies] = await Promise.all([
          loginProfileOf(ctx, name),
          mfaDeviceOf(ctx, name),
          accessKeysOf(ctx, name),
          userGroupsOf(ctx, name),
          userPoliciesOf(ctx, name),
        ]);
        if (loginProfile !== undefined) user.loginProfile = loginProfile;
        if (mfaDevice !== undefined) user.mfaDevice = mfaDevice;
        if (accessKeys !== undefined) user.accessKeys = accessKeys;
        if (groups !== undefined) user.groups = groups;
        if (policies !== undefined) user.policies = policies;
        counter.tick();
        return user;
      }),
  );
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
  if (!lp) return null;
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
  const device = res?.body?.MFADevice;
  if (res === null || !device || !nonEmpty(device.serialNumber)) return null;
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
  const res = await attempt(ctx, m, () =>
    call(ctx, m, () =>
      ctx.clients.ram.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName })),
    ),
  );
  if (!res) return undefined;
  const keys = (res.body?.accessKeys?.accessKey ?? []).filter((k) => nonEmpty(k.accessKeyId));
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
      if (used) key.lastUsedDate = nonEmpty(used.body?.accessKeyLastUsed?.lastUsedDate) ?? null;
      return key;
    }),
  );
}

/** list the caller's own AccessKeys (ListAccessKeys without UserName): the root identity's keys */
export async function ownAccessKeysOf(ctx: CollectContext): Promise<AccessKey[] | undefined> {
  const m = meta('ListAccessKeys', '<root>');
  const res = await attempt(ctx, m, () =>
    call(ctx, m, () => ctx.clients.ram.listAccessKeys(new $Ram.ListAccessKeysRequest({}))),
  );
  if (!res) return undefined;
  return (res.body?.accessKeys?.accessKey ?? [])
    .filter((k) => nonEmpty(k.accessKeyId))
    .map((k) => ({
      id: k.accessKeyId as string,
      status: k.status ?? '',
      ...(nonEmpty(k.createDate) ? { createDate: k.createDate } : {}),
    }));
}

async function userGroupsOf(ctx: CollectContext, userName: string): Promise<string[] | undefined> {
  const m = meta('ListGroupsForUser', userName);
  const res = await attempt(ctx, m, () =>
    call(ctx, m, () =>
      ctx.clients.ram.listGroupsForUser(new $Ram.ListGroupsForUserRequest({ userName })),
    ),
  );
  if (!res) return undefined;
  return (res.body?.groups?.group ?? []).map((g) => g.groupName ?? '').filter((n) => n !== '');
}

async function userPoliciesOf(
  ctx: CollectContext,
  userName: string,
): Promise<PolicyRef[] | undefined> {
  const m = meta('ListPoliciesForUser', userName);
  const res = await attempt(ctx, m, () =>
    call(ctx, m, () =>
      ctx.clients.ram.listPoliciesForUser(new $Ram.ListPoliciesForUserRequest({ userName })),
    ),
  );
  return res ? policyRefs(res.body?.policies?.policy) : undefined;
}

// ------------------------------------------------------------ groups, roles

async function groupsOf(ctx: CollectContext): Promise<RamGroup[]> {
  const ram = ctx.clients.ram;
  const m = meta('ListGroups');
  const raw = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (marker) => {
      const res = await call(ctx, m, () =>
        ram.listGroups(new $Ram.ListGroupsRequest({ maxItems: pageSize(ctx, 100), marker })),
      );
      return {
        items: res.body?.groups?.group ?? [],
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
        const res = await attempt(ctx, pm, () =>
          call(ctx, pm, () =>
            ram.listPoliciesForGroup(new $Ram.ListPoliciesForGroupRequest({ groupName: name })),
          ),
        );
        if (res) group.policies = policyRefs(res.body?.policies?.policy);
        return group;
      }),
  );
}

async function rolesOf(ctx: CollectContext): Promise<RamRole[]> {
  const ram = ctx.clients.ram;
  const m = meta('ListRoles');
  const raw = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (marker) => {
      const res = await call(ctx, m, () =>
        ram.listRoles(new $Ram.ListRolesRequest({ maxItems: pageSize(ctx, 1000), marker })),
      );
      return {
        items: res.body?.roles?.role ?? [],
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
          attempt(ctx, pm, () =>
            call(ctx, pm, () =>
              ram.listPoliciesForRole(new $Ram.ListPoliciesForRoleRequest({ roleName: name })),
            ),
          ),
        ]);
        const trust = parseDocument(nonEmpty(got?.body?.role?.assumeRolePolicyDocument));
        if (trust !== undefined) role.trustPolicy = trust;
        if (pols) role.policies = policyRefs(pols.body?.policies?.policy);
        return role;
      }),
  );
}

// ------------------------------------------------------------ policies, account settings

async function policiesOf(ctx: CollectContext, refs: PolicyRef[]): Promise<RamPolicy[]> {
  const counter = phaseCounter(ctx, 'ram', null, 'policies');
  counter.add(refs.length);
  return Promise.all(
    refs.map(async (ref) => {
      const policy: RamPolicy = { name: ref.name, type: ref.type };
      const m = meta('GetPolicy', ref.name);
      const res = await attempt(ctx, m, () =>
        call(ctx, m, () =>
          ctx.clients.ram.getPolicy(
            new $Ram.GetPolicyRequest({ policyName: ref.name, policyType: ref.type }),
          ),
        ),
      );
      counter.tick();
      if (!res) return policy;
      const p = res.body?.policy;
      const version = res.body?.defaultPolicyVersion;
      const defaultVersion = nonEmpty(p?.defaultVersion) ?? nonEmpty(version?.versionId);
      if (defaultVersion) policy.defaultVersion = defaultVersion;
      if (nonEmpty(p?.description)) policy.description = p?.description;
      const doc = parseDocument(nonEmpty(version?.policyDocument) ?? nonEmpty(p?.policyDocument));
      if (doc !== undefined) policy.document = doc;
      return policy;
    }),
  );
}

async function passwordPolicyOf(ctx: CollectContext): Promise<PasswordPolicy | undefined> {
  const m = meta('GetPasswordPolicy');
  const res = await attempt(ctx, m, () => call(ctx, m, () => ctx.clients.ram.getPasswordPolicy()));
  const p = res?.body?.passwordPolicy;
  if (!p) return undefined;
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
  const s = res?.body?.securityPreference;
  if (!s) return undefined;
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
