import { defineRule, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'ram-user-console-without-mfa',
    title: 'RAM user with console access has no MFA device',
    severity: 'high',
    resourceTypes: ['ram-user'],
    reads: ['ram.users.loginProfile', 'ram.users.mfaDevice'],
    rationale:
      'A console password alone is one phishing page or one reused password away from an attacker in the console. ' +
      'An MFA device makes a stolen password useless on its own. The rule looks at the device actually bound (GetUserMFAInfo), ' +
      'not at the `MFABindRequired` flag of the login profile, which only asks the user to bind one at the next sign-in.',
    remediation:
      'RAM console > Identities > Users > the user > Authentication > MFA: bind a virtual MFA device (or have the user do it at the next sign-in by setting ' +
      '"Require MFA" on the login profile), or delete the login profile if the user does not need the console. ' +
      'CLI: `aliyun ram UpdateLoginProfile --UserName <name> --MFABindRequired true`, or `aliyun ram DeleteLoginProfile --UserName <name>`.',
    references: [
      'https://www.alibabacloud.com/help/en/ram/user-guide/bind-an-mfa-device-to-a-ram-user',
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-updateloginprofile',
    ],
    options: z.object({}),
    compliance: { cis: ['1.4'] },
  },
  *evaluate(ctx) {
    for (const user of ctx.inventory.ram.users) {
      // both facts must be known: undefined = could not be read
      if (!user.loginProfile || user.mfaDevice !== null) continue;
      const pending = user.loginProfile.mfaBindRequired === true;
      yield {
        resource: { type: 'ram-user', id: user.name, region: null },
        message: pending
          ? `RAM user ${user.name} can sign in to the console and has no MFA device bound yet (binding is required at the next sign-in).`
          : `RAM user ${user.name} can sign in to the console with a password alone: no MFA device is bound.`,
        evidence: {
          consoleAccess: true,
          mfaDevice: null,
          mfaBindRequired: user.loginProfile.mfaBindRequired ?? null,
          loginProfileCreated: user.loginProfile.createDate ?? null,
          lastLoginDate: user.lastLoginDate ?? null,
          // which source told (credential report or per-user calls) and why
          ...(user.factsSource ? { source: user.factsSource } : {}),
        },
      };
    }
  },
});
