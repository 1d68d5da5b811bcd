/**
 * The README's custom-rule example is complete and works: its two code blocks
 * (the rule and its rule-tester table) are copied out of README.md into a
 * directory of their own, the table runs here, and the rule loads in a scan.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeInstance, makeInventory } from '../../src/testing/index.js';
import { ROOT } from '../helpers/cli.js';
import { runInProcess } from '../helpers/in-process.js';

/** every ```ts block of the README whose first line names its file (`// audit-rules/x.ts`) */
function readmeFiles(): Record<string, string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const out: Record<string, string> = {};
  for (const m of readme.matchAll(
    /```ts\n(\/\/ (audit-rules\/[\w.-]+\.ts)\b[^\n]*\n[\s\S]*?)```/g,
  )) {
    out[m[2]!] = m[1]!;
  }
  return out;
}

const files = readmeFiles();
const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-readme-'));
mkdirSync(path.join(dir, 'audit-rules'));
for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);

describe('the README custom rule', () => {
  it('has the rule and its test', () => {
    expect(Object.keys(files).sort()).toEqual([
      'audit-rules/instance-named-by-team.test.ts',
      'audit-rules/instance-named-by-team.ts',
    ]);
  });

  it('loads with --rules-dir and flags an instance not named after its team', async () => {
    const snap = path.join(dir, 'snapshot.json');
    writeFileSync(
      snap,
      JSON.stringify(
        makeInventory({
          ecs: {
            instances: [
              makeInstance({ id: 'i-web', name: 'web' }),
              makeInstance({ id: 'i-ok', name: 'acme-ok' }),
            ],
          },
        }),
      ),
    );
    const r = await runInProcess([
      'scan',
      '--snapshot',
      snap,
      '--rules-dir',
      path.join(dir, 'audit-rules'),
      '--checks',
      'acme-instance-named-by-team',
      '--format',
      'json',
      '--fail-on',
      'none',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const findings = JSON.parse(r.stdout).findings as Array<{
      ruleId: string;
      resource: { id: string };
    }>;
    expect(findings.map((f) => `${f.ruleId} ${f.resource.id}`)).toEqual([
      'acme-instance-named-by-team i-web',
    ]);
  });
});

// the README's rule-tester table, run as it is written: its cases are tests of this file
await import(path.join(dir, 'audit-rules', 'instance-named-by-team.test.ts'));
