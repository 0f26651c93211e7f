// Dispatch macros: `#define SCHED_OP(ops, fn, ...) ((ops)->fn ? (ops)->fn(ops, ##__VA_ARGS__) : 0)`
// calls the hook its second argument names through the table its first argument points to.
// A call `SCHED_OP(VCPU2OP(v), free_vdata, v->priv)` becomes the indirect call
// `(VCPU2OP(v))->free_vdata(VCPU2OP(v), v->priv)`, so hook bindings resolve it like any other.
// Only macros that hand the hook its own table first are taken (`iommu_call(ops, fn, args...)`
// calling `(ops)->fn(args)` is not, yet: its calls reach code whose held-lock assertions the
// lock-order checker does not yet apply on that path, see docs/realbugs.md).
import type { FileFacts } from '../frontend/file-facts.js';
import type { AccessPath, CallEvent, FunctionIR } from '../ir/types.js';
import { callArgs, splitArgs } from './macro-locks.js';

export interface DispatchMacro {
  /** Macro parameter holding the table pointer, and the one naming the member called. */
  table: number;
  member: number;
  /** The hook's arguments: a macro parameter's index, 'rest' for `__VA_ARGS__`, or null (other text). */
  args: (number | 'rest' | null)[];
  /** Index of the first variadic argument (the number of named parameters). */
  named: number;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function deriveDispatchMacros(files: FileFacts[], isFunction: (name: string) => boolean): Map<string, DispatchMacro> {
  const out = new Map<string, DispatchMacro>();
  for (const f of files) {
    for (const m of f.macros) {
      if (m.params.length < 2 || isFunction(m.name) || out.has(m.name) || !m.body.includes('->')) continue;
      for (const [ti, t] of m.params.entries()) {
        const re = new RegExp(`\\(?\\s*\\b${esc(t)}\\b\\s*\\)?\\s*->\\s*([A-Za-z_]\\w*)\\s*\\(`, 'g');
        let found: DispatchMacro | undefined;
        for (const c of m.body.matchAll(re)) {
          const mi = m.params.indexOf(c[1]!);
          if (mi < 0 || mi === ti) continue;
          const text = callArgs(m.body, c.index! + c[0].length - 1);
          if (text === undefined) continue;
          const args = splitArgs(text).map((a): number | 'rest' | null => {
            const s = a.replace(/^##\s*/, '').trim();
            if (s === '__VA_ARGS__') return 'rest';
            const i = m.params.indexOf(s.replace(/^\((.*)\)$/, '$1').trim());
            return i >= 0 ? i : null;
          });
          // the hook is handed its own table first (`(ops)->fn(ops, ...)`): a table of
          // implementations, not a plain function pointer member
          if (args[0] !== ti) continue;
          found = { table: ti, member: mi, args, named: m.params.length };
          break;
        }
        if (found) {
          out.set(m.name, found);
          break;
        }
      }
    }
  }
  return out;
}

/** Rewrites calls of dispatch macros into the indirect calls they make. */
export function applyDispatchMacros(functions: FunctionIR[], macros: Map<string, DispatchMacro>): void {
  if (macros.size === 0) return;
  for (const fn of functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'call' || e.via) continue;
        const d = macros.get(e.callee);
        if (!d) continue;
        const member = e.argText[d.member]?.trim();
        if (!member || !/^[A-Za-z_]\w*$/.test(member)) continue;
        const table = e.args[d.table];
        const tableText = (e.argText[d.table] ?? '').trim();
        const via: AccessPath = table
          ? { ...table, fields: [...table.fields, member], arrows: [...table.arrows, true], text: `${table.text}->${member}` }
          : { root: '?', fields: [member], arrows: [true], text: `(${tableText})->${member}` };
        const args: CallEvent['args'] = [];
        const argText: string[] = [];
        for (const a of d.args) {
          if (a === 'rest') {
            args.push(...e.args.slice(d.named));
            argText.push(...e.argText.slice(d.named));
          } else {
            args.push(a === null ? null : e.args[a] ?? null);
            argText.push(a === null ? '' : e.argText[a] ?? '');
          }
        }
        e.callee = `*${member}`;
        e.via = via;
        e.args = args;
        e.argText = argText;
      }
    }
  }
}
