/**
 * Scrubbing secrets (an AccessKey secret, an STS token) out of text. A secret
 * can come back from an endpoint in the form it was sent: URL-encoded
 * (`CAIS%2BSTS...%2F...`, any hex case, form-encoded spaces as `+`, or only
 * some characters encoded), so each secret is matched in all those forms,
 * not only as typed.
 */

/** every secret a redactor was made for in this process (the last-resort error line is scrubbed of them) */
const known = new Set<string>();

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** a character as typed or percent-encoded (UTF-8, either hex case); a space also as `+` */
function charPattern(ch: string): string {
  if (/^[A-Za-z0-9]$/.test(ch)) return ch;
  const encoded = [...Buffer.from(ch, 'utf8')]
    .map((b) => {
      const hex = b.toString(16).padStart(2, '0');
      return `%${[...hex].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join('')}`;
    })
    .join('');
  return `(?:${escapeRegExp(ch)}|${encoded}${ch === ' ' ? '|\\+' : ''})`;
}

function secretsPattern(secrets: Iterable<string>): RegExp | undefined {
  const list = [...secrets].sort((a, b) => b.length - a.length);
  if (list.length === 0) return undefined;
  return new RegExp(list.map((s) => [...s].map(charPattern).join('')).join('|'), 'g');
}

/** replaces each secret (of 4 characters or more), as typed or URL-encoded, with `***` */
export function makeRedactor(secrets: Array<string | undefined>): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  for (const s of list) known.add(s);
  const pattern = secretsPattern(new Set(list));
  return (text: string) => (pattern ? text.replace(pattern, '***') : text);
}

/**
 * A redactor that learns secrets as they come (renewed credentials: a new
 * STS secret, token and key id each time): `learn` them, and `redact`
 * scrubs every one learnt so far.
 */
export function learningRedactor(): {
  learn(...values: Array<string | undefined>): void;
  redact(text: string): string;
} {
  const secrets = new Set<string>();
  let current: (text: string) => string = (text) => text;
  return {
    learn(...values) {
      const fresh = values.filter((v): v is string => !!v && !secrets.has(v));
      if (fresh.length === 0) return;
      for (const v of fresh) secrets.add(v);
      current = makeRedactor([...secrets]);
    },
    redact: (text) => current(text),
  };
}

/** every secret any redactor of this process knows, scrubbed (for an error no redactor was at hand for) */
export function redactKnownSecrets(text: string): string {
  const pattern = secretsPattern(known);
  return pattern ? text.replace(pattern, '***') : text;
}
