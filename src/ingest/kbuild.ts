// Which files a build configuration can compile, from the tree's own Kconfig and Makefiles:
// `obj-$(CONFIG_SYM) += dir/` or `+= file.o` builds that directory or file only when SYM is
// set, and SYM is impossible for an architecture when its `depends on` (with enclosing `if`,
// `menu`, `choice` blocks and `source` lines) is false there: that architecture's own symbols
// true, symbols defined only under another `arch/<B>/` false, every other symbol unknown
// (possibly set). An over-approximation: only what cannot be built is left out.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { placeOf, type Configuration } from '../engine/configurations.js';

type Tri = boolean | undefined;

interface Entry {
  sym: string;
  /** `depends on` expressions and the enclosing blocks' conditions (all must hold). */
  deps: string[];
  /** `def_bool y` (or `bool` + `default y`) with no condition. */
  always: boolean;
  /** The architecture whose `arch/<A>/` the entry is in. */
  arch?: string;
  /** In the architecture's own top file (`arch/<A>/Kconfig`). */
  top?: boolean;
}

interface Select {
  target: string;
  by: string;
  deps: string[];
  arch?: string;
}

interface Guard {
  /** `undefined`: built unconditionally (`obj-y`, or a guard too complex to read). */
  syms: (string | undefined)[];
}

export interface Kbuild {
  root: string;
  entries: Map<string, Entry[]>;
  selects: Map<string, Select[]>;
  /** Directory (relative, `/`-separated, no trailing slash) or object stem -> its Makefile lines' guards. */
  guards: Map<string, Guard>;
  arches: string[];
}

const KCONFIG_SKIP = new Set(['.git', 'node_modules', 'tools', 'scripts', 'Documentation']);

/** The Kbuild root above `dir`: the nearest directory holding `Kconfig` and `arch/`. */
export function findKbuildRoot(dir: string): string | undefined {
  let d = resolve(dir);
  for (;;) {
    if (existsSync(join(d, 'Kconfig')) && existsSync(join(d, 'arch'))) return d;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

function readText(p: string): string | undefined {
  try {
    return statSync(p).isFile() ? readFileSync(p, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** Kconfig lines joined over `\` continuations, help text dropped. */
function kconfigLines(text: string): string[] {
  const out: string[] = [];
  const raw = text.replace(/\\\n/g, ' ').split('\n');
  let helpIndent = -1;
  for (const line of raw) {
    const indent = /^\s*/.exec(line)![0].replace(/\t/g, '        ').length;
    if (helpIndent >= 0) {
      if (!line.trim() || indent > helpIndent) continue;
      helpIndent = -1;
    }
    const t = line.replace(/(^|\s)#.*$/, '').trim();
    if (!t) continue;
    if (/^(?:---\s*)?help(?:\s*---)?$/.test(t)) {
      helpIndent = indent;
      continue;
    }
    out.push(t);
  }
  return out;
}

function parseKconfig(kb: Kbuild, file: string, inherited: string[], seen: Set<string>): void {
  const abs = resolve(file);
  if (seen.has(abs)) return;
  seen.add(abs);
  const text = readText(abs);
  if (text === undefined) return;
  const relFile = relative(kb.root, abs).replace(/\\/g, '/');
  const arch = placeOf(relFile)?.arch;
  const top = arch !== undefined && relFile === `arch/${arch}/Kconfig`;
  const stack: { kind: string; cond?: string }[] = [];
  const conds = () => [...inherited, ...stack.flatMap((s) => (s.cond ? [s.cond] : []))];
  let cur: Entry | undefined;
  let curBool = false;
  let block: { kind: string; cond?: string } | undefined; // a menu/choice whose `depends on` lines follow
  for (const t of kconfigLines(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^(?:menu)?config\s+(\w+)/.exec(t))) {
      cur = { sym: m[1]!, deps: conds(), always: false, ...(arch ? { arch } : {}), ...(top ? { top } : {}) };
      curBool = false;
      block = undefined;
      const list = kb.entries.get(cur.sym) ?? [];
      list.push(cur);
      kb.entries.set(cur.sym, list);
      continue;
    }
    if ((m = /^if\s+(.+)$/.exec(t))) {
      stack.push({ kind: 'if', cond: m[1]! });
      cur = undefined;
      continue;
    }
    if ((m = /^(menu|choice)\b/.exec(t))) {
      block = { kind: m[1]! };
      stack.push(block);
      cur = undefined;
      continue;
    }
    if ((m = /^end(if|menu|choice)\b/.exec(t))) {
      const i = stack.map((s) => s.kind).lastIndexOf(m[1]!);
      if (i >= 0) stack.splice(i);
      cur = undefined;
      block = undefined;
      continue;
    }
    if ((m = /^(?:r|o|or)?source\s+"([^"]+)"/.exec(t))) {
      cur = undefined;
      const rel = t.startsWith('r') || t.startsWith('or') ? join(dirname(abs), m[1]!) : join(kb.root, m[1]!);
      for (const p of expandVars(rel)) parseKconfig(kb, p, conds(), seen);
      continue;
    }
    if (/^comment\b/.test(t)) {
      // a comment's own `depends on` lines follow
      cur = undefined;
      block = undefined;
      continue;
    }
    if ((m = /^depends\s+on\s+(.+)$/.exec(t))) {
      if (cur) {
        cur.deps.push(m[1]!);
        cur.always = false;
      } else if (block) block.cond = block.cond ? `(${block.cond}) && (${m[1]!})` : m[1]!;
      continue;
    }
    if ((m = /^visible\s+if\s+/.exec(t))) continue;
    if (!cur) continue;
    if ((m = /^select\s+(\w+)(?:\s+if\s+(.+))?$/.exec(t))) {
      const s: Select = { target: m[1]!, by: cur.sym, deps: m[2] ? [m[2]] : [], ...(arch ? { arch } : {}) };
      const list = kb.selects.get(s.target) ?? [];
      list.push(s);
      kb.selects.set(s.target, list);
      continue;
    }
    if (/^def_bool\s+y\s*$/.test(t)) cur.always = cur.deps.length === 0;
    else if (/^bool\b/.test(t)) curBool = true;
    else if (curBool && /^default\s+y\s*$/.test(t)) cur.always = cur.deps.length === 0;
  }
}

/** A `source` path with `$(VAR)` parts: every existing directory in their place. */
function expandVars(p: string): string[] {
  const i = p.search(/\$\(?\w+\)?/);
  if (i < 0) return [p];
  const slash = p.lastIndexOf('/', i);
  const dir = p.slice(0, slash);
  const rest = p.slice(slash + 1);
  const seg = rest.split('/')[0]!;
  const tail = rest.slice(seg.length);
  const re = new RegExp(`^${seg.split(/\$\(?\w+\)?/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => re.test(n));
  } catch {
    return [];
  }
  return names.flatMap((n) => expandVars(`${dir}/${n}${tail}`));
}

const TARGET = /^(?:obj|obj-bin|lib|core|drivers|subdir)-(y|m|\$\(CONFIG_(\w+)\)|.*)$/;

function parseMakefiles(kb: Kbuild, dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const rel = relative(kb.root, dir).replace(/\\/g, '/');
  for (const mk of ['Makefile', 'Kbuild']) {
    if (!names.includes(mk)) continue;
    const text = readText(join(dir, mk));
    if (text === undefined) continue;
    for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
      const m = /^\s*([\w$()-]+(?:\([^)]*\))?[^\s+:=]*)\s*[+:]?=\s*(.*)$/.exec(line.replace(/#.*$/, ''));
      if (!m) continue;
      const t = TARGET.exec(m[1]!);
      if (!t) continue;
      const sym = t[1] === 'y' || t[1] === 'm' ? undefined : t[2];
      // a guard other than `y`, `m` or one symbol (`$(filter-out ...)`): read as always built
      for (const word of m[2]!.split(/\s+/)) {
        let key: string | undefined;
        if (word.endsWith('/')) key = word.slice(0, -1);
        else if (word.endsWith('.o')) key = word.replace(/(?:\.init)?\.o$/, '');
        if (!key || key.includes('$')) continue;
        const k = rel ? `${rel}/${key}` : key;
        const g = kb.guards.get(k) ?? { syms: [] };
        g.syms.push(sym);
        kb.guards.set(k, g);
      }
    }
  }
}

/** The tree's Kconfig symbols and Makefile guards, or undefined when it has none. */
export function loadKbuild(root: string, dirs: Iterable<string>): Kbuild | undefined {
  const kb: Kbuild = { root: resolve(root), entries: new Map(), selects: new Map(), guards: new Map(), arches: [] };
  try {
    kb.arches = readdirSync(join(kb.root, 'arch'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return undefined;
  }
  const seen = new Set<string>();
  parseKconfig(kb, join(kb.root, 'Kconfig'), [], seen);
  // Kconfig files no `source` line reached (a path built from a make variable)
  const walk = (d: string, depth: number): void => {
    let es;
    try {
      es = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of es) {
      if (e.isDirectory() && depth < 8 && !KCONFIG_SKIP.has(e.name)) walk(join(d, e.name), depth + 1);
      else if (e.isFile() && /^Kconfig(?:\.\w+)?$/.test(e.name)) parseKconfig(kb, join(d, e.name), [], seen);
    }
  };
  walk(kb.root, 0);
  const visited = new Set<string>();
  for (const d of dirs) {
    // every directory from the root down to the files' own
    const rel = relative(kb.root, resolve(d));
    if (rel.startsWith('..')) continue;
    const parts = rel ? rel.split(/[\\/]/) : [];
    for (let i = 0; i <= parts.length; i++) {
      const p = join(kb.root, ...parts.slice(0, i));
      if (visited.has(p)) continue;
      visited.add(p);
      parseMakefiles(kb, p);
    }
  }
  if (!kb.entries.size && !kb.guards.size) return undefined;
  return kb;
}

// ---- evaluation, one architecture at a time ----

type Tok = string;

function tokens(expr: string): Tok[] {
  return expr.match(/"[^"]*"|\$\([^)]*\)|&&|\|\||!=|<=|>=|[!()=<>]|[\w.-]+/g) ?? [];
}

const not = (v: Tri): Tri => (v === undefined ? undefined : !v);

/** Symbol values for one architecture: true, false (impossible), undefined (unknown). */
export class ArchView {
  private memo = new Map<string, boolean>();
  private own = new Set<string>();

  constructor(
    private kb: Kbuild,
    private arch: string,
  ) {
    for (const [sym, es] of kb.entries) if (es.some((e) => e.top && e.arch === arch && e.always)) this.own.add(sym);
  }

  private visible(x: { arch?: string }): boolean {
    return !x.arch || x.arch === this.arch;
  }

  /** Whether some configuration of this architecture can set `sym`. */
  possible(sym: string): boolean {
    const known = this.memo.get(sym);
    if (known !== undefined) return known;
    const entries = this.kb.entries.get(sym) ?? [];
    const selects = this.kb.selects.get(sym) ?? [];
    if (!entries.length) return true; // defined nowhere the tree says: unknown
    this.memo.set(sym, true); // a dependency cycle reads as possible
    const ok =
      entries.some((e) => this.visible(e) && this.all(e.deps) !== false) ||
      selects.some((s) => this.visible(s) && this.possible(s.by) && this.all(s.deps) !== false);
    this.memo.set(sym, ok);
    return ok;
  }

  value(sym: string): Tri {
    if (sym === 'y') return true;
    if (sym === 'n') return false;
    if (!/^[A-Za-z_][\w]*$/.test(sym) || sym === 'm') return undefined;
    if (this.own.has(sym)) return true;
    return this.possible(sym) ? undefined : false;
  }

  private all(deps: string[]): Tri {
    let out: Tri = true;
    for (const d of deps) {
      const v = this.expr(d);
      if (v === false) return false;
      if (v === undefined) out = undefined;
    }
    return out;
  }

  /** A Kconfig expression, three-valued; what it cannot read is unknown. */
  expr(text: string): Tri {
    const ts = tokens(text);
    let i = 0;
    const atom = (): Tri => {
      const t = ts[i++];
      if (t === undefined) return undefined;
      if (t === '!') return not(atom());
      if (t === '(') {
        const v = or();
        if (ts[i] === ')') i++;
        return v;
      }
      const op = ts[i];
      if (op === '=' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=') {
        const rhs = ts[i + 1];
        i += 2;
        if (op !== '=' && op !== '!=') return undefined;
        let v: Tri;
        if (rhs === 'y' || rhs === 'n') v = rhs === 'y' ? this.value(t) : not(this.value(t));
        else if (t === 'y' || t === 'n') v = t === 'y' ? this.value(rhs ?? '') : not(this.value(rhs ?? ''));
        else return undefined;
        return op === '=' ? v : not(v);
      }
      return this.value(t);
    };
    const and = (): Tri => {
      let v = atom();
      while (ts[i] === '&&') {
        i++;
        const w = atom();
        v = v === false || w === false ? false : v === true && w === true ? true : undefined;
      }
      return v;
    };
    const or = (): Tri => {
      let v = and();
      while (ts[i] === '||') {
        i++;
        const w = and();
        v = v === true || w === true ? true : v === false && w === false ? false : undefined;
      }
      return v;
    };
    const v = or();
    return i === ts.length ? v : undefined;
  }

  /** Whether the Makefiles leave `file` (relative to the root) out of every build of this architecture. */
  excluded(file: string): boolean {
    const parts = file.split('/');
    const keys: string[] = [];
    for (let n = 1; n < parts.length; n++) keys.push(parts.slice(0, n).join('/'));
    if (/\.[cS]$/.test(file)) keys.push(file.replace(/\.[cS]$/, ''));
    return keys.some((k) => {
      const g = this.kb.guards.get(k);
      return g !== undefined && g.syms.every((s) => s !== undefined && !this.possible(s));
    });
  }
}

/**
 * The configurations without the files their architecture's build cannot compile (a common
 * directory the Makefiles build only under a symbol that depends on another architecture).
 */
export function restrictToBuild(configs: Configuration[], files: string[], kb: Kbuild | undefined): Configuration[] {
  if (!kb || configs.length < 2) return configs;
  const rel = files.map((f) => relative(kb.root, resolve(f)).replace(/\\/g, '/'));
  return configs.map((c) => {
    const view = new ArchView(kb, c.arch);
    const keep = (i: number) => rel[i]!.startsWith('..') || !view.excluded(rel[i]!);
    return { ...c, files: c.files.filter(keep), own: c.own.filter(keep) };
  });
}
