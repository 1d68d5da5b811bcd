/**
 * How the collectors load the SDKs, in a fresh process (a test worker may have
 * imported the packages in full already): model files on first use, and all
 * of it let go of by `releaseSdks`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SDK = fileURLToPath(new URL('../../dist/src/collectors/sdk.js', import.meta.url));

const script = `
import { createRequire } from 'node:module';
const { holdSdks, releaseSdks, sdks, sdksLoaded } = await import(${JSON.stringify(SDK)});
const cache = createRequire(import.meta.url).cache;
const count = (part) => Object.keys(cache).filter((k) => k.includes(part)).length;
const ecsModels = () => count('ecs20140526/dist/models/');
const s = sdks();
const atLoad = { models: ecsModels(), vpcModels: count('vpc20160428/dist/models/') };
const request = new s.ecs.DescribeSecurityGroupsRequest({ regionId: 'cn-hangzhou' });
const afterUse = ecsModels();
const memoized = s.ecs.DescribeSecurityGroupsRequest.names() === s.ecs.DescribeSecurityGroupsRequest.names();
const unhold = holdSdks();
const whileHeld = releaseSdks();
const loadedWhileHeld = sdksLoaded();
unhold();
unhold(); // once is enough: a second call changes nothing
const dropped = releaseSdks();
const left = count('@alicloud/ecs20140526') + count('@alicloud/vpc20160428');
const loadedAfterRelease = sdksLoaded();
const again = sdks();
console.log(JSON.stringify({
  atLoad, afterUse, memoized, regionId: request.regionId, whileHeld, loadedWhileHeld, dropped, left, loadedAfterRelease,
  fresh: again.ecs !== s.ecs,
  againWorks: new again.ecs.DescribeSecurityGroupsRequest({ regionId: 'cn-beijing' }).regionId,
}));
`;

describe('SDK loading', () => {
  it('loads model files on first use and lets go of every SDK module on release', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' },
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!);
    // only the index (put in place, not read from its 2,000 requires) until a model is used
    expect(r.atLoad).toEqual({ models: 1, vpcModels: 1 });
    // the request class's own file, nothing else of the 2,000
    expect(r.afterUse).toBe(2);
    expect(r.memoized).toBe(true);
    expect(r.regionId).toBe('cn-hangzhou');
    // held by a collection: nothing is dropped
    expect(r.whileHeld).toBe(0);
    expect(r.loadedWhileHeld).toBe(true);
    expect(r.dropped).toBeGreaterThan(10);
    expect(r.left).toBe(0);
    expect(r.loadedAfterRelease).toBe(false);
    expect(r.fresh).toBe(true);
    expect(r.againWorks).toBe('cn-beijing');
  });
});
