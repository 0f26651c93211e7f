// Held-test macros from the tree's own `#define`s: inside `ASSERT(...)` they say a lock is held
// here, taken by a caller, as the rules tables' `held-test` APIs do. Two shapes:
//   `#define pod_locked_by_me(p) mm_locked_by_me(&(p)->pod.lock)`: a known held-test on a
//   member of a parameter (macros of macros too);
//   `#define shadow_locked_by_me(d) (current->processor == (d)->arch.paging.shadow.locker)`: an
//   owner test, the CPU that took the lock recorded in a `locker` member beside the `lock`.
import type { FileFacts } from '../frontend/file-facts.js';
import type { AcquireEvent, FunctionIR } from '../ir/types.js';
import type { RuleSet } from '../rules/load.js';
import { LockApiSchema, type LockApi } from '../rules/schema.js';
import { callArgs, lockOperand, macroLockAt, splitArgs, type MacroLock } from './macro-locks.js';

/** What names the running CPU (or task) in an owner test. */
const SELF = /^(smp_processor_id\(\)|raw_smp_processor_id\(\)|get_processor_id\(\)|current->processor|current)$/;

function unparen(s: string): string {
  let t = s.trim();
  while (t.startsWith('(') && callArgs(t, 0)?.length === t.length - 2) t = t.slice(1, -1).trim();
  return t;
}

const ownerApi = (name: string): LockApi => LockApiSchema.parse({ names: [name], op: 'held-test', arg: 0 }) as LockApi;

export function deriveHeldTests(files: FileFacts[], rules: RuleSet): Map<string, MacroLock> {
  const out = new Map<string, MacroLock>();
  // a `locker` member names its lock only where the same struct has a `lock` member
  const lockerBeside = files.some((f) => f.structs.some((s) => 'locker' in s.fields && 'lock' in s.fields));
  const macros = files.flatMap((f) => f.macros).filter((m) => m.params.length > 0 && !rules.locks.has(m.name));
  for (let round = 0; round < 3; round++) {
    let added = 0;
    for (const m of macros) {
      if (out.has(m.name)) continue;
      const body = unparen(m.body);
      let derived: MacroLock | undefined;
      const call = /^([A-Za-z_]\w*)\s*\(/.exec(body);
      const argsText = call ? callArgs(body, call[0].length - 1) : undefined;
      if (call && argsText !== undefined && body.length === call[0].length + argsText.length + 1) {
        const callee = call[1]!;
        const api = rules.locks.get(callee);
        const inner = out.get(callee);
        const args = splitArgs(argsText);
        if (api?.op === 'held-test' || api?.op === 'assert') {
          if (api.global !== undefined) derived = { name: m.name, api, apiName: callee, param: -1, fields: [], arrows: [], global: api.global };
          else {
            const op = lockOperand(args[api.arg ?? 0] ?? '', m.params);
            const extra = api.field ? api.field.split('.') : [];
            if (op && op.param >= 0) derived = { name: m.name, api, apiName: callee, ...op, fields: [...op.fields, ...extra], arrows: [...op.arrows, ...extra.map((_, i) => i === 0)] };
          }
        } else if (inner) {
          if (inner.param < 0) derived = { ...inner, name: m.name };
          else {
            const op = lockOperand(args[inner.param] ?? '', m.params);
            if (op && op.param >= 0) derived = { ...inner, name: m.name, ...op, fields: [...op.fields, ...inner.fields], arrows: [...op.arrows, ...inner.arrows] };
          }
        }
      } else if (lockerBeside) {
        const eq = body.split('==');
        if (eq.length === 2 && !/&&|\|\||[?!<=]$/.test(eq[0]!.trim()) && !/&&|\|\||\?/.test(eq[1]!)) {
          const [a, b] = [unparen(eq[0]!), unparen(eq[1]!)];
          const owner = SELF.test(a.replace(/\s+/g, '')) ? b : SELF.test(b.replace(/\s+/g, '')) ? a : undefined;
          const op = owner !== undefined ? lockOperand(owner, m.params) : undefined;
          if (op && op.param >= 0 && op.fields.at(-1) === 'locker') {
            derived = { name: m.name, api: ownerApi(m.name), apiName: m.name, ...op, fields: [...op.fields.slice(0, -1), 'lock'] };
          }
        }
      }
      if (derived) {
        out.set(m.name, derived);
        added++;
      }
    }
    if (!added) break;
  }
  return out;
}

/** Rewrites `ASSERT(held_test_macro(x))` calls into assumed (asserted held) acquisitions. */
export function applyHeldTests(functions: FunctionIR[], tests: Map<string, MacroLock>, isFunction: (name: string) => boolean, isStatic: (file: string, name: string) => boolean): void {
  if (tests.size === 0) return;
  for (const fn of functions) {
    for (const b of fn.blocks) {
      for (let i = 0; i < b.events.length; i++) {
        const e = b.events[i]!;
        if (e.k !== 'call' || !e.asserted) continue;
        const t = tests.get(e.callee);
        if (!t || isFunction(e.callee)) continue;
        const lock = macroLockAt(t, e, fn, isStatic);
        if (!lock) continue;
        const ev: AcquireEvent = { k: 'acquire', loc: e.loc, lock, mode: t.api.mode, irq: 'none', try: false, nested: false, api: t.apiName, assumed: true };
        b.events[i] = ev;
      }
    }
  }
}
