/**
 * Property tests (fast-check) of every parser that reads user input (issue 11,
 * item 5): the config file, the snapshot, RAM policy documents and the CLI's
 * flag values. Each either returns a well-formed value or throws its one
 * documented error with a one-line message naming the input — never another
 * error type — and nothing touches Object.prototype.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  evaluateRequest,
  parsePolicyDocument,
  statementCoversEveryResource,
  wildcardMatch,
} from '../../src/analysis/ram-policy.js';
import { parseTimeout } from '../../src/cli/commands/common.js';
import { UsageError } from '../../src/cli/errors.js';
import { oneLine } from '../../src/cli/io.js';
import {
  parseEndpoint,
  parseFailOn,
  parseNow,
  parseRegions,
  parseSince,
} from '../../src/cli/parse.js';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { emptyInventory } from '../../src/inventory/schema.js';
import { parseSnapshot, SnapshotError } from '../../src/inventory/snapshot.js';
import { hasProtoKey } from '../../src/util/proto-key.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const RUNS = { numRuns: 300, seed: 20261101 } as const;
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

afterEach(() => {
  // no run may have added anything to Object.prototype
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_NAMES);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
});

/** keys that attack prototypes, keys the parsers know, and anything else */
const KEY = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
  fc.constantFrom(
    'regions',
    'failOn',
    'since',
    'rules',
    'rulesDirs',
    'suppressions',
    'rule',
    'resource',
    'reason',
    'expires',
    'enabled',
    'severity',
    'disk-not-encrypted',
    'ram-access-key-not-rotated',
    'maxAgeDays',
  ),
  fc.string({ maxLength: 12 }),
);

/** JSON-like values whose object keys include the hostile ones (own properties, as JSON.parse makes them) */
const VALUE = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: false }),
    fc.string({ maxLength: 20 }),
    fc.constantFrom('all', 'high', 'none', '90d', '2026-01-01', 'cn-hangzhou', '*'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(KEY, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const TOP_LEVEL = fc.dictionary(KEY, VALUE, { maxKeys: 6 });

/** fragments that make YAML interesting: anchors, aliases, tags, flow, block scalars, directives */
const YAML_PIECE = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    ':',
    ': ',
    '- ',
    '\n',
    '\n  ',
    '&a ',
    '*a',
    '!!binary ',
    '!!js/function ',
    '!<tag:x> ',
    '[',
    ']',
    '{',
    '}',
    ',',
    '"',
    "'",
    '|\n  ',
    '>-\n  ',
    '%YAML 1.1\n---\n',
    '---\n',
    '...\n',
    '# c\n',
    '<<: *a\n',
    '__proto__: ',
    'rules:\n  ',
    'suppressions:\n  - ',
    '\u0000',
    '\ufeff',
    '\u202e',
  ),
);
const YAMLISH = fc.array(YAML_PIECE, { maxLength: 30 }).map((p) => p.join(''));

function checkConfig(text: string): void {
  try {
    const c = parseConfig(text, 'fuzz.yaml');
    expect(Array.isArray(c.suppressions)).toBe(true);
    expect(Array.isArray(c.rulesDirs)).toBe(true);
    expect(typeof c.rules).toBe('object');
    expect(Object.getPrototypeOf(c.rules)).toBe(Object.prototype);
    for (const s of Object.values(c.rules)) expect(typeof s.options).toBe('object');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^fuzz\.yaml(:\d+)?: [^\n]*$/);
  }
}

describe('parseConfig', () => {
  it('YAML-ish text: a config or one ConfigError line', () => {
    fc.assert(fc.property(YAMLISH, checkConfig), RUNS);
  });

  it('arbitrary JSON objects serialized to YAML (with __proto__/constructor keys): a config or ConfigError', () => {
    fc.assert(
      fc.property(TOP_LEVEL, (obj) => {
        let text: string;
        try {
          text = stringify(obj, { aliasDuplicateObjects: false });
        } catch {
          return; // not representable (yaml refuses it): nothing to feed
        }
        checkConfig(text);
        // and the same as a JSON document (JSON is YAML)
        checkConfig(JSON.stringify(obj) ?? 'null');
      }),
      RUNS,
    );
  });

  it('a __proto__ key anywhere is refused with its line', () => {
    fc.assert(
      fc.property(fc.constantFrom('', 'rules:\n  x:\n    ', 'suppressions:\n  - '), (prefix) => {
        expect(() => parseConfig(`${prefix}__proto__: { polluted: true }\n`, 'p.yaml')).toThrow(
          /^p\.yaml:\d+: unknown key "__proto__"/,
        );
      }),
      { numRuns: 3 },
    );
  });
});

describe('parseSnapshot', () => {
  const base = emptyInventory();

  function checkSnapshot(data: unknown): void {
    try {
      const inv = parseSnapshot(data, 'fuzz.json');
      expect(inv.schemaVersion).toBe(1);
      expect(hasProtoKey(inv)).toBe(false);
    } catch (err) {
      expect(err).toBeInstanceOf(SnapshotError);
      expect((err as Error).message).toMatch(/^fuzz\.json: [^\n]*$/);
    }
  }

  it('arbitrary JSON values: an inventory or one SnapshotError line', () => {
    fc.assert(
      fc.property(VALUE, (v) => checkSnapshot(JSON.parse(JSON.stringify(v) ?? 'null'))),
      RUNS,
    );
  });

  it('a valid inventory with one part replaced by arbitrary JSON (hostile keys included)', () => {
    const paths: string[][] = [
      [],
      ['schemaVersion'],
      ['account'],
      ['account', 'caller'],
      ['regions'],
      ['scope'],
      ['ecs'],
      ['ecs', 'securityGroups'],
      ['ecs', 'instances'],
      ['ram'],
      ['ram', 'users'],
      ['root'],
      ['actiontrail'],
      ['actiontrail', 'events'],
      ['coverage'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), VALUE, fc.boolean(), (path, value, asArrayItem) => {
        // through JSON text, as a file is read: `__proto__` keys become own properties
        const doc = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
        let at: Record<string, unknown> = doc;
        for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
        const last = path.at(-1);
        const replacement = asArrayItem ? [value] : value;
        const text =
          last === undefined
            ? JSON.stringify(replacement)
            : JSON.stringify(doc).replace(
                JSON.stringify({ [last]: at[last] }).slice(1, -1),
                `${JSON.stringify(last)}:${JSON.stringify(replacement) ?? 'null'}`,
              );
        checkSnapshot(JSON.parse(text ?? 'null'));
      }),
      RUNS,
    );
  });

  it('the unmodified inventory parses; one with a __proto__ key anywhere does not', () => {
    expect(parseSnapshot(JSON.parse(JSON.stringify(base)), 'ok.json').schemaVersion).toBe(1);
    const hostile = JSON.stringify(base).replace('"root":{}', '"root":{"__proto__":{"x":1}}');
    expect(hostile).toContain('__proto__');
    expect(() => parseSnapshot(JSON.parse(hostile), 'h.json')).toThrow(
      /^h\.json: key "__proto__" is not allowed$/,
    );
  });
});

describe('RAM policy documents', () => {
  const ACTION = fc.oneof(
    fc.constantFrom('*', 'ecs:*', 'ecs:RunCommand', 'ecs:Describe*', 'ram:?et*', '**', '*:*'),
    fc.string({ maxLength: 16 }),
  );
  const STATEMENT = fc.record(
    {
      Effect: fc.oneof(fc.constantFrom('Allow', 'Deny', 'allow'), VALUE),
      Action: fc.oneof(ACTION, fc.array(ACTION, { maxLength: 3 }), VALUE),
      NotAction: fc.oneof(ACTION, fc.array(ACTION, { maxLength: 3 })),
      Resource: fc.oneof(fc.constantFrom('*', 'acs:ecs:*:*:instance/*'), VALUE),
      NotResource: fc.oneof(fc.constant('*'), VALUE),
      Condition: fc.oneof(
        VALUE,
        fc.dictionary(
          fc.constantFrom(
            'StringEquals',
            'StringNotEqualsIgnoreCase',
            'ForAnyValue:StringLike',
            'ForAllValues:StringEquals',
            'IpAddress',
            'Bool',
            'NumericLessThan',
            'DateGreaterThan',
            'Bogus',
          ),
          fc.dictionary(
            fc.constantFrom('ecs:CommandRunAs', 'acs:SourceIp', 'acs:MFAPresent', 'x'),
            VALUE,
          ),
        ),
      ),
    },
    { requiredKeys: [] },
  );
  const DOCUMENT = fc.oneof(
    VALUE,
    fc.record(
      {
        Version: fc.oneof(fc.constant('1'), VALUE),
        Statement: fc.oneof(STATEMENT, fc.array(STATEMENT, { maxLength: 4 }), VALUE),
      },
      { requiredKeys: [] },
    ),
  );

  it('parsePolicyDocument never throws, for objects and for JSON strings; evaluating the result never throws', () => {
    fc.assert(
      fc.property(
        DOCUMENT,
        fc.boolean(),
        ACTION,
        fc.dictionary(fc.string({ maxLength: 16 }), fc.oneof(fc.string(), fc.boolean())),
        (doc, asString, action, context) => {
          const input = asString ? (JSON.stringify(doc) ?? 'null') : doc;
          const parsed = parsePolicyDocument(input);
          expect(Array.isArray(parsed.statements)).toBe(true);
          expect(Array.isArray(parsed.errors)).toBe(true);
          for (const e of parsed.errors) expect(typeof e).toBe('string');
          for (const st of parsed.statements) statementCoversEveryResource(st);
          const decision = evaluateRequest([{ name: 'p', parsed }], { action, context });
          expect(['allow', 'deny', 'implicitDeny']).toContain(decision.decision);
        },
      ),
      RUNS,
    );
  });

  it('arbitrary strings are documents too: never a throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const parsed = parsePolicyDocument(s);
        expect(parsed.statements.length + parsed.errors.length).toBeGreaterThanOrEqual(0);
      }),
      RUNS,
    );
  });

  it('wildcardMatch: never throws and stays fast on many stars', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('*', '?', 'a', 'b', ':'), maxLength: 60 }),
        fc.string({ unit: fc.constantFrom('a', 'b', ':'), maxLength: 200 }),
        (pattern, value) => {
          const t = performance.now();
          const m = wildcardMatch(pattern, value);
          expect(typeof m).toBe('boolean');
          expect(performance.now() - t).toBeLessThan(50);
          if (/^\*+$/.test(pattern)) expect(m).toBe(true);
        },
      ),
      RUNS,
    );
  });
});

describe('CLI flag values', () => {
  const NOW = new Date('2026-11-01T00:00:00Z');
  const FLAG_TEXT = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.stringMatching(/^-?\d{1,22}[mhdwy]?$/),
    fc.stringMatching(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?)?$/),
    fc.stringMatching(/^[a-z0-9, -]{0,30}$/),
    fc.stringMatching(/^(https?|ftp|file|javascript):\/{0,2}[\w.:@[\]-]{0,30}(\/\S{0,10})?$/),
  );

  /** the value, or UsageError with a message that names the flag — nothing else */
  function usageOnly<T>(fn: () => T, flag: string | RegExp): T | undefined {
    try {
      return fn();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(flag);
      return undefined;
    }
  }

  it('parseSince: a valid Date not after now, or UsageError', () => {
    fc.assert(
      fc.property(FLAG_TEXT, (v) => {
        const d = usageOnly(() => parseSince(v, NOW), /^--since: /);
        if (d) {
          expect(Number.isNaN(d.getTime())).toBe(false);
          expect(d.getTime()).toBeLessThanOrEqual(NOW.getTime());
        }
      }),
      RUNS,
    );
  });

  it('parseNow: a valid Date, or UsageError', () => {
    fc.assert(
      fc.property(FLAG_TEXT, (v) => {
        const d = usageOnly(() => parseNow(v), /^--now: /);
        if (d) expect(Number.isNaN(d.getTime())).toBe(false);
      }),
      RUNS,
    );
  });

  it('parseFailOn, parseRegions, parseEndpoint, parseTimeout: a checked value, or UsageError', () => {
    fc.assert(
      fc.property(FLAG_TEXT, (v) => {
        const f = usageOnly(() => parseFailOn(v), /^--fail-on: /);
        if (f) expect(['critical', 'high', 'medium', 'low', 'info', 'none']).toContain(f);
        const r = usageOnly(() => parseRegions(v), /^--regions: /);
        if (r && r !== 'all') for (const id of r) expect(id).toMatch(/^[a-z0-9-]+$/);
        const e = usageOnly(() => parseEndpoint(v), /^--endpoint: /);
        if (e) expect(e).toMatch(/^https?:\/\/[^/\s]+$/);
        const t = usageOnly(() => parseTimeout(v), /^--timeout: /);
        if (t !== undefined) expect(Number.isInteger(t) && t >= 100 && t <= 600_000).toBe(true);
      }),
      RUNS,
    );
  });

  it('oneLine: any message prints as one bounded line without control or bidi characters', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 2000 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({
            unit: fc.constantFrom('\n', '\r', '\u001b', '\u202e', '\u2028', 'a'),
            maxLength: 50,
          }),
        ),
        (s) => {
          const line = oneLine(s);
          expect(line).not.toMatch(UNPRINTABLE);
          expect(line.length).toBeLessThanOrEqual(600);
        },
      ),
      RUNS,
    );
  });
});
