/**
 * Reading the peer scanners' test inputs in ../shared/corpus: a small regex
 * extraction of Terraform `resource` blocks (top-level attributes only) and the
 * ROS templates through the `yaml` package. Callers assert how many blocks or
 * resources they extracted, so a silent parse failure fails the test.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const CORPUS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../shared/corpus',
);

export function corpusText(rel: string): string {
  return readFileSync(path.join(CORPUS, rel), 'utf8');
}

export function corpusJson<T>(rel: string): T {
  return JSON.parse(corpusText(rel)) as T;
}

export function corpusExists(rel: string): boolean {
  return existsSync(path.join(CORPUS, rel));
}

/** a Terraform expression we do not evaluate (a reference, a function call) */
export interface TfExpr {
  expr: string;
}
export type TfValue = string | number | boolean | unknown[] | TfExpr;

export interface TfBlock {
  type: string;
  name: string;
  attrs: Record<string, TfValue>;
}

const BLOCK = /^resource\s+"([^"]+)"\s+"([^"]+)"\s*\{[^\S\n]*\n([\s\S]*?)^\}/gm;
const HEREDOC =
  /^[^\S\n]*([a-z_][a-z0-9_]*)\s*=\s*<<-?(\w+)[^\S\n]*\n([\s\S]*?)\n[^\S\n]*\2[^\S\n]*$/gm;
const NESTED = /^[^\S\n]*[a-z_][a-z0-9_]*\s*\{[^\S\n]*\n[\s\S]*?^[^\S\n]*\}[^\S\n]*$/gm;
const ATTR = /^[^\S\n]*([a-z_][a-z0-9_]*)\s*=\s*(.+?)\s*$/gm;

function tfValue(raw: string): TfValue {
  if (/^"(?:[^"\\]|\\.)*"$/.test(raw)) return JSON.parse(raw) as string;
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw.startsWith('[')) {
    try {
      return JSON.parse(raw) as unknown[];
    } catch {
      return { expr: raw };
    }
  }
  return { expr: raw };
}

/** The `resource` blocks of a .tf file with their top-level attributes (heredocs as strings; nested blocks skipped). */
export function parseTf(text: string): TfBlock[] {
  const out: TfBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    let body = m[3] ?? '';
    const attrs: Record<string, TfValue> = {};
    body = body.replace(HEREDOC, (_all, key: string, _tag: string, content: string) => {
      attrs[key] = content;
      return '';
    });
    body = body.replace(NESTED, '');
    for (const a of body.matchAll(ATTR)) attrs[a[1]!] = tfValue(a[2]!);
    out.push({ type: m[1]!, name: m[2]!, attrs });
  }
  return out;
}

export function tfFile(rel: string): TfBlock[] {
  return parseTf(corpusText(rel));
}

export const isExpr = (v: TfValue | undefined): v is TfExpr =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function str(v: TfValue | unknown, what: string): string {
  if (typeof v !== 'string')
    throw new Error(`${what}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

export function optStr(v: TfValue | unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function optNum(v: TfValue | unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export function optBool(v: TfValue | unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

export interface RosResource {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
}

export interface RosTemplate {
  parameters: Record<string, { Default?: unknown }>;
  resources: RosResource[];
}

export function rosFile(rel: string): RosTemplate {
  const doc = parseYaml(corpusText(rel)) as {
    Parameters?: Record<string, { Default?: unknown }>;
    Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
  return {
    parameters: doc.Parameters ?? {},
    resources: Object.entries(doc.Resources ?? {}).map(([logicalId, r]) => ({
      logicalId,
      type: r.Type,
      properties: r.Properties ?? {},
    })),
  };
}

/** a ROS property value with `{Ref: Param}` resolved to the parameter's default (undefined without one) */
export function rosValue(t: RosTemplate, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'Ref' in v) {
    const p = t.parameters[(v as { Ref: string }).Ref];
    return p?.Default;
  }
  return v;
}

/** Peer verdicts. UNKNOWN = the peer's test lists the resource in neither set. */
export type PeerVerdict = 'FAIL' | 'PASS' | 'UNKNOWN';
