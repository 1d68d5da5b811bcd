/**
 * Characters never printed raw from text the account controls (a resource
 * name, a region id, an API message), in the terminal table, the Markdown
 * report and stderr: C0 and C1 controls (ESC sequences, CR, BEL), the line
 * and paragraph separators, and the invisible format characters of "Trojan
 * Source" (CVE-2021-42574) that reorder or hide what is shown: the Arabic
 * letter mark, zero-width space, joiners and marks, bidi embeddings and
 * overrides, word joiner and invisible operators, bidi isolates, the BOM.
 * Only for `replace` (a global regex's `test` would keep its lastIndex).
 */
export const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** the same set, for `test` */
export const HAS_UNPRINTABLE = new RegExp(UNPRINTABLE.source);
