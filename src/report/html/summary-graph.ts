// The lock graph of the whole report: every lock class a finding's witnesses order, each edge
// with the number of witness paths showing it; edges of some finding's cycle in red. Large
// graphs keep the edges seen most often.
import type { Finding } from '../finding.js';
import { graphSvg } from './graph-svg.js';
import { lockEdges, type LockEdge } from './lock-edges.js';

const MAX_EDGES = 80;

export async function summaryGraph(findings: Finding[]): Promise<string> {
  const all = new Map<string, LockEdge>();
  for (const f of findings) {
    for (const e of lockEdges(f)) {
      const k = `${e.from}>${e.to}`;
      const had = all.get(k);
      if (had) {
        had.labels.push(...e.labels);
        had.cycle ||= e.cycle;
      } else all.set(k, { ...e, labels: [...e.labels] });
    }
  }
  if (!all.size) return '';
  const edges = [...all.values()].sort((a, b) => Number(b.cycle) - Number(a.cycle) || b.labels.length - a.labels.length).slice(0, MAX_EDGES);
  const cut = all.size > edges.length ? ` (the ${edges.length} of ${all.size} edges seen most often)` : '';
  const label = (e: LockEdge) => `${e.labels.length} witness path${e.labels.length === 1 ? '' : 's'}\nfirst: ${e.at.function}, ${e.at.file.split('/').slice(-1)[0]}:${e.at.line}`;
  return `<h3>Lock graph of all findings${cut}</h3><figure class="graph summary-graph">${await graphSvg(edges, label)}<figcaption>lock classes the findings' witness paths order; red edges belong to a reported cycle</figcaption></figure>`;
}
