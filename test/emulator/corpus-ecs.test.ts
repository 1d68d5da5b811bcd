/**
 * ECS corpus replay: every official ECS success-response example in
 * ../shared/corpus/alibaba-api-response-examples/ecs that the emulator serves
 * is replayed field by field. A world is built from the example's own items
 * (the lists the world format writes as plain arrays are unwrapped, every
 * other field is passed as is), the emulator is called through openapi-core's
 * generic client (real signing, real HTTP; the raw JSON is compared, not what
 * an SDK model keeps of it), and every leaf of the example must come back at
 * the same path with the same value — except the fields listed in
 * `NOT_REPRODUCED`, each with the reason the emulator cannot give them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { callRpc, config, OpenApi } from '../helpers/sdk.js';

const EXAMPLES = path.resolve(
  __dirname,
  '../../../shared/corpus/alibaba-api-response-examples/ecs',
);
const REGION = 'cn-hangzhou';

type Json = unknown;
type Obj = Record<string, Json>;
const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Fields of an example the emulator cannot reproduce from a world, and why.
 * Paths are the example's leaf paths with list indexes replaced by `[]`.
 */
const NOT_REPRODUCED: Record<string, string> = {
  RequestId: 'a fresh id per request, as the service does',
  TotalCount:
    "the example's account held more items than the example shows; the world holds only those",
  PageSize: 'the example was asked for another page size; the replay asks for the default',
  PageNumber: 'the same: paging of the request, not of the data',
  NextToken: 'a token of the example account; the world fits in one page',
};

/** the actions the scan reads and the emulator serves; the rest of the corpus is accounted for below */
const SERVED = [
  'DescribeInstances',
  'DescribeInvocations',
  'DescribeKeyPairs',
  'DescribeSecurityGroupAttribute',
  'DescribeSecurityGroups',
];
/** in the corpus, neither called by the scan nor served by the emulator (not in READ_ACTIONS) */
const NOT_SERVED = ['DescribeCommands', 'DescribeInvocationResults'];

/** `{ "IpAddress": [...] }` → `[...]` (a wrapper the world format writes as a plain array) */
function unwrap(v: Json): Json {
  if (!isObj(v)) return v;
  const keys = Object.keys(v);
  return keys.length === 1 && Array.isArray(v[keys[0]!]) ? v[keys[0]!] : v;
}

function worldInstance(item: Obj): Obj {
  const out: Obj = { ...item };
  for (const k of ['SecurityGroupIds', 'PublicIpAddress', 'InnerIpAddress']) {
    if (k in out) out[k] = unwrap(out[k]);
  }
  if (isObj(out['VpcAttributes'])) {
    const vpc = { ...out['VpcAttributes'] };
    if ('PrivateIpAddress' in vpc) vpc['PrivateIpAddress'] = unwrap(vpc['PrivateIpAddress']);
    out['VpcAttributes'] = vpc;
  }
  if ('NetworkInterfaces' in out) {
    out['NetworkInterfaces'] = (unwrap(out['NetworkInterfaces']) as Obj[]).map((n) => {
      const nic: Obj = { ...n };
      for (const k of ['PrivateIpSets', 'Ipv6Sets']) if (k in nic) nic[k] = unwrap(nic[k]);
      return nic;
    });
  }
  return out;
}

/** the world for one example, and the request that asks for what it shows */
function replay(action: string, example: Obj): { region: Obj; query: Record<string, string> } {
  switch (action) {
    case 'DescribeInstances':
      return {
        region: {
          Instances: (unwrap(example['Instances']) as Obj[]).map(worldInstance),
        },
        query: { PageNumber: '1', PageSize: '100' },
      };
    case 'DescribeSecurityGroups':
      return {
        region: { SecurityGroups: unwrap(example['SecurityGroups']) as Obj[] },
        query: { PageNumber: '1', PageSize: '50' },
      };
    case 'DescribeSecurityGroupAttribute': {
      const { RequestId: _r, RegionId: _g, Permissions, ...group } = example;
      return {
        region: { SecurityGroups: [{ ...group, Permissions: unwrap(Permissions) }] },
        query: {
          SecurityGroupId: String(example['SecurityGroupId']),
          Direction: 'all',
          // the examples are VPC groups; a classic one would also need NicType
          NicType: 'intranet',
        },
      };
    }
    case 'DescribeKeyPairs':
      return {
        region: { KeyPairs: unwrap(example['KeyPairs']) as Obj[] },
        query: { PageNumber: '1', PageSize: '50' },
      };
    case 'DescribeInvocations':
      return {
        region: {
          Invocations: (unwrap(example['Invocations']) as Obj[]).map((v) => ({
            ...v,
            InvokeInstances: unwrap(v['InvokeInstances']),
          })),
        },
        query: { PageNumber: '1', PageSize: '50' },
      };
    default:
      throw new Error(`no replay for ${action}`);
  }
}

/** every leaf of `v` by path (`$.A.B[0].C`) */
function leaves(v: Json, at = '$', out = new Map<string, Json>()): Map<string, Json> {
  if (Array.isArray(v)) {
    if (v.length === 0) out.set(at, []);
    for (const [i, x] of v.entries()) leaves(x, `${at}[${i}]`, out);
  } else if (isObj(v)) {
    if (Object.keys(v).length === 0) out.set(at, {});
    for (const [k, x] of Object.entries(v)) leaves(x, `${at}.${k}`, out);
  } else out.set(at, v);
  return out;
}

/** the example's leaves the answer lacks or holds with another value, minus NOT_REPRODUCED */
function differences(example: Json, answer: Json): string[] {
  const got = leaves(answer);
  const out: string[] = [];
  for (const [p, want] of leaves(example)) {
    if (p.replace(/^\$\./, '').replace(/\[\d+\]/g, '[]') in NOT_REPRODUCED) continue;
    const have = got.get(p);
    if (JSON.stringify(have) !== JSON.stringify(want)) {
      out.push(`${p}: ${JSON.stringify(want)} expected, ${JSON.stringify(have)} served`);
    }
  }
  return out;
}

const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
const actionOf = (f: string) => f.split('.')[1]!;

describe('ECS response examples, field by field', () => {
  it('every example is accounted for: replayed, or of an action the emulator does not serve', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    const unknown = files.filter((f) => ![...SERVED, ...NOT_SERVED].includes(actionOf(f)));
    expect(unknown).toEqual([]);
    expect(files.filter((f) => SERVED.includes(actionOf(f))).length).toBeGreaterThanOrEqual(30);
  });

  const replayed = files.filter((f) => SERVED.includes(actionOf(f)));
  it.each(replayed)('%s', async (file) => {
    const action = actionOf(file);
    const example = JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as Obj;
    const { region, query } = replay(action, example);
    const emu = await startEmulator(
      parseWorld({
        version: 1,
        account: { accountId: '1234567890123456' },
        regions: [{ RegionId: REGION }],
        ecs: { [REGION]: region },
      } as WorldInput),
    );
    try {
      const client = new OpenApi(config(emu.url));
      const body = (await callRpc(client, '2014-05-26', action, {
        RegionId: REGION,
        ...query,
      })) as Obj;
      expect(differences(example, body)).toEqual([]);
      expect(typeof body['RequestId']).toBe('string');
    } finally {
      await emu.close();
    }
  });

  it('the comparison itself catches a changed value, a missing field and a missing item', () => {
    const example = { A: { B: [{ C: 1 }, { C: 2 }] }, D: 'x', TotalCount: 9 };
    expect(differences(example, { A: { B: [{ C: 1 }, { C: 2 }] }, D: 'x' })).toEqual([]);
    expect(differences(example, { A: { B: [{ C: '1' }] }, D: 'y' })).toEqual([
      '$.A.B[0].C: 1 expected, "1" served',
      '$.A.B[1].C: 2 expected, undefined served',
      '$.D: "x" expected, "y" served',
    ]);
  });
});
