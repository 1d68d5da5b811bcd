/**
 * Rule discovery. Built-in rules are the files under `rules/` (one rule per
 * file, default export): adding a rule means adding its file, there is no list
 * to edit. Custom rule directories (`--rules-dir`) are loaded the same way.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { localeCompare } from './finding.js';
import { RuleMetaError, validateRule } from './meta.js';
import type { Rule } from './types.js';

export interface LoadedRule {
  rule: Rule;
  /** `built-in` or the file it came from */
  source: string;
}

/** rules/ next to src/ — in the source tree (tests) and in dist/ alike. */
export function builtinRulesDir(): string {
  return fileURLToPath(new URL('../../rules/', import.meta.url));
}

/**
 * A rule file (`module`), a CommonJS one (`commonjs`: .cjs, .cts cannot be
 * loaded as the ES module a rule is; skipped, its rule would never run and
 * the scan would pass without it, so it is an error), or neither (tests,
 * declarations, anything else).
 */
function ruleFileKind(name: string): 'module' | 'commonjs' | undefined {
  if (/\.(test|spec)\.[cm]?[jt]s$/.test(name) || /\.d\.[cm]?ts$/.test(name)) return undefined;
  if (/\.(ts|js|mjs|mts)$/.test(name)) return 'module';
  return /\.c[jt]s$/.test(name) ? 'commonjs' : undefined;
}

async function listRuleFiles(dir: string, seen = new Set<string>()): Promise<string[]> {
  // a symlinked directory that leads back up the tree is listed once
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries.sort((a, b) => localeCompare(a.name, b.name))) {
    const full = path.join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      // a rule shared by linking it into the directory: the entry says only "link", stat
      // says what it names; a link to nothing named as a rule must not be a silent pass
      const target = await stat(full).catch((err: NodeJS.ErrnoException) => {
        if (ruleFileKind(e.name) !== 'module') return undefined;
        throw new RuleMetaError(
          `${full}: cannot load rule: symbolic link to a missing or unreadable file (${err.code ?? 'error'})`,
        );
      });
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    const kind = isFile ? ruleFileKind(e.name) : undefined;
    if (isDir) files.push(...(await listRuleFiles(full, seen)));
    else if (kind === 'module') files.push(full);
    else if (kind === 'commonjs') {
      const fix = e.name.endsWith('.cts')
        ? 'rename it .mts'
        : 'rename it .mjs and use export default';
      throw new RuleMetaError(
        `${full}: cannot load rule: a ${path.extname(e.name)} file is CommonJS and rules are ES modules (${fix})`,
      );
    }
  }
  return files;
}

/** true when running under vitest, whose module runner loads TypeScript itself */
const underVitest = Boolean(process.env['VITEST']);

async function importModule(file: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(file).href;
  // Custom rules may be written in TypeScript: the hooks of self-resolve.ts
  // compile them with esbuild on the fly (under vitest, vite does).
  return (await import(url)) as { default?: unknown };
}

/** One line about anything a module may throw: an Error, an esbuild failure, a string, null. */
function describeThrown(err: unknown): string {
  const build = (err as { errors?: Array<{ text?: unknown; location?: { line?: unknown } }> })
    ?.errors?.[0];
  if (build && typeof build.text === 'string') {
    const line = typeof build.location?.line === 'number' ? `line ${build.location.line}: ` : '';
    return `${line}${build.text}`;
  }
  const message = err instanceof Error ? err.message : undefined;
  if (typeof message === 'string' && message.trim()) return message.trim().split('\n')[0]!;
  try {
    return `threw ${printable(err)}`.split('\n')[0]!;
  } catch {
    return 'threw a value that cannot be printed';
  }
}

/** A thrown value as text: an object without a toString of its own as JSON, not "[object Object]". */
function printable(err: unknown): string {
  if (typeof err === 'string') return JSON.stringify(err);
  if (err === null || typeof err !== 'object') return String(err);
  let text: string | undefined;
  try {
    text = String(err);
  } catch {
    // no prototype, hence no toString
  }
  if (text !== undefined && !/^\[object \w+\]$/.test(text)) return text;
  return JSON.stringify(err) ?? text ?? 'an object';
}

async function importRule(file: string, label: string): Promise<Rule> {
  let mod: { default?: unknown };
  try {
    mod = await importModule(file);
  } catch (err) {
    throw new RuleMetaError(`${label}: cannot load rule: ${describeThrown(err)}`);
  }
  // a helper module inside a rules directory is loaded as a rule too: say where it belongs
  if (mod.default === null || typeof mod.default !== 'object') {
    throw new RuleMetaError(
      `${label}: default export is not a rule (use defineRule; keep helper modules outside the rules directory)`,
    );
  }
  try {
    return validateRule(mod.default, label);
  } catch (err) {
    if (err instanceof RuleMetaError) throw err;
    // a getter or proxy in the rule object that throws while it is inspected
    throw new RuleMetaError(`${label}: invalid rule: ${describeThrown(err)}`);
  }
}

/** Every built-in rule, sorted by id. */
export async function loadBuiltinRules(): Promise<LoadedRule[]> {
  const dir = builtinRulesDir();
  const files = await listRuleFiles(dir);
  // In dist/ a rule exists as .js only; in the source tree as .ts only.
  const loaded = await Promise.all(
    files.map(async (f) => ({
      rule: await importRule(f, path.relative(path.dirname(dir), f)),
      source: 'built-in',
    })),
  );
  return sortAndCheck(loaded);
}

let selfResolveRegistered = false;

/** Let custom rules import 'ecs-audit' and 'ecs-audit/testing' from anywhere (see self-resolve.ts). */
function registerSelfResolve(): void {
  if (selfResolveRegistered || underVitest) return; // vitest resolves them through its alias
  selfResolveRegistered = true;
  const here = new URL('.', import.meta.url);
  register(new URL('./self-resolve.js', here), {
    data: {
      targets: {
        'ecs-audit': new URL('../index.js', here).href,
        'ecs-audit/testing': new URL('../testing/index.js', here).href,
      },
      // what this module imports is a rule file (importModule): the hooks load it as an ES module
      loader: import.meta.url,
    },
  });
}

/**
 * Rules from user directories; a directory that does not exist, or holds no rule file (a
 * typo'd path whose rules would silently not run), is an error. A file reached twice (the
 * same directory in the config and on the command line, `a` and `./a/`, a symlink) is
 * loaded once, as the first path that reaches it.
 */
export async function loadRulesFromDirs(dirs: readonly string[]): Promise<LoadedRule[]> {
  registerSelfResolve();
  const out: LoadedRule[] = [];
  const loaded = new Set<string>();
  for (const dir of dirs) {
    let files: string[];
    try {
      files = await listRuleFiles(path.resolve(dir));
    } catch (err) {
      if (err instanceof RuleMetaError) throw err;
      throw new RuleMetaError(
        `${dir}: cannot read rules directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    if (files.length === 0) {
      throw new RuleMetaError(
        `${dir}: no rule file in rules directory (a rule is a .ts, .mts, .js or .mjs file; *.test.* and *.d.ts files are skipped)`,
      );
    }
    for (const f of files) {
      const real = await realpath(f);
      if (loaded.has(real)) continue;
      loaded.add(real);
      out.push({ rule: await importRule(f, f), source: f });
    }
  }
  return out;
}

export function sortAndCheck(rules: LoadedRule[]): LoadedRule[] {
  const seen = new Map<string, string>();
  for (const r of rules) {
    const prev = seen.get(r.rule.meta.id);
    if (prev !== undefined) {
      throw new RuleMetaError(
        `${r.source}: duplicate rule id "${r.rule.meta.id}" (also defined by ${prev})`,
      );
    }
    seen.set(r.rule.meta.id, r.source);
  }
  return [...rules].sort((a, b) => localeCompare(a.rule.meta.id, b.rule.meta.id));
}
