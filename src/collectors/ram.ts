/**
 * RAM: users (console access, MFA, AccessKeys and their last use, groups,
 * attached policies), groups, roles (trust policy), the default version of every
 * attached policy, the password policy and the security preference.
 *
 * Set-based reads (issue #20): RAM quotas are account-wide and shared with
 * production automation, so the per-user facts come from account-wide answers
 * wherever the API offers one, and per-user calls are made only where none exists
 * or to settle a disagreement:
 *  - console password, MFA and each AccessKey's last use: the IMS credential
 *    report's user rows (collected with the root's row, ims.ts). A user without a
 *    row (created after the report was generated), or every user when the report
 *    cannot be read, falls back to GetLoginProfile / GetUserMFAInfo /
 *    ListAccessKeys + GetAccessKeyLastUsed; the user's `factsSource` says which
 *    source won and why;
 *  - AccessKey ids are not in the report (only slots), so ListAccessKeys is called
 *    for the users whose row shows a key (see `reportedAccessKeys`), and for every
 *    user when the report was generated before the scan (see `keysSince`);
 *  - group membership: ListUsersForGroup per group (not ListGroupsForUser per user);
 *  - attached policies: ListPolicies (each policy's AttachmentCount), then
 *    ListEntitiesForPolicy on the attached ones gives their users, groups and
 *    roles at once (not ListPoliciesFor{User,Group,Role} per principal).
 * A set-based listing that fails leaves the fact unknown (absent) for every
 * principal it could concern, with a coverage entry — never "none".
 */
import type * as RamSdk from '@alicloud/ram20150501';
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
import { maskAccessKeyId } from '../util/mask.js';
import {
  absentFields,
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
import type { ReportKey, ReportUserRow, UserReport } from './ims.js';
import type { PageMeta } from './paging.js';
import { pageByCursor, trackIncomplete } from './paging.js';
import { sdks } from './sdk.js';

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
 * Resource Manager) whose documents are needed too; fetched like the others.
 * `userReport`: the credential report's user rows (ims.ts); undefined = unreadable.
 */
export async function collectRam(
  ctx: CollectContext,
  alsoReferenced?: Promise<PolicyRef[] | undefined>,
  userReport: Promise<UserReport | undefined> = Promise.resolve(undefined),
): Promise<RamResult> {
  // GetPolicy starts as soon as a user, group or role is known to hold the policy, not after them all
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
  const [users, group, roles, attached, passwordPolicy, securityPreference, extra] =
    await Promise.all([
      usersOf(ctx, userReport),
      groupsOf(ctx),
      rolesOf(ctx),
      attachmentsOf(ctx, want),
      passwordPolicyOf(ctx),
      securityPreferenceOf(ctx),
      (alsoReferenced ?? Promise.resolve(undefined)).then((refs) => {
        want(refs);
        return refs ?? [];
      }),
    ]);
  const groups = group.groups;
  // membership and attachments come from set-based listings: a failed one leaves the fact
  // unknown for every principal it could concern
  for (const u of users) {
    if (group.members) u.groups = group.members.get(u.name) ?? [];
    if (attached) u.policies = attached.users.get(u.name) ?? [];
  }
  if (attached) {
    for (const g of groups) g.policies = attached.groups.get(g.name) ?? [];
    for (const r of roles) r.policies = attached.roles.get(r.name) ?? [];
  }
  // the inventory lists policies in the order users, groups, roles (then other holders) first name them
  const order = new Set<string>();
  for (const holder of [...users, ...groups, ...roles]) {
    for (const p of holder.policies ?? []) order.add(policyKey(p));
  }
  // attached policies whose holders could not be listed are still attached to someone
  for (const key of fetching.keys()) if (!attached) order.add(key);
  for (const p of extra) order.add(policyKey(p));
  const policies = await Promise.all(
    [...order].filter((key) => fetching.has(key)).map((key) => fetching.get(key)!),
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

// ------------------------------------------------------------ users

async function usersOf(
  ctx: CollectContext,
  userReport: Promise<UserReport | undefined>,
): Promise<RamUser[]> {
  const ram = ctx.clients.ram;
  const m = meta('ListUsers');
  const counter = phaseCounter(ctx, 'ram', null, 'users');
  const listed = await attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (marker) => {
        const res = await call(ctx, m, () =>
          ram.listUsers(
            new (sdks().ram.ListUsersRequest)({ maxItems: pageSize(ctx, 1000), marker }),
          ),
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
        counter.add(users.length);
        return {
          items: users,
          next: nonEmpty(res.body?.marker),
          // an answer without IsTruncated: its Marker says whether there is more
          more: res.body?.isTruncated,
        };
      },
      (u) => u.name,
    ),
  );
  // a listing that failed part-way leaves the users unknown (absent), as a whole
  if (!listed) return [];
  const report = await userReport;
  await Promise.all(
    listed.map((user) => userFacts(ctx, user, report).finally(() => counter.tick())),
  );
  return listed;
}

/** console access, MFA and AccessKeys of one user: from its report row, else per-user calls */
async function userFacts(
  ctx: CollectContext,
  user: RamUser,
  report: UserReport | undefined,
): Promise<void> {
  const name = user.name;
  const row = report?.users.get(name);
  const at = report?.generatedTime;
  if (!row) {
    // the report is a snapshot: a user created after it has no row; an unreadable report has none
    user.factsSource = {
      from: 'per-user-calls',
      ...(at ? { generatedTime: at } : {}),
      reason: report
        ? `the credential report${at ? ` generated at ${at}` : ''} has no row for the user (created after it was generated, or the report was cut short)`
        : 'the credential report could not be read',
    };
    const [loginProfile, mfaDevice, accessKeys] = await Promise.all([
      loginProfileOf(ctx, name),
      mfaDeviceOf(ctx, name),
      accessKeysOf(ctx, name),
    ]);
    if (loginProfile !== undefined) user.loginProfile = loginProfile;
    if (mfaDevice !== undefined) user.mfaDevice = mfaDevice;
    if (accessKeys !== undefined) user.accessKeys = accessKeys;
    return;
  }
  user.lastLoginDate = row.lastLogon;
  const notes: string[] = [];
  const keyless = row.keysKnown && row.accessKeys.length === 0;
  const stale = keyless ? keysSince(ctx, at) : undefined;
  const [loginProfile, mfaDevice, accessKeys] = await Promise.all([
    consoleOf(ctx, name, row, notes),
    mfaOf(ctx, name, row, notes),
    keyless && !stale
      ? Promise.resolve([] as AccessKey[])
      : reportedAccessKeys(ctx, name, row, notes, stale),
  ]);
  if (loginProfile !== undefined) user.loginProfile = loginProfile;
  if (mfaDevice !== undefined) user.mfaDevice = mfaDevice;
  if (accessKeys !== undefined) user.accessKeys = accessKeys;
  user.factsSource = {
    from: 'credential-report',
    ...(at ? { generatedTime: at } : {}),
    reason: ['the user has a row in the credential report', ...notes].join('; '),
  };
}

/**
 * How long before the scan's clock (`now`) a report may have been generated and
 * still be this scan's own: the API's clock and this host's may differ (NTP keeps
 * them within seconds; 5 minutes, as for the sign-ins after the report in
 * actiontrail.ts). Too small only costs calls (a fresh report read as old asks
 * ListAccessKeys); too large would trust an older report a new key may postdate.
 */
const REPORT_SKEW_MS = 5 * 60_000;

/**
 * GenerateCredentialReport returns the previous report when one was generated in
 * the last 4 hours, so a report generated before the scan may predate AccessKeys
 * created since: its row then says "no key" for a user who holds one. Why such a
 * row's keys are asked (ListAccessKeys), or undefined when the report is this
 * scan's. A GeneratedTime that is absent or unreadable cannot show the report
 * fresh, so it is read as old.
 */
function keysSince(ctx: CollectContext, at: string | undefined): string | undefined {
  const t = Date.parse(at ?? '');
  if (Number.isFinite(t) && t >= ctx.now.getTime() - REPORT_SKEW_MS) return undefined;
  const when = at
    ? Number.isFinite(t)
      ? `was generated at ${at}, before the scan`
      : `has an unreadable GeneratedTime (${at})`
    : 'has no GeneratedTime';
  return `the credential report ${when}: keys created since would be missing: ListAccessKeys`;
}

/** password_exist (the login profile's existence) TRUE/FALSE, else GetLoginProfile */
function consoleOf(
  ctx: CollectContext,
  name: string,
  row: ReportUserRow,
  notes: string[],
): Promise<RamUser['loginProfile']> {
  // LOGIN_DISABLED: no console sign-in capability, whatever a login profile would say
  if (row.loginDisabled) return Promise.resolve(null);
  if (row.passwordExist !== null) return Promise.resolve(row.passwordExist ? {} : null);
  notes.push('password_exist unreadable: GetLoginProfile');
  return loginProfileOf(ctx, name);
}

/** mfa_active TRUE/FALSE, else GetUserMFAInfo (only when the user has a console password) */
function mfaOf(
  ctx: CollectContext,
  name: string,
  row: ReportUserRow,
  notes: string[],
): Promise<RamUser['mfaDevice']> {
  if (row.mfaActive !== null) return Promise.resolve(row.mfaActive ? {} : null);
  // an unreadable cell (N/A) of a user without a console password decides no verdict: it stays
  // unknown (absent) without a call; a user who can sign in gets the per-user answer
  if (row.passwordExist === false) return Promise.resolve(undefined);
  notes.push('mfa_active unreadable: GetUserMFAInfo');
  return mfaDeviceOf(ctx, name);
}

/** the report's time cell and an API time as the same second (they may differ in format) */
function sameSecond(a: string | null | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Date.parse(a);
  const y = Date.parse(b);
  return Number.isFinite(x) && Number.isFinite(y) && Math.floor(x / 1000) === Math.floor(y / 1000);
}

/**
 * The AccessKeys of a user whose report row shows at least one key (or whose key
 * cells are unreadable). The report has each key's state, creation ("last
 * rotated": a key is never rotated in place) and last use, but not its id, and
 * the ids are what the inventory, the rules' evidence (masked, last 4 characters,
 * so an operator can find the key) and ActionTrail correlations name. So one
 * ListAccessKeys per such user gives ids, the live status and creation dates, and
 * each key takes its last use from the report slot created at the same second.
 * A key without exactly one such slot (created after the report, or two slots of
 * that second disagreeing) asks GetAccessKeyLastUsed. The live status wins over
 * the report's (a key disabled after the report is Inactive). Users whose row
 * shows no key make no call at all, unless the report may predate the scan
 * (`why`, from `keysSince`): then their keys, created after it, are all asked.
 */
async function reportedAccessKeys(
  ctx: CollectContext,
  userName: string,
  row: ReportUserRow,
  notes: string[],
  why?: string,
): Promise<AccessKey[] | undefined> {
  if (why) notes.push(why);
  const listed = await listAccessKeys(ctx, userName);
  if (!listed) return undefined;
  const free: ReportKey[] = [...row.accessKeys];
  const confirm: AccessKey[] = [];
  for (const key of listed) {
    const slots = free.filter((s) => sameSecond(s.lastRotated, key.createDate));
    const uses = new Set(slots.map((s) => s.lastUsed));
    if (slots.length > 0 && uses.size === 1) {
      key.lastUsedDate = slots[0]!.lastUsed;
      free.splice(free.indexOf(slots[0]!), 1);
    } else confirm.push(key);
  }
  if (confirm.length > 0) {
    notes.push(
      `${confirm.length} AccessKey(s) without a matching report slot: GetAccessKeyLastUsed`,
    );
    await Promise.all(confirm.map((k) => lastUsedOf(ctx, userName, k)));
  }
  return listed;
}

/** the call, or `null` when the API answers `notFoundCode` (the thing does not exist) */
async function callOrNull<T>(
  ctx: CollectContext,
  m: PageMeta,
  notFoundCode: string,
  fn: () => Promise<T>,
): Promise<T | null> {
  try {
    return await call(ctx, m, fn);
  } catch (err) {
    if (apiCode(err) === notFoundCode) return null;
    throw err;
  }
}

/** `callOrNull`, a failure being a coverage entry (undefined) */
function orNull<T>(
  ctx: CollectContext,
  m: PageMeta,
  notFoundCode: string,
  fn: () => Promise<T>,
): Promise<T | null | undefined> {
  return attempt(ctx, m, () => callOrNull(ctx, m, notFoundCode, fn));
}

async function loginProfileOf(
  ctx: CollectContext,
  userName: string,
): Promise<RamUser['loginProfile']> {
  const m = meta('GetLoginProfile', userName);
  const res = await orNull(ctx, m, 'EntityNotExist.User.LoginProfile', () =>
    ctx.clients.ram.getLoginProfile(new (sdks().ram.GetLoginProfileRequest)({ userName })),
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
    ctx.clients.ram.getUserMFAInfo(new (sdks().ram.GetUserMFAInfoRequest)({ userName })),
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

/** ListAccessKeys of one user: ids, status, creation; undefined (with coverage) when unreadable */
async function listAccessKeys(
  ctx: CollectContext,
  userName: string,
): Promise<AccessKey[] | undefined> {
  const m = meta('ListAccessKeys', userName);
  const listed = await attempt(ctx, m, async () => {
    const res = await call(ctx, m, () =>
      ctx.clients.ram.listAccessKeys(new (sdks().ram.ListAccessKeysRequest)({ userName })),
    );
    return requiredList(res.body?.accessKeys?.accessKey, 'AccessKeys.AccessKey');
  });
  if (!listed) return undefined;
  return accessKeysFrom(ctx, m, userName, listed);
}

/**
 * A ListAccessKeys answer's keys. The API always sends each key's id, Status
 * and CreateDate: a key without them could be Active (or old), so one
 * MissingField for `resource` names them and every key of the principal stays
 * unknown (undefined), never "not Active" or "age unknown, not judged".
 */
function accessKeysFrom(
  ctx: CollectContext,
  m: PageMeta,
  resource: string,
  listed: RamSdk.ListAccessKeysResponseBodyAccessKeysAccessKey[],
): AccessKey[] | undefined {
  const absent = listed.flatMap((k) => {
    const needed = { AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createDate };
    const fields = absentFields(needed);
    const which = nonEmpty(k.accessKeyId) ? maskAccessKeyId(k.accessKeyId as string) : 'a key';
    return fields.length > 0 ? [`${fields.join(', ')} of ${which}`] : [];
  });
  if (absent.length > 0) {
    missingField(ctx, m, resource, absent.join('; '));
    return undefined;
  }
  return listed.map(
    (k): AccessKey => ({
      id: k.accessKeyId as string,
      status: k.status as string,
      createDate: k.createDate as string,
    }),
  );
}

/** GetAccessKeyLastUsed into `key.lastUsedDate` (null = never used; absent when unreadable) */
async function lastUsedOf(ctx: CollectContext, userName: string, key: AccessKey): Promise<void> {
  const lm = meta('GetAccessKeyLastUsed', `${userName}/${key.id}`);
  const used = await attempt(ctx, lm, () =>
    call(ctx, lm, () =>
      ctx.clients.ram.getAccessKeyLastUsed(
        new (sdks().ram.GetAccessKeyLastUsedRequest)({ userName, userAccessKeyId: key.id }),
      ),
    ),
  );
  // a successful answer without a date = never used; a failed call = unknown (absent)
  const last = used?.body?.accessKeyLastUsed;
  if (used && !last) {
    fail(ctx, lm, new MalformedResponseError('the answer has no AccessKeyLastUsed'));
  } else if (last) key.lastUsedDate = nonEmpty(last.lastUsedDate) ?? null;
}

/** the per-user path: ListAccessKeys, then GetAccessKeyLastUsed for each key */
async function accessKeysOf(
  ctx: CollectContext,
  userName: string,
): Promise<AccessKey[] | undefined> {
  const keys = await listAccessKeys(ctx, userName);
  if (!keys) return undefined;
  await Promise.all(keys.map((k) => lastUsedOf(ctx, userName, k)));
  return keys;
}

/** list the caller's own AccessKeys (ListAccessKeys without UserName): the root identity's keys */
export async function ownAccessKeysOf(ctx: CollectContext): Promise<AccessKey[] | undefined> {
  const m = meta('ListAccessKeys', '<root>');
  const listed = await attempt(ctx, m, async () => {
    const res = await call(ctx, m, () =>
      ctx.clients.ram.listAccessKeys(new (sdks().ram.ListAccessKeysRequest)({})),
    );
    return requiredList(res.body?.accessKeys?.accessKey, 'AccessKeys.AccessKey');
  });
  if (!listed) return undefined;
  return accessKeysFrom(ctx, m, '<root>', listed);
}

// ------------------------------------------------------------ groups, roles

/**
 * ListGroups, then ListUsersForGroup per group: `members` maps each user to its
 * groups (in ListGroups order); undefined when any membership listing (or the
 * group listing) could not be read completely — then no user's groups are known;
 * a group deleted since ListGroups is left out
 */
async function groupsOf(
  ctx: CollectContext,
): Promise<{ groups: RamGroup[]; members?: Map<string, string[]> }> {
  const ram = ctx.clients.ram;
  const m = meta('ListGroups');
  const raw = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (marker) => {
      const res = await call(ctx, m, () =>
        ram.listGroups(
          new (sdks().ram.ListGroupsRequest)({ maxItems: pageSize(ctx, 100), marker }),
        ),
      );
      return {
        items: requiredList(res.body?.groups?.group, 'Groups.Group'),
        next: nonEmpty(res.body?.marker),
        // an answer without IsTruncated: its Marker says whether there is more
        more: res.body?.isTruncated,
      };
    }),
  );
  if (!raw) return { groups: [] };
  const groups: RamGroup[] = raw
    .filter((g) => nonEmpty(g.groupName))
    .map((g) => ({
      name: g.groupName as string,
      ...(nonEmpty(g.comments) ? { comments: g.comments } : {}),
    }));
  const read = await Promise.all(groups.map((g) => groupMembersOf(ctx, g.name)));
  // a group deleted since ListGroups (null) is no longer a group of the account: dropped
  const left = groups.filter((_, i) => read[i] !== null);
  const lists = read.filter((l) => l !== null);
  if (lists.some((l) => l === undefined)) return { groups: left };
  const members = new Map<string, string[]>();
  left.forEach((g, i) => {
    for (const user of lists[i]!) {
      const of = members.get(user);
      if (!of) members.set(user, [g.name]);
      else if (!of.includes(g.name)) of.push(g.name);
    }
  });
  return { groups: left, members };
}

/**
 * ListUsersForGroup (paged): the group's user names; null when the group no longer exists,
 * undefined when not read completely
 */
async function groupMembersOf(
  ctx: CollectContext,
  groupName: string,
): Promise<string[] | null | undefined> {
  const m = meta('ListUsersForGroup', groupName);
  const guard = trackIncomplete(ctx.guard);
  let gone = false;
  const users = await attempt(ctx, m, () =>
    pageByCursor(guard, m, async (marker) => {
      const res = await callOrNull(ctx, m, 'EntityNotExist.Group', () =>
        ctx.clients.ram.listUsersForGroup(
          new (sdks().ram.ListUsersForGroupRequest)({
            groupName,
            maxItems: pageSize(ctx, 1000),
            marker,
          }),
        ),
      );
      // deleted since ListGroups: DeleteGroup requires "that no policies are attached to the
      // group and no RAM users are included in the group", so a group that is gone has no members
      if (res === null) {
        gone = true;
        return { items: [] };
      }
      return {
        items: requiredList(res.body?.users?.user, 'Users.User')
          .map((u) => u.userName ?? '')
          .filter((n) => n !== ''),
        next: nonEmpty(res.body?.marker),
        // an answer without IsTruncated: its Marker says whether there is more
        more: res.body?.isTruncated,
      };
    }),
  );
  if (gone) return null;
  return users && !guard.incomplete ? users : undefined;
}

async function rolesOf(ctx: CollectContext): Promise<RamRole[]> {
  const ram = ctx.clients.ram;
  const m = meta('ListRoles');
  const raw = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (marker) => {
      const res = await call(ctx, m, () =>
        ram.listRoles(new (sdks().ram.ListRolesRequest)({ maxItems: pageSize(ctx, 1000), marker })),
      );
      return {
        items: requiredList(res.body?.roles?.role, 'Roles.Role'),
        next: nonEmpty(res.body?.marker),
        // an answer without IsTruncated: its Marker says whether there is more
        more: res.body?.isTruncated,
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
        const got = await attempt(ctx, gm, () =>
          call(ctx, gm, () => ram.getRole(new (sdks().ram.GetRoleRequest)({ roleName: name }))),
        );
        if (got) {
          const trust = parseDocument(nonEmpty(got.body?.role?.assumeRolePolicyDocument));
          if (trust !== undefined) role.trustPolicy = trust;
          else if (!got.body?.role) {
            fail(ctx, gm, new MalformedResponseError('the answer has no Role'));
          } else missingField(ctx, gm, name, 'Role.AssumeRolePolicyDocument');
        }
        return role;
      }),
  );
}

// ------------------------------------------------------------ attachments

interface Attachments {
  users: Map<string, PolicyRef[]>;
  groups: Map<string, PolicyRef[]>;
  roles: Map<string, PolicyRef[]>;
}

/**
 * Who holds which policy: ListPolicies (paged), then ListEntitiesForPolicy for
 * each policy whose AttachmentCount is not 0 (an absent count is asked too).
 * Each principal's policies are in attachment order (AttachDate), then listing
 * order. Undefined when the listing or any policy's entities could not be read:
 * then nobody's attachments are known. GetPolicy starts for each attached policy
 * as soon as its holders are known.
 */
async function attachmentsOf(
  ctx: CollectContext,
  want: PolicyWanted,
): Promise<Attachments | undefined> {
  const ram = ctx.clients.ram;
  const m = meta('ListPolicies');
  const guard = trackIncomplete(ctx.guard);
  const holders: Array<Promise<boolean>> = [];
  const seen = new Set<string>();
  const found: Array<{
    kind: keyof Attachments;
    name: string;
    ref: PolicyRef;
    date: string;
    n: number;
  }> = [];
  const listed = await attempt(ctx, m, () =>
    pageByCursor(guard, m, async (marker) => {
      const res = await call(ctx, m, () =>
        ram.listPolicies(
          new (sdks().ram.ListPoliciesRequest)({ maxItems: pageSize(ctx, 1000), marker }),
        ),
      );
      const page = requiredList(res.body?.policies?.policy, 'Policies.Policy');
      for (const p of page) {
        if (!nonEmpty(p.policyName) || p.attachmentCount === 0) continue;
        const ref: PolicyRef = {
          name: p.policyName as string,
          type: nonEmpty(p.policyType) ?? 'Custom',
        };
        if (seen.has(policyKey(ref))) continue;
        seen.add(policyKey(ref));
        const n = seen.size;
        holders.push(
          entitiesOf(ctx, ref).then((entities) => {
            if (!entities) {
              // attached to someone we cannot name: still a policy of the account's principals
              want([ref]);
              return false;
            }
            if (entities.length > 0) want([ref]);
            for (const e of entities) found.push({ ...e, ref, n });
            return true;
          }),
        );
      }
      return {
        items: page,
        next: nonEmpty(res.body?.marker),
        // an answer without IsTruncated: its Marker says whether there is more
        more: res.body?.isTruncated,
      };
    }),
  );
  const complete = (await Promise.all(holders)).every(Boolean);
  if (!listed || guard.incomplete || !complete) return undefined;
  found.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.n - b.n));
  const out: Attachments = { users: new Map(), groups: new Map(), roles: new Map() };
  for (const f of found) {
    const map = out[f.kind];
    const list = map.get(f.name);
    if (list) list.push(f.ref);
    else map.set(f.name, [f.ref]);
  }
  return out;
}

/** ListEntitiesForPolicy: the users, groups and roles the policy is attached to */
async function entitiesOf(
  ctx: CollectContext,
  ref: PolicyRef,
): Promise<Array<{ kind: keyof Attachments; name: string; date: string }> | undefined> {
  const m = meta('ListEntitiesForPolicy', ref.name);
  return attempt(ctx, m, async () => {
    const res = await callOrNull(ctx, m, 'EntityNotExist.Policy', () =>
      ctx.clients.ram.listEntitiesForPolicy(
        new (sdks().ram.ListEntitiesForPolicyRequest)({
          policyName: ref.name,
          policyType: ref.type,
        }),
      ),
    );
    // deleted since ListPolicies: DeletePolicy requires "that the policy is not referenced. This
    // means that the policy is not attached to RAM users, RAM user groups, or RAM roles", so a
    // policy that is gone is attached to nobody (and its document is not needed)
    if (res === null) return [];
    const b = res.body;
    const users = requiredList(b?.users?.user, 'Users.User');
    const groups = requiredList(b?.groups?.group, 'Groups.Group');
    const roles = requiredList(b?.roles?.role, 'Roles.Role');
    const of = (kind: keyof Attachments, name: string | undefined, date: string | undefined) =>
      nonEmpty(name) ? [{ kind, name: name as string, date: date ?? '' }] : [];
    return [
      ...users.flatMap((u) => of('users', u.userName, u.attachDate)),
      ...groups.flatMap((g) => of('groups', g.groupName, g.attachDate)),
      ...roles.flatMap((r) => of('roles', r.roleName, r.attachDate)),
    ];
  });
}

// ------------------------------------------------------------ policies, account settings

/** GetPolicy: the policy's default version and document; only the name and type when it fails */
async function policyOf(ctx: CollectContext, ref: PolicyRef): Promise<RamPolicy> {
  const policy: RamPolicy = { name: ref.name, type: ref.type };
  const m = meta('GetPolicy', ref.name);
  const res = await attempt(ctx, m, () =>
    call(ctx, m, () =>
      ctx.clients.ram.getPolicy(
        new (sdks().ram.GetPolicyRequest)({ policyName: ref.name, policyType: ref.type }),
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
  // the API always sends every setting: one left out may be the weak one, so the policy is
  // not judged strong on the others (a weakness in the settings sent still stands)
  const needed = {
    MinimumPasswordLength: p.minimumPasswordLength,
    RequireLowercaseCharacters: p.requireLowercaseCharacters,
    RequireUppercaseCharacters: p.requireUppercaseCharacters,
    RequireNumbers: p.requireNumbers,
    RequireSymbols: p.requireSymbols,
    PasswordReusePrevention: p.passwordReusePrevention,
    MaxLoginAttemps: p.maxLoginAttemps,
  };
  const absent = absentFields(needed);
  if (absent.length > 0) missingField(ctx, m, 'the password policy', absent.join(', '), 'list');
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
