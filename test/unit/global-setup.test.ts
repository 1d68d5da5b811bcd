import { expect, it } from 'vitest';
import { orphanOutputs, staleSources } from '../global-setup.js';

it('the global setup left dist/ as new as every source of src/ and rules/, with no orphan', () => {
  expect(staleSources()).toEqual([]);
  expect(orphanOutputs()).toEqual([]);
});
