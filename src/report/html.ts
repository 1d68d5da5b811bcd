/**
 * A self-contained HTML report: one file, inline CSS and JS, no network at all
 * (a Content-Security-Policy forbids every remote load; the inline style and
 * script are allowed by their hashes only). The report is embedded as JSON
 * (`<script type="application/json" id="report-data">`) with `<`, `>`, `&` and
 * the line separators escaped, so no string from the account can close the
 * element, and each finding's title and remediation given once, in its rule
 * (`embeddedFindingsRestored` reads it back); the findings table is rendered
 * from it by the page's script, a page of rows at a time ("show more"), with filters by severity, rule, region,
 * status and text, and sortable columns. Rows are built with DOM text nodes,
 * never parsed as HTML. Rendering the rows from the data, rather than writing
 * them into the page as well, keeps the file about the size of the JSON report
 * and a page of 50,000 findings responsive. Summary, coverage gaps and rules
 * are plain HTML and read without JavaScript; every text is HTML-escaped.
 *
 * Stable hooks for tests and scripts: `data-testid` on the controls, rows and
 * sections; each finding row carries `data-severity`, `data-rule`,
 * `data-region` (`global` for RAM and account resources), `data-account`
 * (organization reports), `data-status`,
 * `data-baseline` and `data-fingerprint`.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES } from '../engine/types.js';
import {
  complianceCounts,
  groupUnevaluated,
  NOT_EVALUATED_NOTE,
  resourceLabel,
  ruleCatalogue,
  unevaluatedWhat,
} from './common.js';
import { reportJsonChunks } from './json.js';
import { htmlPathsSection, PATH_STYLE } from './paths.js';
import type { Report } from './schema.js';

const GLOBAL = 'global';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces
const HTML_CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/g;

export function escapeHtml(s: string): string {
  return (
    s
      // a raw control character (but tab, newline, form feed, CR) is an HTML parse error:
      // shown as `\xNN`, as the terminal table shows it
      .replace(HTML_CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;')
  );
}

/** JSON that is safe inside a <script> element: nothing can end it or start a comment. */
export function jsonForScript(value: unknown): string {
  return scriptSafe(JSON.stringify(value));
}

const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/g;
const SCRIPT_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON text made safe inside a <script> element (the escapes keep it the same JSON). */
function scriptSafe(json: string): string {
  return json.replace(UNSAFE_IN_SCRIPT, (c) => SCRIPT_ESCAPES[c]!);
}

const h = escapeHtml;

// `th button` loses the outline to `all:unset`: keyboard users get it back on :focus-visible;
// the dark palette's badge colours are light, so their text is dark there (white was 2.5-3.4:1);
// `.filters` is display:flex, which would beat its `hidden` with the script off
const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa;
--critical:#a40e26;--high:#d1242f;--medium:#9a6700;--low:#0969da;--info:#59636e;--on-sev:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--head:#151b23;
--critical:#ff7b72;--high:#f85149;--medium:#d29922;--low:#58a6ff;--info:#9198a1;--on-sev:var(--bg)}}
*{box-sizing:border-box}
body{margin:0;padding:1.5rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.meta{color:var(--muted);margin:0 0 1rem}.meta dt{display:inline;font-weight:600}.meta dd{display:inline;margin:0 1rem 0 .25rem}
.cards{display:flex;flex-wrap:wrap;gap:.5rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.5rem .9rem;min-width:7rem}
.card b{display:block;font-size:1.4rem}
.sev{display:inline-block;border-radius:2em;padding:0 .6em;font-size:12px;font-weight:600;color:var(--on-sev);text-transform:uppercase}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}
.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.card.sev-critical b{color:var(--critical)}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
.filters[hidden]{display:none}
.filters label{display:flex;gap:.25rem;align-items:center}
select,input{font:inherit;padding:.2rem .4rem;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:4px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:var(--head);position:sticky;top:0}
th button{all:unset;cursor:pointer;font-weight:600}
th button:focus-visible{outline:2px solid var(--low);outline-offset:2px;border-radius:2px}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
td.msg{max-width:48rem;overflow-wrap:anywhere}
td.region{white-space:nowrap}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{white-space:pre-wrap;overflow-wrap:anywhere;max-height:24rem;overflow:auto;background:var(--head);padding:.5rem;border-radius:4px}
.muted{color:var(--muted)}
tr.suppressed td{opacity:.65}
tr.unevaluated td{font-style:italic}
${PATH_STYLE}`;

/** rows rendered at a time; "show more" adds as many again */
export const PAGE_SIZE = 500;

/** above this many rows the search waits SEARCH_DEBOUNCE_MS after the last keystroke */
export const SEARCH_DEBOUNCE_ROWS = 2000;
export const SEARCH_DEBOUNCE_MS = 180;

const SCRIPT = `
(function () {
  'use strict';
  var q = function (id) { return document.querySelector('[data-testid="' + id + '"]'); };
  var table = q('findings-table');
  var data = document.getElementById('report-data');
  if (!table || !data) return;
  var PAGE = ${PAGE_SIZE};
  var SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  var doc = JSON.parse(data.textContent);
  var findings = doc.findings;
  // pairs a rule could not judge: rows of status "not evaluated", with the rule's severity
  var ruleSeverity = {};
  (doc.rules || []).forEach(function (r) { ruleSeverity[r.id] = r.severity; });
  (doc.unevaluated || []).forEach(function (u) {
    var gap = doc.coverage[u.coverage] || {};
    // organization reports: a whole-scope pair (a member that could not be entered) has no
    // resource, only the entry's account, which the Account filter and the row must still see
    var account = u.account || gap.account;
    findings.push({
      ruleId: u.ruleId,
      severity: ruleSeverity[u.ruleId] || 'info',
      resource: u.resource || { type: 'scope', id: 'whole scope', region: gap.region === undefined ? null : gap.region, account: account },
      account: account,
      message: 'Not evaluated: data this rule needs could not be read (' + u.reason + '). No verdict, not a pass.',
      evidence: { reason: u.reason, coverage: gap },
      fingerprint: '',
      status: 'unevaluated'
    });
  });
  var tbody = table.tBodies[0];
  var bar = q('filters');
  var filters = ['severity', 'rule', 'region', 'account', 'status', 'baseline']
    .map(function (k) { return { key: k, el: q('filter-' + k) }; })
    .filter(function (f) { return f.el; });
  var text = q('filter-text');
  // a search re-reads every row: at tens of thousands of rows each keystroke took
  // 250-665 ms, so on a large report it waits for a pause in the typing (selects stay at once)
  var SEARCH_WAIT = findings.length > ${SEARCH_DEBOUNCE_ROWS} ? ${SEARCH_DEBOUNCE_MS} : 0;
  var pending = null;
  var count = q('visible-count');
  var none = q('no-rows');
  var more = q('show-more');
  function scalar(v) {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return undefined;
  }
  // the few facts a human scans first (keyEvidence in src/report/common.ts)
  function keyEvidence(e) {
    var parts = [];
    var ports = e.ports !== undefined && e.ports !== null ? e.ports : e.openPorts;
    if (Array.isArray(ports) && ports.length > 0) {
      parts.push('ports ' + ports.slice(0, 6).map(String).join(',') + (ports.length > 6 ? ',\u2026' : ''));
    }
    var protocols = e.protocols;
    if (Array.isArray(protocols) && protocols.length > 0 && parts.length === 0) {
      parts.push('all ' + protocols.map(String).join('/') + ' ports');
    }
    if (Array.isArray(e.exposures)) {
      var seen = new Set();
      var sources = [];
      e.exposures.forEach(function (x) {
        if (x === null || typeof x !== 'object') return;
        [x.acceptedIpv4, x.acceptedIpv6].forEach(function (a) {
          if (!Array.isArray(a)) return;
          a.forEach(function (v) {
            var s = String(v);
            if (!seen.has(s)) { seen.add(s); sources.push(s); }
          });
        });
      });
      if (sources.length > 0) {
        parts.push('from ' + sources.slice(0, 3).join(', ') + (sources.length > 3 ? ', \u2026' : ''));
      }
    }
    var summary = scalar(e.summary);
    if (summary) parts.push(summary);
    if (parts.length === 0) {
      var keys = Object.keys(e);
      for (var i = 0; i < keys.length && parts.length < 3; i++) {
        var s = scalar(e[keys[i]]);
        if (s !== undefined && s !== '') parts.push(keys[i] + '=' + s);
      }
    }
    return parts.join('; ');
  }
  var items = findings.map(function (f, i) {
    var r = f.resource;
    var status = f.status === 'suppressed' ? 'suppressed' : f.status === 'unevaluated' ? 'not evaluated' : 'open';
    var s = f.suppression;
    return {
      f: f,
      index: i,
      severity: f.severity,
      rank: SEVERITIES.indexOf(f.severity),
      rule: f.ruleId,
      region: r.region === null || r.region === undefined ? 'global' : r.region,
      account: r.account || f.account || '',
      status: status,
      baseline: f.baseline || '',
      label: r.name && r.name !== r.id ? r.id + ' (' + r.name + ')' : r.id,
      key: keyEvidence(f.evidence || {}),
      why: s ? s.reason + (s.expires ? ' (until ' + s.expires + ')' : '') : '',
      sort: {
        rule: f.ruleId.toLowerCase(),
        resource: (r.type + ' ' + r.id).toLowerCase(),
        region: (r.region || '').toLowerCase(),
        status: (status + ' ' + (f.baseline || '')).toLowerCase()
      },
      text: null
    };
  });
  function searchText(x) {
    if (x.text === null) {
      var f = x.f;
      x.text = [x.severity, f.ruleId, f.resource.type, x.label, x.region, x.account, f.message, x.key,
        JSON.stringify(f.evidence, null, 2), x.status, x.baseline, x.why].join('\\n').toLowerCase();
    }
    return x.text;
  }
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content;
    return e;
  }
  function cell(cls) {
    var td = el('td', cls);
    for (var i = 1; i < arguments.length; i++) td.appendChild(arguments[i]);
    return td;
  }
  function row(x) {
    var f = x.f;
    var tr = document.createElement('tr');
    tr.setAttribute('data-testid', 'finding-row');
    tr.dataset.index = String(x.index);
    tr.dataset.severity = x.severity;
    tr.dataset.severityRank = String(x.rank);
    tr.dataset.rule = x.rule;
    tr.dataset.region = x.region;
    if (x.account) tr.dataset.account = x.account;
    tr.dataset.status = x.status;
    tr.dataset.baseline = x.baseline;
    tr.dataset.fingerprint = f.fingerprint;
    tr.dataset.resourceId = f.resource.id;
    if (x.status === 'suppressed') tr.className = 'suppressed';
    if (x.status === 'not evaluated') tr.className = 'unevaluated';
    tr.appendChild(cell('', el('span', 'sev sev-' + x.severity, x.severity)));
    tr.appendChild(cell('', el('code', '', x.rule)));
    var res = el('span', '', x.label);
    res.setAttribute('data-testid', 'resource');
    var resCell = cell('', el('span', 'muted', f.resource.type), document.createTextNode(' '), res);
    if (x.account) resCell.appendChild(el('div', 'muted', 'account ' + x.account));
    tr.appendChild(resCell);
    tr.appendChild(cell('region', document.createTextNode(x.region)));
    var msg = el('div', '', f.message);
    msg.setAttribute('data-testid', 'message');
    var td = cell('msg', msg);
    if (x.key) td.appendChild(el('div', 'muted', x.key));
    var details = el('details');
    details.appendChild(el('summary', '', 'evidence'));
    var pre = el('pre', '', JSON.stringify(f.evidence, null, 2));
    pre.setAttribute('data-testid', 'evidence');
    details.appendChild(pre);
    td.appendChild(details);
    tr.appendChild(td);
    var st = cell('', document.createTextNode(x.status));
    if (x.baseline) {
      st.appendChild(document.createTextNode(' '));
      st.appendChild(el('span', 'muted', '(' + x.baseline + ')'));
    }
    if (x.why) st.appendChild(el('div', 'muted', x.why));
    tr.appendChild(st);
    return tr;
  }
  // the report's order (severity, rule, region, resource), whatever order the JSON holds
  var collate = new Intl.Collator().compare;
  items.sort(function (a, b) {
    var ra = a.f.resource, rb = b.f.resource;
    return a.rank - b.rank || collate(a.rule, b.rule) || collate(ra.region || '', rb.region || '') ||
      collate(ra.type, rb.type) || collate(ra.id, rb.id) || a.index - b.index;
  });
  items.forEach(function (x, i) { x.index = i; });
  var matching = items;
  var shown = 0;
  function showMore() {
    var end = Math.min(matching.length, shown + PAGE);
    var frag = document.createDocumentFragment();
    for (var i = shown; i < end; i++) frag.appendChild(row(matching[i]));
    tbody.appendChild(frag);
    shown = end;
    var rest = matching.length - shown;
    more.hidden = rest === 0;
    more.textContent = 'Show ' + Math.min(rest, PAGE) + ' more (' + rest + ' not shown)';
  }
  function render() {
    tbody.textContent = '';
    shown = 0;
    showMore();
    count.textContent = String(matching.length);
    none.hidden = matching.length !== 0;
  }
  var sortKey = null;
  var dir = 1;
  function value(x, key) {
    return key === 'severity' ? x.rank : x.sort[key] || '';
  }
  function order() {
    if (sortKey === null) return;
    var key = sortKey;
    items.sort(function (a, b) {
      var va = value(a, key), vb = value(b, key);
      var c = va < vb ? -1 : va > vb ? 1 : 0;
      return c * dir || a.index - b.index;
    });
  }
  function apply() {
    if (pending !== null) { clearTimeout(pending); pending = null; }
    var needle = text.value.trim().toLowerCase();
    matching = items.filter(function (x) {
      return filters.every(function (f) { return !f.el.value || x[f.key] === f.el.value; }) &&
        (!needle || searchText(x).indexOf(needle) !== -1);
    });
    render();
  }
  filters.forEach(function (f) { f.el.addEventListener('change', apply); });
  text.addEventListener('input', function () {
    if (!SEARCH_WAIT) return apply();
    if (pending !== null) clearTimeout(pending);
    pending = setTimeout(apply, SEARCH_WAIT);
  });
  more.addEventListener('click', showMore);
  table.tHead.addEventListener('click', function (ev) {
    var th = ev.target.closest('th[data-sort]');
    if (!th) return;
    var key = th.dataset.sort;
    dir = key === sortKey ? -dir : 1;
    sortKey = key;
    Array.prototype.forEach.call(table.tHead.querySelectorAll('th[data-sort]'), function (x) {
      x.setAttribute('aria-sort', x === th ? (dir === 1 ? 'ascending' : 'descending') : 'none');
    });
    order();
    apply();
  });
  bar.hidden = false;
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

function safeHref(url: string): string | undefined {
  return /^https?:\/\//i.test(url) ? url : undefined;
}

function section(id: string, title: string, body: string): string {
  return `<section data-testid="${id}"><h2>${h(title)}</h2>${body}</section>`;
}

/**
 * The findings as embedded in the page: without the `title` and `remediation`
 * that are their rule's (`report.rules`), which the Rules section and the
 * embedded `rules` already hold once; tens of thousands of copies of the same
 * paragraph were half the page. `embeddedFindingsRestored` puts them back.
 */
function leanFinding(report: Report): (f: Report['findings'][number]) => unknown {
  const rules = new Map((report.rules ?? []).map((r) => [r.id, r]));
  return (f) => {
    const rule = rules.get(f.ruleId);
    if (!rule || (rule.title !== f.title && rule.remediation !== f.remediation)) return f;
    const { title, remediation, ...rest } = f;
    return {
      ...rest,
      ...(title !== rule.title ? { title } : {}),
      ...(remediation !== rule.remediation ? { remediation } : {}),
    };
  };
}

/** The report embedded in a page, with each finding's title and remediation taken back from its rule. */
export function embeddedFindingsRestored(embedded: Report): Report {
  const rules = new Map((embedded.rules ?? []).map((r) => [r.id, r]));
  return {
    ...embedded,
    findings: embedded.findings.map((f) => {
      const rule = rules.get(f.ruleId);
      return {
        ...f,
        title: f.title ?? rule?.title,
        remediation: f.remediation ?? rule?.remediation,
      } as Report['findings'][number];
    }),
  };
}

/** The page as text pieces, in order (what `formatHtml` joins). */
export function* htmlChunks(report: Report): Generator<string> {
  const findings = report.findings;
  const s = report.summary;
  const catalogue = ruleCatalogue(report);
  const ruleSet = new Set<string>();
  const regionSet = new Set<string>();
  const accountSet = new Set<string>();
  const sevSet = new Set<string>();
  let hasBaseline = false;
  for (const f of findings) {
    ruleSet.add(f.ruleId);
    regionSet.add(f.resource.region ?? GLOBAL);
    if (f.resource.account !== undefined) accountSet.add(f.resource.account);
    sevSet.add(f.severity);
    if (f.baseline !== undefined) hasBaseline = true;
  }
  // pairs a rule could not judge are rows too, of status "not evaluated"
  const unevaluated = report.unevaluated ?? [];
  const ruleSeverity = new Map(catalogue.map((r) => [r.id, r.severity]));
  for (const u of unevaluated) {
    ruleSet.add(u.ruleId);
    // a member that could not be entered has only whole-scope pairs (`resource: null`): its
    // account is the entry's (or its coverage entry's), and must be offered all the same
    const account = u.resource?.account ?? u.account ?? report.coverage[u.coverage]?.account;
    if (account !== undefined) accountSet.add(account);
    regionSet.add(u.resource?.region ?? report.coverage[u.coverage]?.region ?? GLOBAL);
    sevSet.add(ruleSeverity.get(u.ruleId) ?? 'info');
  }
  const rows = findings.length + unevaluated.length;
  const ruleIds = [...ruleSet].sort();
  const regions = [...regionSet].sort();
  const sevs = SEVERITIES.filter((x) => sevSet.has(x));

  const cards = [
    ...SEVERITIES.map(
      (sev) =>
        `<div class="card" data-testid="summary-${sev}" data-count="${s[sev]}"><span class="sev sev-${sev}">${sev}</span><b>${s[sev]}</b></div>`,
    ),
    `<div class="card" data-testid="summary-suppressed" data-count="${s.suppressed}">suppressed<b>${s.suppressed}</b></div>`,
    `<div class="card" data-testid="summary-unevaluated" data-count="${unevaluated.length}">not evaluated<b>${unevaluated.length}</b></div>`,
    `<div class="card" data-testid="summary-coverage" data-count="${report.coverage.length}">coverage gaps<b>${report.coverage.length}</b></div>`,
  ].join('');

  const filterBar =
    `<div class="filters" data-testid="filters" hidden>` +
    select('severity', 'Severity', sevs) +
    select('rule', 'Rule', ruleIds) +
    select('region', 'Region', regions) +
    // organization reports: filter by member account
    (accountSet.size > 0 ? select('account', 'Account', [...accountSet].sort()) : '') +
    select('status', 'Status', [
      'open',
      'suppressed',
      ...(unevaluated.length > 0 ? ['not evaluated'] : []),
    ]) +
    (hasBaseline ? select('baseline', 'Baseline', ['new', 'unchanged']) : '') +
    `<label>Search <input type="search" data-testid="filter-text" aria-label="Search"></label>` +
    // announced to screen readers when a filter changes it
    `<span role="status">showing <b data-testid="visible-count">${rows}</b> of ${rows}</span>` +
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
    `</tr></thead><tbody></tbody></table>` +
    `<p data-testid="no-rows" class="muted"${rows === 0 ? '' : ' hidden'}>No findings${rows === 0 ? '.' : ' match the filters.'}</p>` +
    `<p><button type="button" data-testid="show-more" hidden>Show more</button></p>` +
    (rows === 0
      ? ''
      : `<noscript><p data-testid="noscript">The ${rows} findings and pairs not evaluated are listed by the page's script, which is not running: ` +
        `they are in the report data embedded in this file (the JSON report, each rule's title and remediation given once, in its rule) and in the other report formats.</p></noscript>`);

  // an organization report's entries name their account
  const coverageByAccount = report.coverage.some((g) => g.account !== undefined);
  const coverage =
    report.coverage.length === 0
      ? '<p class="muted">None: every API call the scan needed succeeded.</p>'
      : `<p>Some data could not be read; findings about it may be missing.</p><table><thead><tr>${coverageByAccount ? '<th>Account</th>' : ''}<th>Service</th><th>Region</th><th>Operation</th><th>Resource</th><th>Error</th></tr></thead><tbody>` +
        report.coverage
          .map(
            (g) =>
              `<tr data-testid="coverage-row">${coverageByAccount ? `<td>${h(g.account ?? '')}</td>` : ''}<td>${h(g.service)}</td><td>${h(g.region ?? GLOBAL)}</td><td>${h(g.operation)}</td>` +
              `<td>${h(g.resource ?? '')}</td><td><code>${h(g.error.code)}</code> ${h(g.error.message)}</td></tr>`,
          )
          .join('') +
        '</tbody></table>';

  const extra: string[] = [];
  const groups = groupUnevaluated(report);
  if (groups.length > 0) {
    extra.push(
      section(
        'unevaluated',
        `Not evaluated (${unevaluated.length})`,
        `<p>${h(NOT_EVALUATED_NOTE)}</p><table><thead><tr><th>Rule</th><th>Region</th><th>Not evaluated</th><th>Reason</th></tr></thead><tbody>` +
          groups
            .slice(0, 500)
            .map(
              (g) =>
                `<tr data-testid="unevaluated-row" data-rule="${h(g.ruleId)}"><td><code>${h(g.ruleId)}</code></td><td>${h(g.region ?? GLOBAL)}</td>` +
                `<td>${h(unevaluatedWhat(g))}</td><td>${h(g.reasons.slice(0, 3).join('; '))}</td></tr>`,
            )
            .join('') +
          '</tbody></table>' +
          (groups.length > 500 ? `<p class="muted">… and ${groups.length - 500} more.</p>` : ''),
      ),
    );
  }
  if (report.compliance) {
    const cc = report.compliance;
    extra.push(
      section(
        'compliance',
        cc.name,
        `<p>${h(complianceCounts(cc))}</p><table><thead><tr><th>Control</th><th>Status</th><th>Title</th><th>Rules</th><th>Findings</th></tr></thead><tbody>` +
          cc.controls
            .map(
              (c) =>
                `<tr data-testid="control-row" data-control="${h(c.id)}" data-status="${h(c.status)}"><td>${h(c.id)}</td><td>${h(c.status)}</td>` +
                `<td>${h(c.title)}</td><td>${h(c.rules.join(', '))}</td><td>${c.findings}</td></tr>`,
            )
            .join('') +
          '</tbody></table>',
      ),
    );
  }
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

  yield `<!doctype html>
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
${htmlPathsSection(
  findings.filter((f) => f.status === 'open'),
  h,
)}
${section('coverage', `Coverage gaps (${report.coverage.length})`, coverage)}
${extra.join('\n')}
${section('rules', `Rules (${catalogue.length})`, rulesHtml || '<p class="muted">No rule metadata in this report.</p>')}
</main>
<script type="application/json" id="report-data" data-testid="report-data">`;
  for (const chunk of reportJsonChunks(report, false, leanFinding(report))) yield scriptSafe(chunk);
  yield `</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

export function formatHtml(report: Report): string {
  return [...htmlChunks(report)].join('');
}
