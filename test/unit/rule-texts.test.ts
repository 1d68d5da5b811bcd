/**
 * What the built-in rules tell the user to run must be runnable: every
 * `aliyun <product> <Action> --Param` in a rationale or remediation names a
 * parameter the official SDK model of that action knows, spelled as sent on
 * the wire (`names()`: case-sensitive, e.g. `regionId` for the auto snapshot
 * policy calls), and passes the parameters the model marks as required.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/engine/registry.js';

const require = createRequire(import.meta.url);

const SDK: Record<string, string> = {
  ecs: '@alicloud/ecs20140526',
  ram: '@alicloud/ram20150501',
  vpc: '@alicloud/vpc20160428',
};

interface Model {
  /** wire names of the request's parameters */
  wire: Set<string>;
  /** wire names of the parameters the model documents as required */
  required: Set<string>;
}

function model(product: string, action: string): Model | undefined {
  const pkg = SDK[product];
  if (pkg === undefined) return undefined;
  const dir = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'models');
  const cls = `${action}Request`;
  let mod: Record<string, { names(): Record<string, string> }>;
  try {
    mod = require(path.join(dir, `${cls}.js`));
  } catch {
    return undefined;
  }
  const names = mod[cls]!.names();
  // the request class's own fields: a doc comment saying "This parameter is required." precedes them
  const dts = readFileSync(path.join(dir, `${cls}.d.ts`), 'utf8');
  const body = dts.slice(dts.indexOf(`export declare class ${cls} `));
  const required = new Set<string>();
  for (const m of body.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)\?:/g)) {
    if (m[1]!.includes('This parameter is required.') && names[m[2]!]) required.add(names[m[2]!]!);
  }
  return { wire: new Set(Object.values(names)), required };
}

interface Command {
  rule: string;
  text: string;
  product: string;
  action: string;
  params: string[];
}

/** each `aliyun <product> <Action> --A x --B.1 y` between backticks */
function commands(rule: string, text: string): Command[] {
  const out: Command[] = [];
  for (const m of text.matchAll(/`aliyun (\w+) (\w+)((?:[^`])*)`/g)) {
    const params = [...m[3]!.matchAll(/(?:^|\s)--([A-Za-z][\w]*)(?:\.\d+)?(?=\s|$)/g)].map(
      (p) => p[1]!,
    );
    out.push({ rule, text: m[0]!, product: m[1]!, action: m[2]!, params });
  }
  return out;
}

const all = async () =>
  (await loadBuiltinRules()).flatMap(({ rule }) =>
    commands(rule.meta.id, `${rule.meta.rationale} ${rule.meta.remediation}`),
  );

describe('CLI commands in the built-in rules', () => {
  it('name only parameters the SDK model knows, with its wire spelling', async () => {
    const cmds = await all();
    expect(cmds.filter((c) => SDK[c.product]).length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const c of cmds) {
      // products whose SDK the project does not install (actiontrail, ims, ...) are not checked
      if (!SDK[c.product]) continue;
      const m = model(c.product, c.action);
      if (m === undefined) wrong.push(`${c.rule}: no SDK model for ${c.text}`);
      else
        for (const p of c.params) if (!m.wire.has(p)) wrong.push(`${c.rule}: --${p} in ${c.text}`);
    }
    expect(wrong).toEqual([]);
  });

  it('pass every parameter the SDK model marks as required', async () => {
    const missing: string[] = [];
    for (const c of await all()) {
      // an elided command (`...`) shows only the parameters that matter
      if (/\.\.\.|…/.test(c.text)) continue;
      const m = model(c.product, c.action);
      for (const r of m?.required ?? [])
        if (!c.params.includes(r)) missing.push(`${c.rule}: ${c.text} lacks --${r}`);
    }
    expect(missing).toEqual([]);
  });

  it('pass the parameters the model requires in the form used', async () => {
    const wrong: string[] = [];
    for (const c of await all()) {
      // "If you do not specify InstanceId, ZoneId is required."
      if (
        c.action === 'CreateDisk' &&
        !c.params.includes('InstanceId') &&
        !c.params.includes('ZoneId')
      )
        wrong.push(`${c.rule}: ${c.text} has neither --InstanceId nor --ZoneId`);
      // ContentEncoding defaults to PlainText: base64 content would run as the script text
      if (/--CommandContent <base64>/.test(c.text) && !/--ContentEncoding Base64/.test(c.text))
        wrong.push(`${c.rule}: ${c.text} sends base64 content as PlainText`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('what the built-in rules say', () => {
  const meta = async (id: string) =>
    (await loadBuiltinRules()).find((r) => r.rule.meta.id === id)!.rule.meta;

  it('a root AccessKey is not disabled before the same key is asked to delete itself', async () => {
    const m = await meta('root-access-key-exists');
    expect(m.remediation).not.toContain('UpdateAccessKey');
    expect(m.remediation).toContain('`aliyun ram DeleteAccessKey --UserAccessKeyId <id>` alone');
  });

  it('a Drop closes an Accept at the same priority, not only at a higher one', async () => {
    const m = await meta('instance-admin-port-exposed');
    expect(m.remediation).toContain('at the same or a higher priority (an equal or lower number');
    expect(m.remediation).toContain('ConvertNatPublicIpToEip');
  });

  it('disk encryption is not claimed to cost nothing', async () => {
    const m = await meta('disk-not-encrypted');
    expect(m.rationale).not.toContain('no performance cost');
    expect(m.rationale).toContain('with minimal performance impact');
  });

  it('the admin-access rule cites a RAM policy page, not the Cloud Assistant one', async () => {
    const m = await meta('ram-policy-admin-access');
    expect(m.references.join(' ')).not.toContain('use-ram-to-implement-permission-control');
  });
});
