import type { LoadedRule } from '../../engine/registry.js';
import { renderRulesReference } from '../../report/rules-doc.js';
import { clip, wrap } from '../../report/table.js';
import { EXIT, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { terminalWidth } from '../progress.js';
import { loadRules } from './scan.js';

interface RulesFlags {
  format: string;
  rulesDir: string[];
}

function describeOptions(r: LoadedRule): Record<string, unknown> {
  return r.rule.meta.options.parse({}) as Record<string, unknown>;
}

function toJson(r: LoadedRule) {
  const m = r.rule.meta;
  return {
    id: m.id,
    title: m.title,
    severity: m.severity,
    resourceTypes: [...m.resourceTypes],
    source: r.source,
    rationale: m.rationale,
    remediation: m.remediation,
    references: [...m.references],
    options: describeOptions(r),
    compliance: m.compliance ?? {},
    /** the data keys the rule reads; null: undeclared, taken as everything */
    reads: m.reads ? [...m.reads] : null,
  };
}

export async function runRulesList(flags: RulesFlags, io: CliIo): Promise<number> {
  const rules = await loadRules(flags.rulesDir);
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify(rules.map(toJson), null, 2)}\n`);
    return EXIT.OK;
  }
  if (flags.format === 'markdown') {
    io.stdout.write(renderRulesReference(rules));
    return EXIT.OK;
  }
  // ID, SEVERITY and TITLE fit the terminal (or COLUMNS); piped elsewhere every title is
  // whole (`rules | grep`); a custom rule's title ends with its file, `ecs-audit rules
  // --format json` has every field
  const out = io.stdout as { columns?: number; isTTY?: boolean };
  const fitted = out.isTTY === true || Number(io.env['COLUMNS']) > 0;
  const width = terminalWidth(out, io.env);
  const idW = Math.max(...rules.map((r) => r.rule.meta.id.length), 2);
  const titleW = fitted ? Math.max(width - idW - 12, 8) : Number.POSITIVE_INFINITY;
  io.stdout.write(`${'ID'.padEnd(idW)}  SEVERITY  TITLE\n`);
  for (const r of rules) {
    const m = r.rule.meta;
    const title = r.source === 'built-in' ? m.title : `${m.title} [${r.source}]`;
    io.stdout.write(`${m.id.padEnd(idW)}  ${m.severity.padEnd(8)}  ${clip(title, titleW)}\n`);
  }
  return EXIT.OK;
}

export async function runRulesExplain(id: string, flags: RulesFlags, io: CliIo): Promise<number> {
  const rules = await loadRules(flags.rulesDir);
  const r = rules.find((x) => x.rule.meta.id === id);
  if (!r) throw new UsageError(`rules explain: unknown rule id "${id}" (see \`ecs-audit rules\`)`);
  const j = toJson(r);
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify(j, null, 2)}\n`);
    return EXIT.OK;
  }
  const width = terminalWidth(io.stdout as { columns?: number }, io.env);
  // prose wraps at word boundaries, indented two columns
  const para = (text: string) => wrap(text, width - 3).map((l) => `  ${l}`);
  const lines = [
    ...wrap(`${j.id} — ${j.title}`, width - 1),
    ...wrap(
      `severity: ${j.severity}    resource: ${j.resourceTypes.join(', ')}    source: ${j.source}`,
      width - 1,
    ),
    '',
    'Why it matters',
    ...para(j.rationale),
    '',
    'How to fix it',
    ...para(j.remediation),
    '',
    'Options (defaults)',
    ...Object.entries(j.options).flatMap(([k, v]) => para(`${k}: ${JSON.stringify(v)}`)),
    ...(Object.keys(j.compliance).length
      ? [
          '',
          'Compliance',
          ...Object.entries(j.compliance).flatMap(([k, v]) => para(`${k}: ${v.join(', ')}`)),
        ]
      : []),
    '',
    'Reads (not evaluated when some of it cannot be read)',
    ...para(j.reads ? j.reads.join(', ') : 'everything (the rule does not declare meta.reads)'),
    '',
    'References',
    // a URL is never broken
    ...j.references.map((u) => `  ${u}`),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}
