/**
 * Property test: reachability (src/analysis/reachability.ts) against a
 * brute-force reference written from the spec alone (shared/spec/rules.md,
 * "Network ACLs and NAT gateways"): for one packet, the ACL's inbound entries
 * in list order, first match decides, no match drops; then the groups, highest
 * priority first, Drop beating Accept at equal priority, no match denies. The
 * reference cuts IPv4 at every CIDR boundary of the scenario and of the public
 * space, asks the packet walker once per piece and adds up the accepted public
 * addresses; a port is reachable when they reach half of public IPv4. It uses
 * ipaddr.js for "source contains address" and none of the engine's set code.
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { PUBLIC_IPV4 } from '../../src/analysis/exposure.js';
import { reachablePorts } from '../../src/analysis/reachability.js';
import type { Inventory } from '../../src/inventory/schema.js';
import { buildInventory } from '../../src/testing/rule-tester.js';

const POOL = [
  '0.0.0.0/0',
  '0.0.0.0/1',
  '128.0.0.0/1',
  '64.0.0.0/2',
  '47.0.0.0/8',
  '10.0.0.0/8',
  '198.51.100.0/24',
] as const;

interface SgRule {
  ipProtocol: 'TCP' | 'UDP' | 'ALL';
  portRange: string;
  sourceCidrIp: string;
  policy: 'Accept' | 'Drop';
  priority: number;
}
interface AclRule {
  policy: 'accept' | 'drop';
  protocol: 'tcp' | 'udp' | 'all' | 'TCP';
  port: string;
  sourceCidrIp: string;
}
interface Dnat {
  externalPort: string;
  internalPort: string;
  ipProtocol: 'TCP' | 'UDP' | 'any';
}
interface Scenario {
  rules: SgRule[];
  acl: AclRule[] | null;
  dnat: Dnat | null;
}

const sgRule = fc.record<SgRule>({
  ipProtocol: fc.constantFrom('TCP', 'UDP', 'ALL'),
  portRange: fc.constantFrom('22/22', '1/65535', '20/30', '2000/3000'),
  sourceCidrIp: fc.constantFrom(...POOL),
  policy: fc.constantFrom('Accept', 'Accept', 'Drop'),
  priority: fc.integer({ min: 1, max: 3 }),
});
const aclRule = fc.record<AclRule>({
  policy: fc.constantFrom('accept', 'accept', 'drop'),
  protocol: fc.constantFrom('tcp', 'udp', 'all', 'TCP'),
  port: fc.constantFrom('22/22', '1/1024', '-1/-1', '2000/3000'),
  sourceCidrIp: fc.constantFrom(...POOL),
});
const dnat = fc.constantFrom<Dnat>(
  { externalPort: '2222', internalPort: '22', ipProtocol: 'TCP' },
  { externalPort: '22', internalPort: '22', ipProtocol: 'UDP' },
  { externalPort: '8000/8010', internalPort: '20/30', ipProtocol: 'any' },
  { externalPort: 'any', internalPort: 'any', ipProtocol: 'any' },
);
const scenario = fc.record<Scenario>({
  rules: fc.array(sgRule, { maxLength: 4 }),
  acl: fc.option(fc.array(aclRule, { maxLength: 4 }), { nil: null }),
  dnat: fc.option(dnat, { nil: null }),
});

function inventoryOf(s: Scenario): Inventory {
  const publicIps = s.dnat ? [] : ['47.0.0.10'];
  return buildInventory({
    ecs: {
      securityGroups: [
        {
          id: 'sg-1',
          region: 'cn-hangzhou',
          vpcId: 'vpc-1',
          rules: s.rules.map((r) => ({ direction: 'ingress', ...r })),
        },
      ],
      instances: [
        {
          id: 'i-1',
          region: 'cn-hangzhou',
          status: 'Running',
          vpcId: 'vpc-1',
          vSwitchId: 'vsw-1',
          securityGroupIds: ['sg-1'],
          keyPairName: null,
          publicIps,
          privateIps: ['10.0.0.20'],
          networkInterfaces: [
            {
              id: 'eni-1',
              type: 'Primary',
              securityGroupIds: ['sg-1'],
              publicIps,
              privateIps: ['10.0.0.20'],
              vSwitchId: 'vsw-1',
            },
          ],
        },
      ],
    },
    vpc: {
      ipv6Addresses: [],
      networkAcls: s.acl
        ? [{ id: 'nacl-1', region: 'cn-hangzhou', vSwitchIds: ['vsw-1'], ingress: s.acl }]
        : [],
      natGateways: s.dnat
        ? [
            {
              id: 'ngw-1',
              region: 'cn-hangzhou',
              vpcId: 'vpc-1',
              networkType: 'internet',
              dnatEntries: [
                {
                  id: 'fwd-1',
                  externalIp: '47.0.0.99',
                  internalIp: '10.0.0.20',
                  status: 'Available',
                  ...s.dnat,
                },
              ],
            },
          ]
        : [],
    },
  });
}

// ------------------------------------------------------------------ the reference

const contains = (cidr: string, addr: ipaddr.IPv4) => addr.match(ipaddr.IPv4.parseCIDR(cidr));

function inRange(raw: string, port: number): boolean {
  if (raw === '-1/-1' || raw === 'any') return true;
  const [a, b] = raw.split('/').map(Number);
  return port >= a! && port <= (b ?? a!);
}

function aclAccepts(acl: AclRule[] | null, proto: 'tcp' | 'udp', port: number, a: ipaddr.IPv4) {
  if (acl === null) return true;
  for (const e of acl) {
    const p = e.protocol.toLowerCase();
    if (p !== 'all' && p !== proto) continue;
    if (p !== 'all' && !inRange(e.port, port)) continue;
    if (!contains(e.sourceCidrIp, a)) continue;
    return e.policy === 'accept';
  }
  return false;
}

function groupAccepts(rules: SgRule[], proto: 'tcp' | 'udp', port: number, a: ipaddr.IPv4) {
  const matching = rules.filter(
    (r) =>
      (r.ipProtocol === 'ALL' || r.ipProtocol.toLowerCase() === proto) &&
      inRange(r.portRange, port) &&
      contains(r.sourceCidrIp, a),
  );
  if (matching.length === 0) return false;
  const top = Math.min(...matching.map((r) => r.priority));
  const atTop = matching.filter((r) => r.priority === top);
  return !atTop.some((r) => r.policy === 'Drop');
}

const bigToAddr = (n: bigint) =>
  ipaddr.fromByteArray([24, 16, 8, 0].map((s) => Number((n >> BigInt(s)) & 255n))) as ipaddr.IPv4;

function cidrBounds(c: string): [bigint, bigint] {
  const [ip, len] = ipaddr.IPv4.parseCIDR(c);
  const n = ip.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  const span = 1n << BigInt(32 - len);
  return [n, n + span];
}

const PUBLIC_TOTAL = PUBLIC_IPV4.reduce((s, iv) => s + (iv.end - iv.start + 1n), 0n);
const isPublic = (n: bigint) => PUBLIC_IPV4.some((iv) => n >= iv.start && n <= iv.end);

function referenceReachable(s: Scenario, proto: 'tcp' | 'udp', port: number): boolean {
  if (s.dnat) {
    const d = s.dnat.ipProtocol.toLowerCase();
    if (d !== 'any' && d !== proto) return false;
    if (!inRange(s.dnat.internalPort, port)) return false;
  }
  const points = new Set<bigint>([0n, 1n << 32n]);
  for (const c of POOL) for (const b of cidrBounds(c)) points.add(b);
  for (const iv of PUBLIC_IPV4) {
    points.add(iv.start);
    points.add(iv.end + 1n);
  }
  const sorted = [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let accepted = 0n;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i]!;
    if (!isPublic(start)) continue;
    const a = bigToAddr(start);
    if (aclAccepts(s.acl, proto, port, a) && groupAccepts(s.rules, proto, port, a))
      accepted += sorted[i + 1]! - start;
  }
  return 2n * accepted >= PUBLIC_TOTAL;
}

const PROBES = [1, 20, 22, 25, 30, 31, 1024, 1025, 2000, 2222, 3000, 65535];

describe('reachability against the brute-force reference', () => {
  it('agrees on every probed port for random ACLs, groups and DNAT entries', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const inventory = inventoryOf(s);
        const cache = new Map<string, unknown>();
        const ctx = {
          inventory,
          memo<T>(key: string, compute: () => T): T {
            if (!cache.has(key)) cache.set(key, compute());
            return cache.get(key) as T;
          },
        };
        const inst = inventory.ecs.instances[0]!;
        for (const proto of ['tcp', 'udp'] as const) {
          for (const port of PROBES) {
            const got = reachablePorts(ctx, inst, { protocol: proto, port });
            const want = referenceReachable(s, proto, port);
            expect(got.length > 0, `${proto}/${port} ${JSON.stringify(s)}`).toBe(want);
            if (got.length > 0 && s.dnat) expect(got[0]!.entry.kind).toBe('dnat');
            if (got.length > 0 && s.acl)
              expect(got[0]!.range.acl?.acceptedBy.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 200, seed: 1605 },
    );
  });
});
