/**
 * Shared wording and evidence for the network rules (rules/network/*): how a
 * security group is named, what a managed group's finding says.
 */
import type { ResourceRef } from '../engine/types.js';
import type { SecurityGroup } from '../inventory/schema.js';
import type { Exposure } from './exposure.js';

export function groupResource(sg: SecurityGroup): ResourceRef {
  return {
    type: 'security-group',
    id: sg.id,
    region: sg.region,
    ...(sg.name ? { name: sg.name } : {}),
  };
}

/** `sg-1 (web)` */
export function groupLabel(sg: SecurityGroup): string {
  return sg.name ? `${sg.id} (${sg.name})` : sg.id;
}

export const MANAGED_SENTENCE =
  ' It is a managed security group (ServiceManaged): its rules cannot be changed by the user; ask the owning service to restrict it or stop attaching it.';

/** The group facts every network finding carries. */
export function groupEvidence(sg: SecurityGroup, exposure: Exposure): Record<string, unknown> {
  return {
    groupId: sg.id,
    vpcId: sg.vpcId,
    networkType: sg.vpcId === null ? 'classic' : 'vpc',
    serviceManaged: sg.serviceManaged,
    ...(sg.vpcId === null ? { facingInternet: 'only NicType internet rules' } : {}),
    ...(exposure.notes.length > 0 ? { notes: exposure.notes.slice(0, 10) } : {}),
  };
}

/** A sorted list without duplicates. */
export function uniqueSorted(ports: readonly number[]): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}
