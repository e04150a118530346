// A hand-written SVG of a sweep: p50 latency of every step, and throughput (journeys over the
// API, the direct baseline, the floor workflow), against concurrency. Both axes logarithmic.
import type { BenchReport } from './report';
import { REBIND_STEPS, STEPS } from './journey';

interface Series {
  name: string;
  values: (number | null)[];
  color: string;
  dashed?: boolean;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 1, 2, 5 × powers of ten covering [lo, hi] */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo / 1.0001 && v <= hi * 1.0001) out.push(v);
    }
  }
  return out;
}

function panel(x0: number, y0: number, w: number, h: number, title: string, yLabel: string, xs: number[], series: Series[]): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && v > 0));
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const xl = Math.log(Math.min(...xs));
  const xh = Math.log(Math.max(...xs));
  const px = (v: number) => x0 + (xh === xl ? w / 2 : ((Math.log(v) - xl) / (xh - xl)) * w);
  const py = (v: number) => y0 + h - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h;
  const out: string[] = [];
  out.push(`<text x="${x0 + w / 2}" y="${y0 - 14}" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (const t of logTicks(lo, hi)) {
    out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${x0 - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${t >= 1 ? t : t.toPrecision(1)}</text>`);
  }
  for (const c of xs) {
    out.push(`<line x1="${px(c).toFixed(1)}" x2="${px(c).toFixed(1)}" y1="${y0}" y2="${y0 + h}" stroke="#eee"/>`);
    out.push(`<text x="${px(c).toFixed(1)}" y="${y0 + h + 16}" text-anchor="middle" font-size="11">${c}</text>`);
  }
  out.push(`<text x="${x0 + w / 2}" y="${y0 + h + 34}" text-anchor="middle" font-size="12">concurrency</text>`);
  out.push(`<text transform="translate(${x0 - 44},${y0 + h / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = xs.flatMap((c, j) => { const v = s.values[j]; return v !== null && v !== undefined && v > 0 ? [[c, v] as const] : []; });
    if (pts.length) {
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map(([c, v]) => `${px(c).toFixed(1)},${py(v).toFixed(1)}`).join(' ')}"/>`,
      );
      for (const [c, v] of pts) out.push(`<circle cx="${px(c).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const ly = y0 + h + 52 + i * 16;
    out.push(`<line x1="${x0}" x2="${x0 + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${x0 + 30}" y="${ly}" font-size="11">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

export function sweepSvg(r: BenchReport): string {
  const xs = r.levels.map((l) => l.concurrency);
  const steps = [...STEPS, ...(r.options.rebind ? REBIND_STEPS : [])];
  const latency: Series[] = steps.map((s, i) => ({ name: `${s} p50`, values: r.levels.map((l) => l.api.steps[s]?.p50 ?? null), color: COLORS[i % COLORS.length]! }));
  latency.push({
    name: 'floor: workflow with one activity, p50',
    values: r.levels.map((l) => l.floor.find((f) => f.kind === 'one activity')?.latency.p50 ?? null),
    color: '#000',
    dashed: true,
  });
  const throughput: Series[] = [
    { name: 'journeys/s over the API', values: r.levels.map((l) => l.api.perSec), color: COLORS[0]! },
    { name: 'direct baseline journeys/s (no Temporal)', values: r.levels.map((l) => l.direct.perSec), color: COLORS[2]! },
    ...r.floorUnloaded.map((f, i) => ({
      name: `floor: workflows/s with ${f.kind}`,
      values: r.levels.map((l) => l.floor.find((x) => x.kind === f.kind)?.perSec ?? null),
      color: i === 0 ? '#000' : '#777',
      dashed: true,
    })),
  ];
  const legend = Math.max(latency.length, throughput.length) * 16;
  const W = 1000;
  const H = 420 + legend;
  const body = [
    panel(80, 60, 380, 300, 'p50 latency per step (ms)', 'ms', xs, latency),
    panel(580, 60, 380, 300, 'throughput (per second)', 'per second', xs, throughput),
  ].join('\n');
  const note = `npm run bench --sweep, ${r.options.journeys} journeys per level, ${r.startedAt}${r.valid ? '' : ' — INVALID (failures)'}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="13" fill="#444">${esc(note)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}
