/**
 * Report formats: each a pure function (report, options) => string, and the
 * same document as a sequence of text pieces (`FORMAT_CHUNKS`), which the CLI
 * writes as they are made so a large report is never held as one string.
 */
import { formatHtml, htmlChunks } from './html.js';
import { formatJson, jsonChunks } from './json.js';
import { formatJunit, junitChunks } from './junit.js';
import { formatMarkdown } from './markdown.js';
import { formatSarif, sarifChunks } from './sarif.js';
import type { Report } from './schema.js';
import { formatTable, tableChunks } from './table.js';

/** `width`: the table's line width in columns (the terminal's, else 80) */
export type FormatOptions = { color?: boolean; width?: number };
export type Formatter = (report: Report, opts: FormatOptions) => string;
export type ChunkedFormatter = (report: Report, opts: FormatOptions) => Iterable<string>;

export const FORMATS = {
  table: (r, o) => formatTable(r, o),
  json: (r) => formatJson(r),
  sarif: (r) => formatSarif(r),
  junit: (r) => formatJunit(r),
  markdown: (r) => formatMarkdown(r),
  html: (r) => formatHtml(r),
} satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATS;

export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

/** Each format as text pieces whose concatenation is exactly `FORMATS[name]`'s string. */
export const FORMAT_CHUNKS: Record<FormatName, ChunkedFormatter> = {
  table: (r, o) => tableChunks(r, o),
  json: (r) => jsonChunks(r),
  sarif: (r) => sarifChunks(r),
  junit: (r) => junitChunks(r),
  markdown: (r) => [formatMarkdown(r)],
  html: (r) => htmlChunks(r),
};

export function isFormat(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}
