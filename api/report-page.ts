// The operators' report page (GET /reports): one self-contained HTML document, no CDN, no
// external assets (its Content-Security-Policy forbids them). It draws the pass rate and the
// volume as SVG in plain JS from GET /v1/reports/verifications, and the multi-period counters
// from GET /v1/counters; for a face scene, a table of the window's totals per face provider.
// Those calls carry an API key (scope flows:read) the operator types
// in; the key is kept in sessionStorage (this tab only, gone when it closes), never in the page.
import { REPORT_SCENES } from '../db/reports';

export const REPORT_PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'";

const SCRIPT = `
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var KEY = 'vsaga.reports.apiKey';
  var state = { days: '7', from: '', to: '' };
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function pct(r) { return r === null ? '–' : (Math.round(r * 1000) / 10) + '%'; }
  function say(msg, isError) { var s = $('status'); s.textContent = msg; s.className = isError ? 'error' : ''; }

  function api(path) {
    var key = sessionStorage.getItem(KEY);
    if (!key) return Promise.reject(new Error('Enter an API key with scope flows:read first.'));
    return fetch(path, { headers: { authorization: 'Bearer ' + key, accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (b) {
        if (!r.ok) throw new Error(b && b.error ? b.error.code + ': ' + b.error.message : 'HTTP ' + r.status);
        return b;
      });
    });
  }

  function label(bucket, g) { return g === 'hour' ? bucket.slice(11, 16) : bucket.slice(5, 10); }

  var W = 860, H = 240, L = 48, R = 12, T = 12, B = 30;
  function frame(node, n, g, series, yTicks) {
    clear(node);
    node.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    var pw = W - L - R, ph = H - T - B, bw = pw / Math.max(n, 1);
    yTicks.forEach(function (t) {
      var y = T + ph * (1 - t.f);
      node.appendChild(svg('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
      node.appendChild(svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'tick' }, t.label));
    });
    var every = Math.max(1, Math.ceil(n / 12));
    series.forEach(function (b, i) {
      if (i % every !== 0) return;
      node.appendChild(svg('text', { x: L + bw * (i + 0.5), y: H - 10, 'text-anchor': 'middle', class: 'tick' }, label(b.bucket, g)));
    });
    return { pw: pw, ph: ph, bw: bw };
  }

  function drawRate(node, series, g) {
    var f = frame(node, series.length, g, series, [0, 0.25, 0.5, 0.75, 1].map(function (v) { return { f: v, label: v * 100 + '%' }; }));
    var d = '', pen = false;
    series.forEach(function (b, i) {
      if (b.passRate === null) { pen = false; return; }
      var x = L + f.bw * (i + 0.5), y = T + f.ph * (1 - b.passRate);
      d += (pen ? ' L' : ' M') + x.toFixed(1) + ' ' + y.toFixed(1);
      pen = true;
      var c = svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 3, class: 'rate-point' });
      c.appendChild(svg('title', {}, b.bucket + ': ' + pct(b.passRate) + ' (' + b.passes + '/' + b.submissions + ')'));
      node.appendChild(c);
    });
    if (d) node.insertBefore(svg('path', { d: d.trim(), class: 'rate-line' }), node.firstChild);
  }

  function drawVolume(node, series, g) {
    var max = Math.max(1, Math.max.apply(null, series.map(function (b) { return b.submissions; })));
    var f = frame(node, series.length, g, series, [0, 0.5, 1].map(function (v) { return { f: v, label: String(Math.round(max * v * 10) / 10) }; }));
    var w = Math.max(1, f.bw * 0.7);
    series.forEach(function (b, i) {
      var x = L + f.bw * (i + 0.5) - w / 2, y = T + f.ph;
      [['passes', 'bar-pass'], ['failures', 'bar-fail'], ['pending', 'bar-pending']].forEach(function (p) {
        var v = b[p[0]];
        if (!v) return;
        var h = f.ph * v / max;
        y -= h;
        var r = svg('rect', { x: x.toFixed(1), y: y.toFixed(1), width: w.toFixed(1), height: h.toFixed(1), class: p[1] });
        r.appendChild(svg('title', {}, b.bucket + ': ' + p[0] + ' ' + v));
        node.appendChild(r);
      });
    });
  }

  function renderReport(rep) {
    var t = rep.totals;
    $('totals').textContent = rep.scene + ' · ' + rep.window.from + ' → ' + rep.window.to + ' (' + rep.window.granularity + 'ly' + (rep.window.clamped ? ', clamped to 90 days' : '') + ')' +
      ' · submissions ' + t.submissions + ' · passes ' + t.passes + ' · failures ' + t.failures + ' · pending ' + t.pending + ' · pass rate ' + pct(t.passRate);
    drawRate($('chart-rate'), rep.series, rep.window.granularity);
    drawVolume($('chart-volume'), rep.series, rep.window.granularity);
    var body = $('series-table').querySelector('tbody');
    clear(body);
    rep.series.forEach(function (b) {
      var tr = el('tr');
      [b.bucket, b.submissions, b.passes, b.failures, b.pending, pct(b.passRate)].forEach(function (v) { tr.appendChild(el('td', v)); });
      body.appendChild(tr);
    });
    // face scenes: who issued the certifyIds (code scenes have no provider to break down)
    var pbody = $('provider-table').querySelector('tbody');
    clear(pbody);
    $('providers').hidden = !rep.byProvider;
    (rep.byProvider || []).forEach(function (p) {
      var tr = el('tr');
      tr.setAttribute('data-provider', p.provider);
      [p.provider, p.submissions, p.passes, p.failures, p.pending, pct(p.passRate)].forEach(function (v) { tr.appendChild(el('td', v)); });
      pbody.appendChild(tr);
    });
  }

  function renderCounters(list) {
    var body = $('counters-table').querySelector('tbody');
    clear(body);
    list.forEach(function (c) {
      var tr = el('tr');
      [c.key, c.total, c.today, c.yesterday, c.thisWeek, c.lastWeek, c.thisMonth, c.lastMonth, c.thisYear, c.lastYear].forEach(function (v) { tr.appendChild(el('td', v)); });
      body.appendChild(tr);
    });
  }

  function load() {
    var qs = new URLSearchParams({ scene: $('scene-select').value });
    if (state.from) { qs.set('from', state.from); if (state.to) qs.set('to', state.to); } else qs.set('days', state.days);
    say('Loading…');
    Promise.all([api('/v1/reports/verifications?' + qs.toString()), api('/v1/counters')]).then(function (r) {
      renderReport(r[0]);
      renderCounters(r[1].counters);
      say('Updated ' + new Date().toLocaleString());
    }).catch(function (e) { say(e.message, true); });
  }

  $('key-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var v = $('key-input').value.trim();
    if (v) sessionStorage.setItem(KEY, v);
    $('key-input').value = '';
    load();
  });
  $('key-forget').addEventListener('click', function () { sessionStorage.removeItem(KEY); say('Key forgotten.'); });
  Array.prototype.forEach.call(document.querySelectorAll('button[data-days]'), function (b) {
    b.addEventListener('click', function () { state = { days: b.getAttribute('data-days'), from: '', to: '' }; $('from-input').value = ''; $('to-input').value = ''; load(); });
  });
  $('window-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    state = { days: state.days, from: $('from-input').value, to: $('to-input').value };
    load();
  });
  $('scene-select').addEventListener('change', load);
  if (sessionStorage.getItem(KEY)) load(); else say('Enter an API key with scope flows:read to load the report.');
})();
`;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function reportPageHtml(): string {
  const options = REPORT_SCENES.map((s) => `<option value="${esc(s)}">${esc(s)}</option>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>verification-saga · reports</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; max-width: 960px; }
h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin-top: 1.6rem; }
form, .row { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: .4rem 0; }
svg { width: 100%; height: auto; background: #fafafa; border: 1px solid #ddd; }
.grid { stroke: #e3e3e3; } .tick { font-size: 10px; fill: #666; }
.rate-line { fill: none; stroke: #1f77b4; stroke-width: 2; } .rate-point { fill: #1f77b4; }
.bar-pass { fill: #2ca02c; } .bar-fail { fill: #d62728; } .bar-pending { fill: #aaa; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
td:first-child, th:first-child { text-align: left; } .error { color: #b00; } .legend span { margin-right: 1rem; }
</style></head>
<body>
<h1>Verification reports</h1>
<p>Data comes from <code>GET /v1/reports/verifications</code> and <code>GET /v1/counters</code> with an API key (scope <code>flows:read</code>).
The key stays in this tab's sessionStorage only.</p>
<form id="key-form"><label>API key <input id="key-input" type="password" autocomplete="off"></label><button type="submit">Use key</button><button type="button" id="key-forget">Forget key</button></form>
<div class="row"><label>Scene <select id="scene-select">${options}</select></label>
<button type="button" data-days="1">1 day</button><button type="button" data-days="7">7 days</button><button type="button" data-days="30">30 days</button></div>
<form id="window-form"><label>From <input id="from-input" type="date"></label><label>To <input id="to-input" type="date"></label><button type="submit">Search</button> <small>(at most 90 days; longer windows are cut)</small></form>
<p id="status"></p>
<p id="totals"></p>
<h2>Pass rate</h2>
<svg id="chart-rate" role="img" aria-label="pass rate over time"></svg>
<h2>Volume</h2>
<div class="legend"><span style="color:#2ca02c">■ passes</span><span style="color:#d62728">■ failures</span><span style="color:#888">■ pending</span></div>
<svg id="chart-volume" role="img" aria-label="submissions over time"></svg>
<section id="providers" hidden>
<h2>By face provider</h2>
<p><small>Who issued each certifyId (after any failover), over the whole window.</small></p>
<table id="provider-table"><thead><tr><th>provider</th><th>submissions</th><th>passes</th><th>failures</th><th>pending</th><th>pass rate</th></tr></thead><tbody></tbody></table>
</section>
<h2>Buckets</h2>
<table id="series-table"><thead><tr><th>bucket (Asia/Shanghai)</th><th>submissions</th><th>passes</th><th>failures</th><th>pending</th><th>pass rate</th></tr></thead><tbody></tbody></table>
<h2>Counters</h2>
<table id="counters-table"><thead><tr><th>key</th><th>total</th><th>today</th><th>yesterday</th><th>this week</th><th>last week</th><th>this month</th><th>last month</th><th>this year</th><th>last year</th></tr></thead><tbody></tbody></table>
<script>${SCRIPT}</script>
</body></html>`;
}
