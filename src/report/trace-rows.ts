// The model's interleaving as rows of the text output's CPU columns, in code terms: a lock
// finding as lockdep draws it (`lock(X);` / `unlock(X);` per CPU), a memory-ordering or
// lifetime finding as the C statements that race with what each read or wrote. Steps that are
// only the model's bookkeeping (ghost counters, the final state, branch decisions, the
// assertion itself) stay in the JSON trace and are left out here.
import type { Finding, TraceStep } from './finding.js';

export interface Row {
  cpu: number;
  text: string;
}

/** A model variable or lock as the code names it: `vcpu.virq_to_evtchn.__` -> `vcpu.virq_to_evtchn[]`, `K.DABT_WORD` -> `DABT_WORD`. */
export function codeName(v: string): string {
  return v
    .replace(/\.__(?=\b|\.|$)/g, '[]')
    .replace(/(^|[\s(,])K\.(?=[A-Za-z_])/g, '$1')
    .replace(/@cpu(\d+)\b/g, " (CPU$1's)");
}

/** A step's note in code terms, or undefined when it says nothing a reader needs. */
export function codeNote(step: TraceStep): string | undefined {
  const raw = step.note;
  if (!raw) return undefined;
  const [first, ...rest] = raw.split('; ');
  let n = first!;
  const where = rest.join('; ');
  const bit = /^(?:\w+ = )?(set_bit|clear_bit|test_and_set_bit|test_and_clear_bit)\((.+), (\d+)\)$/.exec(step.op);
  const change = /^(.+): (-?\d+) -> (-?\d+)(, returns (-?\d+))?$/.exec(n);
  if (bit && change) {
    const b = Number(bit[3]);
    const was = (Number(change[2]) >> b) & 1;
    const now = (Number(change[3]) >> b) & 1;
    n = `bit ${b} of ${codeName(change[1]!)}: ${was} -> ${now}`;
  } else if (change) n = `${codeName(change[1]!)}: ${change[2]} -> ${change[3]}${change[5] !== undefined ? `, returns ${change[5]}` : ''}`;
  else if (/^handoff_\w+ = 1$/.test(n)) n = 'hands off to the other CPU';
  else if (/^handoff_\w+ == 1$/.test(n)) n = 'runs after the hand-off';
  else if (n === 'acquired' && /assert|is_locked|locked_by_me/i.test(step.code ?? '')) n = 'held (asserted here: taken by a caller)';
  else if (n === 'goes as on the path' || n === 'holds' || n === 'condition holds') n = '';
  else n = codeName(n).replace(/ == (-?\d+) \(stale\)$/, ' == $1 (stale: the value from before the other CPU\'s store)');
  const parts = [n, where].filter((x) => x);
  return parts.length ? parts.join('; ') : undefined;
}

/** Only the model's own bookkeeping: a ghost counter (no source), the final state, an assertion. */
function internal(step: TraceStep): boolean {
  if (step.cpu < 0) return true;
  if (!step.code && !step.file) return true;
  return /^assert\(/.test(step.op);
}

/** A branch the model took as the path does: no read a reader needs to see. */
function branchOnly(step: TraceStep): boolean {
  return /^if \(|goto /.test(step.op) && (!step.note || /^goes as on the path/.test(step.note));
}

function lockOp(step: TraceStep): string | undefined {
  const m = /^(?:(\w+) = )?(lock|unlock|trylock)\((.+?)\)( \[(shared|recursive)\])?$/.exec(step.op);
  if (!m) return undefined;
  const lock = codeName(m[3]!);
  const shared = m[5] === 'shared';
  if (m[2] === 'unlock') return `${shared ? 'runlock' : 'unlock'}(${lock});`;
  if (m[2] === 'trylock') return step.note?.startsWith('failed') ? `trylock(${lock}); /* fails */` : `trylock(${lock});`;
  return `${shared ? 'rlock' : 'lock'}(${lock});`;
}

/**
 * lockdep's rows: each CPU's lock and unlock operations in the order the model ran them. A CPU
 * that ends holding nothing it took (another writer the model lets run in between) takes no
 * part in the deadlock and is left out, unless no CPU is left.
 */
export function lockRows(trace: readonly TraceStep[]): Row[] {
  const rows: Row[] = [];
  const balance = new Map<number, number>();
  for (const s of trace) {
    if (s.cpu < 0) continue;
    const text = lockOp(s);
    if (!text) continue;
    rows.push({ cpu: s.cpu, text });
    balance.set(s.cpu, (balance.get(s.cpu) ?? 0) + (/^r?unlock\(/.test(text) ? -1 : 1));
  }
  const part = rows.filter((r) => balance.get(r.cpu) !== 0);
  return part.length ? part : rows;
}

/** Rows of a memory-ordering or lifetime race: each statement with what it read or wrote. */
export function codeRows(trace: readonly TraceStep[]): Row[] {
  const rows: Row[] = [];
  for (const s of trace) {
    if (internal(s) || branchOnly(s)) continue;
    // a comment the model wrote in place of code names model variables: in code terms too
    const comment = s.code !== undefined && /^\/\*.*\*\/$/.test(s.code.trim());
    const text = lockOp(s) && !s.code ? lockOp(s)! : comment ? codeName(s.code!) : s.code ?? s.op;
    let note = codeNote(s);
    if (note && comment && text.includes(note.split('; ')[0]!)) note = note.split('; ').slice(1).join('; ') || undefined;
    const loc = s.file ? `${s.file.split('/').pop()}:${s.line}` : '';
    rows.push({ cpu: s.cpu, text: `${text}${note ? `  // ${note}` : ''}${loc ? `  ${loc}` : ''}` });
  }
  return rows;
}

export function isLockFinding(f: Finding): boolean {
  return f.category === 'lock-order' || f.category === 'lock-balance';
}
