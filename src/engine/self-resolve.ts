/**
 * Node module hooks registered before custom rules load (`--rules-dir`):
 *
 *  - resolve: a rule file anywhere on disk may `import { defineRule } from
 *    'ecs-audit'` (or `ecs-audit/testing`) and gets this very installation,
 *    whether or not an `ecs-audit` package is reachable from its directory;
 *    inside a TypeScript rule, `./helper.js` finds `./helper.ts` (the
 *    TypeScript NodeNext convention).
 *  - load: TypeScript rule files are compiled by esbuild to ES modules. A rule
 *    file is always an ES module, whatever package.json (or none) is around it.
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

export async function initialize(data: { targets: Record<string, string> }): Promise<void> {
  targets = data.targets;
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
  if (parent && isRuleTs(parent) && /^\.\.?\//.test(specifier) && /\.(m?js)$/.test(specifier)) {
    const asTs = new URL(specifier.replace(/\.(m?)js$/, '.$1ts'), parent);
    if (!(await exists(new URL(specifier, parent))) && (await exists(asTs))) {
      return { url: asTs.href, shortCircuit: true, format: 'module' };
    }
  }
  return next(specifier, context);
}

export async function load(
  url: string,
  context: LoadContext,
  next: (url: string, context: LoadContext) => Promise<LoadResult>,
): Promise<LoadResult> {
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
