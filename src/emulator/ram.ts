/**
 * RAM 2015-05-01 handlers of the emulator.
 *
 * Wire format: the JSON bodies the official RAM SDK models parse
 * (node_modules/@alicloud/ram20150501/dist/models/*ResponseBody.js) and the
 * published response examples (../shared/corpus/alibaba-api-response-examples/ram-ims/ram.*):
 * PascalCase fields, lists wrapped (`{"Users":{"User":[...]}}`,
 * `{"Policies":{"Policy":[...]}}`), policy documents served as JSON strings.
 *
 * Paging (Marker/MaxItems/IsTruncated, IsTruncated a JSON boolean), limits from
 * the request metadata (../shared/corpus/aliyun-openapi-request-meta/ram.*):
 *  - ListUsers, ListRoles, ListPolicies: MaxItems 1–1000, default 100
 *  - ListGroups: MaxItems 1–100, default 100
 *  - ListAccessKeys, ListGroupsForUser, ListPoliciesFor{User,Group,Role},
 *    ListEntitiesForPolicy, ListVirtualMFADevices are not paged.
 *
 * Errors follow the RAM error catalogue: a missing principal is HTTP 404
 * `EntityNotExist.User` / `.Group` / `.Role` / `EntityNotExist.Policy`; a user
 * without console password answers GetLoginProfile with 404
 * `EntityNotExist.User.LoginProfile`, without MFA device GetUserMFAInfo with
 * 404 `EntityNotExist.User.MFADevice` (notes/alibaba-sdk.md §4.2).
 *
 * Secrets: a world may seed `AccessKeySecret`, `Password` and the like inside
 * items; `scrub()` removes them from every served item, as the real API never
 * returns them (ListAccessKeys has no secret field).
 *
 * Served beyond what the collectors call (so the published RAM examples can be
 * replayed): GetUser, ListPolicies, GetPolicyVersion, ListPolicyVersions,
 * ListEntitiesForPolicy, ListVirtualMFADevices.
 */
import { allBy, derived, firstBy } from './memo.js';
import { pageByMarker } from './paging.js';
import {
  type ActionHandler,
  apiError,
  type EmulatorContext,
  type EmulatorRequest,
  type EmulatorResponse,
  ok,
} from './types.js';
import type { World } from './world.js';

export type WorldUser = World['ram']['Users'][number];
export type WorldGroup = World['ram']['Groups'][number];
export type WorldRole = World['ram']['Roles'][number];
export type WorldPolicy = World['ram']['Policies'][number];
export type WorldAccessKey = WorldUser['AccessKeys'][number];
type Item = Record<string, unknown>;

// --- shared helpers (also used by ims.ts) ------------------------------------

/** item keys that hold secrets: never served, whatever the world says */
const SECRET_KEY = /^(password|oldpassword|newpassword|accesskeysecret|secret|secretaccesskey)$/i;

/** a copy of `item` without `drop` keys, without secret-bearing keys and without undefined values */
export function scrub(item: Item, drop: readonly string[] = []): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) {
    if (v === undefined || drop.includes(k) || SECRET_KEY.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/** `MissingParameter` as the RAM/IMS gateways word it */
export function missing(param: string): EmulatorResponse {
  return apiError(
    400,
    'MissingParameter',
    `The input parameter "${param}" that is mandatory for processing this request is not supplied.`,
  );
}

export function userNotFound(name: string): EmulatorResponse {
  return apiError(404, 'EntityNotExist.User', `The user does not exist: ${name}.`);
}

/** `{UserId}` when the world wrote one: an id it left out is absent (world.md), never made up */
export function userIdField(u: WorldUser): Item {
  return u.UserId !== undefined ? { UserId: u.UserId } : {};
}

export function findUser(ctx: EmulatorContext, name: string): WorldUser | undefined {
  return derived(ctx.world.ram.Users, 'byName', (users) => firstBy(users, (u) => u.UserName)).get(
    name,
  );
}

/**
 * The RAM user the request was made as, when the world's caller is a RAM user
 * (matched by UserId, then by the `user/<name>` of its Arn).
 */
export function callerUser(ctx: EmulatorContext): WorldUser | undefined {
  const caller = ctx.world.account.caller;
  if (!caller || (caller.IdentityType ?? 'RAMUser') !== 'RAMUser') return undefined;
  const byId = ctx.world.ram.Users.find((u) => caller.UserId && u.UserId === caller.UserId);
  if (byId) return byId;
  const m = /:user\/(.+)$/.exec(caller.Arn ?? '');
  return m ? findUser(ctx, m[1]!) : undefined;
}

export function callerIsRoot(ctx: EmulatorContext): boolean {
  return ctx.world.account.caller?.IdentityType === 'Account';
}

/**
 * The AccessKeys of the principal a ListAccessKeys/GetAccessKeyLastUsed
 * without UserName talks about: the caller itself. The root identity's keys
 * are `root.accessKeys` and are only visible to the root identity (world.md).
 */
export function ownAccessKeys(ctx: EmulatorContext): WorldAccessKey[] {
  if (callerIsRoot(ctx)) return ctx.world.root.accessKeys;
  return callerUser(ctx)?.AccessKeys ?? [];
}

/** An AccessKey as ListAccessKeys serves it: no LastUsedDate (GetAccessKeyLastUsed), no secret */
export function serveAccessKey(k: WorldAccessKey): Item {
  return scrub(k, ['LastUsedDate']);
}

/** policy documents are JSON strings on the wire; worlds may write them as objects */
export function documentString(doc: unknown): string {
  return typeof doc === 'string' ? doc : JSON.stringify(doc);
}

function policyTypeEq(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

/**
 * System policies the emulator knows without the world listing them (world.md
 * asks worlds to list every referenced policy, System ones included; these are
 * a fallback). The documents are the published ones: AdministratorAccess
 * grants `*` on `*`; AliyunRAMFullAccess grants `ram:*`.
 */
export const BUILTIN_SYSTEM_POLICIES: readonly WorldPolicy[] = [
  {
    PolicyName: 'AdministratorAccess',
    PolicyType: 'System',
    DefaultVersion: 'v1',
    Description: 'Provides full access to Alibaba Cloud services and resources.',
    PolicyDocument: { Version: '1', Statement: [{ Action: '*', Effect: 'Allow', Resource: '*' }] },
  },
  {
    PolicyName: 'AliyunRAMFullAccess',
    PolicyType: 'System',
    DefaultVersion: 'v1',
    Description: 'Provides full access to Resource Access Management (RAM).',
    PolicyDocument: {
      Version: '1',
      Statement: [{ Action: 'ram:*', Effect: 'Allow', Resource: '*' }],
    },
  },
];

export function findPolicy(
  ctx: EmulatorContext,
  name: string,
  type: string | undefined,
): WorldPolicy | undefined {
  const match = (p: WorldPolicy) =>
    p.PolicyName === name &&
    (type === undefined || type === '' || policyTypeEq(p.PolicyType, type));
  const named = derived(ctx.world.ram.Policies, 'byName', (policies) =>
    allBy(policies, (p) => [p.PolicyName]),
  ).get(name);
  return named?.find(match) ?? BUILTIN_SYSTEM_POLICIES.find(match);
}

function isResponse(x: unknown): x is EmulatorResponse {
  return typeof x === 'object' && x !== null && 'status' in x && 'body' in x;
}

function param(req: EmulatorRequest, name: string): string | undefined {
  const v = req.params[name];
  return v === undefined || v === '' ? undefined : v;
}

function requireUser(req: EmulatorRequest, ctx: EmulatorContext): WorldUser | EmulatorResponse {
  const name = param(req, 'UserName');
  if (!name) return missing('UserName');
  return findUser(ctx, name) ?? userNotFound(name);
}

function findGroup(ctx: EmulatorContext, name: string): WorldGroup | undefined {
  return derived(ctx.world.ram.Groups, 'byName', (groups) =>
    firstBy(groups, (g) => g.GroupName),
  ).get(name);
}

function findRole(ctx: EmulatorContext, name: string): WorldRole | undefined {
  return derived(ctx.world.ram.Roles, 'byName', (roles) => firstBy(roles, (r) => r.RoleName)).get(
    name,
  );
}

/** the group named by GroupName, or the API's answer when it is missing or unknown */
function requireGroup(req: EmulatorRequest, ctx: EmulatorContext): WorldGroup | EmulatorResponse {
  const name = param(req, 'GroupName');
  if (!name) return missing('GroupName');
  return (
    findGroup(ctx, name) ??
    apiError(404, 'EntityNotExist.Group', `The group does not exist: ${name}.`)
  );
}

/** the role named by RoleName, or the API's answer when it is missing or unknown */
function requireRole(req: EmulatorRequest, ctx: EmulatorContext): WorldRole | EmulatorResponse {
  const name = param(req, 'RoleName');
  if (!name) return missing('RoleName');
  return (
    findRole(ctx, name) ?? apiError(404, 'EntityNotExist.Role', `The role does not exist: ${name}.`)
  );
}

// --- users -------------------------------------------------------------------

/** world keys of a user that other APIs serve; never part of ListUsers/GetUser */
const USER_FACETS = ['LoginProfile', 'MFADevice', 'AccessKeys', 'Groups', 'Policies'] as const;

/** a user as RAM ListUsers serves it: RAM's ListUsers model has no LastLoginDate (GetUser has) */
function serveListedUser(u: WorldUser): Item {
  return scrub(u, [...USER_FACETS, 'LastLoginDate']);
}

const listUsers: ActionHandler = (req, ctx) => {
  const { page, isTruncated, marker } = pageByMarker(ctx.world.ram.Users, req.params, {
    max: 1000,
    default: 100,
  });
  return ok({
    IsTruncated: isTruncated,
    Marker: marker,
    Users: { User: page.map(serveListedUser) },
  });
};

const getUser: ActionHandler = (req, ctx) => {
  const u = requireUser(req, ctx);
  if (isResponse(u)) return u;
  return ok({ User: scrub(u, USER_FACETS) });
};

const getLoginProfile: ActionHandler = (req, ctx) => {
  const u = requireUser(req, ctx);
  if (isResponse(u)) return u;
  if (!u.LoginProfile) {
    return apiError(
      404,
      'EntityNotExist.User.LoginProfile',
      `The login profile of the user does not exist: ${u.UserName}.`,
    );
  }
  return ok({ LoginProfile: { UserName: u.UserName, ...scrub(u.LoginProfile) } });
};

const getUserMFAInfo: ActionHandler = (req, ctx) => {
  const u = requireUser(req, ctx);
  if (isResponse(u)) return u;
  if (!u.MFADevice) {
    return apiError(
      404,
      'EntityNotExist.User.MFADevice',
      `The MFA device of the user does not exist: ${u.UserName}.`,
    );
  }
  return ok({ MFADevice: scrub(u.MFADevice) });
};

/**
 * ListAccessKeys: a user's keys, or (no UserName) the caller's own — for a
 * root caller `root.accessKeys` (world.md). Status/AccessKeyId/CreateDate as
 * the API serves them; no secret, no LastUsedDate.
 */
const listAccessKeys: ActionHandler = (req, ctx) => {
  let keys: WorldAccessKey[];
  if (param(req, 'UserName')) {
    const u = requireUser(req, ctx);
    if (isResponse(u)) return u;
    keys = u.AccessKeys;
  } else {
    keys = ownAccessKeys(ctx);
  }
  return ok({ AccessKeys: { AccessKey: keys.map(serveAccessKey) } });
};

/** the key `UserAccessKeyId` of `UserName` (or of the caller), or the API's error */
export function lastUsedKey(
  keys: WorldAccessKey[],
  keyId: string | undefined,
): WorldAccessKey | EmulatorResponse {
  if (!keyId) return missing('UserAccessKeyId');
  const key = keys.find((k) => k.AccessKeyId === keyId);
  // RAM/IMS answer an AccessKey the principal does not own with 404 EntityNotExist.User.AccessKey
  // (error code as listed on the RAM API error pages; message wording is the emulator's)
  if (!key) {
    return apiError(
      404,
      'EntityNotExist.User.AccessKey',
      `The AccessKey does not exist: ${keyId}.`,
    );
  }
  return key;
}

/**
 * GetAccessKeyLastUsed: `AccessKeyLastUsed.LastUsedDate`; a key never used has
 * no date (the field is absent, as world.md prescribes for absent facts).
 */
const getAccessKeyLastUsed: ActionHandler = (req, ctx) => {
  let keys: WorldAccessKey[];
  if (param(req, 'UserName')) {
    const u = requireUser(req, ctx);
    if (isResponse(u)) return u;
    keys = u.AccessKeys;
  } else {
    keys = ownAccessKeys(ctx);
  }
  const key = lastUsedKey(keys, param(req, 'UserAccessKeyId'));
  if (isResponse(key)) return key;
  return ok({
    AccessKeyLastUsed: key.LastUsedDate !== undefined ? { LastUsedDate: key.LastUsedDate } : {},
  });
};

/** a group as ListGroupsForUser / ListGroups serve it: GroupId only when the world wrote one */
export function serveGroup(ctx: EmulatorContext, name: string): Item {
  const g = findGroup(ctx, name);
  return g ? scrub(g, ['Policies']) : { GroupName: name };
}

const listGroupsForUser: ActionHandler = (req, ctx) => {
  const u = requireUser(req, ctx);
  if (isResponse(u)) return u;
  return ok({ Groups: { Group: u.Groups.map((name) => serveGroup(ctx, name)) } });
};

/** ListUsersForGroup: the group's members (Marker/MaxItems, 1–1000, default 100) */
const listUsersForGroup: ActionHandler = (req, ctx) => {
  const g = requireGroup(req, ctx);
  if (isResponse(g)) return g;
  const members = ctx.world.ram.Users.filter((u) => u.Groups.includes(g.GroupName)).map((u) => ({
    UserName: u.UserName,
    ...(u.DisplayName !== undefined ? { DisplayName: u.DisplayName } : {}),
  }));
  const { page, isTruncated, marker } = pageByMarker(members, req.params, {
    max: 1000,
    default: 100,
  });
  return ok({ IsTruncated: isTruncated, Marker: marker, Users: { User: page } });
};

// --- attached policies -------------------------------------------------------

type PolicyRef = WorldUser['Policies'][number];

/**
 * An attachment as ListPoliciesFor{User,Group,Role} serve it: the reference's
 * own fields, completed with Description/DefaultVersion of the policy itself.
 */
function serveAttachment(ctx: EmulatorContext, ref: PolicyRef): Item {
  const p = findPolicy(ctx, ref.PolicyName, ref.PolicyType);
  const out: Item = {};
  if (p) {
    if (typeof p['Description'] === 'string') out['Description'] = p['Description'];
    out['DefaultVersion'] = p.DefaultVersion;
  }
  return { ...out, ...scrub(ref), PolicyType: ref.PolicyType };
}

function attachments(ctx: EmulatorContext, refs: PolicyRef[]): EmulatorResponse {
  return ok({ Policies: { Policy: refs.map((r) => serveAttachment(ctx, r)) } });
}

const listPoliciesForUser: ActionHandler = (req, ctx) => {
  const u = requireUser(req, ctx);
  if (isResponse(u)) return u;
  return attachments(ctx, u.Policies);
};

const listPoliciesForGroup: ActionHandler = (req, ctx) => {
  const g = requireGroup(req, ctx);
  if (isResponse(g)) return g;
  return attachments(ctx, g.Policies);
};

const listPoliciesForRole: ActionHandler = (req, ctx) => {
  const r = requireRole(req, ctx);
  if (isResponse(r)) return r;
  return attachments(ctx, r.Policies);
};

// --- groups and roles --------------------------------------------------------

const listGroups: ActionHandler = (req, ctx) => {
  // JoinDate is a membership fact (ListGroupsForUser), not served by ListGroups
  const { page, isTruncated, marker } = pageByMarker(ctx.world.ram.Groups, req.params, {
    max: 100,
    default: 100,
  });
  const groups = page.map((g) => scrub(serveGroup(ctx, g.GroupName), ['JoinDate']));
  return ok({ IsTruncated: isTruncated, Marker: marker, Groups: { Group: groups } });
};

/**
 * a role as ListRoles serves it: no trust policy (GetRole has it), Tags
 * wrapped; RoleId and Arn only when the world wrote them
 */
function serveRole(r: WorldRole): Item {
  const out: Item = scrub(r, ['AssumeRolePolicyDocument', 'Policies']);
  if (Array.isArray(r['Tags'])) out['Tags'] = { Tag: r['Tags'] };
  return out;
}

const listRoles: ActionHandler = (req, ctx) => {
  const { page, isTruncated, marker } = pageByMarker(ctx.world.ram.Roles, req.params, {
    max: 1000,
    default: 100,
  });
  return ok({
    IsTruncated: isTruncated,
    Marker: marker,
    Roles: { Role: page.map(serveRole) },
  });
};

const getRole: ActionHandler = (req, ctx) => {
  const r = requireRole(req, ctx);
  if (isResponse(r)) return r;
  const role: Item = serveRole(r);
  delete role['Tags'];
  if (r.AssumeRolePolicyDocument !== undefined) {
    role['AssumeRolePolicyDocument'] = documentString(r.AssumeRolePolicyDocument);
  }
  return ok({ Role: role });
};

// --- policies ----------------------------------------------------------------

type Holder = { Policies: PolicyRef[] };

/** a policy's name and (case-insensitive) type, as an attachment names it */
function policyKey(name: string, type: string | undefined): string {
  return JSON.stringify([name, (type ?? '').toLowerCase()]);
}

/** the holders of `list` per attached policy (policyKey), in list order */
function holdersByPolicy<H extends Holder>(list: H[]): Map<string, H[]> {
  return derived(list, 'byPolicy', (holders) =>
    allBy(holders, (h) => h.Policies.map((r) => policyKey(r.PolicyName, r.PolicyType))),
  );
}

/** the first attachment of `p` among `refs` */
function attachmentOf(refs: PolicyRef[], p: WorldPolicy): PolicyRef | undefined {
  return refs.find(
    (r) => r.PolicyName === p.PolicyName && policyTypeEq(r.PolicyType, p.PolicyType),
  );
}

/** how many users, groups and roles the world attaches the policy to */
function attachmentCount(ctx: EmulatorContext, p: WorldPolicy): number {
  const ram = ctx.world.ram;
  const key = policyKey(p.PolicyName, p.PolicyType);
  return [ram.Users, ram.Groups, ram.Roles].reduce(
    (n, list: Holder[]) => n + (holdersByPolicy(list).get(key)?.length ?? 0),
    0,
  );
}

/** a policy as ListPolicies and GetPolicy's `Policy` serve it (the document is in the version) */
function servePolicy(ctx: EmulatorContext, p: WorldPolicy): Item {
  return {
    AttachmentCount: attachmentCount(ctx, p),
    ...scrub(p, ['PolicyDocument', 'Versions']),
  };
}

/**
 * The versions of a policy: the world may list `Versions` ({VersionId,
 * PolicyDocument, CreateDate}); otherwise the one default version is
 * `DefaultVersion` with `PolicyDocument`. A policy written without a document
 * has versions without one (absent is absent, world.md).
 */
function policyVersions(p: WorldPolicy): Item[] {
  const listed = Array.isArray(p['Versions']) ? (p['Versions'] as Item[]) : undefined;
  const versions = listed ?? [{ VersionId: p.DefaultVersion, PolicyDocument: p.PolicyDocument }];
  return versions.map((v) => {
    const doc = v['PolicyDocument'] ?? p.PolicyDocument;
    const out: Item = {
      ...scrub(v),
      VersionId: String(v['VersionId'] ?? p.DefaultVersion),
      IsDefaultVersion: String(v['VersionId'] ?? p.DefaultVersion) === p.DefaultVersion,
    };
    if (doc !== undefined) out['PolicyDocument'] = documentString(doc);
    else delete out['PolicyDocument'];
    if (out['CreateDate'] === undefined && typeof p['CreateDate'] === 'string') {
      out['CreateDate'] = p['CreateDate'];
    }
    return out;
  });
}

function requirePolicy(req: EmulatorRequest, ctx: EmulatorContext): WorldPolicy | EmulatorResponse {
  const name = param(req, 'PolicyName');
  if (!name) return missing('PolicyName');
  const type = param(req, 'PolicyType');
  if (!type) return missing('PolicyType');
  return (
    findPolicy(ctx, name, type) ??
    apiError(404, 'EntityNotExist.Policy', `The policy does not exist: ${name}.`)
  );
}

/**
 * GetPolicy: `Policy` and `DefaultPolicyVersion`, both with the default
 * version's `PolicyDocument` (a JSON string). The published examples differ
 * (2019-01: document in `Policy` only; 2019-07: only in
 * `DefaultPolicyVersion`); the SDK model has both fields, so both are served.
 * System policies such as AdministratorAccess are served too.
 */
const getPolicy: ActionHandler = (req, ctx) => {
  const p = requirePolicy(req, ctx);
  if (isResponse(p)) return p;
  const versions = policyVersions(p);
  const def = versions.find((v) => v['IsDefaultVersion'] === true) ?? versions[0];
  const policy: Item = servePolicy(ctx, p);
  if (def?.['PolicyDocument'] !== undefined) policy['PolicyDocument'] = def['PolicyDocument'];
  return ok({ Policy: policy, ...(def ? { DefaultPolicyVersion: def } : {}) });
};

const getPolicyVersion: ActionHandler = (req, ctx) => {
  const p = requirePolicy(req, ctx);
  if (isResponse(p)) return p;
  const id = param(req, 'VersionId');
  if (!id) return missing('VersionId');
  const v = policyVersions(p).find((x) => x['VersionId'] === id);
  if (!v) {
    return apiError(
      404,
      'EntityNotExist.Policy.Version',
      `The policy version does not exist: ${id}.`,
    );
  }
  return ok({ PolicyVersion: v });
};

const listPolicyVersions: ActionHandler = (req, ctx) => {
  const p = requirePolicy(req, ctx);
  if (isResponse(p)) return p;
  return ok({ PolicyVersions: { PolicyVersion: policyVersions(p) } });
};

const listPolicies: ActionHandler = (req, ctx) => {
  const type = param(req, 'PolicyType');
  const all = [
    ...ctx.world.ram.Policies,
    ...BUILTIN_SYSTEM_POLICIES.filter(
      (b) => !ctx.world.ram.Policies.some((p) => p.PolicyName === b.PolicyName),
    ),
  ].filter((p) => !type || policyTypeEq(p.PolicyType, type));
  const { page, isTruncated, marker } = pageByMarker(all, req.params, { max: 1000, default: 100 });
  return ok({
    IsTruncated: isTruncated,
    Marker: marker,
    Policies: { Policy: page.map((p) => servePolicy(ctx, p)) },
  });
};

const listEntitiesForPolicy: ActionHandler = (req, ctx) => {
  const p = requirePolicy(req, ctx);
  if (isResponse(p)) return p;
  const attached = (refs: PolicyRef[]): PolicyRef | undefined => attachmentOf(refs, p);
  const date = (ref: PolicyRef | undefined): Item =>
    typeof ref?.['AttachDate'] === 'string' ? { AttachDate: ref['AttachDate'] } : {};
  const ram = ctx.world.ram;
  const key = policyKey(p.PolicyName, p.PolicyType);
  const holders = <H extends Holder>(list: H[]): H[] => holdersByPolicy(list).get(key) ?? [];
  return ok({
    Users: {
      User: holders(ram.Users).map((u) => ({
        UserName: u.UserName,
        ...userIdField(u),
        ...(u.DisplayName !== undefined ? { DisplayName: u.DisplayName } : {}),
        ...date(attached(u.Policies)),
      })),
    },
    Groups: {
      Group: holders(ram.Groups).map((g) => ({
        GroupName: g.GroupName,
        ...(g.Comments !== undefined ? { Comments: g.Comments } : {}),
        ...date(attached(g.Policies)),
      })),
    },
    Roles: {
      Role: holders(ram.Roles).map((r) => ({
        RoleName: r.RoleName,
        ...(r['RoleId'] !== undefined ? { RoleId: r['RoleId'] } : {}),
        ...(r.Arn !== undefined ? { Arn: r.Arn } : {}),
        ...(typeof r['Description'] === 'string' ? { Description: r['Description'] } : {}),
        ...date(attached(r.Policies)),
      })),
    },
  });
};

// --- MFA devices -------------------------------------------------------------

/** every bound device of the world's users; ListVirtualMFADevices (RAM: not paged) */
export function mfaDevices(ctx: EmulatorContext, userFields: (u: WorldUser) => Item): Item[] {
  return ctx.world.ram.Users.filter((u) => u.MFADevice).map((u) => {
    const d = scrub(u.MFADevice ?? {}, ['Type']);
    return { ...d, User: userFields(u) };
  });
}

const listVirtualMFADevices: ActionHandler = (_req, ctx) =>
  ok({
    VirtualMFADevices: {
      VirtualMFADevice: mfaDevices(ctx, (u) => ({
        UserName: u.UserName,
        ...userIdField(u),
        ...(u.DisplayName !== undefined ? { DisplayName: u.DisplayName } : {}),
      })),
    },
  });

// --- account settings --------------------------------------------------------

/**
 * GetPasswordPolicy: the world's block as written (world.md: absent is
 * absent); a world without one has a new account's policy (RAM console
 * defaults: length 8, no character classes, no expiry, no reuse prevention,
 * 5 failed logons per hour), as every real account has one.
 */
export const DEFAULT_PASSWORD_POLICY: Readonly<Item> = {
  MinimumPasswordLength: 8,
  RequireLowercaseCharacters: false,
  RequireUppercaseCharacters: false,
  RequireNumbers: false,
  RequireSymbols: false,
  HardExpiry: false,
  MaxPasswordAge: 0,
  PasswordReusePrevention: 0,
  MaxLoginAttemps: 5,
};

export function passwordPolicy(ctx: EmulatorContext): Item {
  const given = ctx.world.ram.PasswordPolicy;
  return given === undefined ? { ...DEFAULT_PASSWORD_POLICY } : scrub(given);
}

const getPasswordPolicy: ActionHandler = (_req, ctx) => ok({ PasswordPolicy: passwordPolicy(ctx) });

/** GetSecurityPreference defaults, as in the published example (a new account's settings) */
const DEFAULT_SECURITY_PREFERENCE: Readonly<Record<string, Item>> = {
  LoginProfilePreference: {
    EnableSaveMFATicket: false,
    AllowUserToChangePassword: true,
    LoginSessionDuration: 6,
    LoginNetworkMasks: '',
  },
  AccessKeyPreference: { AllowUserToManageAccessKeys: false },
  MFAPreference: { AllowUserToManageMFADevices: true },
  PublicKeyPreference: { AllowUserToManagePublicKeys: false },
};

export function securityPreference(ctx: EmulatorContext): Item {
  const world = ctx.world.ram.SecurityPreference ?? {};
  const out: Item = {};
  for (const [section, defaults] of Object.entries(DEFAULT_SECURITY_PREFERENCE)) {
    const given = world[section];
    out[section] = {
      ...defaults,
      ...(given && typeof given === 'object' && !Array.isArray(given) ? (given as Item) : {}),
    };
  }
  for (const [k, v] of Object.entries(world)) if (!(k in out)) out[k] = v;
  return out;
}

const getSecurityPreference: ActionHandler = (_req, ctx) =>
  ok({ SecurityPreference: securityPreference(ctx) });

export const ramHandlers: Record<string, ActionHandler> = {
  ListUsers: listUsers,
  GetUser: getUser,
  GetLoginProfile: getLoginProfile,
  GetUserMFAInfo: getUserMFAInfo,
  ListAccessKeys: listAccessKeys,
  GetAccessKeyLastUsed: getAccessKeyLastUsed,
  ListGroupsForUser: listGroupsForUser,
  ListUsersForGroup: listUsersForGroup,
  ListPoliciesForUser: listPoliciesForUser,
  ListGroups: listGroups,
  ListPoliciesForGroup: listPoliciesForGroup,
  ListRoles: listRoles,
  GetRole: getRole,
  ListPoliciesForRole: listPoliciesForRole,
  GetPolicy: getPolicy,
  GetPolicyVersion: getPolicyVersion,
  ListPolicyVersions: listPolicyVersions,
  ListPolicies: listPolicies,
  ListEntitiesForPolicy: listEntitiesForPolicy,
  ListVirtualMFADevices: listVirtualMFADevices,
  GetPasswordPolicy: getPasswordPolicy,
  GetSecurityPreference: getSecurityPreference,
};
