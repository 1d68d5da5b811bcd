/**
 * End-to-end tests run the built CLI (bin/ecs-audit.js → dist/): they must
 * never pass against a stale build. Before any test runs, every source file
 * of src/ and rules/ is compared with its dist/ output; when one is newer (or
 * has no output), the project is built once (`tsc -p tsconfig.build.json`,
 * what `npm run build` does). `npm test` builds first, so there it finds
 * nothing to do. A dist/ file whose source is gone (a deleted rule would still
 * be loaded from dist/rules) fails the run with its name.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['src', 'rules'];

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

const isSource = (f: string) =>
  f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts');
const outputOf = (src: string) =>
  path.join(ROOT, 'dist', path.relative(ROOT, src)).replace(/\.ts$/, '.js');

/** source files newer than their dist/ output, or without one (relative paths) */
export function staleSources(): string[] {
  const stale: string[] = [];
  for (const dir of SOURCES) {
    for (const src of walk(path.join(ROOT, dir)).filter(isSource)) {
      const out = outputOf(src);
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
        stale.push(path.relative(ROOT, src));
      }
    }
  }
  return stale;
}

/** dist/ outputs of src/ and rules/ whose source no longer exists (relative paths) */
export function orphanOutputs(): string[] {
  const orphans: string[] = [];
  for (const dir of SOURCES) {
    for (const out of walk(path.join(ROOT, 'dist', dir)).filter((f) => f.endsWith('.js'))) {
      const rel = path.relative(path.join(ROOT, 'dist'), out);
      if (rel.endsWith('.test.js')) continue;
      if (!existsSync(path.join(ROOT, rel.replace(/\.js$/, '.ts')))) {
        orphans.push(path.relative(ROOT, out));
      }
    }
  }
  return orphans;
}

export default function setup(): void {
  let stale = staleSources();
  if (stale.length > 0) {
    process.stderr.write(
      `dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}): building\n`,
    );
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      { cwd: ROOT, stdio: 'inherit' },
    );
    stale = staleSources();
    if (stale.length > 0) {
      throw new Error(`dist/ is still stale after the build: ${stale.join(', ')}`);
    }
  }
  const orphans = orphanOutputs();
  if (orphans.length > 0) {
    throw new Error(
      `dist/ holds output of deleted sources, which the CLI would still load: ${orphans.join(', ')} (remove dist/ and run npm run build)`,
    );
  }
}
