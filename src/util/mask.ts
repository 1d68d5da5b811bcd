/**
 * Masking of AccessKey ids for reports and evidence.
 *
 * Format: `****` followed by the id's last 4 characters, e.g. `LTAI5tExampleKeyABCD` → `****ABCD`.
 * - The same format as `maskAccessKeyId` in `src/credentials` (the caller's key,
 *   `account.callerAccessKeyIdMasked`), so a masked root key can be compared
 *   with the masked caller key ("the scan ran with this root key").
 * - A fixed-width prefix: neither the id's length nor its `LTAI`/`STS.` prefix is revealed.
 * - Ids of 4 characters or fewer are masked completely (`****`): their "last 4
 *   characters" would be the whole id. An empty id gives `****` too.
 * - Surrounding whitespace is ignored; nothing else is interpreted.
 */

export const MASK_PREFIX = '****';
const VISIBLE = 4;

/** `LTAI5tExampleKeyABCD` → `****ABCD`; short ids → `****` */
export function maskAccessKeyId(id: string): string {
  const s = id.trim();
  if (s.length <= VISIBLE) return MASK_PREFIX;
  return MASK_PREFIX + s.slice(-VISIBLE);
}

/** true when `masked` is what `maskAccessKeyId(id)` gives (comparing a full id with a masked one) */
export function maskedMatches(id: string, masked: string): boolean {
  return masked.trim() !== MASK_PREFIX && maskAccessKeyId(id) === masked.trim();
}

/**
 * Replace every AccessKey-id-looking token (`LTAI…`, `STS.…`, `TMP.…`) in a text with its masked form.
 * For messages that quote ids; evidence fields use `maskAccessKeyId` directly.
 */
export function maskAccessKeyIdsIn(text: string): string {
  return text.replace(/\b(?:LTAI|STS\.|TMP\.)[A-Za-z0-9.]{4,}/g, (m) => maskAccessKeyId(m));
}
