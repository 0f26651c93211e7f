// The HTML report as a file: self-contained, the cycle drawn and highlighted, trace and source
// in it (the browser test, html-browser.test.ts, checks how Chromium shows it).
import { describe, expect, it } from 'vitest';
import { sampleSources } from '../helpers/sample-sources.js';
import { analyzeSources } from '../../src/engine/analyze.js';
import { formatHtml } from '../../src/report/html/page.js';
import { lockEdges } from '../../src/report/html/lock-edges.js';
import type { Finding, WitnessPath } from '../../src/report/finding.js';


const report = analyzeSources(sampleSources('samples/001-vgic-rank-inversion/pre'));
const html = await formatHtml(report);
const section = (rule: string) => {
  const i = html.indexOf(`<section class="finding" id="f-${report.findings.find((f) => f.rule === rule)!.id}"`);
  return html.slice(i, html.indexOf('</section>', i));
};

describe('HTML report', () => {
  it('is one file that loads nothing from elsewhere', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]*\s(src|href)=/i);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(html).not.toMatch(/@import/);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('draws the vGIC cycle as SVG with both edges red and labelled with function and line', () => {
    const s = section('lock-inversion');
    const svg = s.slice(s.indexOf('<svg'), s.indexOf('</svg>')).replace(/&#45;/g, '-');
    expect(svg).toMatch(/<g id="lock_vcpu\.arch\.vgic\.lock" class="node lock">/);
    expect(svg).toMatch(/<g id="lock_vgic_irq_rank\.lock" class="node lock">/);
    expect(svg.match(/class="edge cycle"/g)).toHaveLength(2);
    expect(svg).toContain('stroke="#d62f2f"');
    expect(svg).toContain('CPU0: gic_clear_lrs');
    expect(svg).toContain('gic.c:160 (+3 more)');
    expect(svg).toContain('CPU1: vgic_v2_distr_mmio_write');
    expect(svg).toContain('vgic-v2.c:183 (+1 more)');
  });

  it('shows the deadlock trace in two lanes, the two blocked steps marked, each step linked to its source line', () => {
    const s = section('lock-inversion');
    const trace = s.slice(s.indexOf('<svg xmlns="http://www.w3.org/2000/svg" class="trace"'));
    expect(trace).toContain('>CPU0</text>');
    expect(trace).toContain('>CPU1</text>');
    const inv = report.findings.find((f) => f.rule === 'lock-inversion')!;
    expect(trace.match(/<g class="step[^"]*" data-step=/g)).toHaveLength(inv.confirmation.trace!.length);
    expect(trace.match(/<g class="step blocked"/g)).toHaveLength(2);
    expect(trace).toContain('*** DEADLOCK ***');
    const href = /<a href="#(src-[^"]+-156)"><g class="step lockop" data-step="1"/.exec(trace)?.[1];
    expect(href).toBeDefined();
    expect(s).toContain(`<tr class="hit lock" id="${href}"><td class="ln">156</td><td class="code">    spin_lock_irqsave(&amp;v-&gt;arch.vgic.lock, flags);</td>`);
  });

  it('gives the verdict with its assumptions and initial values', () => {
    const s = section('lock-inversion');
    expect(s).toContain('<b class="verdict v-confirmed">confirmed · DEADLOCK</b>');
    expect(s).toContain('<code>hsr_dabt.size = 0</code>');
    expect(s).toMatch(/<li class="assumed"><span class="kind">alias<\/span> every `vcpu\.arch\.vgic\.lock` the CPUs take is one lock/);
    expect(s).toMatch(/<li class="checked"><span class="kind">concurrency<\/span>/);
  });

  it('has filters for rule, severity, verdict and file, and a search box, over every finding', () => {
    for (const id of ['f-rule', 'f-severity', 'f-verdict', 'f-file', 'f-search']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('<option>lock-inversion</option><option>missing-barrier</option>');
    expect(html.match(/<section class="finding"/g)).toHaveLength(report.findings.length);
  });

  it('reads each witness path as one edge, and marks every edge of a 3-lock cycle', () => {
    const step = (fn: string, line: number, event: string) => ({ file: 'a.c', line, function: fn, event });
    const path = (label: string, a: string, b: string, line: number): WitnessPath => ({ label, callChain: ['f'], steps: [step('f', line, `acquire ${a} (&x->${a})`), step('f', line + 1, 'call g'), step('g', line + 9, `acquire ${b} (&y->${b})`)] });
    const f = { ...report.findings[0]!, category: 'lock-order', locks: ['A', 'B', 'C'], witness: [path('CPU0', 'A', 'B', 10), path('CPU1', 'B', 'C', 20), path('CPU2', 'C', 'A', 30), path('CPU0 (also 2)', 'A', 'B', 40)] } as Finding;
    expect(lockEdges(f).map((e) => [e.from, e.to, e.cycle, e.at.line, e.labels.length])).toEqual([
      ['A', 'B', true, 11, 2],
      ['B', 'C', true, 21, 1],
      ['C', 'A', true, 31, 1],
    ]);
    const nested = { ...f, locks: ['A'], witness: [path('CPU0', 'A', 'A', 50)] } as Finding;
    expect(lockEdges(nested).map((e) => [e.from, e.to, e.cycle])).toEqual([['A', 'A', true]]);
    const barrier = { ...f, category: 'memory-ordering', locks: [], witness: [path('CPU0', 'A', 'B', 60)] } as Finding;
    expect(lockEdges(barrier).map((e) => e.cycle)).toEqual([false]);
  });
});
