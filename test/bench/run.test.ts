import { describe, expect, it } from 'vitest';
import {
  checkTargets,
  rssGrowsAtMostLinearly,
  type ScaleFigures,
  summarizeCoverage,
} from '../../bench/run.js';

function figures(
  scale: number,
  over: Partial<NonNullable<ScaleFigures['scan']>> = {},
): ScaleFigures {
  return {
    scale,
    seed: 1,
    latencyMs: 50,
    world: 'w.json',
    counts: {},
    minimalCalls: 1000,
    lowerBoundSeconds: 20,
    lowerBoundBy: 'bucket GetLoginProfile',
    longestChain: { name: 'chain', seconds: 10 },
    scan: {
      exitCode: 0,
      wallSeconds: 24,
      cpuSeconds: 30,
      peakRssMb: 200 * scale,
      calls: 1100,
      callsExclThrottled: 1040,
      throttled: 60,
      faults: 0,
      byAction: {},
      coverageGaps: 0,
      wallOverLowerBound: 1.2,
      callsOverMinimal: 1.04,
      throttledPerCall: 0.058,
      ...over,
    },
    snapshot: {
      collectSeconds: 30,
      collectExitCode: 0,
      snapshotMb: 80,
      scanSeconds: 3.5,
      scanExitCode: 0,
      peakRssMb: 300,
      ruleEvaluationSeconds: 0.9,
      findings: 10,
      formats: { table: 'ok', json: 'ok', sarif: 'ok', junit: 'ok', markdown: 'ok', html: 'n/a' },
    },
  };
}

describe('bench targets', () => {
  it('passes and misses each target with its margin, on the scale-1 figures', () => {
    const lines = checkTargets([figures(0.5, { wallOverLowerBound: 9 }), figures(1)]);
    expect(lines[0]).toMatch(/^PASS wall ≤ 1.25 × lower bound: 24.0 s vs 20.0 s = 1.20×, 4% under/);
    expect(lines[1]).toMatch(/^PASS calls ≤ 1.05 × minimal: 1040 vs 1000/);
    expect(lines[2]).toMatch(/^PASS throttled ≤ 1 per request/);
    expect(lines[3]).toMatch(/^PASS peak RSS ≤ 384 MB: 200 MB/);
    expect(lines[4]).toMatch(
      /^MISS rule evaluation \+ all report formats ≤ 3 s: 3.50 s, over by 17%/,
    );
    expect(lines[4]).toMatch(/formats not available: html/);
    expect(lines[5]).toMatch(/^PASS peak RSS grows at most linearly/);
    expect(lines.join('\n')).not.toMatch(/targets are set for scale 1/);
  });

  it('does not pass a scan that left coverage gaps', () => {
    const missing = checkTargets([
      figures(1, {
        coverageGaps: 3,
        coverageByError: { 'GetLoginProfile: InvalidAction.NotFound': 3 },
      }),
    ]);
    expect(missing[0]).toMatch(/^N\/A {2}wall .* scan incomplete: 3 coverage gaps$/);
    const throttled = checkTargets([
      figures(1, {
        coverageGaps: 2,
        coverageByError: { 'DescribeSecurityGroupAttribute: Throttling.User': 2 },
      }),
    ]);
    expect(throttled[0]).toMatch(/^MISS wall .*\(2 from throttling\)$/);
    expect(throttled[1]).toMatch(/^MISS calls/);
  });

  it('passes nothing on a scan that did not run to its end', () => {
    const lines = checkTargets([
      figures(1, { exitCode: 1, wallSeconds: 0.1, wallOverLowerBound: 0, peakRssMb: 40 }),
    ]);
    for (const l of lines.slice(0, 4)) expect(l).toMatch(/^N\/A .*scan failed \(exit 1\)$/);
  });

  it('says when the figures are not from scale 1', () => {
    expect(checkTargets([figures(0.25)])[0]).toMatch(
      /\[scale 0.25; the targets are set for scale 1\]$/,
    );
  });

  it('checks that peak RSS grows at most linearly', () => {
    expect(
      rssGrowsAtMostLinearly([
        { scale: 0.25, mb: 120 },
        { scale: 0.5, mb: 150 },
        { scale: 1, mb: 220 },
      ]),
    ).toBe(true);
    expect(
      rssGrowsAtMostLinearly([
        { scale: 0.5, mb: 100 },
        { scale: 1, mb: 230 },
      ]),
    ).toBe(false);
  });

  it('groups the coverage gaps of a report', () => {
    expect(
      summarizeCoverage({
        coverage: [
          { operation: 'GetRole', error: { code: 'Throttling.User' } },
          { operation: 'GetRole', error: { code: 'Throttling.User' } },
          { operation: 'LookupEvents', error: { code: 'InvalidAction.NotFound' } },
        ],
      }),
    ).toEqual({
      gaps: 3,
      byError: { 'GetRole: Throttling.User': 2, 'LookupEvents: InvalidAction.NotFound': 1 },
    });
    expect(summarizeCoverage({ findings: [] })).toBeUndefined();
  });
});
