// Lock-order graphs drawn at report-build time by Graphviz (compiled to WebAssembly by
// @viz-js/viz): the page carries plain SVG and needs no script to show it.
import { instance, type Viz } from '@viz-js/viz';
import type { LockEdge } from './lock-edges.js';

let viz: Promise<Viz> | undefined;

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function shortFile(file: string): string {
  return file.split('/').slice(-1)[0]!;
}

/** An edge's text: the first witness's label, function and line, and how many more show it. */
export function witnessLabel(e: LockEdge): string {
  const more = e.labels.length > 1 ? ` (+${e.labels.length - 1} more)` : '';
  return `${e.labels[0]}: ${e.at.function}\n${shortFile(e.at.file)}:${e.at.line}${more}`;
}

export function toDot(edges: LockEdge[], labelOf: (e: LockEdge) => string = witnessLabel): string {
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
  const lines = [
    'digraph locks {',
    '  graph [rankdir=LR, bgcolor="transparent", pad=0.2, nodesep=0.5, ranksep=1.1, fontname="Helvetica"];',
    '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fb", color="#51607a", fontname="Helvetica", fontsize=12, margin="0.3,0.1"];',
    '  edge [fontname="Helvetica", fontsize=10, color="#8a94a6", fontcolor="#39414f"];',
  ];
  for (const n of nodes) lines.push(`  ${q(n)} [id=${q(`lock_${n}`)}, class="lock"];`);
  for (const e of edges) {
    const attrs = [`label=${q(labelOf(e))}`, `class=${q(e.cycle ? 'cycle' : 'order')}`, `tooltip=${q(`${e.from} -> ${e.to}: ${e.labels.join(', ')}; ${e.at.function} at ${e.at.file}:${e.at.line}`)}`];
    if (e.cycle) attrs.push('color="#d62f2f"', 'fontcolor="#b01c1c"', 'penwidth=2.4');
    lines.push(`  ${q(e.from)} -> ${q(e.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return lines.join('\n');
}

/** SVG markup of the graph (the XML prologue and DOCTYPE dropped, for inlining in HTML). */
export async function graphSvg(edges: LockEdge[], labelOf?: (e: LockEdge) => string): Promise<string> {
  viz ??= instance();
  const svg = (await viz).renderString(toDot(edges, labelOf), { format: 'svg' });
  return svg.slice(svg.indexOf('<svg'));
}
