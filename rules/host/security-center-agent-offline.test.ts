import { testRule } from '../../src/testing/rule-tester.js';
import rule from './security-center-agent-offline.js';

const inst = (id: string, status = 'Running', region = 'cn-hangzhou') => ({
  id,
  region,
  name: `web-${id}`,
  status,
  securityGroupIds: [],
  keyPairName: null,
});
const asset = (instanceId: string, clientStatus?: string, clientSubStatus?: string) => ({
  instanceId,
  regionId: 'cn-hangzhou',
  ...(clientStatus !== undefined ? { clientStatus } : {}),
  ...(clientSubStatus !== undefined ? { clientSubStatus } : {}),
});

testRule(rule, {
  valid: [
    {
      name: 'agent online, sub-status online',
      inventory: {
        ecs: { instances: [inst('i-1')] },
        sas: { instances: [asset('i-1', 'online', 'online')] },
      },
    },
    {
      name: 'agent online, no sub-status (absent or "" are the same)',
      inventory: {
        ecs: { instances: [inst('i-1')] },
        sas: { instances: [asset('i-1', 'online')] },
      },
    },
    {
      name: 'status compared case-insensitively',
      inventory: {
        ecs: { instances: [inst('i-1')] },
        sas: { instances: [asset('i-1', 'Online', 'ONLINE')] },
      },
    },
    {
      name: 'Security Center unknown (not read, denied, not activated): no finding',
      inventory: { ecs: { instances: [inst('i-1'), inst('i-2')] }, sas: {} },
    },
    {
      name: 'a stopped instance without an agent',
      inventory: { ecs: { instances: [inst('i-1', 'Stopped')] }, sas: { instances: [] } },
    },
    {
      name: 'ClientStatus missing in the answer: not evaluated',
      inventory: { ecs: { instances: [inst('i-1')] }, sas: { instances: [asset('i-1')] } },
    },
  ],
  invalid: [
    {
      name: 'ClientStatus offline',
      inventory: {
        ecs: { instances: [inst('i-1')] },
        sas: { instances: [asset('i-1', 'offline')] },
      },
      findings: [
        {
          id: 'i-1',
          type: 'instance',
          region: 'cn-hangzhou',
          message: 'is not online (offline)',
          evidence: { listed: true, clientStatus: 'offline', clientSubStatus: null },
        },
      ],
    },
    {
      name: 'ClientStatus pause',
      inventory: {
        ecs: { instances: [inst('i-1')] },
        sas: { instances: [asset('i-1', 'pause', 'pause')] },
      },
      findings: [{ id: 'i-1', message: '(pause)' }],
    },
    {
      name: 'ClientSubStatus uninstalled',
      inventory: {
        ecs: { instances: [inst('i-1')] },
        sas: { instances: [asset('i-1', 'offline', 'uninstalled')] },
      },
      findings: [
        {
          id: 'i-1',
          message: '(offline, uninstalled)',
          evidence: { clientSubStatus: 'uninstalled' },
        },
      ],
    },
    {
      name: 'ClientStatus online but ClientSubStatus stopped',
      inventory: {
        ecs: { instances: [inst('i-1')] },
        sas: { instances: [asset('i-1', 'online', 'stopped')] },
      },
      findings: [
        {
          id: 'i-1',
          message: '(stopped)',
          evidence: { clientStatus: 'online', clientSubStatus: 'stopped' },
        },
      ],
    },
    {
      name: 'a running instance absent from the asset list; others online',
      inventory: {
        ecs: { instances: [inst('i-1'), inst('i-2', 'Running', 'ap-southeast-1')] },
        sas: { instances: [asset('i-1', 'online')] },
      },
      findings: [
        {
          id: 'i-2',
          region: 'ap-southeast-1',
          message: "is not in Security Center's asset list",
          evidence: { listed: false },
        },
      ],
    },
  ],
});
