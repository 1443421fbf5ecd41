// Renders a DriftReport as one self-contained HTML page: inline CSS and inline SVG only, and a
// Content-Security-Policy that forbids every fetch, so the file opens offline and leaks nothing when shared.
import type { ColumnDrift, DriftPlot, DriftReport } from '../../schemas/drift.js';
import { driftedOfCompared } from './compute.js';

const REF_COLOUR = '#2f6db5';
const CUR_COLOUR = '#e8772e';

/** Escapes text for HTML element content and double-quoted attributes (column names and categories are data). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number as people read it in a report: 4 significant digits, exponent form for very small p-values. */
export function fmtNumber(x: number | undefined): string {
  if (x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-4 || a >= 1e6) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

const pct = (x: number): string => `${Number((x * 100).toFixed(1))}%`;

function proportions(v: number[]): number[] {
  const total = v.reduce((a, b) => a + (Number.isFinite(b) && b > 0 ? b : 0), 0);
  return v.map((x) => (total > 0 && Number.isFinite(x) && x > 0 ? x / total : 0));
}

/** How the column's decision reads: "p 0.003 < 0.05" for tests, "0.31 ≥ 0.1" for distances. */
export function decisionText(c: ColumnDrift): string {
  if (c.error) return c.error;
  if (c.pValue !== undefined) {
    const op = c.drifted ? (c.method === 'ks' ? '≤' : '<') : c.method === 'ks' ? '>' : '≥';
    return `p-value ${fmtNumber(c.pValue)} ${op} ${fmtNumber(c.threshold)}`;
  }
  if (c.statistic === undefined) return 'not compared';
  return `${c.method} ${fmtNumber(c.statistic)} ${c.drifted ? '≥' : '<'} ${fmtNumber(c.threshold)}`;
}

const W = 720;
const H = 260;
const M = { left: 56, right: 16, top: 16, bottom: 64 };

function yAxis(max: number): string {
  const ih = H - M.top - M.bottom;
  const out: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = M.top + ih - (ih * i) / 4;
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" class="grid"/>`,
      `<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(pct(v))}</text>`,
    );
  }
  return out.join('');
}

function legend(): string {
  const y = H - 14;
  return (
    `<rect x="${M.left}" y="${y - 10}" width="12" height="12" fill="${REF_COLOUR}" fill-opacity="0.55"/>` +
    `<text x="${M.left + 18}" y="${y}">reference</text>` +
    `<rect x="${M.left + 110}" y="${y - 10}" width="12" height="12" fill="${CUR_COLOUR}" fill-opacity="0.55"/>` +
    `<text x="${M.left + 128}" y="${y}">current</text>`
  );
}

/** Overlaid reference/current histograms on the plot's bin edges (by index when an edge is not finite). */
function histogramSvg(p: Extract<DriftPlot, { type: 'histogram' }>, title: string): string {
  const n = Math.min(p.reference.length, p.current.length, Math.max(p.edges.length - 1, 0));
  if (n === 0) return '<p class="muted">no histogram: no values to plot</p>';
  const ref = proportions(p.reference.slice(0, n));
  const cur = proportions(p.current.slice(0, n));
  const max = Math.max(...ref, ...cur, 1e-12);
  const edges = p.edges.slice(0, n + 1);
  const lo = edges[0] as number;
  const hi = edges[n] as number;
  // Evenly spaced bars when the edges are not finite and increasing, or span more than a double holds.
  const byValue =
    edges.every(Number.isFinite) &&
    edges.every((e, i) => i === 0 || e > (edges[i - 1] as number)) &&
    Number.isFinite(hi - lo);
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const x = (i: number): number => M.left + (byValue ? ((edges[i] as number) - lo) / (hi - lo) : i / n) * iw;
  const bars: string[] = [];
  for (const [vals, colour] of [
    [ref, REF_COLOUR],
    [cur, CUR_COLOUR],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const h = ((vals[i] as number) / max) * ih;
      const x0 = x(i);
      const w = Math.max(x(i + 1) - x0, 0.5);
      bars.push(
        `<rect x="${x0.toFixed(2)}" y="${(M.top + ih - h).toFixed(2)}" width="${w.toFixed(2)}" height="${h.toFixed(2)}" fill="${colour}" fill-opacity="0.55" stroke="${colour}" stroke-width="0.5"><title>${escapeHtml(
          `[${fmtNumber(edges[i])}, ${fmtNumber(edges[i + 1])}): ${pct(vals[i] as number)}`,
        )}</title></rect>`,
      );
    }
  }
  // A handful of x tick labels: first, last and evenly spaced edges in between.
  const ticks: string[] = [];
  const step = Math.max(1, Math.ceil(n / 6));
  const tickAt = new Set<number>([n]);
  for (let i = 0; i < n; i += step) tickAt.add(i);
  for (const i of tickAt)
    ticks.push(
      `<text x="${x(i).toFixed(2)}" y="${M.top + ih + 16}" text-anchor="middle">${escapeHtml(fmtNumber(edges[i]))}</text>`,
    );
  return svg(title, yAxis(max) + bars.join('') + axisLine() + ticks.join('') + legend());
}

/** Side-by-side bars per category: reference and current share of rows. */
function categoriesSvg(p: Extract<DriftPlot, { type: 'categories' }>, title: string): string {
  const n = Math.min(p.categories.length, p.reference.length, p.current.length);
  if (n === 0) return '<p class="muted">no categories to plot</p>';
  const ref = proportions(p.reference.slice(0, n));
  const cur = proportions(p.current.slice(0, n));
  const max = Math.max(...ref, ...cur, 1e-12);
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const slot = iw / n;
  const bw = Math.max((slot * 0.8) / 2, 0.5);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = p.categories[i] as string;
    const x0 = M.left + i * slot + slot * 0.1;
    for (const [k, vals, colour, label] of [
      [0, ref, REF_COLOUR, 'reference'],
      [1, cur, CUR_COLOUR, 'current'],
    ] as const) {
      const h = ((vals[i] as number) / max) * ih;
      out.push(
        `<rect x="${(x0 + k * bw).toFixed(2)}" y="${(M.top + ih - h).toFixed(2)}" width="${bw.toFixed(2)}" height="${h.toFixed(2)}" fill="${colour}" fill-opacity="0.8"><title>${escapeHtml(
          `${name} (${label}): ${pct(vals[i] as number)}`,
        )}</title></rect>`,
      );
    }
    if (n <= 40) {
      const short = name.length > 14 ? `${name.slice(0, 13)}…` : name;
      const cx = x0 + bw;
      out.push(
        `<text x="${cx.toFixed(2)}" y="${M.top + ih + 12}" text-anchor="end" transform="rotate(-35 ${cx.toFixed(2)} ${M.top + ih + 12})">${escapeHtml(short)}</text>`,
      );
    }
  }
  return svg(title, yAxis(max) + out.join('') + axisLine() + legend());
}

function axisLine(): string {
  const y = H - M.bottom;
  return `<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" class="axis"/>`;
}

function svg(title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">${body}</svg>`;
}

function plotSvg(c: ColumnDrift): string {
  if (!c.plot) return '<p class="muted">no distribution to plot</p>';
  const title = `${c.name}: reference vs current`;
  return c.plot.type === 'histogram' ? histogramSvg(c.plot, title) : categoriesSvg(c.plot, title);
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2430;background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 6px}
.verdict{padding:12px 16px;border-radius:6px;font-size:16px;font-weight:600;margin-bottom:12px}
.drift{background:#fde2e1;color:#8a1c17;border:1px solid #f2a19c}.ok{background:#e1f5e6;color:#185c2c;border:1px solid #9bd6ab}
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #d5dbe3;padding:4px 10px;text-align:left}
th{background:#eef2f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.drifted td{background:#fff1f0}.yes{color:#b3261e;font-weight:600}.no{color:#2b7a3d}.err{color:#8a5a00}
.muted{color:#687385}section.col{border-top:1px solid #e3e7ee;padding-top:4px}
svg text{font-size:11px;fill:#3b4452}svg .grid{stroke:#e6e9ef}svg .axis{stroke:#3b4452}
`;

/** The whole report page. Every string that comes from the data goes through escapeHtml. */
export function renderDriftHtml(report: DriftReport, meta: { reference?: string; current?: string } = {}): string {
  const verdict = report.datasetDrift
    ? `Dataset drift detected: ${driftedOfCompared(report)} (${pct(report.driftShare)} ≥ ${pct(report.driftShareThreshold)})`
    : `No dataset drift: ${driftedOfCompared(report)} (${pct(report.driftShare)} < ${pct(report.driftShareThreshold)})`;
  const rows = report.columns.map((c) => {
    const state = c.error
      ? '<span class="err">not compared</span>'
      : c.drifted
        ? '<span class="yes">yes</span>'
        : '<span class="no">no</span>';
    return `<tr class="${c.drifted ? 'drifted' : ''}"><td><a href="#col-${report.columns.indexOf(c)}">${escapeHtml(c.name)}</a></td><td>${c.kind}</td><td>${c.method}</td><td class="num">${fmtNumber(c.statistic)}</td><td class="num">${fmtNumber(c.pValue)}</td><td class="num">${fmtNumber(c.threshold)}</td><td>${state}</td></tr>`;
  });
  const sections = report.columns.map(
    (c, i) =>
      `<section class="col" id="col-${i}"><h2>${escapeHtml(c.name)} <span class="muted">(${c.kind}, ${c.method})</span></h2>` +
      `<p><b class="${c.drifted ? 'yes' : c.error ? 'err' : 'no'}">${c.drifted ? 'Drifted' : c.error ? 'Not compared' : 'No drift'}</b>: ${escapeHtml(decisionText(c))}` +
      (c.rows ? ` <span class="muted">(reference ${c.rows.reference} values, current ${c.rows.current})</span>` : '') +
      `</p>${plotSvg(c)}</section>`,
  );
  const source = [
    meta.reference
      ? `<div>Reference: <code>${escapeHtml(meta.reference)}</code> (${report.rows.reference} rows)</div>`
      : `<div>Reference: ${report.rows.reference} rows</div>`,
    meta.current
      ? `<div>Current: <code>${escapeHtml(meta.current)}</code> (${report.rows.current} rows)</div>`
      : `<div>Current: ${report.rows.current} rows</div>`,
  ].join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice drift report</title><style>${CSS}</style></head>
<body>
<h1>Sluice drift report</h1>
<div class="verdict ${report.datasetDrift ? 'drift' : 'ok'}">${escapeHtml(verdict)}</div>
${source}
<h2>Summary</h2>
<table><thead><tr><th>column</th><th>kind</th><th>method</th><th>statistic</th><th>p-value</th><th>threshold</th><th>drifted</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
${sections.join('\n')}
</body></html>
`;
}
