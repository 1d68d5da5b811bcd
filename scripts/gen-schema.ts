/**
 * Generates schema/report.v1.json, the published JSON Schema of the JSON
 * report, from the zod schema (src/report/schema.ts): the zod schema is the
 * source of truth, the file is checked in and a test fails when it is stale.
 *
 *   npx tsx scripts/gen-schema.ts           write schema/report.v1.json
 *   npx tsx scripts/gen-schema.ts --check   exit 1 when the file is out of date
 *
 * The schema is generated from the input side of the zod schema, so objects do
 * not forbid extra properties: version 1 may gain fields (../shared/spec/cli.md),
 * and a consumer validating with an older copy of this file must keep working.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { ReportSchema } from '../src/report/schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema/report.v1.json', import.meta.url));
export const SCHEMA_ID = 'urn:ecs-audit:report:v1';

export function reportJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ReportSchema, { target: 'draft-2020-12', io: 'input' });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return {
    $schema,
    $id: SCHEMA_ID,
    title: 'ecs-audit JSON report, schema version 1',
    description:
      'The report `ecs-audit scan --format json` writes. Backward compatible within schemaVersion 1: ' +
      'fields may be added, never removed or changed in meaning. Generated from src/report/schema.ts ' +
      'by scripts/gen-schema.ts; do not edit by hand.',
    ...rest,
  };
}

/** The file's text, laid out as the project's formatter (biome) lays out JSON. */
export function reportJsonSchemaText(): string {
  const text = `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
  const biome = fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url));
  try {
    return execFileSync(biome, ['format', `--stdin-file-path=${SCHEMA_FILE}`], {
      input: text,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
    });
  } catch {
    return text; // no biome: plain JSON.stringify layout, same content
  }
}

/** Whether the checked-in file holds exactly the schema the zod schema gives now (layout aside). */
export function schemaFileIsCurrent(): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')), reportJsonSchema());
  } catch {
    return false;
  }
}

function main(argv: readonly string[]): number {
  const rel = path.relative(process.cwd(), SCHEMA_FILE);
  if (argv.includes('--check')) {
    if (!schemaFileIsCurrent()) {
      process.stderr.write(`${rel} is out of date: run npx tsx scripts/gen-schema.ts\n`);
      return 1;
    }
    process.stdout.write(`${rel} is up to date\n`);
    return 0;
  }
  writeFileSync(SCHEMA_FILE, reportJsonSchemaText());
  process.stdout.write(`wrote ${rel}\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
