// Whether interrupts are enabled where each lock is taken, and which functions run in
// hard-interrupt context (rules `irq`). Inside a function, a dataflow over its CFG counts
// outstanding disables (spin_lock_irqsave, local_irq_save: +1; their restore: -1;
// local_irq_disable / spin_lock_irq: +1; local_irq_enable / spin_unlock_irq: all on), kept
// as the minimum over paths, so "off" means off on every path. A site with no disable of
// its own inherits its function's entry state: off when every call of the function is made
// with interrupts off (greatest fixpoint over the call graph), or when the function
// asserts it (`ASSERT(!local_irq_is_enabled())`). Interrupt handlers are entered off.
import type { FunctionIR, IrEvent } from '../ir/types.js';
import type { Program } from './program.js';

/** Interrupt state at a site relative to the function's entry. */
export type SiteIrq = 'off' | 'on' | 'entry';

export interface IrqHandler {
  fn: FunctionIR;
  /** How it became one: `registered by request_irq() at file:line`. */
  why: string;
  /** The file of the registration, if any. */
  at?: string;
}

export interface IrqFacts {
  handlers: IrqHandler[];
  /** Per function key: interrupts are off at every call of it. */
  entryOff: Map<string, boolean>;
  /** Interrupt state at an acquire or call event. */
  at(fn: FunctionIR, e: IrEvent): SiteIrq;
  /** A call site that enters `fnKey` with interrupts on (for messages), if any. */
  onCaller(fnKey: string): { fn: FunctionIR; e: IrEvent } | undefined;
  /**
   * Functions known to run with interrupts on at entry: asserting it, matching rules
   * `irq.enabledEntries` (hypercall handlers), or called with interrupts on (an explicit
   * enable, or the entry of such a function) from one of them.
   */
  knownOn: Set<string>;
  /** Functions asserting interrupts are enabled (`ASSERT(local_irq_is_enabled())`): no interrupt-context path runs them. */
  assertsOn: Set<string>;
}

interface St {
  depth: number;
  enabled: boolean;
}

const MAX_DEPTH = 3;
const cache = new WeakMap<Program, IrqFacts>();

/** The source line of a site, to read an assertion around a predicate call (`ASSERT(!local_irq_is_enabled())`). */
export type LineOf = (file: string, line: number) => string | undefined;

export function irqFacts(p: Program, lineOf?: LineOf): IrqFacts {
  const c = cache.get(p);
  if (c) return c;
  const r = p.rules.irq;
  const disable = new Set(r.disable);
  const save = new Set(r.save);
  const enable = new Set(r.enable);
  const restore = new Set(r.restore);
  const tests = new Set(r.enabledTests);
  const assertRe = r.enabledTests.length ? new RegExp(`\\b(ASSERT|BUG_ON)\\s*\\(\\s*(!?)\\s*(${r.enabledTests.join('|')})\\s*\\(\\s*\\)\\s*\\)`) : undefined;
  const sites = new Map<IrEvent, SiteIrq>();
  const assertsOff = new Set<string>();
  const assertsOn = new Set<string>();

  const step = (s: St, e: IrEvent, fn: FunctionIR): St => {
    if (e.k === 'acquire') {
      if (e.try || e.assumed) return s;
      if (e.irq === 'irq' || e.irq === 'irqsave') return { depth: Math.min(MAX_DEPTH, s.depth + 1), enabled: s.enabled };
      return s;
    }
    if (e.k === 'release') {
      if (enable.has(e.api)) return { depth: 0, enabled: true };
      if (restore.has(e.api)) return { depth: Math.max(0, s.depth - 1), enabled: s.enabled };
      return s;
    }
    if (e.k !== 'call') return s;
    if (disable.has(e.callee) || save.has(e.callee)) return { depth: Math.min(MAX_DEPTH, s.depth + 1), enabled: s.enabled };
    if (enable.has(e.callee)) return { depth: 0, enabled: true };
    if (restore.has(e.callee)) return { depth: Math.max(0, s.depth - 1), enabled: s.enabled };
    if (tests.has(e.callee) && assertRe && lineOf) {
      // ASSERT(!local_irq_is_enabled()) or BUG_ON(local_irq_is_enabled()): off from here on
      const m = assertRe.exec(lineOf(e.loc.file, e.loc.line) ?? '');
      if (m && (m[1] === 'ASSERT') === (m[2] === '!')) {
        if (s.depth === 0 && !s.enabled) assertsOff.add(fn.key);
        return { depth: Math.max(1, s.depth), enabled: s.enabled };
      }
      if (m && s.depth === 0 && !s.enabled) assertsOn.add(fn.key); // ASSERT(local_irq_is_enabled()): never in interrupt context
    }
    return s;
  };
  const classify = (s: St): SiteIrq => (s.depth > 0 ? 'off' : s.enabled ? 'on' : 'entry');

  for (const fn of p.functions) {
    const n = fn.blocks.length;
    const entry: (St | undefined)[] = new Array(n);
    entry[0] = { depth: 0, enabled: false };
    let changed = true;
    let rounds = 0;
    while (changed && rounds++ < 20) {
      changed = false;
      for (const b of fn.blocks) {
        let s = entry[b.id];
        if (!s) continue;
        for (const e of b.events) s = step(s, e, fn);
        for (const t of b.succ) {
          const prev = entry[t];
          const next: St = prev ? { depth: Math.min(prev.depth, s.depth), enabled: prev.enabled || s.enabled } : s;
          if (!prev || prev.depth !== next.depth || prev.enabled !== next.enabled) {
            entry[t] = next;
            changed = true;
          }
        }
      }
    }
    for (const b of fn.blocks) {
      let s = entry[b.id];
      if (!s) continue;
      for (const e of b.events) {
        if (e.k === 'acquire' || e.k === 'call') sites.set(e, classify(s));
        s = step(s, e, fn);
      }
    }
  }

  // handlers: registrations, struct members, named entries
  const handlers: IrqHandler[] = [];
  const seen = new Set<string>();
  const add = (fn: FunctionIR | undefined | null, why: string, at?: string) => {
    if (!fn || seen.has(fn.key)) return;
    seen.add(fn.key);
    handlers.push({ fn, why, ...(at ? { at } : {}) });
  };
  const regs = new Map<string, number>();
  for (const h of r.handlers) for (const n of h.names) regs.set(n, h.arg);
  for (const fn of p.functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'call') continue;
        const arg = regs.get(e.callee);
        if (arg === undefined) continue;
        const t = e.argText[arg]?.trim().replace(/^&\s*/, '');
        if (!t || !/^[A-Za-z_]\w*$/.test(t)) continue;
        const h = p.resolveCallee(fn, t) ?? p.byKey.get(`${fn.file}::${t}`);
        add(h, `registered by ${e.callee}() in ${fn.name} (${e.loc.file}:${e.loc.line})`, e.loc.file);
      }
    }
  }
  const members = new Set(r.members);
  if (members.size) {
    for (const f of p.files) {
      for (const [type, member, name] of f.fnptrs) {
        const t = p.env.resolve(type)?.name;
        if (!t || !members.has(`${t}.${member}`)) continue;
        const h = p.byKey.get(`${f.file}::${name}`) ?? p.byName.get(name)?.[0];
        add(h, `bound to ${t}.${member}`);
      }
    }
  }
  const entries = new Set(r.entries);
  for (const fn of p.functions) if (entries.has(fn.name)) add(fn, 'an interrupt entry point');

  // greatest fixpoint: off at entry unless some call of it is made with interrupts on
  const entryOff = new Map<string, boolean>();
  const callSites = new Map<string, { fn: FunctionIR; e: IrEvent }[]>();
  for (const fn of p.functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'call') continue;
        const targets = e.via ? p.indirectTargets(fn, e) : [p.resolveCallee(fn, e.callee)].filter((x): x is FunctionIR => !!x);
        for (const t of targets) {
          const l = callSites.get(t.key) ?? [];
          l.push({ fn, e });
          callSites.set(t.key, l);
        }
      }
    }
  }
  for (const fn of p.functions) entryOff.set(fn.key, seen.has(fn.key) || assertsOff.has(fn.key) || (callSites.get(fn.key)?.length ?? 0) > 0);
  const siteOn = (s: { fn: FunctionIR; e: IrEvent }): boolean => {
    const st = sites.get(s.e) ?? 'entry';
    return st === 'on' || (st === 'entry' && !entryOff.get(s.fn.key));
  };
  let changed = true;
  let rounds = 0;
  while (changed && rounds++ < 50) {
    changed = false;
    for (const fn of p.functions) {
      if (!entryOff.get(fn.key) || seen.has(fn.key) || assertsOff.has(fn.key)) continue;
      if ((callSites.get(fn.key) ?? []).some(siteOn)) {
        entryOff.set(fn.key, false);
        changed = true;
      }
    }
  }
  // known on: seeds, then callees entered with interrupts on from a known-on function
  const knownOn = new Set<string>();
  const rootRe = r.enabledEntries.length ? new RegExp(r.enabledEntries.join('|')) : undefined;
  for (const fn of p.functions) {
    if (seen.has(fn.key) || assertsOff.has(fn.key)) continue;
    if (assertsOn.has(fn.key) || (rootRe && !fn.isStatic && rootRe.test(fn.name) && !(callSites.get(fn.key)?.length))) knownOn.add(fn.key);
  }
  const work = [...knownOn];
  const explicitOn = (fn: FunctionIR, e: IrEvent) => sites.get(e) === 'on';
  // explicit enables start a chain too, wherever they are
  for (const [k, list] of callSites) if (!knownOn.has(k) && !seen.has(k) && !assertsOff.has(k) && list.some((c) => explicitOn(c.fn, c.e))) { knownOn.add(k); work.push(k); }
  while (work.length) {
    const k = work.pop()!;
    const fn = p.byKey.get(k);
    if (!fn) continue;
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'call' || (sites.get(e) ?? 'entry') === 'off') continue;
        const targets = e.via ? p.indirectTargets(fn, e) : [p.resolveCallee(fn, e.callee)].filter((x): x is FunctionIR => !!x);
        for (const t of targets) {
          if (knownOn.has(t.key) || seen.has(t.key) || assertsOff.has(t.key)) continue;
          knownOn.add(t.key);
          work.push(t.key);
        }
      }
    }
  }
  const facts: IrqFacts = {
    knownOn,
    assertsOn,
    handlers,
    entryOff,
    at: (_fn, e) => sites.get(e) ?? 'entry',
    onCaller: (k) => (callSites.get(k) ?? []).find(siteOn),
  };
  cache.set(p, facts);
  return facts;
}
