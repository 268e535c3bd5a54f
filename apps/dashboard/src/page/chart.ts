/** The messages-per-second chart: inline SVG drawn by hand, no chart library. */
import type { RateSample } from '../feed.js';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 150;
const PAD = { top: 10, right: 8, bottom: 18, left: 40 };

/** Draws `rates` (oldest first) into `svg`, `slots` samples wide, newest at the right edge. */
export function drawChart(svg: SVGSVGElement, rates: readonly RateSample[], slots: number): void {
  const width = Math.max(300, Math.round(svg.clientWidth || 600));
  svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
  const peak = rates.reduce((max, r) => Math.max(max, r.perSecond), 0);
  const top = niceCeiling(peak);
  svg.dataset.peak = String(peak);
  svg.dataset.samples = String(rates.length);
  const plotW = width - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number): number => PAD.left + plotW - (rates.length - 1 - i) * (plotW / Math.max(1, slots - 1));
  const y = (v: number): number => PAD.top + plotH - (v / top) * plotH;

  const parts: string[] = ['<defs><linearGradient id="fill" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3fd0c0" stop-opacity="0.35"/><stop offset="1" stop-color="#3fd0c0" stop-opacity="0"/></linearGradient></defs>'];
  for (const fraction of [0, 0.5, 1]) {
    const gy = y(top * fraction);
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${width - PAD.right}" y1="${gy}" y2="${gy}"/>`);
    parts.push(`<text class="axis" x="${PAD.left - 6}" y="${gy + 4}" text-anchor="end">${Math.round(top * fraction)}</text>`);
  }
  parts.push(`<text class="axis" x="${PAD.left}" y="${HEIGHT - 3}">${Math.round((slots * intervalOf(rates)) / 1000)} s ago</text>`);
  parts.push(`<text class="axis" x="${width - PAD.right}" y="${HEIGHT - 3}" text-anchor="end">now</text>`);
  if (rates.length > 1) {
    const points = rates.map((r, i) => `${x(i).toFixed(1)},${y(r.perSecond).toFixed(1)}`);
    const base = y(0).toFixed(1);
    parts.push(`<path d="M${x(0).toFixed(1)},${base} L${points.join(' L')} L${x(rates.length - 1).toFixed(1)},${base} Z" fill="url(#fill)"/>`);
    parts.push(`<polyline class="line" points="${points.join(' ')}"/>`);
  }
  svg.innerHTML = parts.join('');
  if (svg.namespaceURI !== SVG) throw new Error('drawChart needs an <svg> element');
}

/** ms between samples, from the data (the server decides), 500 when unknown. */
function intervalOf(rates: readonly RateSample[]): number {
  if (rates.length < 2) return 500;
  return Math.max(1, (rates.at(-1)!.at - rates[0]!.at) / (rates.length - 1));
}

/** 1, 2, 5 × 10^n at or above `value` (at least 10), so the axis reads well. */
function niceCeiling(value: number): number {
  if (value <= 10) return 10;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}
