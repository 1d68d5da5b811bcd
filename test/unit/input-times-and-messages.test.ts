/**
 * Bad input gets one clear line and exit 2: impossible dates are refused (not
 * rolled over), a time without a zone is refused (never read in the machine's
 * zone), zod's "received undefined" / "Invalid input" never reach the user, a
 * snapshot's bad clock is blamed on the snapshot, not on --now, and secrets
 * are scrubbed in URL-encoded form too.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { parseNow, parseSince } from '../../src/cli/parse.js';
import { parseConfig } from '../../src/config/index.js';
import { makeRedactor } from '../../src/credentials/index.js';
import { parseWorld, WorldError } from '../../src/emulator/world.js';
import { emptyInventory } from '../../src/inventory/schema.js';
import { serializeSnapshot } from '../../src/inventory/snapshot.js';
import { BaselineError, readBaseline, readReportFile } from '../../src/report/baseline.js';
import { configError } from '../helpers/config.js';
import { runInProcess } from '../helpers/in-process.js';

// an internal error of a command (see 'secrets' below): the rules list throws what it is told to
const boom = vi.hoisted(() => ({ message: undefined as string | undefined }));
vi.mock('../../src/cli/commands/rules.js', async (original) => {
  const real = await original<typeof import('../../src/cli/commands/rules.js')>();
  return {
    ...real,
    runRulesList: (...args: Parameters<typeof real.runRulesList>) => {
      if (boom.message !== undefined) throw new Error(boom.message);
      return real.runRulesList(...args);
    },
  };
});

const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-input-'));
const write = (name: string, data: unknown): string => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
};
const usage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
};
/** the snapshot of an empty account, as `collect -o` writes it */
const snapshot = (): Record<string, unknown> => JSON.parse(serializeSnapshot(emptyInventory()));
const ZOD_WORDS = /received undefined|Invalid input|Invalid option/;

describe('times: --now, --since and the config file read dates alike', () => {
  const tz = process.env['TZ'];
  afterEach(() => {
    if (tz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = tz;
  });

  it('an impossible date is refused, never rolled over', () => {
    expect(usage(() => parseNow('2026-02-30T00:00:00Z'))).toBe(
      '--now: no such date, got "2026-02-30T00:00:00Z"',
    );
    expect(usage(() => parseNow('2026-13-01'))).toMatch(/^--now: no such date/);
    expect(usage(() => parseNow('2026-11-01T25:00:00Z'))).toMatch(/^--now: no such time/);
    const now = new Date('2026-11-01T00:00:00Z');
    expect(usage(() => parseSince('2026-02-30', now))).toBe(
      '--since: no such date, got "2026-02-30"',
    );
    // a leap day is a date
    expect(parseSince('2024-02-29', now).toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('a time without a zone is refused, whatever the machine zone', () => {
    process.env['TZ'] = 'Asia/Shanghai';
    expect(usage(() => parseNow('2026-11-01T00:00:00'))).toMatch(
      /^--now: a time needs a zone: Z \(UTC\) or an offset like \+08:00, got "2026-11-01T00:00:00"$/,
    );
    expect(usage(() => parseSince('2026-10-01T08:00', new Date()))).toMatch(/^--since: a time/);
    // a bare date is UTC midnight, an offset is honoured
    expect(parseNow('2026-11-01').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseNow('2026-11-01T08:00:00+08:00').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseNow('2026-11-01T00:00:00.5Z').toISOString()).toBe('2026-11-01T00:00:00.500Z');
  });

  it('relative --since forms still work', () => {
    const now = new Date('2026-11-01T00:00:00Z');
    expect(parseSince('90d', now).toISOString()).toBe('2026-08-03T00:00:00.000Z');
    expect(parseSince('12h', now).toISOString()).toBe('2026-10-31T12:00:00.000Z');
  });

  it('the config file: expires and since are read as --since reads them', () => {
    const suppression = (expires: string) =>
      `suppressions:\n  - rule: x\n    reason: ok\n    expires: ${expires}\n`;
    expect(configError(suppression('2026-02-30'))).toBe(
      'audit.yaml:4: suppressions.0.expires: no such date (got "2026-02-30")',
    );
    expect(configError(suppression('2026-13-01'))).toMatch(/expires: no such date/);
    expect(parseConfig(suppression('2028-02-29'), 'a.yaml').suppressions[0]!.expires).toBe(
      '2028-02-29',
    );
    expect(configError('since: 2026-02-30\n')).toBe(
      'audit.yaml:1: since: no such date (got "2026-02-30")',
    );
    expect(configError('since: 2026-10-01T00:00:00\n')).toMatch(
      /^audit\.yaml:1: since: a time needs a zone/,
    );
    expect(parseConfig('since: 30d\n', 'a.yaml').since).toBe('30d');
    expect(parseConfig('since: 2026-10-01T00:00:00+08:00\n', 'a.yaml').since).toBeDefined();
  });

  it('scan --now 2026-02-30: exit 2, one line', async () => {
    const file = write('empty.json', snapshot());
    const r = await runInProcess(['scan', '--snapshot', file, '--now', '2026-02-30T00:00:00Z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ecs-audit: --now: no such date, got "2026-02-30T00:00:00Z"\n');
  });
});

describe("messages: zod's defaults never reach the user", () => {
  it('config: a missing reason is required, a number is not a region list', () => {
    const missing = configError('suppressions:\n  - rule: x\n    resource: sg-1\n');
    expect(missing).toBe('audit.yaml:2: suppressions.0.reason: required (a string)');
    expect(configError('regions: 5\n')).toBe(
      'audit.yaml:1: regions: expected "all" or a list (got 5)',
    );
    expect(configError('regions: []\n')).toBe('audit.yaml:1: regions: expected at least 1 item');
    expect(configError('rules:\n  x:\n    enabled: 3\n')).toBe(
      'audit.yaml:3: rules.x.enabled: expected true or false (got 3)',
    );
  });

  it('snapshot: a missing list is required; collectedAt is blamed on the snapshot', async () => {
    const noRegions = snapshot();
    delete (noRegions['scope'] as Record<string, unknown>)['regions'];
    const file = write('no-regions.json', noRegions);
    let r = await runInProcess(['scan', '--snapshot', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`ecs-audit: ${file}: scope.regions: required (a list)\n`);

    const garbage = write('garbage-clock.json', { ...snapshot(), collectedAt: 'garbage' });
    r = await runInProcess(['scan', '--snapshot', garbage]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^ecs-audit: ${garbage}: collectedAt: expected an ISO-8601 date or time .*\\(got "garbage"\\)\\n$`,
      ),
    );
    expect(r.stderr).not.toContain('--now');

    const zoneless = write('zoneless-clock.json', {
      ...snapshot(),
      collectedAt: '2026-11-01T00:00:00',
    });
    r = await runInProcess(['scan', '--snapshot', zoneless]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${zoneless}: collectedAt: a time needs a zone`);
  });

  describe('a report read back (--baseline, merge)', () => {
    let report: Record<string, unknown>;
    beforeAll(async () => {
      const file = write('for-report.json', snapshot());
      const r = await runInProcess(['scan', '--snapshot', file, '--format', 'json']);
      expect(r.code).toBe(0);
      report = JSON.parse(r.stdout);
    });

    it('a missing account.callerArn is required', async () => {
      const broken = structuredClone(report);
      delete (broken['account'] as Record<string, unknown>)['callerArn'];
      const file = write('no-caller.json', broken);
      await expect(readBaseline(file)).rejects.toThrow(
        `${file}: not an ecs-audit JSON report (schema version 1): account.callerArn: required (a string)`,
      );
      const r = await runInProcess(['merge', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('account.callerArn: required (a string)');
      expect(r.stderr).not.toMatch(ZOD_WORDS);
    });

    it('a snapshot given for a report is named as one', async () => {
      const file = write('snap-not-report.json', snapshot());
      await expect(readReportFile(file)).rejects.toThrow(BaselineError);
      await expect(readReportFile(file)).rejects.toThrow(
        `${file}: this is an ecs-audit snapshot, not a report`,
      );
      for (const args of [
        ['merge', file],
        ['scan', '--snapshot', file, '--baseline', file],
      ]) {
        const r = await runInProcess(args);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(
          /^ecs-audit: .*: this is an ecs-audit snapshot, not a report \(.*\)\n$/,
        );
      }
    });
  });

  it("the emulator's world names what is missing", () => {
    try {
      parseWorld({ account: { AccountId: '1234567890123456' }, regions: 5 }, 'w.json');
      throw new Error('expected a WorldError');
    } catch (err) {
      expect(err).toBeInstanceOf(WorldError);
      expect((err as Error).message).toMatch(/^w\.json: /);
      expect((err as Error).message).not.toMatch(ZOD_WORDS);
    }
  });
});

describe('secrets: URL-encoded forms are redacted', () => {
  const SECRET = 'Sec+ret/Value=Canary 7f3a';
  const TOKEN = 'CAIS+STSTOKEN/abc+def==';

  it('as typed, percent-encoded in either hex case, partly encoded, form-encoded', () => {
    const redact = makeRedactor([SECRET, TOKEN, 'LTAI5tKeyId000001']);
    const echoed = [
      TOKEN,
      encodeURIComponent(TOKEN),
      encodeURIComponent(TOKEN)
        .toLowerCase()
        .replace(/cais/, 'CAIS')
        .replace(/ststoken/, 'STSTOKEN'),
      'CAIS%2BSTSTOKEN/abc+def%3D%3D',
      encodeURIComponent(SECRET),
      new URLSearchParams({ s: SECRET }).toString().slice(2),
      SECRET,
    ];
    for (const text of echoed) {
      expect(redact(`SecurityToken=${text}&x=1`), text).toBe('SecurityToken=***&x=1');
    }
    expect(redact('nothing secret here')).toBe('nothing secret here');
  });

  it("the CLI's internal-error line is scrubbed of every known secret", async () => {
    makeRedactor([SECRET, TOKEN]);
    boom.message = `GET https://ecs.example/?SecurityToken=${encodeURIComponent(TOKEN)}&Secret=${SECRET} failed`;
    try {
      const r = await runInProcess(['rules']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^ecs-audit: internal error: Error: GET https:\/\/ecs\.example\/\?SecurityToken=\*\*\*&Secret=\*\*\* failed\n$/,
      );
    } finally {
      boom.message = undefined;
    }
  });
});

// the snapshot written above is what `collect -o` writes: it must itself be readable
it('the test snapshot is a valid one', () => {
  const file = write('valid.json', snapshot());
  expect(JSON.parse(readFileSync(file, 'utf8')).collectedAt).toBe('2026-11-01T00:00:00.000Z');
});

describe('times without seconds', () => {
  it('hours and minutes with a zone are a time, the same instant as with :00', () => {
    expect(parseNow('2026-11-01T16:00+08:00').toISOString()).toBe('2026-11-01T08:00:00.000Z');
    expect(parseNow('2026-11-01T08:00Z').toISOString()).toBe('2026-11-01T08:00:00.000Z');
  });
});
