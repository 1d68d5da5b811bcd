/**
 * Is a principal (an instance's RAM role) privileged? spec/rules.md,
 * `instance-exposed-with-privileged-role`: after its Denies, its policies still
 * grant `*` on `*` (Allow `*` on `*` with Denies of some services still
 * counts), any RAM write action (`ram:Create*`, `ram:Attach*`, `ram:Update*`,
 * `ram:Put*`, `ram:Add*`, `ram:Set*`, `ram:*`), `ecs:RunCommand` /
 * `ecs:InvokeCommand` admitting root or system, or `sts:AssumeRole` on `*`.
 * Every grant names the policy and the statement. Pure; built on ram-policy.ts.
 */
import type { Inventory } from '../inventory/schema.js';
import {
  type AttachedPolicy,
  commandRunAsAnalysis,
  deniedOutright,
  grantsAdmin,
  matchesEveryRole,
  type PolicyStatement,
  type PolicyStatementRef,
  type PrincipalPolicies,
  principalPoliciesOf,
  statementCoversAction,
} from './ram-policy.js';

export type PrivilegeKind = 'admin' | 'ram-write' | 'run-command-as-root' | 'assume-any-role';

export interface PrivilegeGrant extends PolicyStatementRef {
  kind: PrivilegeKind;
  /** what the statement grants, in a few words (`ram:AttachPolicyToRole`, `* on *`) */
  grants: string;
}

export interface PrivilegeVerdict {
  privileged: boolean;
  grants: PrivilegeGrant[];
  /** why the answer may be incomplete (policies that could not be read); empty when complete */
  unknown: string[];
}

const RAM_WRITE_VERBS = ['create', 'attach', 'update', 'put', 'add', 'set'] as const;

/** real RAM write actions, to test wildcard and NotAction statements against */
const RAM_WRITE_SAMPLES = [
  'ram:CreateUser',
  'ram:CreateAccessKey',
  'ram:CreateLoginProfile',
  'ram:CreateRole',
  'ram:CreatePolicy',
  'ram:CreatePolicyVersion',
  'ram:AttachPolicyToUser',
  'ram:AttachPolicyToGroup',
  'ram:AttachPolicyToRole',
  'ram:UpdateRole',
  'ram:UpdateUser',
  'ram:UpdateLoginProfile',
  'ram:UpdateAccessKey',
  'ram:AddUserToGroup',
  'ram:SetDefaultPolicyVersion',
  'ram:SetSecurityPreference',
  'ram:SetPasswordPolicy',
] as const;

/**
 * the RAM write actions an Allow statement covers: the samples it matches, its
 * own write actions, and a wildcard of a write verb no sample matches
 * (`ram:Put*`: the spec names it, whatever actions RAM has today)
 */
function ramWriteActions(st: PolicyStatement): string[] {
  const out = new Set<string>();
  for (const a of RAM_WRITE_SAMPLES) if (statementCoversAction(st, a)) out.add(a);
  const sampled = out.size > 0;
  for (const pattern of st.action ?? []) {
    const text = pattern.trim();
    const m = /^ram:(.*)$/i.exec(text);
    if (!m) continue;
    const wild = m[1]!.search(/[*?]/);
    if (wild < 0) {
      if (RAM_WRITE_VERBS.some((v) => m[1]!.toLowerCase().startsWith(v))) out.add(text);
      continue;
    }
    // the literal part before the wildcard can begin a write verb's action (or holds one)
    const prefix = m[1]!.slice(0, wild).toLowerCase();
    const writes = RAM_WRITE_VERBS.some((v) => v.startsWith(prefix) || prefix.startsWith(v));
    if (writes && !sampled) out.add(text);
  }
  return [...out];
}

/** `sts:AssumeRole` on every role (`*`, `acs:ram:*:*:role/*`, the account's own roles) */
function coversEveryRole(st: PolicyStatement, ownAccount: string | undefined): boolean {
  if (st.notResource) return st.notResource.length === 0;
  if (!st.resource) return true;
  return st.resource.some((r) => matchesEveryRole(r, ownAccount));
}

/**
 * an unconditional Deny of `action` on every resource (for sts:AssumeRole: on
 * every role of every account) that reaches an Allow attached at `allow`: a
 * Deny attached at resource-group scope applies to that group's resources only,
 * so it does not take away what an account-scope Allow grants
 */
function denied(p: PrincipalPolicies, allow: AttachedPolicy, action: string): boolean {
  return action === 'sts:AssumeRole'
    ? deniedOutright(p, allow, action, (s) => coversEveryRole(s, undefined))
    : deniedOutright(p, allow, action);
}

export function privilegeOf(p: PrincipalPolicies): PrivilegeVerdict {
  const grants: PrivilegeGrant[] = [];
  const admin = grantsAdmin(p);
  if (admin.admin) {
    for (const g of admin.grants) {
      grants.push({
        kind: 'admin',
        policy: g.policy,
        policyType: g.policyType,
        via: g.via,
        statement: g.statement,
        grants: '* on *',
      });
    }
  }
  for (const a of p.attached) {
    for (const st of a.parsed.statements) {
      if (st.effect !== 'Allow') continue;
      const ref = { policy: a.name, policyType: a.type, via: a.via, statement: st.index };
      if (admin.admin && admin.grants.some((g) => g.policy === a.name && g.statement === st.index))
        continue;
      const writes = ramWriteActions(st).filter((x) => !denied(p, a, x));
      if (writes.length > 0) {
        grants.push({
          ...ref,
          kind: 'ram-write',
          grants: writes.slice(0, 5).join(', ') + (writes.length > 5 ? ', …' : ''),
        });
      }
      if (
        statementCoversAction(st, 'sts:AssumeRole') &&
        coversEveryRole(st, p.accountId) &&
        !denied(p, a, 'sts:AssumeRole')
      ) {
        grants.push({ ...ref, kind: 'assume-any-role', grants: 'sts:AssumeRole on *' });
      }
    }
  }
  const runAs = commandRunAsAnalysis(p);
  for (const g of runAs.grants) {
    // a statement already listed (`*` on `*` covers RunCommand too) is named once
    if (grants.some((x) => x.policy === g.policy && x.via === g.via && x.statement === g.statement))
      continue;
    grants.push({
      kind: 'run-command-as-root',
      policy: g.policy,
      policyType: g.policyType,
      via: g.via,
      statement: g.statement,
      grants: `${g.actions.join(', ')} as ${g.admits.join('/')}`,
    });
  }
  return { privileged: grants.length > 0, grants, unknown: [...p.unknown] };
}

/**
 * The privilege of a RAM role by name: undefined when the role is not in the
 * inventory (unknown, never "not privileged").
 */
export function rolePrivilege(
  ctx: { inventory: Inventory; memo<T>(key: string, compute: () => T): T },
  roleName: string,
): PrivilegeVerdict | undefined {
  const principals = principalPoliciesOf(ctx);
  const p =
    principals.find((x) => x.kind === 'ram-role' && x.name === roleName) ??
    principals.find(
      (x) => x.kind === 'ram-role' && x.name.toLowerCase() === roleName.toLowerCase(),
    );
  return p ? ctx.memo(`privilege:role:${p.name}`, () => privilegeOf(p)) : undefined;
}
