import type { z } from 'zod';
import type { InvocationSchema } from '../../src/inventory/schema.js';
import { testRule } from '../../src/testing/rule-tester.js';
import { instance } from '../../test/helpers/network.js';
import rule from './cloud-assistant-ran-as-root.js';

type InvocationInput = z.input<typeof InvocationSchema>;
const run = (
  invokeId: string,
  username: string,
  over: Partial<InvocationInput> = {},
): InvocationInput => ({
  invokeId,
  region: 'cn-hangzhou',
  commandName: 'patch',
  commandType: 'RunShellScript',
  username,
  creationTime: '2026-10-30T08:00:00Z',
  invocationStatus: 'Success',
  instanceIds: ['i-1'],
  ...over,
});
const linux = instance('i-1', { osType: 'linux', name: 'web-1' });
const windows = instance('i-2', { osType: 'windows' });
const world = (invocations: InvocationInput[]) => ({
  ecs: { instances: [linux, windows], invocations },
});

testRule(rule, {
  valid: [
    { name: 'a regular user', inventory: world([run('t-1', 'ecs-user')]) },
    { name: 'a user whose name contains root', inventory: world([run('t-1', 'rootless')]) },
    {
      name: 'a root run before the window',
      inventory: world([run('t-1', 'root', { creationTime: '2026-07-01T00:00:00Z' })]),
    },
    {
      name: 'a root run outside a shorter --since',
      inventory: world([run('t-1', 'root')]),
      since: '2026-10-31T00:00:00Z',
    },
    {
      // it may have run within the window: not judged, never clean
      name: 'a root run with an unreadable time',
      inventory: world([run('t-1', 'root', { creationTime: '' })]),
      notEvaluated: ['i-1'],
    },
    {
      name: 'a root run with a garbage time, on two instances',
      inventory: world([run('t-1', '', { creationTime: 'garbage', instanceIds: ['i-1', 'i-2'] })]),
      notEvaluated: ['i-1', 'i-2'],
    },
    {
      name: 'a regular user with an unreadable time is judged',
      inventory: world([run('t-1', 'ecs-user', { creationTime: 'garbage' })]),
    },
    // decisions on edge cases (rules.md)
    {
      name: 'edge: a periodic root invocation created before --since that was stopped',
      inventory: world([
        run('t-1', 'root', {
          creationTime: '2026-01-01T00:00:00Z',
          repeatMode: 'Period',
          invocationStatus: 'Stopped',
        }),
      ]),
    },
    {
      // a cancelled schedule runs no more: it was stopped
      name: 'edge: a periodic root invocation created before --since that was cancelled',
      inventory: world([
        run('t-1', 'root', {
          creationTime: '2026-01-01T00:00:00Z',
          repeatMode: 'EveryReboot',
          invocationStatus: 'Cancelled',
        }),
      ]),
    },
    {
      name: 'edge: a periodic root invocation created before --since that finished',
      inventory: world([
        run('t-1', 'root', {
          creationTime: '2026-01-01T00:00:00Z',
          repeatMode: 'Period',
          invocationStatus: 'Success',
        }),
      ]),
    },
    {
      name: 'edge: a one-off root invocation before --since, even with its status still Running',
      inventory: world([
        run('t-1', 'root', {
          creationTime: '2026-01-01T00:00:00Z',
          repeatMode: 'Once',
          invocationStatus: 'Running',
        }),
      ]),
    },
    {
      name: 'edge: a Username with inner characters around root is a regular user',
      inventory: world([run('t-1', 'ro ot')]),
    },
  ],
  invalid: [
    {
      name: 'root on Linux',
      inventory: world([run('t-1', 'root')]),
      findings: [
        {
          id: 'i-1',
          type: 'instance',
          region: 'cn-hangzhou',
          message: 'as root on instance i-1 (web-1)',
          evidence: {
            invocations: [
              { invokeId: 't-1', username: 'root', runAs: 'root', commandName: 'patch' },
            ],
            invocationCount: 1,
          },
        },
      ],
    },
    {
      name: 'a Linux invocation with an empty Username runs as root',
      inventory: world([run('t-1', '')]),
      findings: [{ id: 'i-1', evidence: { invocations: [{ username: '', runAs: 'root' }] } }],
    },
    {
      name: 'a Windows invocation with an empty Username runs as System',
      inventory: world([
        run('t-1', '', { commandType: 'RunPowerShellScript', instanceIds: ['i-2'] }),
      ]),
      findings: [
        {
          id: 'i-2',
          message: 'as system',
          evidence: { osType: 'windows', invocations: [{ runAs: 'system' }] },
        },
      ],
    },
    {
      name: 'SYSTEM and Root in any case, one finding per instance, newest first',
      inventory: world([
        run('t-old', 'Root', { creationTime: '2026-10-01T00:00:00Z' }),
        run('t-new', 'root', { creationTime: '2026-10-31T00:00:00Z', instanceIds: ['i-1', 'i-2'] }),
        run('t-win', 'SYSTEM', { creationTime: '2026-10-15T00:00:00Z', instanceIds: ['i-2'] }),
      ]),
      findings: [
        {
          id: 'i-1',
          evidence: {
            invocationCount: 2,
            invocations: [{ invokeId: 't-new' }, { invokeId: 't-old' }],
          },
        },
        { id: 'i-2', message: 'as root and system', evidence: { invocationCount: 2 } },
      ],
    },
    {
      name: 'an instance no longer in the inventory, default user read from the command type',
      inventory: world([run('t-1', '', { instanceIds: ['i-gone'] })]),
      findings: [{ id: 'i-gone', evidence: { osType: null, invocations: [{ runAs: 'root' }] } }],
    },
    {
      name: 'edge: Username with surrounding blanks ("root ", " System") runs as root/system',
      inventory: world([run('t-1', 'root '), run('t-2', ' System', { instanceIds: ['i-2'] })]),
      findings: [
        { id: 'i-1', evidence: { invocations: [{ username: 'root ', runAs: 'root' }] } },
        { id: 'i-2', evidence: { invocations: [{ username: ' System', runAs: 'system' }] } },
      ],
    },
    {
      // the collector maps an absent Username to "" (the default user)
      name: 'edge: Username absent (the default user) runs as root on Linux',
      inventory: world([run('t-1', '', { commandType: '' })]),
      findings: [{ id: 'i-1', evidence: { invocations: [{ runAs: 'root' }] } }],
    },
    {
      name: 'edge: Username in any case (ROOT, sYsTeM) runs as root/system',
      inventory: world([run('t-1', 'ROOT'), run('t-2', 'sYsTeM', { instanceIds: ['i-2'] })]),
      findings: [
        { id: 'i-1', evidence: { invocations: [{ runAs: 'root' }] } },
        { id: 'i-2', evidence: { invocations: [{ runAs: 'system' }] } },
      ],
    },
    {
      name: 'edge: a failed invocation still ran as root (it was started as that user)',
      inventory: world([run('t-1', 'root', { invocationStatus: 'Failed' })]),
      findings: [{ id: 'i-1', evidence: { invocations: [{ invocationStatus: 'Failed' }] } }],
    },
    {
      name: 'edge: periodic invocations (Period, EveryReboot, NextRebootOnly) created before --since and not finished or stopped are within the window',
      inventory: world([
        run('t-1', 'root', {
          creationTime: '2026-01-01T00:00:00Z',
          repeatMode: 'Period',
          invocationStatus: 'Running',
        }),
        run('t-2', '', {
          creationTime: '2025-12-01T00:00:00Z',
          repeatMode: 'EveryReboot',
          invocationStatus: 'Scheduled',
          instanceIds: ['i-2'],
        }),
        run('t-3', 'root', {
          creationTime: '2026-02-01T00:00:00Z',
          repeatMode: 'NextRebootOnly',
          invocationStatus: 'Pending',
          instanceIds: ['i-3'],
        }),
      ]),
      findings: [
        { id: 'i-1', evidence: { invocations: [{ invokeId: 't-1', repeatMode: 'Period' }] } },
        { id: 'i-2', evidence: { invocations: [{ invokeId: 't-2', runAs: 'system' }] } },
        {
          id: 'i-3',
          evidence: { invocations: [{ invokeId: 't-3', repeatMode: 'NextRebootOnly' }] },
        },
      ],
    },
  ],
});
