/**
 * Attack paths in the reports: a finding whose evidence carries `paths`
 * (`[{text, hops}]`) or `path` (hops) is drawn hop by hop — one line in
 * Markdown and the table, a row of hops in HTML (styled by PATH_STYLE, which
 * html.ts folds into its hashed inline style, so the page stays under its CSP).
 */
import { formatHop, formatPath, isPath, type PathHop } from '../analysis/attack-path.js';
import { UNPRINTABLE } from '../util/unprintable.js';
import type { ReportFinding } from './schema.js';

/** paths drawn per finding; the JSON report has them all */
export const PATHS_SHOWN = 3;

/** the finding's attack paths (hops), at most PATHS_SHOWN; none when it has none */
export function findingPaths(f: Pick<ReportFinding, 'evidence'>): PathHop[][] {
  const e = (f.evidence ?? {}) as Record<string, unknown>;
  const out: PathHop[][] = [];
  if (Array.isArray(e['paths'])) {
    for (const p of e['paths']) {
      const hops = (p as { hops?: unknown })?.hops;
      if (isPath(hops)) out.push(hops);
    }
  }
  if (out.length === 0 && isPath(e['path'])) out.push(e['path']);
  return out.slice(0, PATHS_SHOWN);
}

/** Markdown: `#### Attack paths` and one bullet per path, after a severity's table */
export function markdownPathLines(
  findings: readonly ReportFinding[],
  esc: (s: string) => string,
): string[] {
  const lines: string[] = [];
  for (const f of findings) {
    for (const hops of findingPaths(f)) {
      const text = formatPath(hops);
      // a code span needs no escaping; text that could break out of one is escaped instead.
      // Either way no control, bidi or zero-width character reaches the file
      const shown = /[`\r\n|<>]/.test(text) ? esc(text) : `\`${text.replace(UNPRINTABLE, '')}\``;
      lines.push(`- ${esc(f.ruleId)} ${esc(f.resource.id)}: ${shown}`);
    }
  }
  return lines.length > 0 ? ['', '#### Attack paths', '', ...lines] : [];
}

/** the table: `path: …` lines under the finding's message */
export function tablePathLines(f: ReportFinding, sanitize: (s: string) => string): string[] {
  return findingPaths(f).map((hops) => `path: ${sanitize(formatPath(hops))}`);
}

export const PATH_STYLE = `
.paths{list-style:none;padding:0;margin:0}
.paths>li{margin:.5rem 0}
.path{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem;list-style:none;padding:0;margin:.25rem 0}
.hop{border:1px solid var(--line);border-radius:4px;padding:.1rem .45rem;background:var(--head);font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
.hop+.hop::before{content:"\\2192";margin:0 .35rem 0 -.1rem;color:var(--muted)}
.hop-address,.hop-dnat{border-color:var(--high)}
.hop-role,.hop-policy-statement{border-color:var(--critical)}
`;

/** HTML: one section listing every path as a row of hops; '' when no finding has one */
export function htmlPathsSection(
  findings: readonly ReportFinding[],
  h: (s: string) => string,
): string {
  const items: string[] = [];
  for (const f of findings) {
    for (const hops of findingPaths(f)) {
      items.push(
        `<li data-testid="path" data-rule="${h(f.ruleId)}" data-resource="${h(f.resource.id)}">` +
          `<span class="sev sev-${h(f.severity)}">${h(f.severity)}</span> <code>${h(f.ruleId)}</code> ${h(f.resource.id)}` +
          `<ol class="path">${hops
            .map(
              (hop) =>
                `<li class="hop hop-${h(hop.kind)}" data-testid="hop" data-kind="${h(hop.kind)}">${h(formatHop(hop))}</li>`,
            )
            .join('')}</ol></li>`,
      );
    }
  }
  if (items.length === 0) return '';
  return `<section data-testid="paths"><h2>Attack paths (${items.length})</h2><ul class="paths">${items.join('')}</ul></section>`;
}
