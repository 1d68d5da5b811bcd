/**
 * Builders for ActionTrail event fragments in the activity-rule tests.
 * Defaults: a successful root console sign-in without MFA on 2026-10-20, inside the tester's default window.
 */
import type { z } from 'zod';
import type { TrailEventSchema } from '../../src/inventory/schema.js';

export type EventInput = z.input<typeof TrailEventSchema>;
export const ACCOUNT = '1234567890123456';
export const ROOT = {
  type: 'root-account',
  principalId: ACCOUNT,
  accountId: ACCOUNT,
  userName: 'root',
};

export function signin(id: string, overrides: Partial<EventInput> = {}): EventInput {
  return {
    eventId: id,
    eventName: 'ConsoleSignin',
    eventType: 'ConsoleSignin',
    eventTime: '2026-10-20T03:00:00Z',
    serviceName: 'AasCustomer',
    sourceIpAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    isGlobal: true,
    userIdentity: ROOT,
    additionalEventData: { loginAccount: 'owner@example.com', isMFAChecked: 'false' },
    seenInRegions: ['cn-hangzhou'],
    ...overrides,
  };
}

export function apiCall(
  id: string,
  accessKeyId: string | undefined,
  overrides: Partial<EventInput> = {},
): EventInput {
  return {
    eventId: id,
    eventName: 'DescribeInstances',
    eventType: 'ApiCall',
    eventTime: '2026-10-31T00:00:00Z',
    serviceName: 'Ecs',
    sourceIpAddress: '198.51.100.23',
    userAgent: 'AlibabaCloud (linux; x64) Python/3.11',
    userIdentity: { ...ROOT, ...(accessKeyId !== undefined ? { accessKeyId } : {}) },
    seenInRegions: ['cn-hangzhou'],
    ...overrides,
  };
}

/** an inventory fragment holding these events */
export function events(list: EventInput[]) {
  return {
    actiontrail: {
      trails: [],
      events: list,
      window: { start: '2026-08-03T00:00:00Z', end: '2026-11-01T00:00:00Z' },
    },
  };
}
