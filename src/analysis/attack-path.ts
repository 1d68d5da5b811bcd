/**
 * Attack paths as evidence: an ordered list of hops from the internet to what
 * an attacker gains, and its one-line rendering shared by every report:
 *
 *   47.0.0.10:22 → nacl-1 accept#2 → sg-web rule#3 Accept 0.0.0.0/0 → eni-1 → i-1 → role web-admin → AdministratorAccess Statement[0]
 *
 * Pure; no I/O.
 */
import type { EntryKind, EntryPoint, ReachableRange } from './reachability.js';

export type PathHop =
  | {
      kind: 'address';
      address: string;
      /** ipv4 | ipv6 */
      family: string;
      entry: EntryKind;
      protocol: string;
      /** `22`, `8000-8080` (external ports for DNAT) */
      ports: string;
    }
  | {
      kind: 'dnat';
      natGatewayId: string;
      entryId: string;
      externalIp: string;
      externalPort: string;
      internalIp: string;
      internalPort: string;
      protocol: string;
    }
  | {
      kind: 'acl';
      aclId: string;
      /** 1-based position of the deciding inbound entry */
      position: number;
      entryId: string;
      policy: string;
      source: string;
    }
  | {
      kind: 'group-rule';
      groupId: string;
      /** 1-based position of the rule in the group's rule list */
      position: number;
      ruleId?: string;
      priority: number;
      policy: string;
      portRange: string;
      source: string;
    }
  | { kind: 'interface'; interfaceId: string | null; interfaceType: string }
  | { kind: 'instance'; instanceId: string; name?: string }
  | { kind: 'role'; roleName: string }
  | {
      kind: 'policy-statement';
      policy: string;
      policyType: string;
      via: string;
      statement: number;
      grants: string;
    };

/** group rules listed per path; more are counted in the evidence, not drawn */
const GROUP_RULES_PER_PATH = 3;

function portsText(from: number, to: number): string {
  return from === to ? `${from}` : `${from}-${to}`;
}

/** the hops from the internet to the instance for one reachable range */
export function pathOf(
  entry: EntryPoint,
  range: ReachableRange,
  instance: { id: string; name?: string },
): PathHop[] {
  const hops: PathHop[] = [];
  const ext = range.externalFrom !== undefined;
  hops.push({
    kind: 'address',
    address: entry.address,
    family: entry.family,
    entry: entry.kind,
    protocol: range.protocol,
    ports: ext
      ? portsText(range.externalFrom!, range.externalTo ?? range.externalFrom!)
      : portsText(range.from, range.to),
  });
  if (entry.dnat) {
    hops.push({
      kind: 'dnat',
      natGatewayId: entry.dnat.natGatewayId,
      entryId: entry.dnat.entryId,
      externalIp: entry.dnat.externalIp,
      externalPort: entry.dnat.externalPort,
      internalIp: entry.dnat.internalIp,
      internalPort: portsText(range.from, range.to),
      protocol: entry.dnat.protocol,
    });
  }
  if (range.acl) {
    const e = range.acl.acceptedBy[0];
    if (e) {
      hops.push({
        kind: 'acl',
        aclId: range.acl.aclId,
        position: e.position,
        entryId: e.entryId,
        policy: e.policy,
        source: e.source,
      });
    }
  }
  for (const r of range.groupRules.slice(0, GROUP_RULES_PER_PATH)) {
    hops.push({
      kind: 'group-rule',
      groupId: r.groupId,
      position: r.index + 1,
      ...(r.ruleId ? { ruleId: r.ruleId } : {}),
      priority: r.priority,
      policy: r.policy,
      portRange: r.portRange,
      source: r.source,
    });
  }
  hops.push({
    kind: 'interface',
    interfaceId: entry.interfaceId,
    interfaceType: entry.interfaceType,
  });
  hops.push({
    kind: 'instance',
    instanceId: instance.id,
    ...(instance.name ? { name: instance.name } : {}),
  });
  return hops;
}

/** one hop as text */
export function formatHop(h: PathHop): string {
  switch (h.kind) {
    case 'address':
      return h.family === 'ipv6' ? `[${h.address}]:${h.ports}` : `${h.address}:${h.ports}`;
    case 'dnat':
      return `DNAT ${h.natGatewayId} ${h.entryId || ''} → ${h.internalIp}:${h.internalPort}`.replace(
        /\s+→/,
        ' →',
      );
    case 'acl':
      return `${h.aclId} ${h.policy.toLowerCase()}#${h.position}`;
    case 'group-rule':
      return `${h.groupId} rule#${h.position} ${h.policy} ${h.source}`;
    case 'interface':
      return h.interfaceId ?? `(${h.interfaceType})`;
    case 'instance':
      return h.instanceId;
    case 'role':
      return `role ${h.roleName}`;
    case 'policy-statement':
      return `${h.policy} Statement[${h.statement}]`;
  }
}

/** the whole path on one line, hops joined by ` → ` */
export function formatPath(hops: readonly PathHop[]): string {
  return hops.map(formatHop).join(' → ');
}

/** a value that looks like a path (evidence read back from JSON) */
export function isPath(x: unknown): x is PathHop[] {
  return (
    Array.isArray(x) &&
    x.length > 0 &&
    x.every(
      (h) =>
        typeof h === 'object' && h !== null && typeof (h as { kind?: unknown }).kind === 'string',
    )
  );
}
