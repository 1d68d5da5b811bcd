/**
 * `JSON.parse` turns a `"__proto__"` key into an own property of that name. It
 * pollutes nothing by itself, but whatever later merges the object (spread,
 * Object.assign, a deep merge) would set a prototype instead of a field.
 * Snapshots and baselines never contain such a key, so one is refused.
 *
 * Iterative, so a document nested 100 000 levels deep is walked without
 * exhausting the stack (a JSON.parse reviver recurses).
 */
export function hasProtoKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    if (Object.hasOwn(v, '__proto__')) return true;
    for (const item of Object.values(v)) stack.push(item);
  }
  return false;
}

/**
 * Whether the JSON text could hold a `"__proto__"` key: it names one, or has a
 * `\u` escape that could spell one. When it cannot, `hasProtoKey` need not walk
 * what `JSON.parse` made of it (a walk of every value of a 100 MB snapshot).
 */
export function textMayHaveProtoKey(json: string): boolean {
  return json.includes('__proto__') || json.includes('\\u');
}
