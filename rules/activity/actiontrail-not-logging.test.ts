import type { z } from 'zod';
import type { TrailSchema } from '../../src/inventory/schema.js';
import { testRule } from '../../src/testing/rule-tester.js';
import rule from './actiontrail-not-logging.js';

type TrailInput = z.input<typeof TrailSchema>;
const trail = (over: Partial<TrailInput> = {}): TrailInput => ({
  name: 'account-trail',
  status: 'Enable',
  homeRegion: 'cn-hangzhou',
  trailRegion: 'All',
  eventRW: 'All',
  slsProjectArn: 'acs:log:cn-hangzhou:1234567890123456:project/audit',
  trailStatus: { isLogging: true, latestDeliveryError: '' },
  ...over,
});
const with_ = (trails: TrailInput[] | undefined) => ({
  actiontrail: {
    // explicit: the tester merges into an inventory whose trails are []
    trails,
    events: [],
    window: { start: '2026-08-03T00:00:00Z', end: '2026-11-01T00:00:00Z' },
  },
});
const ACCOUNT = '1234567890123456';

testRule(rule, {
  valid: [
    {
      name: 'an enabled, logging, all-region trail recording all events',
      inventory: with_([trail()]),
    },
    { name: 'EventRW Write is enough', inventory: with_([trail({ eventRW: 'Write' })]) },
    {
      name: 'values compared case-insensitively',
      inventory: with_([trail({ status: 'enable', trailRegion: 'all', eventRW: 'write' })]),
    },
    {
      name: 'one good trail among bad ones',
      inventory: with_([
        trail({ name: 'bad', trailRegion: 'cn-hangzhou' }),
        trail({ name: 'good' }),
      ]),
    },
    { name: 'trails unknown (DescribeTrails failed)', inventory: with_(undefined) },
    {
      name: 'logging status unknown on an otherwise good trail',
      notEvaluated: ['1234567890123456'],
      inventory: with_([trail({ trailStatus: undefined })]),
    },
    {
      name: 'a delivery error does not make a logging trail fail',
      inventory: with_([
        trail({ trailStatus: { isLogging: true, latestDeliveryError: 'AccessDenied' } }),
      ]),
    },
  ],
  invalid: [
    {
      name: 'no trail at all',
      inventory: with_([]),
      findings: [
        {
          id: ACCOUNT,
          type: 'account',
          region: null,
          message: 'has no ActionTrail trail',
          evidence: { trailCount: 0 },
        },
      ],
    },
    {
      name: 'a trail that is enabled but not logging',
      inventory: with_([trail({ trailStatus: { isLogging: false, latestDeliveryError: '' } })]),
      findings: [
        {
          id: ACCOUNT,
          message: /account-trail: not logging/,
          evidence: {
            trails: [
              {
                name: 'account-trail',
                isLogging: false,
                problems: ['not logging (IsLogging false)'],
              },
            ],
          },
        },
      ],
    },
    {
      name: 'a trail for one region only',
      inventory: with_([trail({ trailRegion: 'cn-hangzhou' })]),
      findings: [{ id: ACCOUNT, message: 'covers cn-hangzhou only' }],
    },
    {
      name: 'a read-only trail',
      inventory: with_([trail({ eventRW: 'Read' })]),
      findings: [{ id: ACCOUNT, message: 'records Read events only' }],
    },
    {
      name: 'a disabled trail, even with unknown logging status',
      inventory: with_([trail({ status: 'Disable', trailStatus: undefined })]),
      findings: [{ id: ACCOUNT, evidence: { trails: [{ status: 'Disable', isLogging: null }] } }],
    },
    {
      name: 'a fresh (never started) trail',
      inventory: with_([trail({ status: 'Fresh' })]),
      findings: [{ id: ACCOUNT, message: 'status is Fresh' }],
    },
    {
      name: 'two trails each missing something, with delivery status in the evidence',
      inventory: with_([
        trail({
          name: 'all-not-logging',
          trailStatus: {
            isLogging: false,
            latestDeliveryError: 'NoSuchBucket',
            latestDeliveryTime: '2026-10-01T00:00:00Z',
          },
        }),
        trail({ name: 'hz-writes', trailRegion: 'cn-hangzhou', eventRW: 'Write' }),
      ]),
      findings: [
        {
          id: ACCOUNT,
          evidence: {
            trailCount: 2,
            trails: [
              {
                name: 'all-not-logging',
                delivery: {
                  latestDeliveryError: 'NoSuchBucket',
                  latestDeliveryTime: '2026-10-01T00:00:00Z',
                },
              },
              { name: 'hz-writes', problems: ['covers cn-hangzhou only'] },
            ],
          },
        },
      ],
    },
  ],
});
