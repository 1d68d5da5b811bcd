import { describe, expect, it } from 'vitest';
import {
  ANALYSIS_RULES,
  analysisVerdict,
  countsOf,
  measureAnalysis,
} from '../../bench/analysis.js';
import { generateWorld } from '../../bench/generate-world.js';
import { withUnidentifiableRootKey } from '../../bench/lookup-events.js';
import { loadBuiltinRules } from '../../src/engine/registry.js';
import {
  makeInstance,
  makeInventory,
  makeRule,
  makeSecurityGroup,
} from '../../src/testing/index.js';

describe('attack-path analysis benchmark', () => {
  it('passes at 1 s of CPU and misses above it', () => {
    expect(analysisVerdict(0.999)).toMatch(/^PASS .*0\.999 s$/);
    expect(analysisVerdict(1)).toMatch(/^PASS/);
    expect(analysisVerdict(1.001)).toMatch(/^MISS .*1\.001 s$/);
  });

  it('times the three rules alone and together on an inventory, with their findings', async () => {
    const inventory = makeInventory({
      ecs: {
        securityGroups: [makeSecurityGroup({ rules: [makeRule({ sourceCidrIp: '0.0.0.0/0' })] })],
        instances: [
          makeInstance({ publicIps: ['47.0.0.1'] }),
          makeInstance({ id: 'i-2', eipAddress: null }),
        ],
      },
    });
    const counts = countsOf(inventory);
    expect(counts.instances).toBe(2);
    expect(counts.runningWithPublicAddress).toBe(1);
    const m = measureAnalysis(inventory, await loadBuiltinRules(), 2);
    expect(Object.keys(m.perRule)).toEqual([...ANALYSIS_RULES]);
    // SSH open to the internet on the one public instance: one admin-port finding
    expect(m.perRule['instance-admin-port-exposed']?.findings).toBe(1);
    expect(m.perRule['instance-public-address-unused']?.findings).toBe(0);
    expect(m.together.findings).toBe(1);
    expect(m.together.runs).toHaveLength(2);
    expect(m.together.runs[0]?.loadBefore).toHaveLength(3);
    expect(m.target).toMatch(/^PASS/);
  });
});

describe('LookupEvents benchmark', () => {
  it('dates the root key last use before its first call, leaving the world as it was', () => {
    const world = generateWorld({ scale: 0.05 });
    const before = world.root?.accessKeys?.[0]?.LastUsedDate;
    const moved = withUnidentifiableRootKey(world);
    expect(world.root?.accessKeys?.[0]?.LastUsedDate).toBe(before);
    const lastUsed = Date.parse(String(moved.root?.accessKeys?.[0]?.LastUsedDate));
    const rootCalls = (world.actiontrail?.Events ?? [])
      .filter(
        (e) => (e.userIdentity as { accessKeyId?: string }).accessKeyId === 'LTAI4RootKeyBench0001',
      )
      .map((e) => Date.parse(String(e.eventTime)));
    expect(rootCalls.length).toBeGreaterThan(0);
    expect(lastUsed).toBeLessThan(Math.min(...rootCalls));
  });
});
