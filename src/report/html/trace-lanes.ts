// The model's interleaving as a sequence picture: one lane per CPU, one box per step in global
// order, each box linked to its source line in the page; blocked steps in red.
import type { TraceStep } from '../finding.js';
import { clip, esc } from './escape.js';

/** Two lanes side by side at full width; more CPUs share about the width of a page. */
function laneWidth(cpus: number): number {
  return cpus <= 2 ? 470 : Math.max(300, Math.floor(1240 / cpus));
}
const ROW = 46;
const HEAD = 34;

export function traceSvg(trace: TraceStep[], anchor: (file: string | undefined, line: number | undefined) => string | undefined, outcome?: string): string {
  const cpus = [...new Set(trace.map((t) => Math.max(0, t.cpu)))].sort((a, b) => a - b);
  const lane = new Map(cpus.map((c, i) => [c, i]));
  const LANE = laneWidth(cpus.length);
  const opChars = Math.floor((LANE - 30) / 7.3);
  const whereChars = Math.floor((LANE - 30) / 6.5);
  const width = Math.max(2, cpus.length) * LANE;
  const height = HEAD + trace.length * ROW + (outcome ? 40 : 10);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" class="trace" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="interleaving, ${cpus.length} CPUs">`];
  for (const [c, i] of lane) {
    const x = i * LANE + LANE / 2;
    parts.push(`<text class="lane-head" x="${x}" y="20" text-anchor="middle">CPU${c}</text>`);
    parts.push(`<line class="lane" x1="${x}" y1="${HEAD - 6}" x2="${x}" y2="${height - 6}" />`);
  }
  trace.forEach((t, n) => {
    const x = lane.get(Math.max(0, t.cpu))! * LANE + 8;
    const y = HEAD + n * ROW;
    const blocked = /^blocked/.test(t.note ?? '');
    const lock = /^(lock|unlock|trylock)\(/.test(t.op);
    const cls = blocked ? 'step blocked' : lock ? 'step lockop' : 'step';
    const where = t.file ? `${t.file.split('/').slice(-1)[0]}:${t.line ?? '?'}` : '';
    const first = `${n + 1}. ${t.op}`;
    const second = [where, t.note].filter(Boolean).join('  ');
    const box = [
      `<g class="${cls}" data-step="${n + 1}" data-cpu="${t.cpu}">`,
      `<title>${esc([first, t.code ? `    ${t.code}` : '', t.file ? `${t.file}:${t.line ?? ''}` : '', t.note ?? ''].filter(Boolean).join('\n'))}</title>`,
      `<rect x="${x}" y="${y}" width="${LANE - 16}" height="${ROW - 8}" rx="5" />`,
      `<text class="op" x="${x + 8}" y="${y + 16}">${esc(clip(first, opChars))}</text>`,
      `<text class="where" x="${x + 8}" y="${y + 31}">${esc(clip(second, whereChars))}</text>`,
      '</g>',
    ].join('');
    const href = anchor(t.file, t.line);
    parts.push(href ? `<a href="#${href}">${box}</a>` : box);
  });
  if (outcome) parts.push(`<text class="outcome" x="${width / 2}" y="${height - 14}" text-anchor="middle">*** ${esc(outcome)} ***</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
