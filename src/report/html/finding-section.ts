// One finding's part of the page: message, lock-order graph, witness paths, the model's
// interleaving, its verdict with assumptions and initial values, and the source around it.
import type { Finding, WitnessPath } from '../finding.js';
import { esc, slug } from './escape.js';
import { graphSvg } from './graph-svg.js';
import { lockEdges } from './lock-edges.js';
import { anchorId, sourceBlocks, SourceReader, type Mark } from './source-context.js';
import { traceSvg } from './trace-lanes.js';
import { chainText } from '../chain.js';

export function findingAnchor(f: Finding): string {
  return `f-${slug(f.id)}`;
}

export function searchText(f: Finding): string {
  return [f.rule, f.file, f.message, ...f.functions, ...f.locks, f.id].join(' ').toLowerCase();
}

export function dataAttrs(f: Finding): string {
  return `data-finding data-rule="${esc(f.rule)}" data-severity="${f.severity}" data-verdict="${f.confirmation.status}" data-file="${esc(f.file)}" data-search="${esc(searchText(f))}"`;
}

function eventHtml(event: string): string {
  const m = /^(acquire|release) (.*)$/.exec(event);
  return m ? `<span class="ev-acquire">${m[1]}</span> ${esc(m[2]!)}` : esc(event);
}

function pathHtml(fid: string, w: WitnessPath, anchors: Set<string>): string {
  const steps = w.steps.map((s) => {
    const loc = `${s.file.split('/').slice(-1)[0]}:${s.line}`;
    const link = anchors.has(`${s.file}:${s.line}`) ? `<a href="#${anchorId(fid, s.file, s.line)}">${esc(loc)}</a>` : esc(loc);
    return `<li><code>${esc(s.function)}</code>: ${eventHtml(s.event)} <span class="loc">${link}</span>${s.code ? `<br><code>${esc(s.code)}</code>` : ''}</li>`;
  });
  return `<div class="path${/\(also/.test(w.label) ? ' also' : ''}"><b>${esc(w.label)}</b>: ${esc(chainText(w).replace(/ -> /g, ' → '))}<ol>${steps.join('')}</ol></div>`;
}

function verdictHtml(f: Finding): string {
  const c = f.confirmation;
  const facts: string[] = [`<b class="verdict v-${c.status}">${esc(c.status)}${c.outcome ? ` · ${esc(c.outcome)}` : ''}</b>`];
  if (c.method) facts.push(`${c.method} model`);
  if (c.states !== undefined) facts.push(`${c.states} states`);
  if (c.ms !== undefined) facts.push(`${c.ms.toFixed(1)} ms`);
  const out = [`<div class="verdict-box"><p>${facts.join(' · ')}</p>`];
  if (c.reason) out.push(`<p>${esc(c.reason)}</p>`);
  const init = Object.entries(c.initialValues ?? {});
  if (init.length) out.push(`<p>Initial values: ${init.map(([k, v]) => `<code>${esc(k)} = ${v}</code>`).join(', ')}</p>`);
  if (c.assumptions?.length) {
    out.push('<p>The verdict rests on (✓ checked by the model, ? taken on trust):</p><ul class="assumptions">');
    for (const a of c.assumptions) out.push(`<li class="${a.checked ? 'checked' : 'assumed'}"><span class="kind">${a.kind}</span> ${esc(a.text)}${a.source ? ` <span class="loc">(${esc(a.source)})</span>` : ''}</li>`);
    out.push('</ul>');
  }
  out.push('</div>');
  return out.join('\n');
}

export async function findingSection(f: Finding, src: SourceReader): Promise<string> {
  const fid = slug(f.id);
  const marks: Mark[] = [
    ...f.witness.flatMap((w) => w.steps.map((s) => ({ file: s.file, line: s.line, note: `${w.label}: ${s.event}` }))),
    ...(f.confirmation.trace ?? []).filter((t) => t.file && t.line).map((t, i) => ({ file: t.file!, line: t.line!, note: `step ${i + 1} (CPU${t.cpu}): ${t.op}` })),
  ];
  const { html: source, anchors } = sourceBlocks(fid, marks, src);
  const parts = [
    `<section class="finding" id="${findingAnchor(f)}" ${dataAttrs(f)}>`,
    `<h2><span class="sev sev-${f.severity}">${f.severity}</span><span class="rule">${esc(f.rule)}</span><span class="loc">${esc(f.file)}:${f.line}</span><span class="verdict v-${f.confirmation.status}">${esc(f.confirmation.status)}${f.confirmation.outcome ? ` · ${esc(f.confirmation.outcome)}` : ''}</span>${f.change ? `<span class="verdict">${f.change}</span>` : ''}</h2>`,
    `<p class="msg">${esc(f.message)}</p>`,
  ];
  const edges = lockEdges(f);
  if (edges.length) {
    const cyc = edges.filter((e) => e.cycle).length;
    parts.push(`<h3>Lock-order graph</h3><figure class="graph">${await graphSvg(edges)}<figcaption>${f.locks.length} lock${f.locks.length === 1 ? '' : 's'}; ${cyc ? `the ${cyc} red edge${cyc === 1 ? '' : 's'} form${cyc === 1 ? 's' : ''} the cycle; ` : ''}each edge: the witness taking the second lock while holding the first, its function, file and line</figcaption></figure>`);
  }
  if (f.witness.length) parts.push(`<h3>Witness paths</h3><div class="paths">${f.witness.map((w) => pathHtml(fid, w, anchors)).join('')}</div>`);
  const trace = f.confirmation.trace ?? f.confirmation.illustration?.trace;
  if (trace?.length) {
    const caption = f.confirmation.trace ? 'The interleaving the model found' : 'The rule’s textbook scenario (an illustration: no model could be extracted from this code)';
    parts.push(`<h3>Interleaving</h3><figure class="trace-fig">${traceSvg(trace, (file, line) => (file && line && anchors.has(`${file}:${line}`) ? anchorId(fid, file, line) : undefined), f.confirmation.outcome ?? f.confirmation.illustration?.outcome)}<figcaption>${caption}; click a step for its source line</figcaption></figure>`);
  }
  parts.push(`<h3>Model verdict</h3>${verdictHtml(f)}`);
  if (source) parts.push(`<h3>Source</h3>${source}`);
  parts.push('</section>');
  return parts.join('\n');
}
