/**
 * A self-contained HTML report: one file, inline CSS and JS, no network at all
 * (a Content-Security-Policy forbids every remote load; the inline style and
 * script are allowed by their hashes only). The findings table is rendered in
 * the HTML itself, so it reads without JavaScript; the script adds filters by
 * severity, rule, region, status and text, and sortable columns. The report is
 * also embedded as JSON (`<script type="application/json" id="report-data">`)
 * with `<`, `>`, `&` and the line separators escaped, so no string from the
 * account can close the element. Every text is HTML-escaped.
 *
 * Stable hooks for tests and scripts: `data-testid` on the controls, rows and
 * sections; each finding row carries `data-severity`, `data-rule`,
 * `data-region` (`global` for RAM and account resources), `data-status`,
 * `data-baseline` and `data-fingerprint`.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES } from '../engine/types.js';
import {
  keyEvidence,
  resourceLabel,
  ruleCatalogue,
  severityIndex,
  sortFindings,
} from './common.js';
import type { Report, ReportFinding } from './schema.js';

const GLOBAL = 'global';

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON that is safe inside a <script> element: nothing can end it or start a comment. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const h = escapeHtml;

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa;
--critical:#a40e26;--high:#d1242f;--medium:#9a6700;--low:#0969da;--info:#59636e}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--head:#151b23;
--critical:#ff7b72;--high:#f85149;--medium:#d29922;--low:#58a6ff;--info:#9198a1}}
*{box-sizing:border-box}
body{margin:0;padding:1.5rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.meta{color:var(--muted);margin:0 0 1rem}.meta dt{display:inline;font-weight:600}.meta dd{display:inline;margin:0 1rem 0 .25rem}
.cards{display:flex;flex-wrap:wrap;gap:.5rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.5rem .9rem;min-width:7rem}
.card b{display:block;font-size:1.4rem}
.sev{display:inline-block;border-radius:2em;padding:0 .6em;font-size:12px;font-weight:600;color:#fff;text-transform:uppercase}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}
.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.card.sev-critical b{color:var(--critical)}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
.filters label{display:flex;gap:.25rem;align-items:center}
select,input{font:inherit;padding:.2rem .4rem;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:4px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:var(--head);position:sticky;top:0}
th button{all:unset;cursor:pointer;font-weight:600}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
td.msg{max-width:48rem;overflow-wrap:anywhere}
td.region{white-space:nowrap}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{white-space:pre-wrap;overflow-wrap:anywhere;max-height:24rem;overflow:auto;background:var(--head);padding:.5rem;border-radius:4px}
.muted{color:var(--muted)}
tr.suppressed td{opacity:.65}
`;

const SCRIPT = `
(function () {
  'use strict';
  var q = function (id) { return document.querySelector('[data-testid="' + id + '"]'); };
  var table = q('findings-table');
  if (!table) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var bar = q('filters');
  bar.hidden = false;
  var filters = ['severity', 'rule', 'region', 'status', 'baseline']
    .map(function (k) { return { key: k, el: q('filter-' + k) }; })
    .filter(function (f) { return f.el; });
  var text = q('filter-text');
  var count = q('visible-count');
  var none = q('no-rows');
  function apply() {
    var needle = text.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (r) {
      var ok = filters.every(function (f) { return !f.el.value || r.dataset[f.key] === f.el.value; }) &&
        (!needle || r.textContent.toLowerCase().indexOf(needle) !== -1);
      r.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = String(shown);
    none.hidden = shown !== 0;
  }
  filters.forEach(function (f) { f.el.addEventListener('change', apply); });
  text.addEventListener('input', apply);
  var sortKey = null;
  var dir = 1;
  function value(r, key) {
    if (key === 'severity') return Number(r.dataset.severityRank);
    return (r.dataset['sort' + key.charAt(0).toUpperCase() + key.slice(1)] || '').toLowerCase();
  }
  table.tHead.addEventListener('click', function (ev) {
    var th = ev.target.closest('th[data-sort]');
    if (!th) return;
    var key = th.dataset.sort;
    dir = key === sortKey ? -dir : 1;
    sortKey = key;
    Array.prototype.forEach.call(table.tHead.querySelectorAll('th[data-sort]'), function (x) {
      x.setAttribute('aria-sort', x === th ? (dir === 1 ? 'ascending' : 'descending') : 'none');
    });
    rows.sort(function (a, b) {
      var va = value(a, key), vb = value(b, key);
      var c = va < vb ? -1 : va > vb ? 1 : 0;
      return c * dir || Number(a.dataset.index) - Number(b.dataset.index);
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  });
  apply();
})();
`;

function sha256(s: string): string {
  return `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
}

function options(label: string, values: readonly string[]): string {
  return [`<option value="">${h(label)}</option>`]
    .concat(values.map((v) => `<option value="${h(v)}">${h(v)}</option>`))
    .join('');
}

function select(key: string, label: string, values: readonly string[]): string {
  return (
    `<label>${h(label)} <select data-testid="filter-${key}" aria-label="${h(label)}">` +
    `${options(`all`, values)}</select></label>`
  );
}

function findingRow(f: ReportFinding, i: number): string {
  const region = f.resource.region ?? GLOBAL;
  const ev = keyEvidence(f);
  const status = f.status === 'suppressed' ? 'suppressed' : 'open';
  const suppression = f.suppression
    ? `<div class="muted">${h(f.suppression.reason)}${f.suppression.expires ? ` (until ${h(f.suppression.expires)})` : ''}</div>`
    : '';
  const attrs = {
    'data-testid': 'finding-row',
    'data-index': String(i),
    'data-severity': f.severity,
    'data-severity-rank': String(severityIndex(f.severity)),
    'data-rule': f.ruleId,
    'data-region': region,
    'data-status': status,
    'data-baseline': f.baseline ?? '',
    'data-fingerprint': f.fingerprint,
    'data-resource-id': f.resource.id,
    'data-sort-rule': f.ruleId,
    'data-sort-resource': `${f.resource.type} ${f.resource.id}`,
    'data-sort-region': f.resource.region ?? '',
    'data-sort-status': `${status} ${f.baseline ?? ''}`,
  };
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${h(v)}"`)
    .join('');
  return (
    `<tr${a}${status === 'suppressed' ? ' class="suppressed"' : ''}>` +
    `<td><span class="sev sev-${f.severity}">${h(f.severity)}</span></td>` +
    `<td><code>${h(f.ruleId)}</code></td>` +
    `<td><span class="muted">${h(f.resource.type)}</span> <span data-testid="resource">${h(resourceLabel(f.resource))}</span></td>` +
    `<td class="region">${h(region)}</td>` +
    `<td class="msg"><div data-testid="message">${h(f.message)}</div>` +
    (ev ? `<div class="muted">${h(ev)}</div>` : '') +
    `<details><summary>evidence</summary><pre data-testid="evidence">${h(JSON.stringify(f.evidence, null, 2))}</pre></details></td>` +
    `<td>${h(status)}${f.baseline ? ` <span class="muted">(${h(f.baseline)})</span>` : ''}${suppression}</td>` +
    '</tr>'
  );
}

function safeHref(url: string): string | undefined {
  return /^https?:\/\//i.test(url) ? url : undefined;
}

function section(id: string, title: string, body: string): string {
  return `<section data-testid="${id}"><h2>${h(title)}</h2>${body}</section>`;
}

export function formatHtml(report: Report): string {
  const findings = sortFindings(report.findings);
  const s = report.summary;
  const catalogue = ruleCatalogue(report);
  const present = <T>(xs: T[]) => [...new Set(xs)].sort();
  const ruleIds = present(findings.map((f) => f.ruleId));
  const regions = present(findings.map((f) => f.resource.region ?? GLOBAL));
  const sevs = SEVERITIES.filter((x) => findings.some((f) => f.severity === x));
  const hasBaseline = findings.some((f) => f.baseline !== undefined);

  const cards = [
    ...SEVERITIES.map(
      (sev) =>
        `<div class="card" data-testid="summary-${sev}" data-count="${s[sev]}"><span class="sev sev-${sev}">${sev}</span><b>${s[sev]}</b></div>`,
    ),
    `<div class="card" data-testid="summary-suppressed" data-count="${s.suppressed}">suppressed<b>${s.suppressed}</b></div>`,
    `<div class="card" data-testid="summary-coverage" data-count="${report.coverage.length}">coverage gaps<b>${report.coverage.length}</b></div>`,
  ].join('');

  const filterBar =
    `<div class="filters" data-testid="filters" hidden>` +
    select('severity', 'Severity', sevs) +
    select('rule', 'Rule', ruleIds) +
    select('region', 'Region', regions) +
    select('status', 'Status', ['open', 'suppressed']) +
    (hasBaseline ? select('baseline', 'Baseline', ['new', 'unchanged']) : '') +
    `<label>Search <input type="search" data-testid="filter-text" aria-label="Search"></label>` +
    `<span>showing <b data-testid="visible-count">${findings.length}</b> of ${findings.length}</span>` +
    `</div>`;

  const th = (key: string, label: string) =>
    `<th data-sort="${key}" aria-sort="none"><button type="button" data-testid="sort-${key}">${h(label)}</button></th>`;
  const findingsTable =
    filterBar +
    `<table data-testid="findings-table"><thead><tr>` +
    th('severity', 'Severity') +
    th('rule', 'Rule') +
    th('resource', 'Resource') +
    th('region', 'Region') +
    `<th>Finding</th>` +
    th('status', 'Status') +
    `</tr></thead><tbody>${findings.map(findingRow).join('')}</tbody></table>` +
    `<p data-testid="no-rows" class="muted"${findings.length === 0 ? '' : ' hidden'}>No findings${findings.length === 0 ? '.' : ' match the filters.'}</p>`;

  const coverage =
    report.coverage.length === 0
      ? '<p class="muted">None: every API call the scan needed succeeded.</p>'
      : `<p>Some data could not be read; findings about it may be missing.</p><table><thead><tr><th>Service</th><th>Region</th><th>Operation</th><th>Resource</th><th>Error</th></tr></thead><tbody>` +
        report.coverage
          .map(
            (g) =>
              `<tr data-testid="coverage-row"><td>${h(g.service)}</td><td>${h(g.region ?? GLOBAL)}</td><td>${h(g.operation)}</td>` +
              `<td>${h(g.resource ?? '')}</td><td><code>${h(g.error.code)}</code> ${h(g.error.message)}</td></tr>`,
          )
          .join('') +
        '</tbody></table>';

  const extra: string[] = [];
  if (report.resolved && report.resolved.length > 0) {
    extra.push(
      section(
        'resolved',
        `Resolved since the baseline (${report.resolved.length})`,
        `<table><thead><tr><th>Rule</th><th>Resource</th><th>Region</th><th>Severity</th></tr></thead><tbody>` +
          report.resolved
            .map(
              (r) =>
                `<tr data-testid="resolved-row"><td><code>${h(r.ruleId)}</code></td><td>${h(r.resource.type)} ${h(resourceLabel(r.resource))}</td>` +
                `<td>${h(r.resource.region ?? GLOBAL)}</td><td>${h(r.severity ?? '')}</td></tr>`,
            )
            .join('') +
          '</tbody></table>',
      ),
    );
  }
  if (report.expiredSuppressions && report.expiredSuppressions.length > 0) {
    extra.push(
      section(
        'expired-suppressions',
        `Expired suppressions (${report.expiredSuppressions.length})`,
        `<table><thead><tr><th>Rule</th><th>Resource</th><th>Region</th><th>Reason</th><th>Expired</th></tr></thead><tbody>` +
          report.expiredSuppressions
            .map(
              (e) =>
                `<tr><td><code>${h(e.rule)}</code></td><td>${h(e.resource)}</td><td>${h(e.region ?? '')}</td><td>${h(e.reason)}</td><td>${h(e.expires)}</td></tr>`,
            )
            .join('') +
          '</tbody></table>',
      ),
    );
  }

  const rulesHtml = catalogue
    .map((r) => {
      const refs = r.references
        .map((u) => {
          const href = safeHref(u);
          return href
            ? `<li><a href="${h(href)}" rel="noopener noreferrer" target="_blank">${h(u)}</a></li>`
            : `<li>${h(u)}</li>`;
        })
        .join('');
      return (
        `<details data-testid="rule" data-rule="${h(r.id)}"><summary><span class="sev sev-${r.severity}">${h(r.severity)}</span> <code>${h(r.id)}</code> ${h(r.title)}</summary>` +
        (r.rationale ? `<p><b>Why:</b> ${h(r.rationale)}</p>` : '') +
        `<p><b>Fix:</b> ${h(r.remediation)}</p>` +
        (refs ? `<ul>${refs}</ul>` : '') +
        '</details>'
      );
    })
    .join('');

  const csp = [
    "default-src 'none'",
    `style-src ${sha256(STYLE)}`,
    `script-src ${sha256(SCRIPT)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const regionsText = report.scan.regions.length ? report.scan.regions.join(', ') : '(none)';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ecs-audit report — account ${h(report.account.id)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>ecs-audit report — account ${h(report.account.id)}</h1>
<dl class="meta"><dt>caller</dt><dd>${h(report.account.identityType)} ${h(report.account.callerArn)}</dd><dt>regions</dt><dd>${h(regionsText)}</dd><dt>scanned</dt><dd>${h(report.scan.startedAt)} – ${h(report.scan.finishedAt)}</dd><dt>tool</dt><dd>ecs-audit ${h(report.tool.version)}</dd></dl>
</header>
<main>
${section('summary', 'Summary', `<div class="cards">${cards}</div>`)}
${section('findings', `Findings (${findings.length})`, findingsTable)}
${section('coverage', `Coverage gaps (${report.coverage.length})`, coverage)}
${extra.join('\n')}
${section('rules', `Rules (${catalogue.length})`, rulesHtml || '<p class="muted">No rule metadata in this report.</p>')}
</main>
<script type="application/json" id="report-data" data-testid="report-data">${jsonForScript(report)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
