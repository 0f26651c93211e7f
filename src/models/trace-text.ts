// Render a violation trace the way lockdep and kernel developers draw races: one column per
// CPU, one line per step with the C statement (and values read/written), the file:line at the
// right, ending in `*** DEADLOCK ***` and friends.

import type { TraceStep } from '../report/finding.js';

export interface TraceInput {
  trace: TraceStep[];
  outcome?: string;
  /** The violated assertion / who waits for whom. */
  message?: string;
  model?: string;
  preemptions?: number;
}

export interface RenderOptions {
  /** Column titles (default `CPU0`, `CPU1`, ...). */
  cpuNames?: string[];
  /** Maximum width of one CPU column (longer cells are cut with `...`). Default 72 (48 with more than two CPUs). */
  maxColumn?: number;
  /** Show file:line at the right of each line (default true). */
  locations?: boolean;
}

function cell(step: TraceStep): string {
  const text = step.code ?? `${step.op};`;
  return step.note ? `${text}  [${step.note}]` : text;
}

function clip(s: string, w: number): string {
  return s.length <= w ? s : `${s.slice(0, w - 3)}...`;
}

function where(step: TraceStep): string {
  if (!step.file) return '';
  const base = step.file.split('/').slice(-2).join('/');
  return step.line !== undefined ? `${base}:${step.line}` : base;
}

/** Lockdep-style text of a trace. */
export function renderTrace(input: TraceInput, opts: RenderOptions = {}): string {
  const steps = input.trace;
  const nCpu = Math.max(1, ...steps.map((s) => s.cpu + 1));
  const maxCol = opts.maxColumn ?? (nCpu > 2 ? 48 : 72);
  const showLoc = opts.locations ?? true;
  const names = Array.from({ length: nCpu }, (_, i) => opts.cpuNames?.[i] ?? `CPU${i}`);
  const widths = names.map((n) => n.length);
  for (const s of steps) if (s.cpu >= 0) widths[s.cpu] = Math.max(widths[s.cpu]!, Math.min(maxCol, cell(s).length));
  const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - s.length));
  const row = (cells: string[], loc: string): string => {
    const body = cells.map((c, i) => pad(c, widths[i]!)).join('   ');
    return `  ${showLoc && loc ? `${body}   ${loc}` : body.trimEnd()}`.trimEnd();
  };
  const out: string[] = [];
  const title = input.outcome ? `possible ${input.outcome}` : 'trace';
  const extra: string[] = [];
  if (input.preemptions !== undefined) extra.push(`${input.preemptions} preemption${input.preemptions === 1 ? '' : 's'}`);
  out.push(`${title}${input.model ? ` in ${input.model}` : ''}${extra.length ? ` (${extra.join(', ')})` : ''}:`);
  out.push('');
  out.push(row(names, ''));
  out.push(row(names.map((n) => '-'.repeat(n.length)), ''));
  const finals: string[] = [];
  for (const s of steps) {
    if (s.cpu < 0) {
      finals.push(`${s.op}${s.note ? `: ${s.note}` : ''}`);
      continue;
    }
    const cells = names.map(() => '');
    cells[s.cpu] = clip(cell(s), maxCol);
    out.push(row(cells, where(s)));
  }
  out.push('');
  for (const f of finals) out.push(`  ${f}`);
  if (input.message) out.push(`  ${input.message}`);
  if (finals.length || input.message) out.push('');
  out.push(` *** ${input.outcome ?? 'VIOLATION'} ***`);
  return out.join('\n');
}
