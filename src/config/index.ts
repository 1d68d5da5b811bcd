/**
 * The `--config` file (YAML, ../shared/spec/cli.md): regions, failOn, since,
 * rule settings (enabled, severity, options), extra rule directories and
 * suppressions. Every key is optional, unknown keys are an error, and every
 * error names `file:line` of the offending node.
 */
import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import type { RuleSettings } from '../engine/run.js';
import { SEVERITIES } from '../engine/types.js';
import { refineIsoTime } from '../util/time.js';
import { describeZodIssue } from '../util/zod-issue.js';
import { ConfigError } from './error.js';

export { ConfigError };

const REGION = /^[a-z]{2}(-[a-z0-9]+)+$/;
const DURATION = /^\d+[mhdw]$/;
const DURATION_OR_DATE = /^(\d+[mhdw]|\d{4}-\d{2}-\d{2}.*)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const SuppressionSchema = z.strictObject({
  rule: z.string().min(1, 'must name a rule id'),
  resource: z.string().min(1, 'must be a resource id or glob').default('*'),
  region: z.string().regex(REGION, 'not a region id').optional(),
  /** organization scans: only findings in this member account */
  account: z.string().regex(/^\d+$/, 'not an account id').optional(),
  reason: z.string().trim().min(1, 'a suppression needs a reason'),
  expires: z
    .string()
    .regex(DATE, 'expected a date YYYY-MM-DD')
    // read as --since reads a date: February 30th is no date, not March 2nd
    .superRefine(refineIsoTime)
    .optional(),
});
export type Suppression = z.infer<typeof SuppressionSchema>;

/** `rules.<id>`: enabled and severity are the engine's; everything else is the rule's options */
const RuleEntrySchema = z
  .looseObject({
    enabled: z.boolean().optional(),
    severity: z
      .enum(SEVERITIES, { error: `unknown severity; expected one of ${SEVERITIES.join(', ')}` })
      .optional(),
  })
  .transform(({ enabled, severity, ...options }): RuleSettings => {
    const out: RuleSettings = { options };
    if (enabled !== undefined) out.enabled = enabled;
    if (severity !== undefined) out.severity = severity;
    return out;
  });

const ConfigSchema = z.strictObject({
  regions: z
    .union([z.literal('all'), z.array(z.string().regex(REGION, 'not a region id')).min(1)])
    .optional(),
  failOn: z
    .enum([...SEVERITIES, 'none'], {
      error: `unknown severity; expected one of ${[...SEVERITIES, 'none'].join(', ')}`,
    })
    .optional(),
  since: z
    .string()
    .regex(DURATION_OR_DATE, 'expected a duration like 90d or an ISO date')
    .superRefine((s, ctx) => (DURATION.test(s) ? undefined : refineIsoTime(s, ctx)))
    .optional(),
  rules: z.record(z.string(), RuleEntrySchema.nullable()).optional(),
  rulesDirs: z.array(z.string().min(1)).optional(),
  suppressions: z.array(SuppressionSchema).optional(),
});

export interface Config {
  regions?: string[] | 'all';
  failOn?: string;
  since?: string;
  rules: Record<string, RuleSettings>;
  /** absolute, resolved against the config file's directory */
  rulesDirs: string[];
  suppressions: Suppression[];
  /** `file:line` of a dotted path in the file (`rules.x.maxAgeDays`), or just `file` */
  locate(path: readonly (string | number)[]): string;
}

/** Parse config text; `file` names it in errors. */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): string =>
    offset === undefined ? file : `${file}:${lineCounter.linePos(offset).line}`;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`${at(e.pos[0])}: ${e.message.split('\n')[0]}`);
  }
  const locate = (path: readonly (string | number)[]): string => {
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      const last = prefix[prefix.length - 1];
      const parent = prefix.length === 0 ? undefined : doc.getIn(prefix.slice(0, -1), true);
      // a key in a map: point at the key itself, not at its value
      if (isMap(parent) && typeof last === 'string') {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        if (pair && isNode(pair.key) && pair.key.range) return at(pair.key.range[0]);
      }
      const node = prefix.length === 0 ? doc.contents : doc.getIn(prefix, true);
      if (isNode(node) && node.range) return at(node.range[0]);
      // an unknown or missing key: point at the map that holds it
    }
    return file;
  };
  // `__proto__` anywhere (a rule's options included) is refused, not silently dropped
  let forbidden: string | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__') {
        forbidden = `${at(pair.key.range?.[0])}: unknown key "__proto__" (not allowed anywhere)`;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (forbidden) throw new ConfigError(forbidden);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    // an alias bomb ("billion laughs") or a structure too deep to convert
    throw new ConfigError(`${file}: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
  }
  if (raw === null || raw === undefined) {
    return { rules: {}, rulesDirs: [], suppressions: [], locate };
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const { path, message } = describeZodIssue(issue, raw);
    // an unknown top-level key is named by the message alone
    const label = issue.path.length ? `${path.join('.')}: ` : '';
    throw new ConfigError(`${locate(path)}: ${label}${message}`);
  }
  const c = parsed.data;
  const base = dirname(resolve(file));
  const out: Config = {
    rules: Object.fromEntries(
      Object.entries(c.rules ?? {}).map(([id, s]) => [id, s ?? { options: {} }]),
    ),
    rulesDirs: (c.rulesDirs ?? []).map((d) => resolve(base, d)),
    suppressions: c.suppressions ?? [],
    locate,
  };
  if (c.regions !== undefined) out.regions = c.regions;
  if (c.failOn !== undefined) out.failOn = c.failOn;
  if (c.since !== undefined) out.since = c.since;
  return out;
}

export async function loadConfig(file: string): Promise<Config> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `${file}: cannot read the config file${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`,
    );
  }
  return parseConfig(decodeUtf8(bytes, file), file);
}

/**
 * The file's text, or `file:line: not valid UTF-8`: decoded leniently, a
 * Latin-1 or UTF-16 file became U+FFFD characters the YAML read as they were
 * (a suppression's resource id that never matches, a reason nobody wrote).
 */
function decodeUtf8(bytes: Buffer, file: string): string {
  // YAML 1.2 readers take UTF-16 too, marked by its byte order mark (PowerShell 5's
  // `Out-File` writes UTF-16LE): decoded strictly as what the mark says, the mark dropped
  const utf16 =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? 'utf-16le'
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? 'utf-16be'
        : undefined;
  if (utf16) {
    try {
      return new TextDecoder(utf16, { fatal: true }).decode(bytes);
    } catch {
      throw new ConfigError(
        `${file}: not valid ${utf16.toUpperCase()} (its byte order mark says so)`,
      );
    }
  }
  try {
    // ignoreBOM: a byte order mark stays in the text, as readFile(…, 'utf8') kept it
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // a newline byte is never part of a multi-byte character: the first line that is not
    // UTF-8 on its own is where the file stops being UTF-8
    let line = 1;
    for (let start = 0; ; line++) {
      const end = bytes.indexOf(0x0a, start);
      if (!isUtf8(bytes.subarray(start, end === -1 ? bytes.length : end)) || end === -1) break;
      start = end + 1;
    }
    throw new ConfigError(`${file}:${line}: not valid UTF-8`);
  }
}
