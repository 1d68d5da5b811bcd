import { describe, expect, it } from 'vitest';
import { FORMAT_NAMES, FORMATS, isFormat } from '../../src/report/index.js';
import { fixtureReport } from './fixtures.js';

describe('report formats', () => {
  it('registers table, json, sarif, junit, markdown and html', () => {
    expect(FORMAT_NAMES).toEqual(['table', 'json', 'sarif', 'junit', 'markdown', 'html']);
    for (const name of FORMAT_NAMES) expect(isFormat(name)).toBe(true);
    expect(isFormat('xml')).toBe(false);
    expect(isFormat('toString')).toBe(false);
  });

  it('every format turns a real report into its own kind of document, deterministically', async () => {
    const report = await fixtureReport();
    const out = Object.fromEntries(
      FORMAT_NAMES.map((n) => [n, FORMATS[n](report, { color: false })]),
    ) as Record<(typeof FORMAT_NAMES)[number], string>;
    expect(out.table).toMatch(/^ecs-audit /);
    expect(JSON.parse(out.json)).toEqual(report);
    expect(JSON.parse(out.sarif).version).toBe('2.1.0');
    expect(out.junit).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/);
    expect(out.markdown).toMatch(/^## ecs-audit report/);
    expect(out.html).toMatch(/^<!doctype html>/);
    for (const n of FORMAT_NAMES) {
      expect(out[n].endsWith('\n')).toBe(true);
      expect(FORMATS[n](report, { color: false })).toBe(out[n]);
    }
  });
});
