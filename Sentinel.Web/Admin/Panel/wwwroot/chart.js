// Hand-drawn SVG line charts for the dashboard: no library, no inline script or style attribute values from data.
// Each chart is a <figure> with an SVG (role="img", labelled by a sentence with the latest values) and a legend.

const NS = 'http://www.w3.org/2000/svg';
const W = 560;
const H = 150;
const PAD = { l: 44, r: 8, t: 8, b: 20 };
// Colour-blind-safe palette (Okabe–Ito), dark enough for 3:1 against white.
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00', '#000000', '#8c564b'];

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const fmt = (v) => (v >= 100 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '') || '0');

/**
 * lines: [{ label, values: (number|null)[] }], all the same length (oldest first); start: Date of the first bucket;
 * step: seconds per bucket. Missing values break the line. Returns a <figure>.
 */
export function lineChart(title, lines, { start, step, unit = '' }) {
  const n = Math.max(0, ...lines.map((l) => l.values.length));
  const max = Math.max(1, ...lines.flatMap((l) => l.values.filter((v) => v != null)));
  const top = niceCeil(max);
  const x = (i) => PAD.l + (n <= 1 ? 0 : (i * (W - PAD.l - PAD.r)) / (n - 1));
  const y = (v) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / top);
  const latest = lines.map((l) => {
    const last = [...l.values].reverse().find((v) => v != null);
    return `${l.label}: ${last == null ? 'no data' : fmt(last) + unit}`;
  });
  const id = `chart-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': `${id}-t ${id}-d` },
    svg('title', { id: `${id}-t` }, title),
    svg('desc', { id: `${id}-d` }, lines.length ? `Latest: ${latest.join('; ')}.` : 'No data yet.'));
  // Grid: 0, half and top, labelled on the left.
  for (const v of [0, top / 2, top]) {
    root.append(svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: 'grid-line' }));
    root.append(svg('text', { x: PAD.l - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, fmt(v)));
  }
  // Time axis: the hour's start, its middle and now.
  if (start && n > 1) {
    for (const i of [0, Math.floor((n - 1) / 2), n - 1]) {
      const at = new Date(start.getTime() + i * step * 1000);
      root.append(svg('text', { x: x(i), y: H - 4, 'text-anchor': i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle', class: 'axis' },
        i === n - 1 ? 'now' : at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
    }
  }
  lines.forEach((l, k) => {
    let d = '';
    let pen = false;
    l.values.forEach((v, i) => {
      if (v == null) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) root.append(svg('path', { d, fill: 'none', stroke: COLOURS[k % COLOURS.length], 'stroke-width': 1.8, 'data-series': l.label }));
  });
  const legend = document.createElement('ul');
  legend.className = 'legend';
  lines.forEach((l, k) => {
    const li = document.createElement('li');
    const swatch = svg('svg', { width: 12, height: 12, 'aria-hidden': 'true' }, svg('rect', { width: 12, height: 12, fill: COLOURS[k % COLOURS.length] }));
    li.append(swatch, ` ${latest[k]}`);
    legend.append(li);
  });
  const figure = document.createElement('figure');
  figure.className = 'chart-card';
  figure.dataset.chart = title;
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  figure.append(caption, root, lines.length ? legend : emptyNote());
  return figure;
}

function emptyNote() {
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = 'Nothing recorded in the last hour.';
  return p;
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
