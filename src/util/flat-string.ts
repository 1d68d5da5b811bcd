/**
 * The same string, stored flat.
 *
 * V8 keeps a string built by `+` or a template literal as a tree of its
 * pieces (a ConsString node of 32 bytes per join, each piece kept alive) until
 * something reads it by position; then it copies the characters into one flat
 * string in place, and the garbage collector drops the tree. A finding's
 * message is built from a dozen pieces and then only stored and written out:
 * 150,000 of them held 36 MB of tree nodes in an organization scan, against
 * about 20 MB flat. Reading one character is that read; the value never
 * changes.
 */
export function flatString(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}
