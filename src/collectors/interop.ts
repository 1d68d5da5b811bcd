/**
 * CommonJS interop for the Alibaba Cloud SDKs: they export `exports.default`.
 * Node's ESM loader hands us the module object (class at `.default`); some
 * loaders (vitest) already unwrap it. Accept both.
 */
export function cjsDefault<T>(mod: { default: T }): T {
  const inner = (mod as { default?: T }).default;
  return inner !== undefined && inner !== null ? inner : (mod as unknown as T);
}
