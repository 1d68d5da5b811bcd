/** Report formats: each a pure function (report) => string. */
import { formatJson } from './json.js';
import type { Report } from './schema.js';
import { formatTable } from './table.js';

export type Formatter = (report: Report, opts: { color?: boolean }) => string;

export const FORMATS = {
  table: (r, o) => formatTable(r, o),
  json: (r) => formatJson(r),
} satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATS;

export function isFormat(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}
