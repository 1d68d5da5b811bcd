/**
 * The organization scan's spool (src/report/spool.ts): a member report put on
 * disk comes back equal, key order and shared rule texts included; files are
 * private and gone once taken or closed; a spool that cannot write keeps the
 * report in memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/schema.js';
import { openReportSpool } from '../../src/report/spool.js';
import {
  CONTROL_TEXT,
  fixtureReport,
  fixtureReportWithSuppressionAndBaseline,
  HOSTILE_NAME,
  PIPE_NAME,
} from './fixtures.js';

const SPOOL_JS = fileURLToPath(new URL('../../dist/src/report/spool.js', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spool-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** the report put on disk and taken back, as JSON text */
function roundTrip(report: Report): string {
  const spool = openReportSpool(dir);
  try {
    return JSON.stringify(spool.take(spool.put(report)));
  } finally {
    spool.close();
  }
}

/** the spool's own directory under `dir` */
const spoolDirs = () => readdirSync(dir).filter((n) => n.startsWith('ecs-audit-spool-'));

describe('report spool', () => {
  it.each([
    ['a report with findings', fixtureReport],
    ['suppressed and baselined findings', fixtureReportWithSuppressionAndBaseline],
    ['no findings', async () => ({ ...(await fixtureReport()), findings: [] })],
  ])('%s: put on disk, taken back equal, key order included', async (_, make) => {
    const report: Report = await make();
    const expected = JSON.stringify(report);
    const spool = openReportSpool(dir);
    try {
      const spooled = spool.put(report);
      expect('file' in spooled).toBe(true);
      const back = spool.take(spooled);
      expect(JSON.stringify(back)).toBe(expected);
      expect(back).toEqual(JSON.parse(expected));
    } finally {
      spool.close();
    }
  });

  it('names, control characters and line separators in a finding survive the trip', async () => {
    const report = await fixtureReport();
    const f = report.findings[0]!;
    report.findings[0] = {
      ...f,
      message: `${HOSTILE_NAME}\n${PIPE_NAME}\u2028${CONTROL_TEXT}`,
      resource: { ...f.resource, name: `${PIPE_NAME}\r\n` },
    };
    expect(roundTrip(report)).toBe(JSON.stringify(report));
  });

  it('a finding longer than the read buffer comes back whole', async () => {
    const report = await fixtureReport();
    // 2.5 MB of evidence, more than twice the 1 MB read at a time, and non-ASCII at the seams
    report.findings[1] = {
      ...report.findings[1]!,
      evidence: { blob: 'é数'.repeat(600_000) },
    };
    expect(roundTrip(report)).toBe(JSON.stringify(report));
  });

  it('the file holds each rule text once, is private, and is gone once taken', async () => {
    const report = await fixtureReport();
    const remediation = report.findings[0]!.remediation;
    const many = Array.from({ length: 50 }, () => report.findings[0]!);
    const spool = openReportSpool(dir);
    try {
      const spooled = spool.put({ ...report, findings: many });
      if (!('file' in spooled)) throw new Error('not spooled');
      expect(statSync(spooled.file).mode & 0o777).toBe(0o600);
      // a report line, then one line per finding, where an index stands for the rule's text
      const lines = readFileSync(spooled.file, 'utf8').split('\n');
      expect(lines).toHaveLength(1 + 50 + 1);
      expect(lines.slice(1).some((l) => l.includes(remediation))).toBe(false);
      const back = spool.take(spooled);
      expect(back.findings).toHaveLength(50);
      expect(back.findings.every((x) => x.remediation === remediation)).toBe(true);
      expect(readdirSync(join(dir, spoolDirs()[0]!))).toEqual([]);
    } finally {
      spool.close();
    }
    expect(spoolDirs()).toEqual([]);
  });

  it('close removes reports never taken', async () => {
    const spool = openReportSpool(dir);
    spool.put(await fixtureReport());
    spool.put(await fixtureReport());
    expect(readdirSync(join(dir, spoolDirs()[0]!))).toHaveLength(2);
    spool.close();
    expect(spoolDirs()).toEqual([]);
  });

  it('a place it cannot make its directory in: the report stays in memory', async () => {
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    const report = await fixtureReport();
    const spool = openReportSpool(blocked);
    try {
      const spooled = spool.put(report);
      expect(spooled).toEqual({ report });
      expect(spool.take(spooled)).toBe(report);
    } finally {
      spool.close();
    }
  });

  it('a file it cannot write: the report stays in memory with its rule texts back in place', async () => {
    const report = await fixtureReport();
    const expected = JSON.stringify(report);
    const spool = openReportSpool(dir);
    // the directory gone from under it: opening the file fails
    rmSync(join(dir, spoolDirs()[0]!), { recursive: true });
    try {
      const spooled = spool.put(report);
      expect('report' in spooled).toBe(true);
      expect(JSON.stringify(spool.take(spooled))).toBe(expected);
    } finally {
      spool.close();
    }
  });

  it('a process that exits before close (Ctrl-C exits) leaves no spool behind', async () => {
    // a fresh process: the built module, a report put, then process.exit as the interrupt handler does
    const script = `
      const { openReportSpool } = await import(${JSON.stringify(SPOOL_JS)});
      const report = JSON.parse(process.argv[1]);
      const spool = openReportSpool(${JSON.stringify(dir)});
      const spooled = spool.put(report);
      console.log(JSON.stringify(spooled));
      process.exit(130);
    `;
    const report = await fixtureReport();
    const child = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, JSON.stringify(report)],
      { encoding: 'utf8', env: { ...process.env, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' } },
    );
    expect(child.status).toBe(130);
    // it was written to disk, and is gone with its directory
    expect(JSON.parse(child.stdout.trim()).file).toContain('ecs-audit-spool-');
    expect(spoolDirs()).toEqual([]);
  });
});
