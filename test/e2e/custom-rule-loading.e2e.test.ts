/**
 * Which files of a rules directory load, and how, in the built CLI (the real
 * module hooks of self-resolve.ts, not vitest's loader): a rule that would not
 * run is never a silent pass. CommonJS rule files and a directory without a
 * rule are exit 2; a `.js` rule is an ES module whatever package.json is around
 * it; the same directory given twice loads its rules once; a helper module in
 * the rules directory is an error that says where helpers belong. The README's
 * rule-author section documents every `meta.reads` key and a way to test rules
 * that works outside the clone.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATA_KEYS } from '../../src/engine/unevaluated.js';
import { makeInstance, makeInventory } from '../../src/testing/index.js';
import { ROOT, runCli } from '../helpers/cli.js';

let base: string;
let snap: string;

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'ecs-audit-rule-loading-'));
  snap = path.join(base, 'snapshot.json');
  writeFileSync(
    snap,
    JSON.stringify(
      makeInventory({ ecs: { instances: [makeInstance({ id: 'i-web', name: 'web' })] } }),
    ),
  );
});

function tree(name: string, files: Record<string, string>): string {
  const dir = path.join(base, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

/** a rule in plain JavaScript, ES module syntax, flagging every instance */
const JS_RULE = (id: string, helper = '') => `import { defineRule, z } from 'ecs-audit';
${helper ? `import { label } from '${helper}';` : 'const label = (i) => i.id;'}
export default defineRule({
  meta: { id: '${id}', title: 'T', severity: 'low', resourceTypes: ['instance'], reads: ['ecs.instances'],
    rationale: 'r', remediation: 'x', references: [], options: z.object({}) },
  *evaluate(ctx) {
    for (const i of ctx.inventory.ecs.instances) {
      yield { resource: { type: 'instance', id: i.id, region: i.region }, message: label(i), evidence: {} };
    }
  },
});
`;

/** `npm init -y` writes "type": "commonjs" */
const NPM_INIT = JSON.stringify({ name: 'acme', version: '1.0.0', type: 'commonjs' });

async function scan(cwd: string, ...args: string[]) {
  const r = await runCli(
    ['scan', '--snapshot', snap, '--format', 'json', '--fail-on', 'none', ...args],
    { cwd },
  );
  const findings =
    r.code === 0
      ? (JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; message: string }> }).findings
      : [];
  return { ...r, mine: findings.filter((f) => f.ruleId.startsWith('acme-')) };
}

/** stderr without the closing summary line: warnings and errors only */
const noise = (stderr: string) =>
  stderr.split('\n').filter((l) => l && !l.startsWith('ecs-audit: done in'));

describe('rule files that would not run are an error', () => {
  it('a .cjs or .cts rule is exit 2 with one line naming it: rules are ES modules', async () => {
    const cjs = tree('cjs', {
      'r.cjs': `const { defineRule } = require('ecs-audit');\nmodule.exports = defineRule({});\n`,
    });
    const cts = tree('cts', { 'r.cts': JS_RULE('acme-cts') });
    for (const [dir, file, fix] of [
      [cjs, 'r.cjs', 'rename it .mjs and use export default'],
      [cts, 'r.cts', 'rename it .mts'],
    ] as const) {
      const r = await runCli(['rules', '--rules-dir', dir]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(
        `ecs-audit: ${path.join(dir, file)}: cannot load rule: a ${path.extname(file)} file is CommonJS and rules are ES modules (${fix})\n`,
      );
    }
  });

  it('a rules directory without a rule file is exit 2 (its rules would silently not run)', async () => {
    const dir = tree('no-rules', { 'README.md': '# rules\n', 'a.test.ts': '' });
    const r = await runCli(['rules', '--rules-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `ecs-audit: ${dir}: no rule file in rules directory (a rule is a .ts, .mts, .js or .mjs file; *.test.* and *.d.ts files are skipped)\n`,
    );
  });

  it('a helper module inside the rules directory: the error says to keep helpers outside it', async () => {
    const dir = tree('helpers-in', {
      'rules/named.ts': JS_RULE('acme-helper-in', './lib/util.js'),
      'rules/lib/util.ts': 'export const label = (i: { id: string }): string => "x " + i.id;\n',
    });
    const r = await runCli(['rules', '--rules-dir', path.join(dir, 'rules')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `ecs-audit: ${path.join(dir, 'rules/lib/util.ts')}: default export is not a rule (use defineRule; keep helper modules outside the rules directory)\n`,
    );
  });
});

describe('a .js rule is an ES module whatever package.json is around it', () => {
  it('in a folder made by `npm init -y` ("type": "commonjs"), with a .js helper imported by relative path', async () => {
    const dir = tree('npm-init', {
      'package.json': NPM_INIT,
      'audit-rules/named.js': JS_RULE('acme-js-commonjs-pkg', '../lib/label.js'),
      'lib/label.js': 'export const label = (i) => "labelled " + i.id;\n',
    });
    const r = await scan(dir, '--rules-dir', './audit-rules');
    expect(noise(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.mine.map((f) => `${f.ruleId} ${f.message}`)).toEqual([
      'acme-js-commonjs-pkg labelled i-web',
    ]);
  });

  it('beside a package.json without "type": no MODULE_TYPELESS_PACKAGE_JSON warning', async () => {
    const dir = tree('no-type', {
      'package.json': JSON.stringify({ name: 'x', version: '1.0.0' }),
      'audit-rules/named.js': JS_RULE('acme-js-typeless-pkg'),
    });
    const r = await scan(dir, '--rules-dir', './audit-rules');
    expect(noise(r.stderr)).toEqual([]);
    expect(r.mine.map((f) => f.ruleId)).toEqual(['acme-js-typeless-pkg']);
  });
});

describe('the same rules directory given twice', () => {
  it('config rulesDirs and --rules-dir, `a` and `./a/`: each rule loads once', async () => {
    const dir = tree('twice', {
      'a/named.mjs': JS_RULE('acme-twice'),
      'ecs-audit.yaml': 'rulesDirs: [./a]\n',
    });
    for (const args of [
      ['--config', 'ecs-audit.yaml', '--rules-dir', './a/'],
      ['--rules-dir', 'a', '--rules-dir', './a/', '--rules-dir', path.join(dir, 'a')],
    ]) {
      const r = await scan(dir, ...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.mine.map((f) => f.ruleId)).toEqual(['acme-twice']);
    }
  });
});

describe("the README's rule-author section", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('### Writing your own'),
    readme.indexOf('\n## ', readme.indexOf('### Writing your own')),
  );

  it('lists every meta.reads data key with its meaning', () => {
    // a table row (Biome pads the columns): the key, then its meaning
    for (const key of DATA_KEYS)
      expect(section, key).toMatch(new RegExp(`\\| \`${key.replace(/\./g, '\\.')}\` +\\| \\S`));
  });

  it('tests rules from a project of their own, which the package exports allow', () => {
    expect(section).toContain('npm install --save-dev');
    expect(section).toContain('npx vitest run');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      name: string;
      exports: Record<string, { default: string }>;
      scripts: Record<string, string>;
    };
    expect(pkg.name).toBe('ecs-audit');
    expect(pkg.exports['.']?.default).toBe('./dist/src/index.js');
    expect(pkg.exports['./testing']?.default).toBe('./dist/src/testing/index.js');
    expect(pkg.scripts['prepare']).toBe('npm run build');
  });
});
