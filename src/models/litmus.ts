// Write a herd7 litmus test (C flavour, for the Linux-kernel memory model) from a
// litmus-sized model, so a user can re-check our verdict with
//   herd7 -conf linux-kernel.cfg model.litmus

import { exprNames, exprToC, parseExpr, type ExprAst } from './explorer/expr.js';
import type { ModelJSON, Op } from './explorer/model.js';

export class LitmusError extends Error {}

const cname = (n: string): string => n.replace(/->|\./g, '_').replace(/[^A-Za-z0-9_]/g, '_');

/** herd7 condition syntax for the bad outcome (`exists` clause). */
function condition(e: ExprAst, m: ModelJSON): string {
  const atom = (name: string): string => {
    const mm = /^cpu(\d+)\.([A-Za-z_]\w*)$/.exec(name);
    if (mm) return `${mm[1]}:${mm[2]}`;
    if (name in m.vars) return cname(name);
    throw new LitmusError(`condition name ${name} is neither a shared variable nor cpuN.reg`);
  };
  const go = (x: ExprAst): string => {
    if (x.k === 'un' && x.op === '!') return `~(${go(x.a)})`;
    if (x.k === 'bin') {
      if (x.op === '&&') return `(${go(x.a)} /\\ ${go(x.b)})`;
      if (x.op === '||') return `(${go(x.a)} \\/ ${go(x.b)})`;
      if ((x.op === '==' || x.op === '!=') && x.a.k === 'id' && x.b.k === 'num') {
        const eq = `${atom(x.a.name)}=${x.b.v}`;
        return x.op === '==' ? eq : `~(${eq})`;
      }
    }
    throw new LitmusError(`condition ${exprToC(x)} is not a conjunction/disjunction of name == constant`);
  };
  return go(e);
}

/** Litmus text for the model; throws LitmusError when the model uses something herd7 cannot express. */
export function toLitmus(m: ModelJSON): string {
  if (!m.invariant) throw new LitmusError(`model ${m.name} has no final-state invariant to check`);
  const inv = parseExpr(m.invariant.cond);
  const bad = inv.k === 'un' && inv.op === '!' ? condition(inv.a, m) : `~(${condition(inv, m)})`;
  const out: string[] = [];
  out.push(`C ${cname(m.name)}`);
  out.push('');
  if (m.description) out.push(`(*\n * ${m.description.replace(/\*\)/g, '* )')}\n *)`, '');
  out.push('{');
  for (const [v, init] of Object.entries(m.vars)) out.push(`\t${cname(v)}=${init};`);
  out.push('}');
  m.threads.forEach((th, t) => {
    out.push('');
    const used = new Set<string>();
    const regs = new Set<string>();
    for (const op of th.ops) {
      if ('var' in op) used.add(op.var);
      if ('lock' in op) used.add(op.lock);
      if ('into' in op && op.into) regs.add(op.into);
    }
    const params = [...Object.keys(m.vars).filter((v) => used.has(v)).map((v) => `int *${cname(v)}`), ...m.locks.filter((l) => used.has(l)).map((l) => `spinlock_t *${cname(l)}`)];
    out.push(`P${t}(${params.join(', ')})`);
    out.push('{');
    for (const r of regs) out.push(`\tint ${r};`);
    if (regs.size) out.push('');
    out.push(...body(th.ops, 0, th.ops.length, 1, m));
    out.push('}');
  });
  out.push('');
  out.push(`exists ${bad.startsWith('(') ? bad : `(${bad})`}`);
  return out.join('\n') + '\n';
}

function expr(e: string | number, m: ModelJSON): string {
  const ast = parseExpr(e);
  for (const n of exprNames(ast)) if (n in m.vars) throw new LitmusError(`expression ${String(e)} reads shared ${n}; use a load`);
  return exprToC(ast);
}

function body(ops: Op[], from: number, to: number, depth: number, m: ModelJSON): string[] {
  const ind = '\t'.repeat(depth);
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    const op = ops[i]!;
    const v = 'var' in op ? cname(op.var) : '';
    switch (op.k) {
      case 'load':
        out.push(op.order === 'acquire' ? `${ind}${op.into} = smp_load_acquire(${v});` : `${ind}${op.into} = READ_ONCE(*${v});`);
        break;
      case 'store':
        out.push(op.order === 'release' ? `${ind}smp_store_release(${v}, ${expr(op.value, m)});` : `${ind}WRITE_ONCE(*${v}, ${expr(op.value, m)});`);
        break;
      case 'fence':
        if (op.kind === 'acquire' || op.kind === 'release') throw new LitmusError(`standalone ${op.kind} fence has no LKMM primitive`);
        out.push(`${ind}smp_${op.kind === 'full' ? 'mb' : op.kind}();`);
        break;
      case 'lock':
      case 'unlock':
        if (op.mode === 'shared') throw new LitmusError('reader locks are not supported in litmus output');
        out.push(`${ind}spin_${op.k}(${cname(op.lock)});`);
        break;
      case 'trylock':
        out.push(`${ind}${op.into} = spin_trylock(${cname(op.lock)});`);
        break;
      case 'rmw': {
        const a = expr(op.arg, m);
        const r = op.into ? `${op.into} = ` : '';
        const returns = op.returns ?? op.into !== undefined;
        if (op.op === 'xchg') out.push(`${ind}${r}xchg${returns ? '' : '_relaxed'}(${v}, ${a});`);
        else if (op.op === 'cmpxchg') out.push(`${ind}${r}cmpxchg${returns ? '' : '_relaxed'}(${v}, ${expr(op.expected ?? 0, m)}, ${a});`);
        else if (op.op === 'add' || op.op === 'sub') {
          out.push(op.into ? `${ind}${r}atomic_fetch_${op.op}(${a}, ${v});` : `${ind}atomic_${op.op}(${a}, ${v});`);
        } else {
          // Bit operations map onto the atomic_t bitwise primitives of linux-kernel.def.
          if (typeof op.arg !== 'number') throw new LitmusError(`${op.op} needs a constant bit number in litmus output`);
          const mask = 1 << op.arg;
          if (op.op === 'set_bit') out.push(`${ind}atomic_or(${mask}, ${v});`);
          else if (op.op === 'clear_bit') out.push(`${ind}atomic_andnot(${mask}, ${v});`);
          else if (op.op === 'or' || op.op === 'and') out.push(op.into ? `${ind}${r}atomic_fetch_${op.op}(${a}, ${v});` : `${ind}atomic_${op.op}(${a}, ${v});`);
          else {
            if (!op.into) throw new LitmusError(`${op.op} without a result register`);
            if (mask !== 1) throw new LitmusError(`${op.op} on bit ${op.arg}: only bit 0 is supported in litmus output`);
            const fetch = op.op === 'test_and_set_bit' ? `atomic_fetch_or(${mask}, ${v})` : `atomic_fetch_andnot(${mask}, ${v})`;
            out.push(`${ind}${op.into} = ${fetch};`, `${ind}${op.into} = ${op.into} & 1;`);
          }
        }
        break;
      }
      case 'local':
        out.push(`${ind}${op.into} = ${expr(op.value, m)};`);
        break;
      case 'jump': {
        // `if (c) { ... }` compiles to a conditional jump over the block.
        if (op.cond === undefined) throw new LitmusError('unconditional jumps (else/return/loops) are not supported in litmus output');
        for (let j = i + 1; j < op.to; j++) {
          const inner = ops[j]!;
          if (inner.k === 'jump' && inner.to > op.to) throw new LitmusError('overlapping control flow is not supported in litmus output');
        }
        const c = parseExpr(op.cond);
        const cond = c.k === 'un' && c.op === '!' ? exprToC(c.a) : `!(${exprToC(c)})`;
        for (const n of exprNames(c)) if (n in m.vars) throw new LitmusError(`branch on shared ${n}; load it first`);
        out.push(`${ind}if (${cond}) {`);
        out.push(...body(ops, i + 1, op.to, depth + 1, m));
        out.push(`${ind}}`);
        i = op.to - 1;
        break;
      }
      default:
        throw new LitmusError(`${op.k} is not litmus-sized (allowed: loads, stores, atomics, barriers, locks, if)`);
    }
  }
  return out;
}
