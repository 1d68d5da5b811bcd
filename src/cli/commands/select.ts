/**
 * `scan --checks <ids>`, `--skip-checks <ids>` and `--severity <list>`, as
 * users of other scanners (Checkov, Trivy, Prowler) expect them: the first two
 * choose the rules that run, the last the severities that are reported.
 * Unknown ids and severities are bad input.
 */
import type { LoadedRule } from '../../engine/registry.js';
import { SEVERITIES, type Severity } from '../../engine/types.js';
import { UsageError } from '../errors.js';

function list(flag: string, value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0)
    throw new UsageError(`${flag}: expected a comma-separated list, got "${value}"`);
  return items;
}

export function selectRules(
  rules: LoadedRule[],
  flags: { checks?: string; skipChecks?: string },
): LoadedRule[] {
  const known = new Set(rules.map((r) => r.rule.meta.id));
  const ids = (flag: string, value: string): Set<string> => {
    const items = list(flag, value);
    const unknown = items.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new UsageError(
        `${flag}: unknown rule id ${unknown.map((u) => `"${u}"`).join(', ')} (see \`ecs-audit rules\`)`,
      );
    }
    return new Set(items);
  };
  let out = rules;
  if (flags.checks !== undefined) {
    const keep = ids('--checks', flags.checks);
    out = out.filter((r) => keep.has(r.rule.meta.id));
  }
  if (flags.skipChecks !== undefined) {
    const drop = ids('--skip-checks', flags.skipChecks);
    out = out.filter((r) => !drop.has(r.rule.meta.id));
    if (out.length === 0) throw new UsageError('--skip-checks: no rule is left to run');
  }
  return out;
}

export function parseSeverities(value: string | undefined): Set<Severity> | undefined {
  if (value === undefined) return undefined;
  const items = list('--severity', value.toLowerCase());
  const bad = items.filter((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (bad.length > 0) {
    throw new UsageError(
      `--severity: unknown severity "${bad[0]}" (expected ${SEVERITIES.join(', ')})`,
    );
  }
  return new Set(items as Severity[]);
}

/**
 * `--severity`: the evaluation keeps the findings of those severities; the
 * others are returned. They shorten the report, not the compliance verdicts:
 * a finding left out still fails its controls.
 */
export function dropUnreported<F extends { severity: string }>(
  evaluation: { findings: F[] },
  severities: ReadonlySet<string> | undefined,
): F[] {
  if (!severities) return [];
  const dropped = evaluation.findings.filter((f) => !severities.has(f.severity));
  evaluation.findings = evaluation.findings.filter((f) => severities.has(f.severity));
  return dropped;
}
