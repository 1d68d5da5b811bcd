/**
 * Suppressions from the config: rule id (exact) + resource id (glob) +
 * optional region, with a required reason and an optional expiry date.
 * A suppressed finding stays in the report with `status: suppressed`; a
 * suppression whose expiry date has passed stops applying and is reported.
 */
import picomatch from 'picomatch';
import type { Suppression } from '../config/index.js';
import { extend } from '../util/extend.js';
import type { Finding } from './finding.js';

export interface ExpiredSuppression {
  rule: string;
  resource: string;
  region?: string;
  account?: string;
  reason: string;
  expires: string;
}

export interface SuppressionResult {
  findings: Finding[];
  expired: ExpiredSuppression[];
}

const DAY = 86_400_000;

/** A suppression expiring on 2027-03-31 still applies through that whole day (UTC). */
export function isExpired(s: Pick<Suppression, 'expires'>, now: Date): boolean {
  if (!s.expires) return false;
  return now.getTime() >= Date.parse(`${s.expires}T00:00:00Z`) + DAY;
}

export function applySuppressions(
  findings: readonly Finding[],
  suppressions: readonly Suppression[],
  now: Date,
): SuppressionResult {
  const expired: ExpiredSuppression[] = [];
  const active: Array<{ s: Suppression; matches: (id: string) => boolean }> = [];
  for (const s of suppressions) {
    if (isExpired(s, now)) {
      expired.push({
        rule: s.rule,
        resource: s.resource,
        ...(s.region ? { region: s.region } : {}),
        ...(s.account ? { account: s.account } : {}),
        reason: s.reason,
        expires: s.expires!,
      });
      continue;
    }
    // ids are matched whole; `*` does not stop at `/` (key pair names may hold one)
    active.push({ s, matches: picomatch(s.resource, { dot: true, bash: true }) });
  }
  const out = findings.map((f): Finding => {
    const hit = active.find(
      ({ s, matches }) =>
        s.rule === f.ruleId &&
        (s.region === undefined || s.region === f.resource.region) &&
        (s.account === undefined || s.account === f.resource.account) &&
        matches(f.resource.id),
    );
    if (!hit) return f;
    const { s } = hit;
    return extend(f, {
      status: 'suppressed' as const,
      suppression: {
        rule: s.rule,
        resource: s.resource,
        reason: s.reason,
        ...(s.expires ? { expires: s.expires } : {}),
      },
    });
  });
  return { findings: out, expired };
}
