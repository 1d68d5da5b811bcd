/** Report formats: each a pure function (report, options) => string. */
import { formatHtml } from './html.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import { formatSarif } from './sarif.js';
import type { Report } from './schema.js';
import { formatTable } from './table.js';

export type Formatter = (report: Report, opts: { color?: boolean }) => string;

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

export function isFormat(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}
