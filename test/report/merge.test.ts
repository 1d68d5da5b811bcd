/**
 * Merging reports of several accounts (src/report/merge.ts), account-aware
 * fingerprints, and which members a shard scans.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  directoryRules,
  evaluateUnenteredMember,
  parseAccountIds,
  parseShard,
  selectMembers,
} from '../../src/cli/commands/org.js';
import { UsageError } from '../../src/cli/errors.js';
import { fingerprint } from '../../src/engine/finding.js';
import { loadBuiltinRules } from '../../src/engine/registry.js';
import { applySuppressions } from '../../src/engine/suppress.js';
import { applyBaseline, baselineScope } from '../../src/report/baseline.js';
import { exitCodeFor } from '../../src/report/exit.js';
import { formatHtml } from '../../src/report/html.js';
import { formatJunit } from '../../src/report/junit.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { asAccountReport, MergeError, mergeReports } from '../../src/report/merge.js';
import { formatSarif } from '../../src/report/sarif.js';
import { type Report, ReportSchema } from '../../src/report/schema.js';
import { formatTable } from '../../src/report/table.js';
import { fixtureReport } from './fixtures.js';

/** the fixture report as if scanned in `id` */
async function reportOf(id: string): Promise<Report> {
  const r = await fixtureReport();
  return asAccountReport({ ...r, account: { ...r.account, id } });
}

/** `--baseline` of a scan that ran every built-in rule at its own severity */
async function everyRule() {
  return baselineScope(await loadBuiltinRules(), {});
}

describe('fingerprints', () => {
  it('a one-account finding keeps the v1 fingerprint; the account makes another resource', () => {
    const ref = { type: 'security-group' as const, id: 'sg-1', region: 'cn-hangzhou' };
    const v1 = createHash('sha256')
      .update(['v1', 'r', 'security-group', 'cn-hangzhou', 'sg-1'].join('\u0000'))
      .digest('hex')
      .slice(0, 32);
    expect(fingerprint('r', ref)).toBe(v1);
    const a = fingerprint('r', { ...ref, account: '1000000000000002' });
    const b = fingerprint('r', { ...ref, account: '1000000000000003' });
    expect(new Set([v1, a, b]).size).toBe(3);
  });
});

describe('mergeReports', () => {
  it('is independent of the order and of how the accounts are grouped', async () => {
    const [a, b, c] = await Promise.all(
      ['1000000000000003', '1000000000000001', '1000000000000002'].map(reportOf),
    );
    const all = mergeReports([a!, b!, c!]);
    const grouped = mergeReports([mergeReports([c!]), mergeReports([b!, a!])]);
    expect(grouped).toEqual(all);
    expect(ReportSchema.parse(all)).toEqual(all);
    expect(all.accounts?.map((x) => x.id)).toEqual([
      '1000000000000001',
      '1000000000000002',
      '1000000000000003',
    ]);
    expect(all.findings).toHaveLength(3 * a!.findings.length);
    expect(all.summary.critical).toBe(3 * a!.summary.critical);
    expect(new Set(all.findings.map((f) => f.fingerprint)).size).toBe(all.findings.length);
    expect(all.coverage.every((c) => c.account !== undefined)).toBe(true);
    expect(exitCodeFor(all, 'critical')).toBe(exitCodeFor(a!, 'critical'));
  });

  it('the HTML report filters by account only when there are accounts', async () => {
    const one = await fixtureReport();
    expect(formatHtml(one)).not.toContain('data-testid="filter-account"');
    const org = mergeReports([
      await reportOf('1000000000000002'),
      await reportOf('1000000000000001'),
    ]);
    const html = formatHtml(org);
    expect(html).toContain('data-testid="filter-account"');
    expect(html).toContain('<option value="1000000000000002">');
    // SARIF locates each resource in its own member
    const sarif = formatSarif(org);
    expect(sarif).toContain('alibabacloud/1000000000000002/');
    expect(sarif).toContain('alibabacloud/1000000000000001/');
  });

  it('refuses reports pinned to different clocks; of two tool versions keeps the newest, in either order', async () => {
    const a = await reportOf('1000000000000001');
    const b = await reportOf('1000000000000002');
    const at = (r: Report, now: string | undefined): Report => {
      const { now: _now, ...scan } = r.scan;
      return { ...r, scan: now === undefined ? scan : { ...scan, now } };
    };
    expect(() =>
      mergeReports(
        [at(a, '2026-11-01T00:00:00.000Z'), at(b, '2030-01-01T00:00:00.000Z')],
        ['x.json', 'y.json'],
      ),
    ).toThrow(
      new MergeError(
        'x.json was scanned with --now 2026-11-01T00:00:00.000Z, y.json with --now 2030-01-01T00:00:00.000Z: merge reports of one clock',
      ),
    );
    expect(() => mergeReports([at(a, undefined), at(b, '2030-01-01T00:00:00.000Z')])).toThrow(
      MergeError,
    );
    const versioned = (r: Report, version: string): Report => ({
      ...r,
      tool: { ...r.tool, version },
    });
    const older = versioned(a, '0.9.0');
    const newer = versioned(b, '0.10.0');
    expect(mergeReports([older, newer]).tool.version).toBe('0.10.0');
    expect(mergeReports([newer, older]).tool.version).toBe('0.10.0');
  });

  it('refuses an account present in two reports', async () => {
    const a = await reportOf('1000000000000001');
    expect(() => mergeReports([a, a], ['x.json', 'y.json'])).toThrow(
      new MergeError('account 1000000000000001 is in both x.json and y.json'),
    );
  });

  it('a baseline finding is resolved only when no shard still has it', async () => {
    const a = await reportOf('1000000000000001');
    const b = await reportOf('1000000000000002');
    const baseline = mergeReports([a, b]);
    const gone = a.findings[0]!;
    const a2 = { ...a, findings: a.findings.slice(1) };
    // each shard compared with the whole organization's baseline
    const scope = await everyRule();
    const shards = [applyBaseline(a2, baseline, scope), applyBaseline(b, baseline, scope)];
    const merged = mergeReports(shards);
    expect(merged.resolved?.map((r) => r.fingerprint)).toEqual([gone.fingerprint]);
    expect(merged.findings.every((f) => f.baseline === 'unchanged')).toBe(true);
  });

  it("resolved findings are judged per account: a member not entered hides only its own, a shard lists only its own, and the shards' lists merge to the whole scan's", async () => {
    const [a, b, c] = await Promise.all(
      ['1000000000000001', '1000000000000002', '1000000000000003'].map(reportOf),
    );
    const baseline = mergeReports([a!, b!, c!]);
    const goneA = a!.findings[0]!;
    const goneC = c!.findings[0]!;
    const rule = goneA.ruleId;
    expect(goneC.ruleId).toBe(rule);
    // B could not be entered: every rule is unevaluated on B's whole scope
    const unentered = (r: Report): Report => {
      const account = r.accounts![0]!.id;
      return {
        ...r,
        findings: [],
        // as a member not entered: every rule on its whole scope
        unevaluated: [...new Set(r.findings.map((f) => f.ruleId))].map((ruleId) => ({
          ruleId,
          resource: null,
          reason: 'AssumeRole: NoPermission',
          coverage: 0,
          account,
        })),
        coverage: [
          {
            service: 'sts',
            region: null,
            operation: 'AssumeRole',
            error: { code: 'NoPermission', message: 'denied' },
            account,
          },
        ],
      };
    };
    const a2 = { ...a!, findings: a!.findings.slice(1) };
    const c2 = { ...c!, findings: c!.findings.slice(1) };
    const scope = await everyRule();
    const whole = applyBaseline(mergeReports([a2, unentered(b!), c2]), baseline, scope);
    const resolved = whole.resolved!.map((r) => r.fingerprint);
    // A's and C's findings that are gone are resolved; B's are unknown, not resolved
    expect(resolved).toContain(goneA.fingerprint);
    expect(resolved).toContain(goneC.fingerprint);
    expect(whole.resolved!.every((r) => r.resource.account !== b!.accounts![0]!.id)).toBe(true);
    // one shard (accounts A and B) says nothing of C, which it did not scan
    const shard1 = applyBaseline(mergeReports([a2, unentered(b!)]), baseline, scope);
    expect(shard1.resolved!.map((r) => r.fingerprint)).toEqual([goneA.fingerprint]);
    const shard2 = applyBaseline(c2, baseline, scope);
    expect(shard2.resolved!.map((r) => r.fingerprint)).toEqual([goneC.fingerprint]);
    // merged, in either order: the whole scan's list
    expect(mergeReports([shard1, shard2]).resolved).toEqual(whole.resolved);
    expect(mergeReports([shard2, shard1]).resolved).toEqual(whole.resolved);
  });

  it('suppressions may name the account', async () => {
    const a = await reportOf('1000000000000001');
    const f = a.findings[0]!;
    const rule = { rule: f.ruleId, resource: f.resource.id, reason: 'accepted' };
    const here = applySuppressions(
      a.findings,
      [{ ...rule, account: '1000000000000001' }],
      new Date(),
    );
    expect(here.findings[0]!.status).toBe('suppressed');
    const elsewhere = applySuppressions(
      a.findings,
      [{ ...rule, account: '1000000000000009' }],
      new Date(),
    );
    expect(elsewhere.findings[0]!.status).toBe('open');
  });
});

describe('mergeReports and unevaluated pairs', () => {
  /** the coverage entry a pair points at, as text */
  const target = (r: Report, u: NonNullable<Report['unevaluated']>[number]) =>
    JSON.stringify(r.coverage[u.coverage]);

  it('tags each pair of a one-account report with its account, on the entry and its resource', async () => {
    const one = await fixtureReport();
    expect(one.unevaluated?.length).toBeGreaterThan(0);
    const tagged = asAccountReport({ ...one, account: { ...one.account, id: '1000000000000007' } });
    for (const u of tagged.unevaluated ?? []) {
      expect(u.account).toBe('1000000000000007');
      if (u.resource) expect(u.resource.account).toBe('1000000000000007');
    }
    expect(tagged.unevaluated?.some((u) => u.resource === null)).toBe(true);
  });

  it('moves every coverage index with its entry, whatever the order of the reports', async () => {
    const [a, b, c] = await Promise.all(
      ['1000000000000003', '1000000000000001', '1000000000000002'].map(reportOf),
    );
    // a report whose coverage is not in canonical order: its entries swap places when merged
    const swapped: Report = {
      ...c!,
      coverage: [...c!.coverage].reverse(),
      unevaluated: c!.unevaluated!.map((u) => ({
        ...u,
        coverage: c!.coverage.length - 1 - u.coverage,
      })),
    };
    const inputs = [a!, b!, swapped];
    const merged = mergeReports(inputs);
    const expected = inputs.flatMap((r) =>
      (r.unevaluated ?? []).map((u) => [u, target(r, u)] as const),
    );
    expect(merged.unevaluated).toHaveLength(expected.length);
    expect(merged.summary.unevaluated).toBe(expected.length);
    // each pair (with its account) still points at the very entry it pointed at
    for (const [u, entry] of expected) {
      const moved = merged.unevaluated!.filter(
        (m) =>
          m.ruleId === u.ruleId &&
          m.account === u.account &&
          JSON.stringify(m.resource) === JSON.stringify(u.resource) &&
          target(merged, m) === entry,
      );
      expect(moved, `${u.account} ${u.ruleId}`).toHaveLength(1);
    }
    // a's entries were first in their report and are last in the merged one
    expect(
      merged.unevaluated!.filter((u) => u.account === a!.account.id).every((u) => u.coverage >= 4),
    ).toBe(true);
    // sorted by coverage index: the same whichever order or grouping
    expect(mergeReports([swapped, mergeReports([b!, a!])])).toEqual(merged);
    const indexes = merged.unevaluated!.map((u) => u.coverage);
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
    expect(ReportSchema.parse(merged)).toEqual(merged);
  });

  it('the table, Markdown and HTML say whose each coverage gap is', async () => {
    const ids = ['1000000000000001', '1000000000000002'];
    const org = mergeReports(await Promise.all(ids.map(reportOf)));
    expect(org.coverage.length).toBeGreaterThanOrEqual(2);
    const table = formatTable(org, { color: false });
    const markdown = formatMarkdown(org);
    const html = formatHtml(org);
    expect(markdown).toContain('| Account | Service |');
    expect(html).toContain('<th>Account</th><th>Service</th>');
    for (const id of ids) {
      const gap = org.coverage.find((g) => g.account === id)!;
      expect(table).toContain(`[account ${id}] ${gap.service}`);
      expect(markdown).toContain(`| ${id} | ${gap.service} |`);
      expect(html).toContain(`<tr data-testid="coverage-row"><td>${id}</td>`);
    }
    // a one-account report keeps its columns
    const one = await fixtureReport();
    expect(formatMarkdown(one)).not.toContain('| Account |');
    expect(formatTable(one, { color: false })).not.toContain('[account ');
  });

  it('every format says which member a pair is about', async () => {
    const ids = ['1000000000000001', '1000000000000002'];
    const org = mergeReports(await Promise.all(ids.map(reportOf)));
    const whole = org.unevaluated!.filter((u) => u.resource === null);
    expect(whole.length).toBeGreaterThanOrEqual(2);
    // SARIF: located in the member, one fingerprint per (rule, scope, account)
    const sarif = JSON.parse(formatSarif(org)) as {
      runs: Array<{
        results: Array<{
          kind: string;
          locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
          partialFingerprints: Record<string, string>;
        }>;
      }>;
    };
    const open = sarif.runs[0]!.results.filter((r) => r.kind === 'open');
    expect(open).toHaveLength(org.unevaluated!.length);
    for (const id of ids) {
      expect(
        open.filter((r) =>
          r.locations[0]!.physicalLocation.artifactLocation.uri.startsWith(`alibabacloud/${id}/`),
        ),
      ).toHaveLength(org.unevaluated!.filter((u) => u.account === id).length);
    }
    const keys = open.map((r) => JSON.stringify(r.partialFingerprints));
    expect(new Set(keys).size).toBe(keys.length);
    // JUnit: no two skipped cases of a rule share a name
    const junit = formatJunit(org);
    expect(junit).toContain(`whole scope [account ${ids[1]}]`);
    const names = [...junit.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"/g)].map(
      (m) => `${m[2]} ${m[1]}`,
    );
    expect(new Set(names).size).toBe(names.length);
    // the table: each member's whole scope on its own
    const table = formatTable(org, { color: false });
    for (const id of ids) expect(table).toContain(`whole scope in account ${id}`);
  });

  it('refuses a pair whose index is not an entry of its report', async () => {
    const a = await reportOf('1000000000000001');
    const bad = { ...a, unevaluated: [{ ...a.unevaluated![0]!, coverage: a.coverage.length }] };
    expect(() => mergeReports([bad], ['a.json'])).toThrow(
      new MergeError(
        `a.json: unevaluated[0].coverage ${a.coverage.length} is not an entry of its coverage`,
      ),
    );
  });

  it('a report written before `unevaluated` existed: none when it has no gap, unknown when it has', async () => {
    const a = await reportOf('1000000000000001');
    const old = (r: Report, coverage: Report['coverage']): Report => {
      const { unevaluated: _u, ...rest } = r;
      const { unevaluated: _n, ...summary } = r.summary;
      return { ...rest, coverage, summary };
    };
    const b = await reportOf('1000000000000002');
    const clean = mergeReports([a, old(b, [])]);
    // b adds none: a's own pairs, in the merged (canonical) order
    expect(clean.unevaluated).toEqual(mergeReports([a]).unevaluated);
    expect(clean.summary.unevaluated).toBe(a.unevaluated!.length);
    // gaps without their pairs: a partial list would read as "the rest was evaluated"
    const unknown = mergeReports([a, old(b, b.coverage)]);
    expect(unknown.unevaluated).toBeUndefined();
    expect(unknown.summary.unevaluated).toBeUndefined();
  });
});

describe('a member that cannot be entered', async () => {
  const rules = await loadBuiltinRules();
  const caller = {
    identityType: 'RAMUser',
    accountId: '1000000000000001',
    arn: 'acs:ram::1000000000000001:user/auditor',
  };
  const gap = {
    service: 'sts' as const,
    region: null,
    operation: 'AssumeRole',
    resource: 'acs:ram::1000000000000004:role/ResourceDirectoryAccountAccessRole',
    error: { code: 'EntityNotExist.Role', message: 'The role does not exist.' },
    account: '1000000000000004',
  };
  const directory = (type: string) => ({
    managementAccountId: '1000000000000001',
    accounts: [
      { id: '1000000000000001', name: 'management', type: 'CloudAccount', status: 'CreateSuccess' },
      { id: '1000000000000004', name: 'invited', type, status: 'CreateSuccess' },
    ],
  });
  const run = (organization: ReturnType<typeof directory> | undefined, settings = {}) =>
    evaluateUnenteredMember({
      member: organization?.accounts[1] ?? {
        id: '1000000000000004',
        name: '',
        type: '',
        status: '',
      },
      gap,
      rules,
      settings,
      now: new Date('2026-11-01T00:00:00Z'),
      since: new Date('2026-08-03T00:00:00Z'),
      caller,
      organization,
    });

  it('only the rules that read nothing but the directory are judged', () => {
    expect(directoryRules(rules).map((r) => r.rule.meta.id)).toEqual(['rd-member-root-enabled']);
  });

  it('an invited CloudAccount: every rule is not evaluated on its whole scope (cli.md), and the directory rule still finds its root enabled', () => {
    const { evaluation, inventory } = run(directory('CloudAccount'));
    expect(inventory.coverage).toEqual([gap]);
    expect(evaluation.findings.map((f) => `${f.ruleId}:${f.resource.id}`)).toEqual([
      'rd-member-root-enabled:1000000000000004',
    ]);
    expect(evaluation.unevaluated).toEqual(
      rules
        .map((r) => r.rule.meta.id)
        .map((ruleId) => ({
          ruleId,
          resource: null,
          reason: 'AssumeRole: EntityNotExist.Role',
          coverage: 0,
        })),
    );
    expect(evaluation.evaluated).toEqual(rules.map((r) => r.rule.meta.id));
  });

  it('a member of unknown type: still one gap and one whole-scope pair per rule (cli.md), nothing declared beside them', () => {
    const { evaluation } = run(directory(''));
    expect(evaluation.findings).toEqual([]);
    expect(evaluation.undecided).toEqual([]);
    expect(evaluation.unevaluated.map((u) => `${u.ruleId}:${u.resource === null}`)).toEqual(
      rules.map((r) => `${r.rule.meta.id}:true`),
    );
  });

  it('a ResourceAccount gives no finding; without a directory nothing is judged; disabled rules are left out', () => {
    const resource = run(directory('ResourceAccount'));
    expect(resource.evaluation.findings).toEqual([]);
    expect(resource.evaluation.unevaluated.map((u) => u.ruleId)).toEqual(
      rules.map((r) => r.rule.meta.id),
    );
    const blind = run(undefined, { 'root-mfa-disabled': { enabled: false } });
    expect(blind.evaluation.findings).toEqual([]);
    const ids = blind.evaluation.unevaluated.map((u) => u.ruleId);
    expect(ids).toContain('rd-member-root-enabled');
    expect(ids).not.toContain('root-mfa-disabled');
    expect(ids).toHaveLength(rules.length - 1);
  });
});

describe('members of a shard', () => {
  const members = ['1005', '1001', '1004', '1002', '1003'].map((id) => ({
    id: `100000000000${id}`,
    name: '',
    type: 'ResourceAccount',
    status: 'CreateSuccess',
  }));
  const ids = (list: { id: string }[]) => list.map((m) => m.id.slice(-1));

  it('takes the positions k modulo n of the sorted list, every member exactly once', () => {
    const shards = [1, 2, 3].map((k) => ids(selectMembers(members, undefined, { k, n: 3 })));
    expect(shards).toEqual([['1', '4'], ['2', '5'], ['3']]);
    expect(
      ids(selectMembers(members, ['1000000000001004', '1000000000001002'], { k: 2, n: 2 })),
    ).toEqual(['4']);
    expect(selectMembers(members, undefined, { k: 7, n: 7 })).toEqual([]);
  });

  it('parses --shard and --accounts strictly', () => {
    expect(parseShard('2/3')).toEqual({ k: 2, n: 3 });
    for (const bad of ['0/3', '4/3', '1/0', '1-3', '', 'a/b']) {
      expect(() => parseShard(bad), bad).toThrow(UsageError);
    }
    expect(parseAccountIds('1000000000000002, 1000000000000001,1000000000000002')).toEqual([
      '1000000000000002',
      '1000000000000001',
    ]);
    expect(() => parseAccountIds('100000000000000x')).toThrow(UsageError);
    expect(() => parseAccountIds(',')).toThrow(UsageError);
  });
});
