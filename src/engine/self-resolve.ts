/**
 * Node module hooks registered before custom rules load (`--rules-dir`):
 *
 *  - resolve: a rule file anywhere on disk may `import { defineRule } from
 *    'ecs-audit'` (or `ecs-audit/testing`) and gets this very installation,
 *    whether or not an `ecs-audit` package is reachable from its directory;
 *    inside a TypeScript rule, `./helper.js` finds `./helper.ts` (the
 *    TypeScript NodeNext convention).
 *  - load: TypeScript rule files are compiled by esbuild to ES modules. A rule
 *    file is always an ES module, whatever package.json (or none) is around it:
 *    a `.js` rule, and a `.js` file a rule imports by relative path, is loaded
 *    as one too (left to Node, `npm init -y`'s "type": "commonjs" fails it with
 *    "Cannot use import statement outside a module", and no "type" prints a
 *    MODULE_TYPELESS_PACKAGE_JSON warning).
 *
 * Everything else resolves and loads as usual.
 */
import { access, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface LoadContext {
  format?: string | null;
  conditions: string[];
}
interface LoadResult {
  format: string;
  source?: string | ArrayBuffer | Uint8Array;
  shortCircuit?: boolean;
}

let targets: Record<string, string> = {};
/** the registry module: what it imports is a rule file */
let loader: string | undefined;
/** rule files and the files they import by relative path, transitively */
const ruleModules = new Set<string>();

export async function initialize(data: {
  targets: Record<string, string>;
  loader?: string;
}): Promise<void> {
  targets = data.targets;
  loader = data.loader;
}

const TS = /\.(ts|mts)$/;
const isRuleTs = (url: string): boolean =>
  url.startsWith('file:') && TS.test(url) && !url.includes('/node_modules/');

async function exists(url: URL): Promise<boolean> {
  try {
    await access(url);
    return true;
  } catch {
    return false;
  }
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: (specifier: string, context: ResolveContext) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  const target = targets[specifier];
  if (target) return { url: target, shortCircuit: true, format: 'module' };
  const parent = context.parentURL;
  const relative = /^\.\.?\//.test(specifier);
  const fromRule =
    parent !== undefined && (parent === loader || (relative && ruleModules.has(parent)));
  if (parent && isRuleTs(parent) && relative && /\.(m?js)$/.test(specifier)) {
    const asTs = new URL(specifier.replace(/\.(m?)js$/, '.$1ts'), parent);
    if (!(await exists(new URL(specifier, parent))) && (await exists(asTs))) {
      if (fromRule) ruleModules.add(asTs.href);
      return { url: asTs.href, shortCircuit: true, format: 'module' };
    }
  }
  const resolved = await next(specifier, context);
  if (fromRule && isOwnFile(resolved.url)) ruleModules.add(resolved.url);
  return resolved;
}

const isOwnFile = (url: string): boolean =>
  url.startsWith('file:') && !url.includes('/node_modules/');

export async function load(
  url: string,
  context: LoadContext,
  next: (url: string, context: LoadContext) => Promise<LoadResult>,
): Promise<LoadResult> {
  if (ruleModules.has(url) && new URL(url).pathname.endsWith('.js')) {
    return { format: 'module', source: await readFile(fileURLToPath(url)), shortCircuit: true };
  }
  if (!isRuleTs(url)) return next(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  const out = await transform(source, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: file,
    sourcemap: 'inline',
  });
  return { format: 'module', source: out.code, shortCircuit: true };
}
