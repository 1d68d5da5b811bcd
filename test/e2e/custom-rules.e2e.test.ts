/**
 * Custom rules end to end: a rule written in TypeScript in a directory of its
 * own, importing the public API by the package name, loaded with
 * --rules-dir, its findings in the JSON and SARIF reports; broken rules
 * reported with their file and reason.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld } from '../../src/emulator/world.js';
import { ReportSchema } from '../../src/report/schema.js';
import { makeInventory, makeRule, makeSecurityGroup } from '../../src/testing/index.js';
import { ROOT, runCli } from '../helpers/cli.js';

const NOW = '2026-11-01T00:00:00Z';
let emu: RunningEmulator;
let base: string;

beforeAll(async () => {
  emu = await startEmulator(await loadWorld(path.join(ROOT, 'fixtures/worlds/demo.yaml')));
  base = mkdtempSync(path.join(tmpdir(), 'ecs-audit-rules-'));
});
afterAll(async () => {
  await emu?.close();
});

function ruleDir(name: string, files: Record<string, string>): string {
  const dir = path.join(base, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
}

const UNTAGGED = `
import { defineRule, z, type Instance } from 'ecs-audit';

// a house naming convention: every instance name starts with the team prefix
const named = (i: Instance, prefix: string): boolean => i.name.startsWith(prefix);

export default defineRule({
  meta: {
    id: 'acme-instance-without-tags',
    title: 'Instance is not named after its owning team',
    severity: 'low',
    resourceTypes: ['instance'],
    rationale: 'Untagged instances have no owner to call in an incident.',
    remediation: 'Rename the instance to <team>-<service>.',
    references: ['https://www.alibabacloud.com/help/en/ecs/user-guide/tags'],
    options: z.object({ prefix: z.string().default('acme-') }),
    compliance: { acme: ['TAG-1'] },
  },
  *evaluate(ctx) {
    for (const i of ctx.inventory.ecs.instances) {
      if (!named(i, ctx.options.prefix)) {
        yield {
          resource: { type: 'instance', id: i.id, region: i.region },
          message: \`Instance \${i.id} is not named \${ctx.options.prefix}*.\`,
          evidence: { name: i.name },
        };
      }
    }
  },
});
`;

describe('--rules-dir', () => {
  it('loads a TypeScript rule that imports ecs-audit; its findings are in JSON and SARIF', async () => {
    const dir = ruleDir('acme', { 'instance-without-tags.ts': UNTAGGED });
    const sarif = path.join(base, 'out.sarif');
    const r = await runCli([
      'scan',
      '--endpoint',
      emu.url,
      '--now',
      NOW,
      '--format',
      'json',
      '--rules-dir',
      dir,
      '--report',
      `sarif=${sarif}`,
    ]);
    expect(r.stderr).not.toContain('internal error');
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    const mine = report.findings.filter((f) => f.ruleId === 'acme-instance-without-tags');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]).toMatchObject({ severity: 'low', resource: { type: 'instance' } });
    expect(report.rules?.find((x) => x.id === 'acme-instance-without-tags')?.source).toBe(
      path.join(dir, 'instance-without-tags.ts'),
    );
    const log = JSON.parse(readFileSync(sarif, 'utf8')) as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string }> } };
        results: Array<{ ruleId: string }>;
      }>;
    };
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.map((x) => x.id)).toContain('acme-instance-without-tags');
    expect(run.results.filter((x) => x.ruleId === 'acme-instance-without-tags')).toHaveLength(
      mine.length,
    );
  });

  it('lists the custom rule with its file as source, and explains it', async () => {
    const dir = ruleDir('acme2', { 'instance-without-tags.ts': UNTAGGED });
    const list = await runCli(['rules', '--format', 'json', '--rules-dir', dir]);
    expect(list.code).toBe(0);
    const rules = JSON.parse(list.stdout) as Array<{ id: string; source: string }>;
    expect(rules.find((x) => x.id === 'acme-instance-without-tags')?.source).toContain(dir);
    expect(rules.filter((x) => x.source === 'built-in').length).toBeGreaterThanOrEqual(4);
    const explain = await runCli([
      'rules',
      'explain',
      'acme-instance-without-tags',
      '--rules-dir',
      dir,
    ]);
    expect(explain.stdout).toContain('Untagged instances have no owner');
    expect(explain.stdout).toContain('prefix: "acme-"');
    // a custom rule that does not declare meta.reads is taken to read everything
    expect(explain.stdout).toContain('everything (the rule does not declare meta.reads)');
    const listed = JSON.parse(list.stdout) as Array<{ id: string; reads: string[] | null }>;
    expect(listed.find((x) => x.id === 'acme-instance-without-tags')?.reads).toBeNull();
    expect(listed.find((x) => x.id === 'disk-not-encrypted')?.reads).toEqual([
      'ecs.disks',
      'ecs.disks.encrypted',
    ]);
  });

  it('bad metadata is exit 2 with the file and the reason', async () => {
    const dir = ruleDir('bad-meta', {
      'broken.js': `export default { meta: { id: 'Not Kebab', title: 't', severity: 'high', resourceTypes: ['instance'], rationale: 'r', remediation: 'r', references: [] }, *evaluate() {} };`,
    });
    const r = await runCli(['scan', '--snapshot', 'unused.json', '--rules-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `ecs-audit: ${path.join(dir, 'broken.js')}: meta.id: must be kebab-case (a-z, 0-9, single dashes)\n`,
    );
  });

  it('a duplicate id is exit 2 naming both sources', async () => {
    const dir = ruleDir('dup', {
      'dup.js': `export default { meta: { id: 'sg-admin-port-open-to-internet', title: 't', severity: 'high', resourceTypes: ['instance'], rationale: 'r', remediation: 'r', references: [] }, *evaluate() {} };`,
    });
    const r = await runCli(['rules', '--rules-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('duplicate rule id "sg-admin-port-open-to-internet"');
    expect(r.stderr).toContain('dup.js');
  });

  it('a rule that throws does not stop the scan: its error is a coverage entry', async () => {
    const dir = ruleDir('throws', {
      'boom.ts': `import { defineRule } from 'ecs-audit';
export default defineRule({
  meta: { id: 'acme-boom', title: 'boom', severity: 'info', resourceTypes: ['account'], rationale: 'r', remediation: 'r', references: [] },
  *evaluate() { throw new TypeError('cannot read the thing'); },
});`,
    });
    // a snapshot, not a live scan: what is under test is the engine, not the collectors
    const snap = path.join(base, 'open-ssh.json');
    const sg = makeSecurityGroup({
      rules: [makeRule({ portRange: '22/22', sourceCidrIp: '0.0.0.0/0' })],
    });
    writeFileSync(snap, JSON.stringify(makeInventory({ ecs: { securityGroups: [sg] } })));
    const r = await runCli(['scan', '--snapshot', snap, '--format', 'json', '--rules-dir', dir]);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.coverage).toContainEqual(
      expect.objectContaining({ service: 'rule', resource: 'acme-boom' }),
    );
    expect(report.findings.some((f) => f.ruleId === 'sg-admin-port-open-to-internet')).toBe(true);
    expect(r.stderr).toContain('rule acme-boom failed');
    expect(r.stderr).toContain('TypeError: cannot read the thing');
    expect(r.code).toBe(1);
  });

  it('a directory that does not exist is exit 2', async () => {
    const r = await runCli(['rules', '--rules-dir', path.join(base, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope: cannot read rules directory \(ENOENT\)/);
  });
});
