// Markdown and plain-text renderings of findings for check runs and review comments.
import type { Finding, TraceStep, WitnessPath } from '../report/finding.js';
import { chainText } from '../report/chain.js';

const TRACE_COLUMN = 44;

function traceCell(step: TraceStep): string {
  const where = step.file && step.line ? ` (${step.file}:${step.line})` : '';
  const note = step.note ? ` [${step.note}]` : '';
  return `${step.code ?? step.op}${note}${where}`;
}

/** The interleaving as lockdep prints it: one column per CPU. */
export function renderInterleaving(trace: readonly TraceStep[], outcome?: string): string {
  const cpus = [...new Set(trace.map((s) => s.cpu))].sort((a, b) => a - b);
  const width = TRACE_COLUMN;
  const pad = (s: string): string => (s.length >= width ? `${s}  ` : s.padEnd(width));
  const rows: string[] = [];
  rows.push(cpus.map((c, i) => (i === cpus.length - 1 ? `CPU${c}` : pad(`CPU${c}`))).join(''));
  rows.push(cpus.map((c, i) => (i === cpus.length - 1 ? '----' : pad('----'))).join(''));
  for (const step of trace) {
    const col = cpus.indexOf(step.cpu);
    rows.push(`${' '.repeat(width * col)}${traceCell(step)}`.trimEnd());
  }
  if (outcome) rows.push('', ` *** ${outcome} ***`);
  return rows.join('\n');
}

export function renderWitnessPath(path: WitnessPath): string {
  const rows = [`${path.label}: ${chainText(path)}`];
  for (const s of path.steps) {
    const code = s.code ? `    ${s.code}` : '';
    rows.push(`  ${s.file}:${s.line} ${s.function}: ${s.event}${code}`);
  }
  return rows.join('\n');
}

/** Plain text of a finding's evidence: the confirmed interleaving when there is one, then the witness paths. */
export function renderEvidence(f: Finding): string {
  const parts: string[] = [];
  const c = f.confirmation;
  if (c.trace && c.trace.length > 0) {
    parts.push(renderInterleaving(c.trace, c.outcome));
    const iv = Object.entries(c.initialValues ?? {});
    if (iv.length) parts.push(`initial values: ${iv.map(([k, v]) => `${k} = ${v}`).join(', ')}`);
  } else if (c.illustration?.trace.length) parts.push(`illustration (the rule's template, not checked against the code):\n${renderInterleaving(c.illustration.trace, c.illustration.outcome)}`);
  const unchecked = (c.assumptions ?? []).filter((a) => !a.checked);
  if (unchecked.length) parts.push(`assumed, not checked:\n${unchecked.map((a) => `  - ${a.text}${a.source ? ` (${a.source})` : ''}`).join('\n')}`);
  if (f.witness.length > 0) parts.push(f.witness.map(renderWitnessPath).join('\n\n'));
  return parts.join('\n\n');
}

/** A fenced block that no backticks inside the text can close early. */
export function codeBlock(text: string, lang = 'text'): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

export function confirmationLabel(f: Finding): string {
  const c = f.confirmation;
  if (c.status === 'confirmed') return `confirmed${c.outcome ? `: ${c.outcome}` : ''}`;
  if (c.status === 'refuted') return `refuted by the model because ${c.reason ?? 'no interleaving of its model shows it'}`;
  if (c.status === 'unknown') return `unconfirmed${c.reason ? ` (${c.reason})` : ''}`;
  return 'not model-checked';
}

/** Text from C sources shown as markdown: `<linux/spinlock.h>` must not turn into an HTML tag. */
export function escapeMarkdown(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/([\\`*_[\]|])/g, '\\$1');
}

export function findingHeadline(f: Finding): string {
  return `**${f.severity}** \`${f.rule}\` ${escapeMarkdown(f.file)}:${f.line} in \`${f.function}()\`: ${escapeMarkdown(f.message)}`;
}

/** The markdown of one finding, with its evidence in a code block. */
export function renderFindingMarkdown(f: Finding): string {
  const evidence = renderEvidence(f);
  const lines = [`- ${findingHeadline(f)} (${confirmationLabel(f)})`];
  if (f.locks.length > 0) lines.push(`  locks: ${f.locks.map((l) => `\`${l}\``).join(', ')}`);
  if (evidence) lines.push('', codeBlock(evidence), '');
  return lines.join('\n');
}

export const GITHUB_TEXT_LIMIT = 65_535;

/**
 * Joins `head`, as many `items` as fit and `tail` within `limit` characters; when items are
 * left out, says how many in a note.
 */
export function joinWithinLimit(head: string, items: readonly string[], tail: string, limit = GITHUB_TEXT_LIMIT): string {
  const note = (n: number): string => `\n\n_… ${n} more finding${n === 1 ? '' : 's'} not shown: the summary is limited to ${limit} characters. See the annotations._\n`;
  let body = head;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const reserve = note(items.length - i).length + tail.length + 2;
    if (body.length + item.length + 1 + reserve > limit) {
      body += note(items.length - i);
      return (body + tail).slice(0, limit);
    }
    body += `\n${item}`;
  }
  return (body + tail).slice(0, limit);
}
