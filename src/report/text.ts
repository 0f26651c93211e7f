// Text output: `file:line:col: severity: message [rule]`, then lockdep's "Possible unsafe
// locking scenario" in CPU columns, each side's call chain with source lines, and the
// model's verdict.
import type { Finding, RunStats, TraceStep, WitnessPath } from './finding.js';
import { codeName, codeRows, isLockFinding, lockRows } from './trace-rows.js';
import { chainText } from './chain.js';

const COL = 40;

function pad(s: string, n: number): string {
  return s.length >= n ? s + ' ' : s + ' '.repeat(n - s.length);
}

function columns(rows: { cpu: number; text: string }[], ncpu: number): string[] {
  const out: string[] = [];
  out.push('       ' + Array.from({ length: ncpu }, (_, i) => pad(`CPU${i}`, COL)).join('').trimEnd());
  out.push('       ' + Array.from({ length: ncpu }, () => pad('----', COL)).join('').trimEnd());
  for (const r of rows) out.push('  ' + ' '.repeat(Math.max(0, r.cpu) * COL) + '     ' + r.text);
  return out;
}

function lockScenario(f: Finding): string[] {
  const n = f.locks.length;
  if (f.rule === 'lock-inversion' && n >= 2) {
    const rows = [];
    for (let i = 0; i < n; i++) rows.push({ cpu: i, text: `lock(${f.locks[i]});` });
    for (let i = n - 1; i >= 0; i--) rows.push({ cpu: i, text: `lock(${f.locks[(i + 1) % n]});` });
    return [...columns(rows, n), '', ' *** DEADLOCK ***'];
  }
  if (f.rule === 'lock-inversion' && n === 1) {
    const rows = [
      { cpu: 0, text: `lock(${f.locks[0]}/A);` },
      { cpu: 1, text: `lock(${f.locks[0]}/B);` },
      { cpu: 1, text: `lock(${f.locks[0]}/A);` },
      { cpu: 0, text: `lock(${f.locks[0]}/B);` },
    ];
    return [...columns(rows, 2), '', ' *** DEADLOCK ***'];
  }
  if (f.rule === 'recursive-lock') {
    return [...columns([{ cpu: 0, text: `lock(${f.locks[0]});` }, { cpu: 0, text: `lock(${f.locks[0]});` }], 1), '', ' *** DEADLOCK ***'];
  }
  return [];
}

function traceLines(f: Finding, trace: TraceStep[], outcome: string | undefined): string[] {
  // a lock finding as lockdep draws it; a race on data as the statements with what they read and wrote
  let rows = isLockFinding(f) ? lockRows(trace) : codeRows(trace);
  if (!rows.length && isLockFinding(f)) {
    const fallback = lockScenario(f);
    if (fallback.length) return fallback;
    rows = codeRows(trace);
  }
  if (!rows.length) return [];
  const ncpu = Math.max(1, ...rows.map((r) => r.cpu + 1));
  return [...columns(rows, ncpu), '', ` *** ${outcome ?? 'VIOLATION'} ***`];
}

function pathLines(p: WitnessPath): string[] {
  const out = [` ${p.label}: ${chainText(p)}`];
  for (const s of p.steps) {
    const where = `${s.file}:${s.line}`;
    out.push(`   ${pad(where, 34)} ${pad(s.function, 28)} ${s.event}${s.code ? `    | ${s.code}` : ''}`);
  }
  return out;
}

function assumptionLines(c: Finding['confirmation']): string[] {
  const out: string[] = [];
  const iv = Object.entries(c.initialValues ?? {});
  if (iv.length) out.push(` initial values: ${iv.map(([k, v]) => `${codeName(k)} = ${v}`).join(', ')}`);
  if (c.assumptions?.length) {
    out.push(' assumptions:');
    for (const a of c.assumptions) out.push(`   [${a.checked ? 'checked' : 'assumed'}] ${a.kind}: ${a.text}${a.source ? ` (${a.source})` : ''}`);
  }
  return out;
}

export function formatFinding(f: Finding): string {
  const lines = [`${f.file}:${f.line}:${f.col ?? 1}: ${f.severity}: ${f.message} [${f.rule}]`];
  const c = f.confirmation;
  if (c.status === 'refuted') lines.push(` refuted by the model: ${c.reason ?? 'no interleaving of its model shows it'}`);
  const scenario = c.trace?.length ? traceLines(f, c.trace, c.outcome) : c.illustration?.trace.length ? [] : lockScenario(f);
  // lockdep's heading for lock findings; memory-ordering and lifetime findings name their own race
  const heading = isLockFinding(f) ? 'Possible unsafe locking scenario' : f.category === 'memory-ordering' ? 'Possible reordering (an interleaving the memory model allows)' : 'Possible use-after-free scenario';
  if (scenario.length) lines.push(` ${heading}:`, '', ...scenario, '');
  if (c.illustration?.trace.length) lines.push(' Illustration (the rule\'s template model, not checked against the code):', '', ...traceLines(f, c.illustration.trace, c.illustration.outcome), '');
  lines.push(...assumptionLines(c));
  for (const p of f.witness) lines.push(...pathLines(p));
  const verdict = c.status === 'not-run' ? 'not run' : `${c.status}${c.method ? ` (${c.method} model` : ''}${c.states !== undefined ? `, ${c.states} states` : ''}${c.ms !== undefined ? `, ${c.ms} ms` : ''}${c.method ? ')' : ''}${c.reason ? `: ${c.reason}` : ''}`;
  lines.push(` model: ${verdict}`);
  if (c.litmus) lines.push(' litmus test (herd7 -conf linux-kernel.cfg):', ...c.litmus.trimEnd().split('\n').map((l) => `   ${l}`));
  if (f.change) lines.push(` change: ${f.change}`);
  if (f.configurations?.length) lines.push(` configurations: ${f.configurations.join(', ')}`);
  lines.push(` id: ${f.id}`);
  return lines.join('\n');
}

export function formatText(findings: Finding[], errors: { file: string; reason: string }[], stats: RunStats): string {
  const parts = findings.map(formatFinding);
  for (const e of errors) parts.push(`${e.file}: error: ${e.reason}`);
  const byRule = new Map<string, number>();
  for (const f of findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  const summary = [...byRule].map(([r, n]) => `${n} ${r}`).join(', ');
  // --each: one line per tree, so a tree with none says so
  if (stats.trees?.length) parts.push(stats.trees.map((t) => `${t.path}: ${t.findings} finding${t.findings === 1 ? '' : 's'} (${t.files} files)`).join('\n'));
  parts.push(`${findings.length} finding${findings.length === 1 ? '' : 's'}${summary ? ` (${summary})` : ''} in ${stats.files} files${stats.includeHeaders ? ` (and ${stats.includeHeaders} headers read for their types: -I)` : ''}, ${stats.lines} lines, ${stats.functions} functions, ${stats.seconds.toFixed(2)} s${errors.length ? `; ${errors.length} input error${errors.length === 1 ? '' : 's'}` : ''}`);
  const verdicts = new Map<string, number>();
  for (const f of findings) verdicts.set(f.confirmation.status, (verdicts.get(f.confirmation.status) ?? 0) + 1);
  if (findings.length || stats.hiddenRefuted) {
    const order = ['confirmed', 'refuted', 'unknown', 'not-run'];
    const v = order.filter((k) => verdicts.has(k)).map((k) => `${verdicts.get(k)} ${k}`);
    parts.push(`model verdicts: ${v.join(', ') || 'none shown'}${stats.hiddenRefuted ? `; ${stats.hiddenRefuted} refuted finding${stats.hiddenRefuted === 1 ? '' : 's'} hidden (--hide-refuted)` : ''}`);
  }
  const u = stats.unclassifiedLocks;
  const cs = stats.configurations;
  if (cs?.length) parts.push(`configurations: ${cs.map((c) => (c.skipped ? `${c.name} (skipped: takes no lock of its own)` : `${c.name}${c.base ? ` (${c.analysed} of ${c.functions} functions analysed, the rest as in ${c.base})` : ''}`)).join('; ')}`);
  const ctx = stats.context;
  if (ctx) {
    const by = Object.entries(ctx.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
    parts.push(`context: ${ctx.files} tree files beside the patch's${by ? ` (${by})` : ''}`);
    for (const t of ctx.truncated) parts.push(`note: context truncated: ${t}; a finding whose other side is in a file left out is not reported`);
  }
  for (const n of stats.notes ?? []) parts.push(`note: ${n}`);
  if (u) parts.push(`note: ${u.count} lock operation${u.count === 1 ? '' : 's'} (e.g. ${u.example}) name a lock whose struct type is not declared in the analyzed files and order no other lock; add the headers that declare it`);
  return parts.join('\n\n') + '\n';
}
