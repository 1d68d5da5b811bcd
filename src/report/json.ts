import { randomUUID } from 'node:crypto';
import type { Report } from './schema.js';

/**
 * `JSON.stringify(report, null, 2)` (or without indentation when `pretty` is
 * false), as pieces: the report around its findings, then one finding at a
 * time, so a report of 50,000 findings is never one string of 80 MB. The
 * pieces join to exactly the text `JSON.stringify` makes (of the report whose
 * findings are `mapFinding` of its own, when given).
 */
export function* reportJsonChunks(
  report: Report,
  pretty = true,
  mapFinding?: (f: Report['findings'][number]) => unknown,
): Generator<string> {
  // the findings' place in the report's own key order, marked by a value no account data can hold
  const marker = `ecs-audit-findings-${randomUUID()}`;
  const skeleton = JSON.stringify({ ...report, findings: marker }, null, pretty ? 2 : undefined);
  const at = skeleton.indexOf(JSON.stringify(marker));
  yield skeleton.slice(0, at);
  yield* jsonArrayChunks(report.findings, pretty ? 1 : 0, pretty, mapFinding);
  yield skeleton.slice(at + JSON.stringify(marker).length);
}

/**
 * elements per `JSON.stringify` call: few enough that a piece stays under
 * 128 KB (a finding is about 1.5 KB of indented JSON), where V8 makes a string
 * in its young generation, which a scavenge frees at once, not in the
 * large-object space, which only a full collection empties
 */
const BATCH = 32;

/**
 * The JSON text of the array `items.map(map)` as it appears `depth` levels
 * deep in a document made by `JSON.stringify(doc, null, 2)` (its elements
 * indented by 2 × (depth + 1) spaces), or as `JSON.stringify` makes it without
 * indentation when `pretty` is false; in pieces of a few hundred elements,
 * each mapped only when its piece is made. A piece is one `JSON.stringify` of
 * its elements nested in `depth` one-element arrays whose brackets are then
 * cut off, so the indentation comes out right without rewriting the text.
 */
export function* jsonArrayChunks<T>(
  items: readonly T[],
  depth: number,
  pretty = depth > 0,
  map: (item: T) => unknown = (x) => x,
): Generator<string> {
  if (items.length === 0) {
    yield '[]';
    return;
  }
  if (!pretty) {
    for (let i = 0; i < items.length; i += BATCH) {
      const text = JSON.stringify(items.slice(i, i + BATCH).map(map));
      // separate pieces: a slice is written from its parent's text, a joined string would be a copy
      yield i === 0 ? '[' : ',';
      yield text.slice(1, -1);
    }
    yield ']';
    return;
  }
  // [[…]] at depth 1: "[\n  [\n    " + elements + "\n  ]\n]"
  const head = Array.from({ length: depth + 1 }, (_, d) => `${'  '.repeat(d)}[\n`).join('');
  const tail = Array.from({ length: depth + 1 }, (_, d) => `\n${'  '.repeat(depth - d)}]`).join('');
  const indent = '  '.repeat(depth + 1);
  for (let i = 0; i < items.length; i += BATCH) {
    let wrapped: unknown = items.slice(i, i + BATCH).map(map);
    for (let d = 0; d < depth; d++) wrapped = [wrapped];
    const text = JSON.stringify(wrapped, null, 2);
    const elements = text.slice(head.length + indent.length, text.length - tail.length);
    yield i === 0 ? `[\n${indent}` : `,\n${indent}`;
    yield elements;
  }
  yield `\n${'  '.repeat(depth)}]`;
}

export function* jsonChunks(report: Report): Generator<string> {
  yield* reportJsonChunks(report, true);
  yield '\n';
}

export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
