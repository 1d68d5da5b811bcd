/**
 * The peer scanners' non-network test cases (shared/corpus) that map to our
 * identity, host and activity rules, translated into inventory fragments and
 * judged by OUR rules; where ours differs from the peer the case has a
 * `differs` note (peer verdict, ours, why). Peer verdicts are read from the
 * corpus (checkov-expectations.json, kics positive_expected_result.json and
 * file names, infraguard compliant/violation file names, prowler-test-expectations.json).
 *
 * Translated:
 * - checkov CKV_ALI_13-19/23 password policy → ram-password-policy-weak, compared on the setting the check judges
 *   (is it among the finding's weaknesses); missing Terraform attributes take the provider's defaults
 *   (terraform-provider-alicloud resource_alicloud_ram_account_password_policy.go: length 12, every class required,
 *   reuse prevention 0, max login attempts 5, max age 0), which is what GetPasswordPolicy then returns;
 *   an attribute given as an expression is left out (unknown).
 * - infraguard ram-password-policy-check → ram-password-policy-weak (whole verdict).
 * - checkov CKV_ALI_4/5, infraguard actiontrail-enabled / actiontrail-trail-intact-enabled, prowler
 *   actiontrail_multi_region_enabled → actiontrail-not-logging. Terraform defaults: status Enable, trail_region All,
 *   event_rw Write; status Enable means logging. ROS: TrailRegion All and EventRW Write by default; logging only with an
 *   ALIYUN::ACTIONTRAIL::TrailLogging Enable true, otherwise the trail is `Fresh` (created, never started).
 *   Prowler's input has no logging fact, so IsLogging stays unknown.
 * - infraguard ecs-instance-login-use-keypair / ecs-instance-not-bind-key-pair → instance-password-login
 *   (both images are Linux: Alibaba Cloud Linux 2, Ubuntu 22.04).
 * - infraguard ram-user-mfa-check / security-ram-user-mfa-required → ram-user-console-without-mfa
 *   (a user created by a template has no MFA device bound: mfaDevice null).
 * - prowler ram_no_root_access_key → root-access-key-exists; ram_rotate_access_key_90_days → ram-access-key-not-rotated.
 * - kics ram_policy_admin_access_not_attached_to_users_groups_roles, infraguard
 *   ram-policy-no-statements-with-admin-access-check → ram-policy-admin-access.
 *
 * Not mapped (NOT_MAPPED below, asserted to exist so this list stays true):
 * - checkov CKV_ALI_24 RAMSecurityEnforceMFA and kics ram_security_preference_not_enforce_mfa: the account-level
 *   EnforceMFAForLogin preference; no rule of ours judges it (ram-user-console-without-mfa judges each user's
 *   bound device, and these templates define no user).
 * - kics ram_policy_attached_to_user, infraguard ram-user-no-policy-check: "policy attached directly to a user";
 *   no rule of ours.
 * - infraguard ram-user-activated-ak-quantity-check: counts active keys; no rule of ours.
 * - infraguard ram-user-ak-create-date-expired-check: its compliant and violation templates are identical
 *   (a key's age is a runtime fact), so there is nothing to translate.
 * - infraguard ram-user/role/user-role-no-product-admin-access: service-wide FullAccess system policies; ours judges
 *   only `*` on `*`, and the AdministratorAccess variant needs the system policy document, which the corpus lacks.
 * - prowler sls_root_account_usage_alert_enabled: SLS alert configuration; we do not read it.
 * - prowler ram_user_mfa_enabled_console_access, ram_policy_no_administrative_privileges: logic notes, no test cases.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import notLoggingRule from '../../rules/activity/actiontrail-not-logging.js';
import passwordLoginRule from '../../rules/host/instance-password-login.js';
import notRotatedRule from '../../rules/identity/ram-access-key-not-rotated.js';
import weakPolicyRule from '../../rules/identity/ram-password-policy-weak.js';
import adminRule from '../../rules/identity/ram-policy-admin-access.js';
import consoleMfaRule from '../../rules/identity/ram-user-console-without-mfa.js';
import rootKeyRule from '../../rules/identity/root-access-key-exists.js';
import type { RuleFinding } from '../../src/engine/types.js';
import type { PasswordPolicy, Trail } from '../../src/inventory/schema.js';
import {
  DEFAULT_TEST_NOW,
  evaluateRule,
  type InventoryFragment,
} from '../../src/testing/rule-tester.js';
import { instance } from '../helpers/network.js';
import {
  CORPUS,
  corpusExists,
  corpusJson,
  isExpr,
  optBool,
  optNum,
  optStr,
  type PeerVerdict,
  type RosTemplate,
  rosFile,
  rosValue,
  str,
  type TfBlock,
  type TfValue,
  tfFile,
} from './peer-corpus.js';

interface IdCase {
  id: string;
  source: 'checkov' | 'kics' | 'infraguard' | 'prowler';
  check: string;
  file: string;
  ruleId: string;
  run: () => RuleFinding[];
  peer: PeerVerdict;
  /** our verdict on the peer's aspect, from our findings */
  aspect: (f: RuleFinding[]) => PeerVerdict;
  /** details of our verdict that are asserted too (e.g. the weak settings) */
  detail?: (f: RuleFinding[]) => unknown;
}

const flagged = (f: RuleFinding[]): PeerVerdict => (f.length > 0 ? 'FAIL' : 'PASS');

// ------------------------------------------------------------------ our verdicts and the differences

/** Our expected verdict per case: the flagged resource ids (and details where given). */
const OURS: Record<string, { flagged: string[]; detail?: unknown }> = {};
const ACCOUNT = '1234567890123456';
const MPL = 'MinimumPasswordLength';
const RU = 'RequireUppercaseCharacters';
const RL = 'RequireLowercaseCharacters';
const RN = 'RequireNumbers';
const RS = 'RequireSymbols';
const PRP = 'PasswordReusePrevention';
const weak = (...settings: string[]) => ({ flagged: [ACCOUNT], detail: settings.sort() });
const ALL_WEAK = weak(MPL, RU, RL, RN, RS);
Object.assign(OURS, {
  'checkov/PasswordPolicyLength.pass@CKV_ALI_13': weak(RU, RL, RN, RS),
  'checkov/PasswordPolicyLength.fail@CKV_ALI_13': ALL_WEAK,
  'checkov/PasswordPolicyLength.fail2@CKV_ALI_13': ALL_WEAK,
  'checkov/PasswordPolicyNumber.pass@CKV_ALI_14': weak(RU, RL, RS),
  'checkov/PasswordPolicyNumber.fail@CKV_ALI_14': ALL_WEAK,
  'checkov/PasswordPolicyNumber.fail2@CKV_ALI_14': weak(MPL, RU, RL, RS),
  'checkov/PasswordPolicySymbol.pass@CKV_ALI_15': weak(RU, RL, RN),
  'checkov/PasswordPolicySymbol.fail@CKV_ALI_15': ALL_WEAK,
  'checkov/PasswordPolicySymbol.fail2@CKV_ALI_15': weak(MPL, RU, RL, RN),
  'checkov/PasswordPolicyExpiration.pass@CKV_ALI_16': weak(RU, RL, RN),
  'checkov/PasswordPolicyExpiration.fail@CKV_ALI_16': ALL_WEAK,
  'checkov/PasswordPolicyExpiration.fail2@CKV_ALI_16': weak(MPL, RU, RL, RN),
  'checkov/PasswordPolicyLowercaseLetter.pass@CKV_ALI_17': weak(RU, RN),
  'checkov/PasswordPolicyLowercaseLetter.fail@CKV_ALI_17': ALL_WEAK,
  'checkov/PasswordPolicyLowercaseLetter.fail2@CKV_ALI_17': weak(MPL, RU, RN),
  'checkov/PasswordPolicyReuse.pass@CKV_ALI_18': weak(RU, RL, RN),
  'checkov/PasswordPolicyReuse.fail@CKV_ALI_18': ALL_WEAK,
  'checkov/PasswordPolicyReuse.fail2@CKV_ALI_18': weak(MPL, RU, RL, RN, PRP),
  'checkov/PasswordPolicyUppcaseLetter.pass@CKV_ALI_19': weak(RL, RN),
  'checkov/PasswordPolicyUppcaseLetter.fail@CKV_ALI_19': ALL_WEAK,
  'checkov/PasswordPolicyUppcaseLetter.fail2@CKV_ALI_19': weak(MPL, RL, RN),
  'checkov/PasswordPolicyMaxLogin.pass@CKV_ALI_23': ALL_WEAK,
  'checkov/PasswordPolicyMaxLogin.pass2@CKV_ALI_23': ALL_WEAK,
  'checkov/PasswordPolicyMaxLogin.fail@CKV_ALI_23': ALL_WEAK,
  'checkov/PasswordPolicyMaxLogin.unknown@CKV_ALI_23': ALL_WEAK,
  'infraguard/ram-password-policy-check.terraform.compliant': weak(MPL, PRP),
  'infraguard/ram-password-policy-check.terraform.violation': weak(MPL, RU, RL, RN, RS, PRP),
  'checkov/ActionTrailLogAllRegions.pass@CKV_ALI_4': { flagged: [] },
  'checkov/ActionTrailLogAllRegions.pass2@CKV_ALI_4': { flagged: [] },
  'checkov/ActionTrailLogAllRegions.fail@CKV_ALI_4': { flagged: [ACCOUNT] },
  'checkov/ActionTrailLogAllEvents.pass@CKV_ALI_5': { flagged: [] },
  'checkov/ActionTrailLogAllEvents.fail@CKV_ALI_5': { flagged: [] },
  'checkov/ActionTrailLogAllEvents.fail2@CKV_ALI_5': { flagged: [ACCOUNT] },
  'infraguard/actiontrail-enabled.ros.compliant': { flagged: [ACCOUNT] },
  'infraguard/actiontrail-enabled.ros.violation': { flagged: [ACCOUNT] },
  'infraguard/actiontrail-enabled.terraform.compliant': { flagged: [] },
  'infraguard/actiontrail-enabled.terraform.violation': { flagged: [ACCOUNT] },
  'infraguard/actiontrail-trail-intact-enabled.ros.compliant': { flagged: [] },
  'infraguard/actiontrail-trail-intact-enabled.ros.violation': { flagged: [] },
  'infraguard/actiontrail-trail-intact-enabled.terraform.compliant': { flagged: [] },
  'infraguard/actiontrail-trail-intact-enabled.terraform.violation': { flagged: [] },
  'prowler/actiontrail_multi_region_enabled#1': { flagged: [ACCOUNT] },
  'prowler/actiontrail_multi_region_enabled#2': { flagged: [] },
  'infraguard/ecs-instance-login-use-keypair.ros.compliant': { flagged: [] },
  'infraguard/ecs-instance-login-use-keypair.ros.violation': { flagged: ['i-ViolationInstance'] },
  'infraguard/ecs-instance-login-use-keypair.terraform.compliant': { flagged: [] },
  'infraguard/ecs-instance-login-use-keypair.terraform.violation': { flagged: ['i-web'] },
  'infraguard/ecs-instance-not-bind-key-pair.ros.compliant': { flagged: [] },
  'infraguard/ecs-instance-not-bind-key-pair.ros.violation': { flagged: ['i-ViolationInstance'] },
  'infraguard/ecs-instance-not-bind-key-pair.terraform.compliant': { flagged: [] },
  'infraguard/ecs-instance-not-bind-key-pair.terraform.violation': { flagged: ['i-web'] },
  'infraguard/ram-user-mfa-check.ros.compliant': { flagged: ['RamUser'] },
  'infraguard/ram-user-mfa-check.ros.violation': { flagged: ['RamUser'] },
  'infraguard/ram-user-mfa-check.terraform.compliant': { flagged: ['console-user'] },
  'infraguard/ram-user-mfa-check.terraform.violation': { flagged: ['console-user'] },
  'infraguard/security-ram-user-mfa-required.ros.compliant': { flagged: [] },
  'infraguard/security-ram-user-mfa-required.ros.violation': { flagged: [] },
  'prowler/ram_no_root_access_key#1': { flagged: [ACCOUNT] },
  'prowler/ram_no_root_access_key#2': { flagged: [ACCOUNT] },
  'prowler/ram_rotate_access_key_90_days#1': { flagged: ['user1'] },
  'prowler/ram_rotate_access_key_90_days#2': { flagged: [] },
  'kics/ram_policy_admin_access_not_attached_to_users_groups_roles.negative2': { flagged: [] },
  'kics/ram_policy_admin_access_not_attached_to_users_groups_roles.negative3': { flagged: [] },
  'kics/ram_policy_admin_access_not_attached_to_users_groups_roles.positive1': { flagged: [] },
  'kics/ram_policy_admin_access_not_attached_to_users_groups_roles.positive2': { flagged: [] },
  'kics/ram_policy_admin_access_not_attached_to_users_groups_roles.positive3': { flagged: [] },
  'infraguard/ram-policy-no-statements-with-admin-access-check.ros.compliant': { flagged: [] },
  'infraguard/ram-policy-no-statements-with-admin-access-check.ros.violation': { flagged: [] },
  'infraguard/ram-policy-no-statements-with-admin-access-check.terraform.compliant': {
    flagged: [],
  },
  'infraguard/ram-policy-no-statements-with-admin-access-check.terraform.violation': {
    flagged: [],
  },
});

const MISSING_DEFAULT_TRUE =
  'checkov counts the missing attribute as a failure; the provider then sets its default (true), so GetPasswordPolicy returns the class as required.';

/** Where ours differs from the peer on the peer's aspect: `<peer> <verdict>, ours <verdict>: why`. */
const DIFFERS: Record<string, string> = {
  'checkov/PasswordPolicyNumber.fail2@CKV_ALI_14': `checkov FAIL, ours PASS: ${MISSING_DEFAULT_TRUE}`,
  'checkov/PasswordPolicySymbol.fail2@CKV_ALI_15': `checkov FAIL, ours PASS: ${MISSING_DEFAULT_TRUE}`,
  'checkov/PasswordPolicyLowercaseLetter.fail2@CKV_ALI_17': `checkov FAIL, ours PASS: ${MISSING_DEFAULT_TRUE}`,
  'checkov/PasswordPolicyUppcaseLetter.fail2@CKV_ALI_19': `checkov FAIL, ours PASS: ${MISSING_DEFAULT_TRUE}`,
  'checkov/PasswordPolicyExpiration.fail@CKV_ALI_16':
    'checkov FAIL (max_password_age 120 > 90), ours PASS: ram-password-policy-weak does not judge expiry (spec: length, classes, reuse, lockout).',
  'checkov/PasswordPolicyExpiration.fail2@CKV_ALI_16':
    'checkov FAIL (max_password_age missing, i.e. 0 = never expires), ours PASS: expiry is not judged by our rule.',
  'checkov/PasswordPolicyReuse.fail@CKV_ALI_18':
    'checkov FAIL (password_reuse_prevention 5; it wants 24), ours PASS: our default needs reuse prevention >= 1 (option minReusePrevention).',
  'checkov/PasswordPolicyMaxLogin.fail@CKV_ALI_23':
    'checkov FAIL (max_login_attempts 6 > 5), ours PASS: by default any lockout is enough (option maxLoginAttempts: null); with maxLoginAttempts 5 ours agrees (asserted below).',
  'infraguard/ram-password-policy-check.terraform.compliant':
    'infraguard PASS (its Cloud Config thresholds: length 8, ...), ours FAIL: length 12 < 14 and no reuse prevention (provider default 0), per spec/CIS.',
  'checkov/ActionTrailLogAllEvents.fail@CKV_ALI_5':
    'checkov FAIL (event_rw missing; it wants All), ours PASS: the provider default is Write, and a trail recording write events counts (spec: "records write events").',
  'infraguard/actiontrail-enabled.ros.compliant':
    'infraguard PASS (a trail resource exists), ours FAIL: without ALIYUN::ACTIONTRAIL::TrailLogging the trail is created but never started (Status Fresh, IsLogging false), which does not count.',
  'infraguard/actiontrail-trail-intact-enabled.ros.violation':
    'infraguard FAIL (EventRW Write; it wants All), ours PASS: the logging trail violation-trail-rw records write events in all regions, which is what the spec asks.',
  'infraguard/actiontrail-trail-intact-enabled.terraform.violation':
    'infraguard FAIL (event_rw Write; it wants All), ours PASS: a trail recording write events in all regions counts.',
  'infraguard/ram-user-mfa-check.ros.compliant':
    'infraguard PASS (LoginProfile MFABindRequired true), ours FAIL: the flag only asks for a device at the next sign-in; no device is bound, and the spec judges the device.',
  'infraguard/ram-user-mfa-check.terraform.compliant':
    'infraguard PASS (mfa_bind_required true), ours FAIL: no MFA device is bound yet (spec: "has console access and no MFA device").',
  'infraguard/security-ram-user-mfa-required.ros.violation':
    'infraguard FAIL (MFABindRequired false), ours PASS: the user has no LoginProfile, hence no console access, so there is no console sign-in to protect.',
  'prowler/ram_no_root_access_key#2':
    'prowler PASS (the root caller lists no keys), ours FAIL: the scan itself ran as the root identity, which the spec makes a finding too (the call was signed with a root credential).',
  'kics/ram_policy_admin_access_not_attached_to_users_groups_roles.positive1':
    'kics FAIL (an Allow whose Action and Resource contain "*": oss:* on one bucket), ours PASS: the user is not granted * on * (spec: "*" on "*").',
  'kics/ram_policy_admin_access_not_attached_to_users_groups_roles.positive2':
    'kics FAIL (oss:* on one bucket, attached to a group), ours PASS: not * on *.',
  'kics/ram_policy_admin_access_not_attached_to_users_groups_roles.positive3':
    'kics FAIL (oss:* on one bucket, attached to a role), ours PASS: not * on *.',
  'infraguard/ram-policy-no-statements-with-admin-access-check.ros.violation':
    'infraguard FAIL (the policy document has Action * on Resource *), ours PASS: ours flags principals granted * on *, and the template attaches the policy to nobody.',
  'infraguard/ram-policy-no-statements-with-admin-access-check.terraform.violation':
    'infraguard FAIL (Action * on Resource *), ours PASS: the policy is attached to no user, group or role.',
};

/** Cases where our rule contradicts spec/rules.md (suspected bugs, reported to the lead). None found. */
const KNOWN_BUGS: Array<{ case: string; spec: string }> = [];

/** Corpus files of these sets that do not map to a rule of ours, and why (see the header). */
const NOT_MAPPED: Record<string, string> = {
  'checkov-alicloud/example_RAMSecurityEnforceMFA.main.tf':
    'account-level EnforceMFAForLogin; no rule of ours',
  'kics-alicloud/ram_security_preference_not_enforce_mfa.negative1.tf':
    'account-level EnforceMFAForLogin',
  'kics-alicloud/ram_security_preference_not_enforce_mfa.positive1.tf':
    'account-level EnforceMFAForLogin',
  'kics-alicloud/ram_security_preference_not_enforce_mfa.positive2.tf':
    'account-level EnforceMFAForLogin',
  'kics-alicloud/ram_security_preference_not_enforce_mfa.positive3.tf':
    'account-level EnforceMFAForLogin',
  'kics-alicloud/ram_policy_attached_to_user.positive1.tf': 'direct attachment; no rule of ours',
  'infraguard-aliyun/ram-user-no-policy-check.*': 'direct attachment; no rule of ours',
  'infraguard-aliyun/ram-user-activated-ak-quantity-check.*': 'active key count; no rule of ours',
  'infraguard-aliyun/ram-user-ak-create-date-expired-check.*':
    'compliant and violation templates are identical',
  'infraguard-aliyun/ram-user-no-product-admin-access.*': 'product admin (FullAccess)',
  'infraguard-aliyun/ram-role-no-product-admin-access.*': 'product admin (FullAccess)',
  'infraguard-aliyun/ram-user-role-no-product-admin-access.*': 'product admin (FullAccess)',
};
const PROWLER_NOT_MAPPED = ['sls_root_account_usage_alert_enabled'];

// ------------------------------------------------------------------ translation helpers

/** terraform-provider-alicloud defaults of alicloud_ram_account_password_policy */
const TF_PASSWORD_DEFAULTS = {
  minimum_password_length: 12,
  require_lowercase_characters: true,
  require_uppercase_characters: true,
  require_numbers: true,
  require_symbols: true,
  hard_expiry: false,
  max_password_age: 0,
  password_reuse_prevention: 0,
  max_login_attempts: 5,
} as const;

function tfPasswordPolicy(b: TfBlock): PasswordPolicy {
  const get = <K extends keyof typeof TF_PASSWORD_DEFAULTS>(k: K) => {
    const v = b.attrs[k];
    if (isExpr(v)) return undefined; // a variable: unknown
    return v === undefined ? TF_PASSWORD_DEFAULTS[k] : v;
  };
  return {
    minimumPasswordLength: optNum(get('minimum_password_length')),
    requireLowercaseCharacters: optBool(get('require_lowercase_characters')),
    requireUppercaseCharacters: optBool(get('require_uppercase_characters')),
    requireNumbers: optBool(get('require_numbers')),
    requireSymbols: optBool(get('require_symbols')),
    hardExpiry: optBool(get('hard_expiry')),
    maxPasswordAge: optNum(get('max_password_age')),
    passwordReusePrevention: optNum(get('password_reuse_prevention')),
    maxLoginAttempts: optNum(get('max_login_attempts')),
  };
}

function tfTrails(blocks: TfBlock[]): Trail[] {
  return blocks
    .filter((b) => b.type === 'alicloud_actiontrail_trail')
    .map((b) => {
      const status = optStr(b.attrs.status) ?? 'Enable';
      return {
        name: str(b.attrs.trail_name, `${b.name}.trail_name`),
        status,
        homeRegion: 'cn-hangzhou',
        trailRegion: optStr(b.attrs.trail_region) ?? 'All',
        eventRW: optStr(b.attrs.event_rw) ?? 'Write',
        isOrganizationTrail: false,
        slsProjectArn: '',
        ossBucketName: optStr(b.attrs.oss_bucket_name) ?? '',
        trailStatus: { isLogging: status === 'Enable', latestDeliveryError: '' },
      };
    });
}

function rosTrails(t: RosTemplate): Trail[] {
  const logging = new Map(
    t.resources
      .filter((r) => r.type === 'ALIYUN::ACTIONTRAIL::TrailLogging')
      .map((r) => [
        String(rosValue(t, r.properties.Name)),
        rosValue(t, r.properties.Enable) === true,
      ]),
  );
  return t.resources
    .filter((r) => r.type === 'ALIYUN::ACTIONTRAIL::Trail')
    .map((r) => {
      const name = String(rosValue(t, r.properties.Name));
      const on = logging.get(name) === true;
      return {
        name,
        status: on ? 'Enable' : 'Fresh',
        homeRegion: 'cn-hangzhou',
        trailRegion: String(rosValue(t, r.properties.TrailRegion) ?? 'All'),
        eventRW: String(rosValue(t, r.properties.EventRW) ?? 'Write'),
        isOrganizationTrail: false,
        slsProjectArn: '',
        ossBucketName: String(rosValue(t, r.properties.OssBucketName) ?? ''),
        trailStatus: { isLogging: on, latestDeliveryError: '' },
      };
    });
}

function osOf(imageId: string): string {
  if (/^(aliyun|ubuntu|centos|debian|rocky|anolis|almalinux|suse|opensuse|fedora)/i.test(imageId))
    return 'linux';
  if (/^win/i.test(imageId)) return 'windows';
  throw new Error(`unknown OS of image ${imageId}`);
}

/** a Terraform reference `type.name.attr` resolved to that block's literal attribute */
function resolve(v: TfValue | undefined, blocks: TfBlock[]): string | undefined {
  if (typeof v === 'string') return v;
  if (!isExpr(v)) return undefined;
  const m = /^([a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(v.expr);
  if (!m) return undefined;
  const b = blocks.find((x) => x.type === m[1] && x.name === m[2]);
  if (!b) return undefined;
  if (m[3] === 'type' && b.type === 'alicloud_ram_policy') return 'Custom';
  const attr = b.attrs[m[3]!];
  return typeof attr === 'string' ? attr : undefined;
}

// ------------------------------------------------------------------ the cases, read from the corpus

interface CheckovExpectations {
  cases: Array<{
    check_id: string;
    input: string;
    expected_passed: string[];
    expected_failed: string[];
  }>;
}
const checkov = corpusJson<CheckovExpectations>('checkov-alicloud/checkov-expectations.json');
/** the password-policy setting each check judges; null = a setting our rule does not judge */
const CHECKOV_PASSWORD: Record<string, string | null> = {
  CKV_ALI_13: MPL,
  CKV_ALI_14: RN,
  CKV_ALI_15: RS,
  CKV_ALI_16: null,
  CKV_ALI_17: RL,
  CKV_ALI_18: PRP,
  CKV_ALI_19: RU,
  CKV_ALI_23: 'MaxLoginAttemps', // the API's spelling
};

function weaknesses(f: RuleFinding[]): string[] {
  const w = (f[0]?.evidence.weaknesses as Array<{ setting: string }> | undefined) ?? [];
  return w.map((x) => x.setting).sort();
}

function checkovPeer(c: CheckovExpectations['cases'][number], blocks: TfBlock[], type: string) {
  const names = new Set(blocks.filter((b) => b.type === type).map((b) => b.name));
  return [...names].map((name) => {
    const ref = `${type}.${name}`;
    const peer: PeerVerdict = c.expected_failed.includes(ref)
      ? 'FAIL'
      : c.expected_passed.includes(ref)
        ? 'PASS'
        : 'UNKNOWN';
    return { name, peer, block: blocks.find((b) => b.type === type && b.name === name)! };
  });
}

const cases: IdCase[] = [];

// checkov password policies
for (const c of checkov.cases.filter((x) => x.check_id in CHECKOV_PASSWORD)) {
  const file = `checkov-alicloud/${c.input}`;
  const blocks = tfFile(file);
  const stem = c.input.replace(/^example_/, '').replace(/\.main\.tf$/, '');
  const setting = CHECKOV_PASSWORD[c.check_id]!;
  for (const { name, peer, block } of checkovPeer(
    c,
    blocks,
    'alicloud_ram_account_password_policy',
  )) {
    const passwordPolicy = tfPasswordPolicy(block);
    cases.push({
      id: `checkov/${stem}.${name}@${c.check_id}`,
      source: 'checkov',
      check: c.check_id,
      file,
      ruleId: weakPolicyRule.meta.id,
      run: () =>
        evaluateRule(weakPolicyRule, {
          name: 'corpus case',
          inventory: { ram: { passwordPolicy } },
        }),
      peer,
      aspect: (f) => {
        if (setting === null) return 'PASS';
        if (weaknesses(f).includes(setting)) return 'FAIL';
        const notReturned = (f[0]?.evidence.notReturned as string[] | undefined) ?? [];
        return notReturned.includes(setting) ? 'UNKNOWN' : 'PASS';
      },
      detail: weaknesses,
    });
  }
}

// checkov trails
const CHECKOV_TRAIL = new Set(['CKV_ALI_4', 'CKV_ALI_5']);
for (const c of checkov.cases.filter((x) => CHECKOV_TRAIL.has(x.check_id))) {
  const file = `checkov-alicloud/${c.input}`;
  const blocks = tfFile(file);
  const stem = c.input.replace(/^example_/, '').replace(/\.main\.tf$/, '');
  for (const { name, peer, block } of checkovPeer(c, blocks, 'alicloud_actiontrail_trail')) {
    const trails = tfTrails([block]);
    cases.push({
      id: `checkov/${stem}.${name}@${c.check_id}`,
      source: 'checkov',
      check: c.check_id,
      file,
      ruleId: notLoggingRule.meta.id,
      run: () =>
        evaluateRule(notLoggingRule, {
          name: 'corpus case',
          inventory: { actiontrail: { trails } },
        }),
      peer,
      aspect: flagged,
    });
  }
}

// infraguard
const infraguardDir = readdirSync(path.join(CORPUS, 'infraguard-aliyun'));
function infraguard(
  name: string,
  ruleId: string,
  translate: (rel: string, flavor: 'ros' | 'terraform') => () => RuleFinding[],
): void {
  for (const f of infraguardDir.filter((x) => x.startsWith(`${name}.`))) {
    const m = /^(.+)\.(ros|terraform)\.(compliant|violation)\.(yaml|main\.tf)$/.exec(f);
    if (!m) throw new Error(`infraguard file name not understood: ${f}`);
    const flavor = m[2] as 'ros' | 'terraform';
    const rel = `infraguard-aliyun/${f}`;
    cases.push({
      id: `infraguard/${name}.${flavor}.${m[3]}`,
      source: 'infraguard',
      check: name,
      file: rel,
      ruleId,
      run: translate(rel, flavor),
      peer: m[3] === 'violation' ? 'FAIL' : 'PASS',
      aspect: flagged,
      ...(ruleId === weakPolicyRule.meta.id ? { detail: weaknesses } : {}),
    });
  }
}

infraguard('ram-password-policy-check', weakPolicyRule.meta.id, (rel) => {
  const blocks = tfFile(rel).filter((b) => b.type === 'alicloud_ram_account_password_policy');
  expect(blocks).toHaveLength(1);
  const passwordPolicy = tfPasswordPolicy(blocks[0]!);
  return () =>
    evaluateRule(weakPolicyRule, { name: 'corpus case', inventory: { ram: { passwordPolicy } } });
});

for (const name of ['actiontrail-enabled', 'actiontrail-trail-intact-enabled']) {
  infraguard(name, notLoggingRule.meta.id, (rel, flavor) => {
    const trails = flavor === 'ros' ? rosTrails(rosFile(rel)) : tfTrails(tfFile(rel));
    return () =>
      evaluateRule(notLoggingRule, { name: 'corpus case', inventory: { actiontrail: { trails } } });
  });
}

for (const name of ['ecs-instance-login-use-keypair', 'ecs-instance-not-bind-key-pair']) {
  infraguard(name, passwordLoginRule.meta.id, (rel, flavor) => {
    let instances: ReturnType<typeof instance>[];
    if (flavor === 'ros') {
      const t = rosFile(rel);
      instances = t.resources
        .filter((r) => r.type === 'ALIYUN::ECS::Instance')
        .map((r) => {
          const key = rosValue(t, r.properties.KeyPairName);
          return instance(`i-${r.logicalId}`, {
            name: String(rosValue(t, r.properties.InstanceName) ?? ''),
            osType: osOf(String(rosValue(t, r.properties.ImageId))),
            keyPairName: typeof key === 'string' ? key : null,
          });
        });
    } else {
      instances = tfFile(rel)
        .filter((b) => b.type === 'alicloud_instance')
        .map((b) =>
          instance(`i-${b.name}`, {
            osType: osOf(str(b.attrs.image_id, `${b.name}.image_id`)),
            keyPairName: optStr(b.attrs.key_name) ?? null,
            securityGroupIds: (b.attrs.security_groups as string[] | undefined) ?? [],
          }),
        );
    }
    expect(instances).toHaveLength(1);
    return () =>
      evaluateRule(passwordLoginRule, {
        name: 'corpus case',
        inventory: {
          ecs: { securityGroups: [], instances, keyPairs: [], disks: [], invocations: [] },
        },
      });
  });
}

type UserInput = NonNullable<NonNullable<InventoryFragment['ram']>['users']>[number];
for (const name of ['ram-user-mfa-check', 'security-ram-user-mfa-required']) {
  infraguard(name, consoleMfaRule.meta.id, (rel, flavor) => {
    let users: UserInput[];
    if (flavor === 'ros') {
      const t = rosFile(rel);
      users = t.resources
        .filter((r) => r.type === 'ALIYUN::RAM::User')
        .map((r) => {
          const lp = r.properties.LoginProfile as Record<string, unknown> | undefined;
          const userName = rosValue(t, r.properties.UserName);
          return {
            name: typeof userName === 'string' ? userName : r.logicalId,
            loginProfile: lp ? { mfaBindRequired: lp.MFABindRequired === true } : null,
            mfaDevice: null,
          };
        });
    } else {
      const blocks = tfFile(rel);
      users = blocks
        .filter((b) => b.type === 'alicloud_ram_user')
        .map((b) => {
          const userName = str(b.attrs.name, `${b.name}.name`);
          const lp = blocks.find(
            (x) =>
              x.type === 'alicloud_ram_login_profile' &&
              resolve(x.attrs.user_name, blocks) === userName,
          );
          return {
            name: userName,
            loginProfile: lp
              ? { mfaBindRequired: optBool(lp.attrs.mfa_bind_required) ?? false }
              : null,
            mfaDevice: null,
          };
        });
    }
    expect(users).toHaveLength(1);
    return () =>
      evaluateRule(consoleMfaRule, {
        name: 'corpus case',
        inventory: { ram: { users, groups: [], roles: [], policies: [] } },
      });
  });
}

infraguard('ram-policy-no-statements-with-admin-access-check', adminRule.meta.id, (rel, flavor) => {
  let policies: Array<{ name: string; type: string; document: unknown }>;
  if (flavor === 'ros') {
    const t = rosFile(rel);
    policies = t.resources
      .filter((r) => r.type === 'ALIYUN::RAM::ManagedPolicy')
      .map((r) => ({
        name: String(rosValue(t, r.properties.PolicyName)),
        type: 'Custom',
        document: r.properties.PolicyDocument,
      }));
  } else {
    policies = tfFile(rel)
      .filter((b) => b.type === 'alicloud_ram_policy')
      .map((b) => ({
        name: str(b.attrs.policy_name, `${b.name}.policy_name`),
        type: 'Custom',
        document: JSON.parse(str(b.attrs.policy_document, `${b.name}.policy_document`)) as unknown,
      }));
  }
  expect(policies).toHaveLength(1);
  expect(policies[0]!.document).toMatchObject({ Statement: [{ Effect: 'Allow' }] });
  // the template attaches the policy to nobody
  return () =>
    evaluateRule(adminRule, {
      name: 'corpus case',
      inventory: { ram: { users: [], groups: [], roles: [], policies } },
    });
});

// kics RAM admin policy
const KICS_ADMIN = 'ram_policy_admin_access_not_attached_to_users_groups_roles';
const kicsExpected = corpusJson<Array<{ filename?: string; fileName?: string }>>(
  `kics-alicloud/${KICS_ADMIN}.positive_expected_result.json`,
).map((e) => e.filename ?? e.fileName ?? '');
for (const f of readdirSync(path.join(CORPUS, 'kics-alicloud')).filter(
  (x) => x.startsWith(`${KICS_ADMIN}.`) && x.endsWith('.tf'),
)) {
  const variant = f.slice(KICS_ADMIN.length + 1, -'.tf'.length);
  const rel = `kics-alicloud/${f}`;
  const blocks = tfFile(rel);
  const policies = blocks
    .filter((b) => b.type === 'alicloud_ram_policy')
    .map((b) => ({
      name: str(b.attrs.name, `${b.name}.name`),
      type: 'Custom',
      document: JSON.parse(str(b.attrs.document, `${b.name}.document`)) as unknown,
    }));
  const attached = (kind: 'user' | 'group' | 'role') =>
    blocks
      .filter((b) => b.type === `alicloud_ram_${kind}`)
      .map((b) => {
        const principal = str(b.attrs.name, `${b.name}.name`);
        const refs = blocks
          .filter(
            (x) =>
              x.type === `alicloud_ram_${kind}_policy_attachment` &&
              resolve(x.attrs[`${kind}_name`], blocks) === principal,
          )
          .map((x) => ({
            name: resolve(x.attrs.policy_name, blocks) ?? '',
            type: resolve(x.attrs.policy_type, blocks) ?? '',
          }));
        return { name: principal, policies: refs };
      });
  const ram = {
    users: attached('user'),
    groups: attached('group'),
    roles: attached('role'),
    policies,
  };
  expect(policies).toHaveLength(1);
  expect(
    [...ram.users, ...ram.groups, ...ram.roles].flatMap((p) => p.policies),
    `${f}: one attachment`,
  ).toEqual([{ name: 'policyName', type: 'Custom' }]);
  let peer: PeerVerdict;
  if (variant.startsWith('negative')) peer = 'PASS';
  else if (kicsExpected.includes(`${variant}.tf`)) peer = 'FAIL';
  else throw new Error(`kics ${f}: positive file not in the expected results`);
  cases.push({
    id: `kics/${KICS_ADMIN}.${variant}`,
    source: 'kics',
    check: KICS_ADMIN,
    file: rel,
    ruleId: adminRule.meta.id,
    run: () => evaluateRule(adminRule, { name: 'corpus case', inventory: { ram } }),
    peer,
    aspect: flagged,
  });
}

// prowler
interface ProwlerCase {
  check: string;
  input: Record<string, unknown>;
  expected: 'PASS' | 'FAIL';
}
const prowler = corpusJson<{ cases: ProwlerCase[] }>(
  'prowler-alibabacloud/prowler-test-expectations.json',
).cases;
const PROWLER_FILE = 'prowler-alibabacloud/prowler-test-expectations.json';
const prowlerSeen: Record<string, number> = {};
for (const c of prowler) {
  const n = (prowlerSeen[c.check] ?? 0) + 1;
  prowlerSeen[c.check] = n;
  const id = `prowler/${c.check}#${n}`;
  const base = {
    id,
    source: 'prowler' as const,
    check: c.check,
    file: PROWLER_FILE,
    peer: c.expected,
    aspect: flagged,
  };
  if (c.check === 'actiontrail_multi_region_enabled') {
    const input = c.input as {
      trails: Array<{
        name: string;
        home_region: string;
        trail_region: string;
        status: string;
        oss_bucket_name: string;
        event_rw: string;
      }>;
    };
    const trails = input.trails.map((t) => ({
      name: t.name,
      status: t.status,
      homeRegion: t.home_region,
      trailRegion: t.trail_region,
      eventRW: t.event_rw,
      ossBucketName: t.oss_bucket_name,
      // prowler's input says nothing about IsLogging: unknown
    }));
    cases.push({
      ...base,
      ruleId: notLoggingRule.meta.id,
      run: () =>
        evaluateRule(notLoggingRule, {
          name: 'corpus case',
          inventory: { actiontrail: { trails } },
        }),
    });
  } else if (c.check === 'ram_no_root_access_key') {
    const input = c.input as { caller_is_root: boolean; root_access_keys: string[] };
    cases.push({
      ...base,
      ruleId: rootKeyRule.meta.id,
      run: () =>
        evaluateRule(rootKeyRule, {
          name: 'corpus case',
          inventory: {
            account: {
              id: ACCOUNT,
              caller: {
                identityType: input.caller_is_root ? 'Account' : 'RAMUser',
                accountId: ACCOUNT,
                arn: input.caller_is_root
                  ? `acs:ram::${ACCOUNT}:root`
                  : `acs:ram::${ACCOUNT}:user/auditor`,
              },
            },
            // prowler does not look at the status: the keys are listed as Active
            root: {
              ownAccessKeys: input.root_access_keys.map((k) => ({ id: k, status: 'Active' })),
            },
          },
        }),
    });
  } else if (c.check === 'ram_rotate_access_key_90_days') {
    const input = c.input as {
      user: string;
      access_keys: Array<{ access_key_id: string; status: string; age_days: number }>;
    };
    const now = Date.parse(DEFAULT_TEST_NOW);
    const users = [
      {
        name: input.user,
        accessKeys: input.access_keys.map((k) => ({
          id: k.access_key_id,
          status: k.status,
          createDate: new Date(now - k.age_days * 86_400_000).toISOString(),
        })),
      },
    ];
    cases.push({
      ...base,
      ruleId: notRotatedRule.meta.id,
      run: () =>
        evaluateRule(notRotatedRule, {
          name: 'corpus case',
          inventory: { ram: { users, groups: [], roles: [], policies: [] } },
        }),
    });
  } else if (!c.check.startsWith('ecs_securitygroup_') && !PROWLER_NOT_MAPPED.includes(c.check)) {
    throw new Error(`prowler check ${c.check} is neither translated nor listed as not mapped`);
  }
}

// ------------------------------------------------------------------ tests

const count = (source: IdCase['source'], prefix = '') =>
  cases.filter((c) => c.source === source && c.id.startsWith(`${source}/${prefix}`)).length;

describe('peer identity/activity cases: extraction', () => {
  it('reads every mapped case of every source (a parse failure changes a count)', () => {
    expect(count('checkov', 'PasswordPolicy')).toBe(25);
    expect(count('checkov', 'ActionTrail')).toBe(6);
    expect(count('infraguard')).toBe(28);
    expect(count('kics')).toBe(5);
    expect(count('prowler')).toBe(6);
    expect(cases).toHaveLength(70);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    expect(cases.map((c) => c.id).sort()).toEqual(Object.keys(OURS).sort());
  });

  it('checkov: the password-policy variable is UNKNOWN to checkov and left unknown by us', () => {
    const c = cases.find((x) => x.id === 'checkov/PasswordPolicyMaxLogin.unknown@CKV_ALI_23')!;
    expect(c.peer).toBe('UNKNOWN');
    expect(c.run()[0]?.evidence.notReturned).toEqual(['MaxLoginAttemps']);
  });

  it('the corpus files listed as not mapped exist, and every file of these sets is accounted for', () => {
    const dirs = ['checkov-alicloud', 'kics-alicloud', 'infraguard-aliyun'];
    const used = new Set(cases.map((c) => c.file));
    const notMapped = Object.keys(NOT_MAPPED).map(
      (k) => new RegExp(`^${k.replace(/[.]/g, '\\.').replace(/\\\.\*$/, '\\..*')}$`),
    );
    // handled by peer-network.test.ts, or not a case
    const network =
      /\/(example_AbsSecurityGroupUnrestrictedIngress|public_security_group_rule_|sg-|ecs-security-group-|ecs-instance-no-public-and-anyip)/;
    const meta = /(SOURCES\.md|\.json)$/;
    for (const k of Object.keys(NOT_MAPPED)) {
      const re = notMapped[Object.keys(NOT_MAPPED).indexOf(k)]!;
      const hits = dirs
        .flatMap((d) => readdirSync(path.join(CORPUS, d)).map((f) => `${d}/${f}`))
        .filter((f) => re.test(f));
      expect(hits.length, k).toBeGreaterThan(0);
    }
    for (const d of dirs) {
      for (const f of readdirSync(path.join(CORPUS, d))) {
        const rel = `${d}/${f}`;
        const accounted =
          used.has(rel) ||
          meta.test(rel) ||
          network.test(rel) ||
          notMapped.some((re) => re.test(rel));
        expect(accounted, `${rel} is neither translated nor listed as not mapped`).toBe(true);
      }
    }
    for (const check of PROWLER_NOT_MAPPED)
      expect(
        prowler.some((c) => c.check === check),
        check,
      ).toBe(true);
    expect(corpusExists('checkov-alicloud/example_RAMSecurityEnforceMFA.main.tf')).toBe(true);
  });
});

describe('peer identity/activity cases: our verdicts', () => {
  for (const c of cases) {
    it(`${c.id} → ${c.ruleId}`, () => {
      const f = c.run();
      const want = OURS[c.id]!;
      expect(f.map((x) => x.resource.id).sort()).toEqual([...want.flagged].sort());
      if (want.detail !== undefined) expect(c.detail?.(f)).toEqual(want.detail);
    });
  }
});

describe('peer identity/activity cases: compared with the peer', () => {
  for (const c of cases) {
    it(`${c.id}: peer ${c.peer}${DIFFERS[c.id] ? ' (differs)' : ''}`, () => {
      const o = c.aspect(c.run());
      const note = DIFFERS[c.id];
      if (note !== undefined) {
        expect(o, note).not.toBe(c.peer);
        expect(note).toMatch(new RegExp(`^\\w+ ${c.peer}\\b.*ours ${o}`));
      } else if (KNOWN_BUGS.some((b) => b.case === c.id)) {
        // a known bug: still the wrong verdict, until it is fixed and leaves KNOWN_BUGS
        expect(o, `${c.id}: fixed? remove it from KNOWN_BUGS`).not.toBe(c.peer);
      } else {
        expect(o, `${c.id}: peer ${c.peer}, no DIFFERS note`).toBe(c.peer);
      }
    });
  }

  it('the differing cases are exactly the noted ones: 22 (checkov 9, infraguard 9, kics 3, prowler 1)', () => {
    const differing = cases.filter((c) => c.aspect(c.run()) !== c.peer).map((c) => c.id);
    // a difference is either explained (DIFFERS) or a known bug that still gives its wrong
    // verdict (KNOWN_BUGS); a fixed bug fails here until it leaves KNOWN_BUGS
    const bugs = KNOWN_BUGS.map((b) => b.case);
    expect(bugs.filter((id) => DIFFERS[id] !== undefined)).toEqual([]);
    for (const b of KNOWN_BUGS) expect(b.spec, b.case).not.toBe('');
    expect(differing.sort()).toEqual([...Object.keys(DIFFERS), ...bugs].sort());
    const by = (s: IdCase['source']) =>
      cases.filter((c) => c.source === s && DIFFERS[c.id] !== undefined).length;
    expect({
      checkov: by('checkov'),
      infraguard: by('infraguard'),
      kics: by('kics'),
      prowler: by('prowler'),
    }).toEqual({ checkov: 9, infraguard: 9, kics: 3, prowler: 1 });
  });

  it('CKV_ALI_23: with the option maxLoginAttempts 5 our verdict matches checkov on max_login_attempts 6', () => {
    const block = tfFile('checkov-alicloud/example_PasswordPolicyMaxLogin.main.tf').find(
      (b) => b.name === 'fail',
    )!;
    const f = evaluateRule(weakPolicyRule, {
      name: 'corpus case',
      inventory: { ram: { passwordPolicy: tfPasswordPolicy(block) } },
      options: { maxLoginAttempts: 5 },
    });
    expect(weaknesses(f)).toContain('MaxLoginAttemps');
  });
});
