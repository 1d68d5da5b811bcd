/**
 * The one-way data flow, as the imports show it: credentials → collectors →
 * inventory → rules → findings → reports. Built-in rules import only the
 * public rule API (`ecs-audit`), so a custom rule can do whatever a built-in
 * one does; only collectors touch the SDKs, and they never know a rule, the
 * engine or a report. Imports are read with TypeScript's own pre-processor
 * (every `import`/`export … from`, type-only ones included).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(ROOT, dir, f));
}

/** every module a file imports: package names as written, relative paths as repo paths */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.map(({ fileName }) =>
    fileName.startsWith('.') ? relative(ROOT, resolve(file, '..', fileName)) : fileName,
  );
}

/** `file → import` for each import of `dir`'s sources that `bad` rejects */
function violations(dir: string, bad: (spec: string) => boolean): string[] {
  return sources(dir).flatMap((file) =>
    importsOf(file)
      .filter(bad)
      .map((spec) => `${relative(ROOT, file)} → ${spec}`),
  );
}

const inside =
  (...dirs: string[]) =>
  (spec: string) =>
    dirs.some((d) => spec.startsWith(`${d}/`));
const sdk = (spec: string) => spec.startsWith('@alicloud/');

describe('layering', () => {
  it('finds the imports it checks (the checker itself works)', () => {
    // a rule imports the public API; the engine imports the inventory's schema
    expect(importsOf(join(ROOT, 'rules/network/sg-admin-port-open-to-internet.ts'))).toContain(
      'ecs-audit',
    );
    expect(importsOf(join(ROOT, 'src/engine/run.ts'))).toContain('src/engine/finding.js');
    expect(sources('rules').length).toBeGreaterThan(20);
  });

  it('built-in rules import only the public rule API', () => {
    expect(violations('rules', (spec) => spec !== 'ecs-audit')).toEqual([]);
  });

  it('the engine, the analysis and the reports never touch a collector or an SDK', () => {
    for (const dir of ['src/engine', 'src/analysis', 'src/report']) {
      expect(violations(dir, (s) => sdk(s) || inside('src/collectors', 'src/cli')(s))).toEqual([]);
    }
  });

  it('collectors never know a rule, the engine, the analysis or a report', () => {
    expect(
      violations('src/collectors', inside('rules', 'src/engine', 'src/analysis', 'src/report')),
    ).toEqual([]);
  });

  it('only collectors (and the credential chain) load an SDK package', () => {
    const outside = ['src/inventory', 'src/engine', 'src/analysis', 'src/report', 'src/config'];
    for (const dir of outside) expect(violations(dir, sdk)).toEqual([]);
  });
});
