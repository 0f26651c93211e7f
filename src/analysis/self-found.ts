// An object a function finds for itself, not from its parameters: `s = &current->domain->x`,
// `s = this_cpu(state)`, `s = lookup()` with no argument. Taken twice through the same
// acquisition in such a function (a hook implementation re-entered while its first run still
// holds the lock), the two are one object for the CPU doing both: the instance is named by a
// `@fn:local:x` key, which lock identity otherwise treats as unnamed.
import type { FunctionIR } from '../ir/types.js';
import type { Program } from './program.js';

const cache = new WeakMap<FunctionIR, Map<string, boolean>>();

/** Whether local `name` of `fn` is bound only from values that do not depend on fn's parameters. */
export function boundWithoutParams(fn: FunctionIR, name: string): boolean {
  let m = cache.get(fn);
  if (!m) cache.set(fn, (m = new Map()));
  const known = m.get(name);
  if (known !== undefined) return known;
  const at = new Set<string>();
  let ok = !fn.params.some((p) => p.name === name);
  for (const b of fn.blocks) {
    for (const e of b.events) {
      if (!ok) break;
      if (e.k === 'assign' && e.name === name) {
        at.add(`${e.loc.line}:${e.loc.col}`);
        if (e.alias || e.value !== '?') ok = e.value !== '?' ? false : !fn.params.some((p) => p.name === e.alias);
      } else if (e.k === 'load' && e.into === name) {
        if (e.path.root.startsWith('param:') || e.path.root.startsWith('local:')) ok = false;
      } else if (e.k === 'call' && e.assignedTo === name) {
        if (e.args.some((a) => !!a && (a.root.startsWith('param:') || a.root.startsWith('local:')))) ok = false;
      } else if (e.k === 'store' && e.path.root === `local:${name}` && e.path.fields.length === 0) ok = false;
    }
  }
  const r = ok && at.size === 1;
  m.set(name, r);
  return r;
}

/**
 * Whether a lock instance key `@fn:local:x...` names an object fn finds for itself (see
 * boundWithoutParams); `site` is fn's acquisition (the last step of the chain).
 */
export function selfFoundInstance(p: Program, root: string, file: string): boolean {
  const m = /^@([A-Za-z_]\w*):local:([A-Za-z_]\w*)$/.exec(root);
  if (!m) return false;
  const fn = p.byKey.get(`${file}::${m[1]!}`) ?? (p.byName.get(m[1]!) ?? []).find((f) => f.file === file);
  return !!fn && boundWithoutParams(fn, m[2]!);
}
