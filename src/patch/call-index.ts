// A textual call and lock index of a tree's .c files, built once per tree: for each function
// definition (a declarator at column 0 whose body ends at the next `}` at column 0, the
// kernel style), the names it calls and the names of the locks it takes (the last identifier
// of a lock API's lock argument, or the API's global or field from the rule tables:
// `spin_lock(&d->arch.hvm.irq_lock)` -> `irq_lock`, `spin_lock(&console_lock)` ->
// `console_lock`). It only chooses which files a patch's analysis reads; the engine resolves
// calls and lock classes exactly from what it is given.
import { join } from 'node:path';
import { readSource } from '../ingest/files.js';
import type { RuleSet } from '../rules/load.js';

export interface IndexedFunction {
  name: string;
  file: string;
  /** 1-based line of the declarator. */
  line: number;
  calls: Set<string>;
  locks: Set<string>;
  /** The definition's text, comments blanked (to tell a changed function from an unchanged one). */
  body: string;
}

export interface CallIndex {
  /** Definitions by name (a static name may be defined in several files). */
  defs: Map<string, IndexedFunction[]>;
  /** Functions calling a name. */
  callers: Map<string, IndexedFunction[]>;
  /** Functions taking a lock name directly. */
  takers: Map<string, IndexedFunction[]>;
  functions: number;
  seconds: number;
  macros: MacroTable;
  /**
   * Function-pointer members: the functions stored into each member name (`.accept =
   * stdvga_mem_accept,` in an ops table, `ops->accept = f;`), so a call `ops->accept(...)`,
   * indexed as a call of `accept`, reaches them.
   */
  members: Map<string, Set<string>>;
  /** The member names each function is stored into (the reverse of `members`). */
  storedAs: Map<string, Set<string>>;
}

export type LockArg = (api: string, args: () => string[]) => string | undefined;

const NOT_CALLS = new Set([
  'if', 'for', 'while', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'defined', 'do', 'else', 'case', 'goto',
  'alignof', '_Alignof', '__attribute__', 'asm', '__asm__', 'offsetof', 'likely', 'unlikely', '__builtin_expect',
]);

/** Comments and string literals blanked to spaces, line breaks kept (so line numbers hold). */
export function blankComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (m) => (m.startsWith('"') ? '""' : m.startsWith("'") ? "' '" : m.replace(/[^\n]/g, ' ')));
}

const DEF_HEAD = /^[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)\s*\([^;{]*\)[\w \t()]*\n?\s*\{/gm;

/** The function definitions of one file's text. */
export function functionsOf(file: string, text: string, lockArg: LockArg, keepBody = true): IndexedFunction[] {
  const src = blankComments(text);
  const out: IndexedFunction[] = [];
  let prevEnd = 0;
  let lineAt = 0;
  let lineNo = 1;
  for (const m of src.matchAll(DEF_HEAD)) {
    const name = m[1] ?? '';
    if (NOT_CALLS.has(name)) continue;
    const start = m.index;
    if (start < prevEnd) continue; // inside the previous definition
    const close = src.indexOf('\n}', start + m[0].length - 1);
    const end = close < 0 ? src.length : close + 2;
    prevEnd = end;
    for (let i = src.indexOf('\n', lineAt); i >= 0 && i < start; i = src.indexOf('\n', i + 1)) lineNo++;
    lineAt = start;
    const body = src.slice(start, end);
    const calls = new Set<string>();
    const locks = new Set<string>();
    const bodyOnly = body.slice(m[0].length - 1);
    for (const c of bodyOnly.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
      const n = c[1] ?? '';
      if (NOT_CALLS.has(n)) continue;
      calls.add(n);
      const lock = lockArg(n, () => argsAt(bodyOnly, c.index + c[0].length));
      if (lock) locks.add(lock);
    }
    out.push({ name, file, line: lineNo, calls, locks, body: keepBody ? body : '' });
  }
  return out;
}

/** The top-level arguments of a call whose `(` ends just before `from` (texts, trimmed). */
function argsAt(text: string, from: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = from; i < text.length && i < from + 400; i++) {
    const ch = text[i]!;
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) {
        args.push(cur.trim());
        return args;
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      args.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  return args;
}

/** The last identifier of an expression (`&d->arch.hvm.irq_lock` -> `irq_lock`). */
export function lastIdentifier(expr: string): string | undefined {
  const ids = expr.match(/[A-Za-z_]\w*/g);
  return ids?.[ids.length - 1];
}


/** The lock name an acquiring call of the rule tables takes, if `api` is one. */
export function lockNamer(rules: RuleSet): LockArg {
  return (api, args) => {
    const a = rules.locks.get(api);
    if (!a || a.op !== 'acquire') return undefined;
    if (a.global) return a.global;
    if (a.field) return lastIdentifier(a.field);
    return lastIdentifier(args()[a.arg ?? 0] ?? '');
  };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/** Function-like macros: the names each calls and the locks it takes (`gdprintk` -> printk). */
export type MacroTable = Map<string, { calls: Set<string>; locks: Set<string> }>;

const MACRO = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)\n]*)\)((?:[^\n\\]|\\\n|\\.)*)/gm;

export function macrosOf(text: string, lockArg: LockArg, into: MacroTable = new Map()): MacroTable {
  for (const m of blankComments(text).matchAll(MACRO)) {
    const body = m[3] ?? '';
    // a lock named by a macro parameter is the caller's argument: unknown here
    const params = new Set((m[2] ?? '').split(',').map((x) => x.trim()));
    const calls = new Set<string>();
    const locks = new Set<string>();
    for (const c of body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
      const n = c[1] ?? '';
      if (NOT_CALLS.has(n) || n === m[1]) continue;
      calls.add(n);
      const lock = lockArg(n, () => argsAt(body, c.index + c[0].length));
      if (lock && !params.has(lock)) locks.add(lock);
    }
    if (calls.size && !into.has(m[1]!)) into.set(m[1]!, { calls, locks });
  }
  return into;
}

/** A function's calls through macros: `gdprintk(...)` also calls what gdprintk expands to (two levels). */
export function expandMacros(fn: IndexedFunction, macros: MacroTable): void {
  let frontier = [...fn.calls];
  for (let depth = 0; depth < 2 && frontier.length; depth++) {
    const next: string[] = [];
    for (const c of frontier) {
      const m = macros.get(c);
      if (!m) continue;
      for (const l of m.locks) fn.locks.add(l);
      for (const n of m.calls) {
        if (fn.calls.has(n)) continue;
        fn.calls.add(n);
        next.push(n);
      }
    }
    frontier = next;
  }
}

/** Index the .c files among `files` (tree-relative paths), calls through the tree's macros expanded. */
export function buildCallIndex(tree: string, files: readonly string[], rules: RuleSet): CallIndex {
  const t0 = performance.now();
  const namer = lockNamer(rules);
  const idx: CallIndex = { defs: new Map(), callers: new Map(), takers: new Map(), functions: 0, seconds: 0, macros: new Map(), members: new Map(), storedAs: new Map() };
  const fns: IndexedFunction[] = [];
  const stores: [string, string][] = [];
  for (const f of files) {
    if (!f.endsWith('.c') && !f.endsWith('.h')) continue;
    const src = readSource(join(tree, f));
    if (!('text' in src)) continue;
    macrosOf(src.text, namer, idx.macros);
    if (f.endsWith('.c')) {
      fns.push(...functionsOf(f, src.text, namer, false));
      stores.push(...memberStores(src.text));
    }
  }
  for (const fn of fns) {
    expandMacros(fn, idx.macros);
    addFunction(idx, fn);
  }
  for (const [member, fn] of stores) {
    if (!idx.defs.has(fn) || fn === member) continue;
    addTo(idx.members, member, fn);
    addTo(idx.storedAs, fn, member);
  }
  idx.seconds = (performance.now() - t0) / 1000;
  return idx;
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (s) s.add(v);
  else m.set(k, new Set([v]));
}

/** `[member, function]` for each name stored into a member: `.m = f,` / `.m = &f }` in an initializer, `x->m = f;`. */
export function memberStores(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of blankComments(text).matchAll(/(?:\.|->)\s*([A-Za-z_]\w*)\s*=\s*&?\s*([A-Za-z_]\w*)\s*(?=[,;}\n])/g)) {
    const [member, fn] = [m[1] ?? '', m[2] ?? ''];
    if (/^[A-Z0-9_]+$/.test(fn) || NOT_CALLS.has(fn) || fn === 'NULL') continue;
    out.push([member, fn]);
  }
  return out;
}

export function addFunction(idx: CallIndex, fn: IndexedFunction): void {
  push(idx.defs, fn.name, fn);
  for (const c of fn.calls) push(idx.callers, c, fn);
  for (const l of fn.locks) push(idx.takers, l, fn);
  idx.functions++;
}
