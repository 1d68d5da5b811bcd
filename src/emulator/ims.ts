/**
 * IMS 2019-08-15 handlers of the emulator: the account-level reports the
 * scanner reads for the root identity, and the IMS variants of the RAM user
 * APIs (so the published IMS examples can be replayed).
 *
 * Wire format: node_modules/@alicloud/ims20190815/dist/models/*ResponseBody.js
 * and ../shared/corpus/alibaba-api-response-examples/ram-ims/ims.*:
 *  - users are keyed by `UserPrincipalName` (`<name>@<accountId>.onaliyun.com`,
 *    the account's default domain) instead of RAM's `UserName`;
 *  - GetAccountSecurityPracticeReport → `AccountSecurityPracticeInfo {Score,
 *    AccountSecurityPracticeUserInfo {RootWithAccessKey: number, BindMfa:
 *    boolean, SubUser, SubUserBindMfa, ...}}` (world.md: RootWithAccessKey =
 *    number of root AccessKeys, BindMfa = root.mfaEnabled);
 *  - GetAccountMFAInfo → `IsMFAEnable` (root MFA);
 *  - GenerateCredentialReport → `State` STARTED | INPROGRESS | COMPLETED;
 *  - GetCredentialReport → `Content` (base64 CSV), `GeneratedTime`,
 *    `IsTruncated` (a *string* "true"/"false" in the SDK model), `NextToken`;
 *    paged by `MaxItems` (1–3501 rows, default 3501) and `NextToken`.
 *  - GetPasswordPolicy uses `HardExpire` where RAM says `HardExpiry`, and adds
 *    MinimumPasswordDifferentCharacter / PasswordNotContainUserName.
 *
 * The credential-report cycle (per emulator instance): the first
 * GenerateCredentialReport starts a report and answers `STARTED`; the next
 * call finds it `COMPLETED` (a new one is not generated within 4 hours, so
 * COMPLETED stays). GetCredentialReport before completion answers 404
 * `EntityNotExist.CredentialReport` — the real code for "no report yet" is not
 * published (notes/alibaba-sdk.md §4.3), this one is the emulator's.
 *
 * Credential report columns (RAM user guide "Generate and download user
 * credential reports", notes/alibaba-sdk.md §4.3): user, user_creation_time,
 * user_last_logon, password_exist, password_active, password_last_changed,
 * password_next_rotation, mfa_active, access_key_{1,2}_{exist,active,
 * last_rotated,last_used}, then additional_access_key_N_* when some principal
 * has more than two keys. First row `<root>`: password_exist TRUE,
 * password_active N/A; `-` = never (logon / key use), `N/A` = not applicable.
 * The `<root>` row's user_last_logon is `root.lastLoginDate`, or without it the
 * world's latest successful root ConsoleSignin up to the report's generation.
 */
import { pageByMarker, pageByToken } from './paging.js';
import {
  findUser,
  lastUsedKey,
  mfaDevices,
  missing,
  ownAccessKeys,
  passwordPolicy,
  scrub,
  securityPreference,
  serveAccessKey,
  serveGroup,
  userIdField,
  userNotFound,
  type WorldAccessKey,
  type WorldUser,
} from './ram.js';
import {
  type ActionHandler,
  apiError,
  type EmulatorContext,
  type EmulatorRequest,
  type EmulatorResponse,
  ok,
} from './types.js';

type Item = Record<string, unknown>;

const DAY_MS = 86_400_000;
/** "old" and "unused" AccessKeys of the security practice report: 90 days */
const STALE_DAYS = 90;

function isResponse(x: unknown): x is EmulatorResponse {
  return typeof x === 'object' && x !== null && 'status' in x && 'body' in x;
}

export function principalName(ctx: EmulatorContext, u: WorldUser): string {
  const given = u['UserPrincipalName'];
  return typeof given === 'string' && given !== ''
    ? given
    : `${u.UserName}@${ctx.world.account.accountId}.onaliyun.com`;
}

function userByPrincipal(ctx: EmulatorContext, upn: string): WorldUser | undefined {
  return (
    ctx.world.ram.Users.find((u) => principalName(ctx, u) === upn) ??
    findUser(ctx, upn.split('@')[0] ?? upn)
  );
}

function requireUser(req: EmulatorRequest, ctx: EmulatorContext): WorldUser | EmulatorResponse {
  const upn = req.params['UserPrincipalName'];
  if (!upn) return missing('UserPrincipalName');
  return userByPrincipal(ctx, upn) ?? userNotFound(upn);
}

/** seconds precision, as the API writes times */
function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function olderThan(date: string | undefined, now: Date, days: number): boolean {
  if (!date) return false;
  const t = Date.parse(date);
  return Number.isFinite(t) && now.getTime() - t > days * DAY_MS;
}

// --- IMS variants of the user APIs -------------------------------------------

const USER_FACETS = ['LoginProfile', 'MFADevice', 'AccessKeys', 'Groups', 'Policies'] as const;

function serveUser(ctx: EmulatorContext, u: WorldUser): Item {
  return {
    ...scrub(u, [...USER_FACETS, 'UserName']),
    ...userIdField(u),
    UserPrincipalName: principalName(ctx, u),
  };
}

/** IMS ListUsers: Marker/MaxItems 1–1000, default 1000 (api-limits.md §3) */
const listUsers: ActionHandler = (req, ctx) => {
  const { page, isTruncated, marker } = pageByMarker(
    ctx.world.ram.Users.map((u) => serveUser(ctx, u)),
    req.params,
    { max: 1000, default: 1000 },
  );
  return ok({ IsTruncated: isTruncated, Marker: marker, Users: { User: page } });
};

const getUser: ActionHandler = (req, ctx) => {
  const u = requireUser(req, ctx);
  if (isResponse(u)) return u;
  return ok({ User: serveUser(ctx, u) });
};

const getLoginProfile: ActionHandler = (req, ctx) => {
  const u = requireUser(req, ctx);
  if (isResponse(u)) return u;
  if (!u.LoginProfile) {
    return apiError(
      404,
      'EntityNotExist.User.LoginProfile',
      `The login profile of the user does not exist: ${principalName(ctx, u)}.`,
    );
  }
  return ok({
    LoginProfile: {
      UserPrincipalName: principalName(ctx, u),
      Status: 'Active',
      ...scrub(u.LoginProfile),
    },
  });
};

/** IMS GetUserMFAInfo adds IsMFAEnable to RAM's MFADevice */
const getUserMFAInfo: ActionHandler = (req, ctx) => {
  const u = requireUser(req, ctx);
  if (isResponse(u)) return u;
  if (!u.MFADevice) {
    return apiError(
      404,
      'EntityNotExist.User.MFADevice',
      `The MFA device of the user does not exist: ${principalName(ctx, u)}.`,
    );
  }
  return ok({ MFADevice: scrub(u.MFADevice), IsMFAEnable: true });
};

function keysOf(req: EmulatorRequest, ctx: EmulatorContext): WorldAccessKey[] | EmulatorResponse {
  if (!req.params['UserPrincipalName']) return ownAccessKeys(ctx);
  const u = requireUser(req, ctx);
  return isResponse(u) ? u : u.AccessKeys;
}

const listAccessKeys: ActionHandler = (req, ctx) => {
  const keys = keysOf(req, ctx);
  if (isResponse(keys)) return keys;
  return ok({ AccessKeys: { AccessKey: keys.map(serveAccessKey) } });
};

/** IMS GetAccessKeyLastUsed {UserPrincipalName, UserAccessKeyId} → AccessKeyLastUsed.LastUsedDate */
const getAccessKeyLastUsed: ActionHandler = (req, ctx) => {
  const keys = keysOf(req, ctx);
  if (isResponse(keys)) return keys;
  const key = lastUsedKey(keys, req.params['UserAccessKeyId']);
  if (isResponse(key)) return key;
  return ok({
    AccessKeyLastUsed: key.LastUsedDate !== undefined ? { LastUsedDate: key.LastUsedDate } : {},
  });
};

const listGroupsForUser: ActionHandler = (req, ctx) => {
  const u = requireUser(req, ctx);
  if (isResponse(u)) return u;
  return ok({
    Groups: {
      Group: u.Groups.map((name) => {
        const g = serveGroup(ctx, name);
        return { DisplayName: name, ...g };
      }),
    },
  });
};

const listVirtualMFADevices: ActionHandler = (req, ctx) => {
  const devices = mfaDevices(ctx, (u) => ({
    ...userIdField(u),
    UserPrincipalName: principalName(ctx, u),
    ...(u.DisplayName !== undefined ? { DisplayName: u.DisplayName } : {}),
  }));
  const { page, isTruncated, marker } = pageByMarker(devices, req.params, {
    max: 1000,
    default: 100,
  });
  return ok({
    IsTruncated: isTruncated,
    Marker: marker,
    VirtualMFADevices: { VirtualMFADevice: page },
  });
};

/** IMS names RAM's HardExpiry `HardExpire` and adds two fields */
const getPasswordPolicy: ActionHandler = (_req, ctx) => {
  const p = passwordPolicy(ctx);
  const out: Item = {
    MinimumPasswordDifferentCharacter: 0,
    PasswordNotContainUserName: false,
    ...p,
  };
  const hardExpire = p['HardExpire'] ?? p['HardExpiry'];
  if (hardExpire !== undefined) out['HardExpire'] = hardExpire;
  delete out['HardExpiry'];
  return ok({ PasswordPolicy: out });
};

const getSecurityPreference: ActionHandler = (_req, ctx) =>
  ok({ SecurityPreference: securityPreference(ctx) });

// --- account-level reports ---------------------------------------------------

/** the console's password strength grade of the password policy */
function passwordLevel(ctx: EmulatorContext): 'low' | 'mid' | 'high' {
  const p = passwordPolicy(ctx);
  const length = Number(p['MinimumPasswordLength'] ?? 8);
  const classes = [
    'RequireLowercaseCharacters',
    'RequireUppercaseCharacters',
    'RequireNumbers',
    'RequireSymbols',
  ].filter((k) => p[k] === true).length;
  if (length >= 12 && classes === 4) return 'high';
  if (length >= 8 && classes >= 2) return 'mid';
  return 'low';
}

/**
 * GetAccountSecurityPracticeReport. RootWithAccessKey counts root.accessKeys,
 * BindMfa is root.mfaEnabled, the sub-user figures come from ram.Users (old =
 * created more than 90 days ago, unused = not used for 90 days or never).
 * Score is the emulator's own 0–100 figure (the real weighting is not
 * published): 100 minus penalties for each risky fact.
 */
const getAccountSecurityPracticeReport: ActionHandler = (_req, ctx) => {
  const now = ctx.now();
  const users = ctx.world.ram.Users;
  const keys = users.flatMap((u) => u.AccessKeys);
  const isOld = (k: WorldAccessKey) => olderThan(k.CreateDate, now, STALE_DAYS);
  const isUnused = (k: WorldAccessKey) =>
    k.LastUsedDate === undefined || olderThan(k.LastUsedDate, now, STALE_DAYS);
  const rootKeys = ctx.world.root.accessKeys.length;
  const bindMfa = ctx.world.root.mfaEnabled;
  const info = {
    SubUser: users.length,
    SubUserBindMfa: users.filter((u) => u.MFADevice).length,
    SubUserWithUnusedAccessKey: users.filter((u) => u.AccessKeys.some(isUnused)).length,
    RootWithAccessKey: rootKeys,
    SubUserWithOldAccessKey: users.filter((u) => u.AccessKeys.some(isOld)).length,
    SubUserPwdLevel: passwordLevel(ctx),
    UnusedAkNum: keys.filter(isUnused).length,
    OldAkNum: keys.filter(isOld).length,
    BindMfa: bindMfa,
  };
  let score = 100;
  if (rootKeys > 0) score -= 25;
  if (!bindMfa) score -= 25;
  if (info.SubUserBindMfa < info.SubUser) score -= 10;
  if (info.SubUserPwdLevel !== 'high') score -= 5;
  if (info.OldAkNum > 0) score -= 5;
  if (info.UnusedAkNum > 0) score -= 5;
  return ok({
    AccountSecurityPracticeInfo: { Score: score, AccountSecurityPracticeUserInfo: info },
  });
};

const getAccountMFAInfo: ActionHandler = (_req, ctx) =>
  ok({ IsMFAEnable: ctx.world.root.mfaEnabled });

/** GetAccountSummary: counts from the world, quotas as in the published example */
const getAccountSummary: ActionHandler = (_req, ctx) => {
  const ram = ctx.world.ram;
  const mfa = ram.Users.filter((u) => u.MFADevice).length;
  return ok({
    SummaryMap: {
      Users: ram.Users.length,
      Groups: ram.Groups.length,
      Roles: ram.Roles.length,
      Policies: ram.Policies.filter((p) => p.PolicyType.toLowerCase() === 'custom').length,
      MFADevices: mfa,
      MFADevicesInUse: mfa,
      UsersQuota: 1000,
      GroupsQuota: 50,
      RolesQuota: 1000,
      PoliciesQuota: 1500,
      VirtualMFADevicesQuota: 1000,
      AccessKeysPerUserQuota: 2,
      GroupsPerUserQuota: 5,
      AttachedPoliciesPerUserQuota: 10,
      AttachedPoliciesPerGroupQuota: 5,
      AttachedPoliciesPerRoleQuota: 5,
      AttachedSystemPoliciesPerUserQuota: 20,
      AttachedSystemPoliciesPerGroupQuota: 20,
      AttachedSystemPoliciesPerRoleQuota: 20,
      VersionsPerPolicyQuota: 5,
      PolicySizeQuota: 2048,
    },
  });
};

// --- credential report -------------------------------------------------------

interface ReportState {
  generateCalls: number;
  generatedTime?: string;
}

const REPORT_KEY = 'ims.credentialReport';

function reportState(ctx: EmulatorContext): ReportState {
  let s = ctx.state.get(REPORT_KEY) as ReportState | undefined;
  if (!s) {
    s = { generateCalls: 0 };
    ctx.state.set(REPORT_KEY, s);
  }
  return s;
}

/** first call: STARTED (not ready); every later call: COMPLETED */
const generateCredentialReport: ActionHandler = (_req, ctx) => {
  const s = reportState(ctx);
  s.generateCalls += 1;
  if (s.generateCalls === 1) return ok({ State: 'STARTED' });
  s.generatedTime ??= ctx.world.root.credentialReportGeneratedTime ?? isoSeconds(ctx.now());
  return ok({ State: 'COMPLETED' });
};

const bool = (b: boolean) => (b ? 'TRUE' : 'FALSE');

/** the 4 cells of one AccessKey slot */
function keyCells(k: WorldAccessKey | undefined): string[] {
  if (!k) return ['FALSE', 'N/A', 'N/A', 'N/A'];
  return [
    'TRUE',
    k.Status === undefined ? 'N/A' : bool(k.Status.toLowerCase() === 'active'),
    k.CreateDate ?? 'N/A',
    k.LastUsedDate ?? '-',
  ];
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * The root's latest successful console sign-in in the world's events, at or
 * before the report's generation time (`at`, NaN = no bound) and the clock:
 * the `<root>` row's `user_last_logon` when the world gives no `lastLoginDate`,
 * so that the report agrees with the events.
 */
function lastRootSignin(ctx: EmulatorContext, at: number): string | undefined {
  const bound = Math.min(Number.isFinite(at) ? at : Infinity, ctx.now().getTime());
  let latest: { t: number; text: string } | undefined;
  for (const e of ctx.world.actiontrail.Events) {
    const who = e['userIdentity'] as { type?: unknown } | undefined;
    if (e.eventName !== 'ConsoleSignin' || who?.type !== 'root-account') continue;
    if (typeof e['errorCode'] === 'string' && e['errorCode'] !== '') continue;
    const t = Date.parse(e.eventTime);
    if (!(t <= bound) || (latest && latest.t >= t)) continue;
    latest = { t, text: isoSeconds(new Date(t)) };
  }
  return latest?.text;
}

/** header and rows (root first) of the credential report */
export function credentialReportRows(ctx: EmulatorContext): { header: string[]; rows: string[][] } {
  const root = ctx.world.root;
  // a snapshot at its generation time: what was created later is not in it
  const at = Date.parse(root.credentialReportGeneratedTime ?? '');
  const before = (created: string | undefined) =>
    !Number.isFinite(at) || !created || !(Date.parse(created) > at);
  const users = ctx.world.ram.Users.filter((u) => before(u.CreateDate)).map((u) => ({
    ...u,
    AccessKeys: u.AccessKeys.filter((k) => before(k.CreateDate)),
  }));
  const maxKeys = Math.max(2, root.accessKeys.length, ...users.map((u) => u.AccessKeys.length));
  const header = [
    'user',
    'user_creation_time',
    'user_last_logon',
    'password_exist',
    'password_active',
    'password_last_changed',
    'password_next_rotation',
    'mfa_active',
  ];
  const slots: string[] = ['1', '2'];
  for (let i = 3; i <= maxKeys; i++) slots.push(`additional_${i - 2}`);
  for (const s of slots) {
    const p = s.startsWith('additional')
      ? `${s.replace('additional_', 'additional_access_key_')}`
      : `access_key_${s}`;
    header.push(`${p}_exist`, `${p}_active`, `${p}_last_rotated`, `${p}_last_used`);
  }
  const keyColumns = (keys: WorldAccessKey[]) => slots.flatMap((_, i) => keyCells(keys[i]));
  const maxAge = Number(passwordPolicy(ctx)['MaxPasswordAge'] ?? 0);
  const rows: string[][] = [
    [
      '<root>',
      'N/A',
      root.lastLoginDate ?? lastRootSignin(ctx, at) ?? '-',
      root.loginDisabled ? 'LOGIN_DISABLED' : 'TRUE',
      root.loginDisabled ? 'LOGIN_DISABLED' : 'N/A',
      'N/A',
      'N/A',
      bool(root.mfaEnabled),
      ...keyColumns(root.accessKeys),
    ],
  ];
  for (const u of users) {
    const lp = u.LoginProfile;
    const lpItem = (lp ?? {}) as Item;
    const changed =
      (typeof lpItem['UpdateDate'] === 'string' ? lpItem['UpdateDate'] : undefined) ??
      lp?.CreateDate;
    let next = 'N/A';
    if (lp && changed && maxAge > 0 && Number.isFinite(Date.parse(changed))) {
      next = isoSeconds(new Date(Date.parse(changed) + maxAge * DAY_MS));
    }
    rows.push([
      principalName(ctx, u),
      u.CreateDate ?? 'N/A',
      u.LastLoginDate ?? '-',
      u.ConsoleLoginDisabled ? 'LOGIN_DISABLED' : bool(lp !== undefined),
      u.ConsoleLoginDisabled
        ? 'LOGIN_DISABLED'
        : lp
          ? bool(lpItem['Status'] !== 'Inactive')
          : 'N/A',
      lp ? (changed ?? 'N/A') : 'N/A',
      next,
      bool(u.MFADevice !== undefined),
      ...keyColumns(u.AccessKeys),
    ]);
  }
  return { header, rows };
}

/**
 * GetCredentialReport: one page of rows (every page starts with the header
 * line), base64 of the CSV, `IsTruncated` "true"/"false", `NextToken` ("" on
 * the last page).
 */
const getCredentialReport: ActionHandler = (req, ctx) => {
  const s = reportState(ctx);
  if (!s.generatedTime) {
    return apiError(
      404,
      'EntityNotExist.CredentialReport',
      'The credential report does not exist or is not ready. Call GenerateCredentialReport first.',
    );
  }
  const { header, rows } = credentialReportRows(ctx);
  const { page, nextToken } = pageByToken(
    rows,
    req.params,
    { max: 3501, default: 3501 },
    {
      token: 'NextToken',
      size: 'MaxItems',
    },
  );
  const csv = [header, ...page].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
  return ok({
    Content: Buffer.from(csv, 'utf8').toString('base64'),
    GeneratedTime: s.generatedTime,
    IsTruncated: nextToken !== '' ? 'true' : 'false',
    NextToken: nextToken,
  });
};

export const imsHandlers: Record<string, ActionHandler> = {
  GetAccountSecurityPracticeReport: getAccountSecurityPracticeReport,
  GetAccountMFAInfo: getAccountMFAInfo,
  GetAccountSummary: getAccountSummary,
  GenerateCredentialReport: generateCredentialReport,
  GetCredentialReport: getCredentialReport,
  GetAccessKeyLastUsed: getAccessKeyLastUsed,
  ListUsers: listUsers,
  GetUser: getUser,
  GetLoginProfile: getLoginProfile,
  GetUserMFAInfo: getUserMFAInfo,
  ListAccessKeys: listAccessKeys,
  ListGroupsForUser: listGroupsForUser,
  ListVirtualMFADevices: listVirtualMFADevices,
  GetPasswordPolicy: getPasswordPolicy,
  GetSecurityPreference: getSecurityPreference,
};
