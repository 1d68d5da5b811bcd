import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskAccessKeyId as credentialsMask } from '../../src/credentials/index.js';
import {
  MASK_PREFIX,
  maskAccessKeyId,
  maskAccessKeyIdsIn,
  maskedMatches,
} from '../../src/util/mask.js';

describe('maskAccessKeyId', () => {
  it.each([
    ['LTAI5tExampleKeyABCD', '****ABCD'],
    ['LTAI4RootKeyAbcd1234', '****1234'],
    ['STS.NUgYrLnoC37mZZCNnAbCdEf', '****CdEf'],
    ['  LTAI5tExampleKeyWXYZ  ', '****WXYZ'],
    ['ABCDE', '****BCDE'],
    ['ABCD', '****'],
    ['abc', '****'],
    ['', '****'],
  ])('%j → %j', (id, masked) => {
    expect(maskAccessKeyId(id)).toBe(masked);
  });

  it('keeps at most the last 4 characters of any id and never its prefix or length', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 40 }), (id) => {
        const m = maskAccessKeyId(id);
        const s = id.trim();
        expect(m.startsWith(MASK_PREFIX)).toBe(true);
        expect(m.length).toBeLessThanOrEqual(MASK_PREFIX.length + 4);
        if (s.length > 4) expect(m).toBe(MASK_PREFIX + s.slice(-4));
        else expect(m).toBe(MASK_PREFIX);
      }),
    );
  });

  it('agrees with the masking of the caller key in src/credentials for real ids', () => {
    // one implementation serves both
    expect(credentialsMask).toBe(maskAccessKeyId);
    fc.assert(
      fc.property(fc.stringMatching(/^LTAI[A-Za-z0-9]{12,26}$/), (id) => {
        expect(maskAccessKeyId(id)).toBe(credentialsMask(id));
      }),
    );
  });
});

describe('maskedMatches', () => {
  it('matches an id with its masked form and nothing that differs in the last 4', () => {
    expect(maskedMatches('LTAI4RootKeyAbcd1234', '****1234')).toBe(true);
    expect(maskedMatches('LTAI4RootKeyAbcd1234', '****1235')).toBe(false);
    expect(maskedMatches('abc', '****')).toBe(false);
  });
});

describe('maskAccessKeyIdsIn', () => {
  it('masks ids inside a sentence and leaves other words alone', () => {
    expect(maskAccessKeyIdsIn('key LTAI5tExampleKeyABCD was used by STS.TokenXyz9')).toBe(
      'key ****ABCD was used by ****Xyz9',
    );
    expect(maskAccessKeyIdsIn('no keys here, LTAI alone')).toBe('no keys here, LTAI alone');
  });
});
