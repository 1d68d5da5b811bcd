import { describe, expect, it } from 'vitest';
import { FORMAT_CHUNKS, FORMAT_NAMES, FORMATS, isFormat } from '../../src/report/index.js';
import { fixtureReport, largeReport } from './fixtures.js';

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

  it('each format made in pieces (as the CLI writes it) is exactly the same document', async () => {
    const plain = await fixtureReport();
    const empty = { ...plain, findings: [], summary: { ...plain.summary, medium: 0, high: 0 } };
    // more findings than one piece holds, so pieces are joined inside the findings array
    const big = await largeReport(1100);
    for (const report of [plain, empty, big]) {
      for (const n of FORMAT_NAMES) {
        const pieces = [...FORMAT_CHUNKS[n](report, { color: false })];
        expect(pieces.join(''), n).toBe(FORMATS[n](report, { color: false }));
        if (n !== 'markdown' && report === big) {
          expect(pieces.length, n).toBeGreaterThan(3);
        }
      }
    }
  });
});
