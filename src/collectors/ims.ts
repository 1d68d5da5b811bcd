/**
 * IMS: the root identity's posture — the account security practice report,
 * the account MFA flag, and the `<root>` row of the credential report
 * (GenerateCredentialReport → poll until COMPLETED → GetCredentialReport pages).
 */
import type { Root } from '../inventory/schema.js';
import { attempt, type CollectContext, call, fail, nonEmpty, pageSize } from './context.js';
import { MalformedResponseError } from './errors.js';
import type { PageMeta } from './paging.js';
import { pageByCursor } from './paging.js';
import { sdks } from './sdk.js';

const meta = (operation: string): PageMeta => ({ service: 'ims', region: null, operation });

/** One RAM user's row of the credential report (null = the cell said N/A or was unreadable). */
export interface ReportUserRow {
  /** `user_last_logon`; null = never */
  lastLogon: string | null;
  /** `password_exist`: the user has a login profile (console password) */
  passwordExist: boolean | null;
  /** `mfa_active`: an MFA device is bound */
  mfaActive: boolean | null;
  /** a password column says `LOGIN_DISABLED`: console sign-in is turned off for the user */
  loginDisabled: boolean;
  /** the AccessKey slots whose `*_exist` is TRUE, in column order */
  accessKeys: ReportKey[];
  /** every `*_exist` cell read TRUE or FALSE (else the slots may miss a key) */
  keysKnown: boolean;
}

/** The RAM users' rows of the credential report, with the time it was generated. */
export interface UserReport {
  /** `GeneratedTime`: the rows describe the account at this time */
  generatedTime?: string;
  /** keyed by RAM user name (the row's principal name without `@<domain>`) */
  users: Map<string, ReportUserRow>;
}

export interface RootResult {
  root: Root;
  /**
   * the RAM users' rows of the credential report (last logon, console
   * password, MFA, AccessKey slots); absent when the report could not be read
   */
  userReport?: UserReport;
  /**
   * the `<root>` row's `user_last_logon` for ActionTrail: a time, null = `-`
   * (never signed in), absent = unknown (no report, `N/A`, `no_information`,
   * `LOGIN_DISABLED`, empty), where `root.credentialReport.lastLogon` says null
   */
  rootLastLogon?: string | null;
}

export async function collectRoot(ctx: CollectContext): Promise<RootResult> {
  const [report, mfa, credentialReport] = await Promise.all([
    securityPracticeReport(ctx),
    accountMfa(ctx),
    credentialReportOf(ctx),
  ]);
  return {
    root: {
      ...(report ? { securityPracticeReport: report } : {}),
      ...(mfa !== undefined ? { accountMfaEnabled: mfa } : {}),
      ...(credentialReport ? { credentialReport: credentialReport.root } : {}),
    },
    ...(credentialReport ? { userReport: credentialReport.users } : {}),
    ...(credentialReport?.rootLastLogon !== undefined
      ? { rootLastLogon: credentialReport.rootLastLogon }
      : {}),
  };
}

async function securityPracticeReport(
  ctx: CollectContext,
): Promise<Root['securityPracticeReport']> {
  const m = meta('GetAccountSecurityPracticeReport');
  const res = await attempt(ctx, m, () =>
    call(ctx, m, () => ctx.clients.ims.getAccountSecurityPracticeReport()),
  );
  const info = res?.body?.accountSecurityPracticeInfo?.accountSecurityPracticeUserInfo;
  if (!res) return undefined;
  if (!info || typeof info.rootWithAccessKey !== 'number' || typeof info.bindMfa !== 'boolean') {
    fail(ctx, m, {
      code: 'MalformedResponse',
      message: 'the report lacks RootWithAccessKey or BindMfa',
    });
    return undefined;
  }
  return { rootWithAccessKey: info.rootWithAccessKey, bindMfa: info.bindMfa };
}

async function accountMfa(ctx: CollectContext): Promise<boolean | undefined> {
  const m = meta('GetAccountMFAInfo');
  const res = await attempt(ctx, m, () => call(ctx, m, () => ctx.clients.ims.getAccountMFAInfo()));
  if (!res) return undefined;
  const v = res.body?.isMFAEnable;
  if (typeof v !== 'boolean') {
    fail(ctx, m, { code: 'MalformedResponse', message: 'the answer lacks IsMFAEnable' });
    return undefined;
  }
  return v;
}

/** the wait before the first poll of the credential report's state; each next wait doubles */
const FIRST_POLL_DELAY_MS = 250;

/** the wait before poll `poll` (1, 2, ...) of the credential report: 250 ms, doubling, at most `maxMs` */
export function credentialReportWait(poll: number, maxMs: number): number {
  return Math.min(maxMs, FIRST_POLL_DELAY_MS * 2 ** (poll - 1));
}

async function credentialReportOf(ctx: CollectContext): Promise<
  | {
      root: NonNullable<Root['credentialReport']>;
      users: UserReport;
      rootLastLogon?: string | null;
    }
  | undefined
> {
  const gm = meta('GenerateCredentialReport');
  let completed = false;
  for (let poll = 0; poll < Math.max(1, ctx.credentialReportPolls); poll++) {
    // the first poll soon (a small account's report is ready at once, and every per-user read
    // waits for it), then doubling up to the configured delay
    if (poll > 0) {
      await ctx.sleep(credentialReportWait(poll, ctx.credentialReportPollDelayMs));
    }
    const res = await attempt(ctx, gm, () =>
      call(ctx, gm, () => ctx.clients.ims.generateCredentialReport()),
    );
    if (!res) return undefined;
    const state = nonEmpty(res.body?.state);
    if (state === undefined) {
      fail(ctx, gm, new MalformedResponseError('the answer has no State'));
      return undefined;
    }
    if (state.toUpperCase() === 'COMPLETED') {
      completed = true;
      break;
    }
  }
  if (!completed) {
    fail(ctx, gm, {
      code: 'CredentialReportNotReady',
      message: `the credential report was not COMPLETED after ${ctx.credentialReportPolls} polls`,
    });
    return undefined;
  }
  const m = meta('GetCredentialReport');
  let generatedTime: string | undefined;
  const pages = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (token) => {
      const res = await call(ctx, m, () =>
        ctx.clients.ims.getCredentialReport(
          new (sdks().ims.GetCredentialReportRequest)({
            maxItems: String(pageSize(ctx, 3501)),
            nextToken: token,
          }),
        ),
      );
      generatedTime ??= nonEmpty(res.body?.generatedTime);
      const content = res.body?.content;
      if (typeof content !== 'string')
        throw new MalformedResponseError('the answer has no Content');
      return {
        items: [content],
        next: nonEmpty(res.body?.nextToken),
        more: String(res.body?.isTruncated).toLowerCase() === 'true',
      };
    }),
  );
  if (!pages) return undefined;
  let header: string[] | undefined;
  let rootRow: Record<string, string> | undefined;
  const users = new Map<string, ReportUserRow>();
  for (const content of pages) {
    const rows = parseCsv(Buffer.from(content, 'base64').toString('utf8'));
    for (const row of rows) {
      if (row[0] === 'user') {
        header = row;
        continue;
      }
      if (header && row[0] === '<root>') {
        rootRow = Object.fromEntries(header.map((h, i) => [h, row[i] ?? '']));
      } else if (header && row[0]) {
        // users are named by their principal name, `<UserName>@<domain>`; a RAM user name has no '@'
        const at = row[0].lastIndexOf('@');
        const name = at > 0 ? row[0].slice(0, at) : row[0];
        const cells: Record<string, string> = Object.fromEntries(
          header.map((h, i) => [h, row[i] ?? '']),
        );
        users.set(name, {
          lastLogon: reportTime(cells['user_last_logon']),
          passwordExist: reportBool(cells['password_exist']),
          mfaActive: reportBool(cells['mfa_active']),
          loginDisabled: loginDisabledIn(cells),
          accessKeys: reportKeys(cells),
          keysKnown: Object.keys(cells).some((c) => KEY_EXIST.test(c))
            ? Object.keys(cells)
                .filter((c) => KEY_EXIST.test(c))
                .every((c) => reportBool(cells[c]) !== null)
            : false,
        });
      }
    }
  }
  if (!rootRow) {
    fail(ctx, m, { code: 'MalformedResponse', message: 'the credential report has no <root> row' });
    return undefined;
  }
  return {
    root: {
      ...(generatedTime ? { generatedTime } : {}),
      mfaActive: reportBool(rootRow['mfa_active']),
      lastLogon: reportTime(rootRow['user_last_logon']),
      consoleLogin: consoleLogin(rootRow),
      accessKeys: reportKeys(rootRow),
    },
    users: { ...(generatedTime ? { generatedTime } : {}), users },
    ...rootLogon(rootRow['user_last_logon']),
  };
}

/** `user_last_logon` of the `<root>` row: `-` is never (null), a time is kept, anything else unknown */
function rootLogon(cell: string | undefined): { rootLastLogon?: string | null } {
  const s = (cell ?? '').trim();
  if (s === '-') return { rootLastLogon: null };
  const t = reportTime(s);
  return t === null ? {} : { rootLastLogon: t };
}

export type ReportKey = NonNullable<Root['credentialReport']>['accessKeys'][number];

const KEY_EXIST = /^(?:(additional)_)?access_key_(\d+)_exist$/;

function reportKeys(row: Record<string, string>): ReportKey[] {
  const keys: ReportKey[] = [];
  for (const column of Object.keys(row)) {
    const m = KEY_EXIST.exec(column);
    if (!m) continue;
    if (reportBool(row[column]) !== true) continue;
    const prefix = column.slice(0, -'exist'.length);
    keys.push({
      slot: m[1] ? `additional_${m[2]}` : (m[2] as string),
      active: reportBool(row[`${prefix}active`]) === true,
      lastRotated: reportTime(row[`${prefix}last_rotated`]),
      lastUsed: reportTime(row[`${prefix}last_used`]),
    });
  }
  return keys;
}

function reportBool(v: string | undefined): boolean | null {
  const s = (v ?? '').trim().toUpperCase();
  if (s === 'TRUE') return true;
  if (s === 'FALSE') return false;
  return null;
}

const LOGIN_DISABLED = /^LOGIN_DISABLED$/i;

/** a password column (or the last logon) of the row says `LOGIN_DISABLED` */
function loginDisabledIn(row: Record<string, string>): boolean {
  return ['password_exist', 'password_active', 'user_last_logon'].some((c) =>
    LOGIN_DISABLED.test((row[c] ?? '').trim()),
  );
}

/**
 * Can this identity sign in to the console? false when a password column (or
 * the last logon) says `LOGIN_DISABLED` (console sign-in turned off) or no
 * password exists; true when a password exists and is not inactive (the
 * root's password_active is `N/A`); null when the report does not say.
 */
export function consoleLogin(row: Record<string, string>): boolean | null {
  if (loginDisabledIn(row)) return false;
  const exists = reportBool(row['password_exist']);
  if (exists === false) return false;
  if (exists === null) return null;
  return reportBool(row['password_active']) !== false;
}

/** `-`, `N/A`, `no_information`, `LOGIN_DISABLED` (not a time), empty → null */
export function reportTime(v: string | undefined): string | null {
  const s = (v ?? '').trim();
  if (s === '' || s === '-' || /^(N\/A|no_information|not_supported|LOGIN_DISABLED)$/i.test(s))
    return null;
  return s;
}

/** a small RFC 4180 parser: quoted fields, doubled quotes, CRLF or LF */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.length > 1 || row[0] !== '') rows.push(row);
  return rows;
}
