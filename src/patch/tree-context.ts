// Interprocedural context for a patch analyzed against a tree. Analyzing a whole kernel tree
// per patch is too slow, so the context is: the C files of the touched files' directories,
// the headers the touched files #include (resolved by path suffix against the tree's file
// list, their whole include closure as the compiler sees it), and the files that define the functions the touched files call
// (found with `git grep` over the tree's .c files); then the far side (far-context.ts):
// callers of the changed functions, their lock partners and the callee chains that take the
// patch's locks, from a call and lock index of the tree's .c files built once per tree.
// Everything is capped, and a cap that cuts is said (`truncated`), never passed over.
import { readdirSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { readSource, isCSource } from '../ingest/files.js';
import type { RuleSet } from '../rules/load.js';
import { buildCallIndex, expandMacros, functionsOf, lockNamer, macrosOf, type CallIndex, type IndexedFunction, type MacroTable } from './call-index.js';
import { DEFAULT_FAR_LIMITS, selectFar, type FarLimits } from './far-context.js';
import { grepFiles, lsFiles } from './git.js';

export interface ContextLimits extends Partial<FarLimits> {
  /** C files taken from each touched file's directory. */
  perDirectory: number;
  /** Headers, over all levels. */
  headers: number;
  /** Files that define called functions. */
  callees: number;
}

/** Levels of #include followed from the touched files (the closure, in practice). */
const HEADER_DEPTH = 12;

export const DEFAULT_CONTEXT_LIMITS: ContextLimits = { perDirectory: 80, headers: 400, callees: 40, ...DEFAULT_FAR_LIMITS };

const C_KEYWORDS = new Set([
  'if', 'for', 'while', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'defined', 'do', 'else', 'case', 'goto',
  'alignof', '_Alignof', '__attribute__', 'asm', '__asm__', 'offsetof', 'container_of', 'likely', 'unlikely', 'ARRAY_SIZE',
]);

/** A tree's C file list, once per tree. */
const fileLists = new Map<string, string[]>();
/** A tree's call and lock index, once per tree (and rule set). */
const indexes = new Map<string, { rules: RuleSet; index: CallIndex }>();

function treeIndex(tree: string, rules: RuleSet): CallIndex {
  const hit = indexes.get(tree);
  if (hit && hit.rules === rules) return hit.index;
  const index = buildCallIndex(tree, treeFiles(tree), rules);
  indexes.set(tree, { rules, index });
  return index;
}

function treeFiles(tree: string): string[] {
  let list = fileLists.get(tree);
  if (list) return list;
  list = (lsFiles(tree) ?? walk(tree)).filter(isCSource);
  fileLists.set(tree, list);
  return list;
}

function walk(root: string): string[] {
  const out: string[] = [];
  const rec = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) rec(p);
      else if (e.isFile()) out.push(p);
    }
  };
  rec('');
  return out;
}

export function includesOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*#\s*include\s*[<"]([^>"]+)[>"]/gm)) if (m[1]) out.push(m[1]);
  return out;
}

/** Function names called in `text` (identifier followed by `(`), minus keywords. */
export function calledNames(text: string): Set<string> {
  const out = new Set<string>();
  const noComments = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, '');
  for (const m of noComments.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
    const n = m[1] ?? '';
    if (!C_KEYWORDS.has(n) && !/^[A-Z0-9_]+$/.test(n)) out.add(n);
  }
  return out;
}

/** Function names a text defines (a declarator at column 0 followed by `{` on a later line). */
export function definedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*\n?\s*\{/gm)) if (m[1]) out.add(m[1]);
  return out;
}

export interface TreeContext {
  /** Repository-relative paths of the context files (touched files excluded). */
  files: string[];
  /** How many came from each source, for the report. */
  counts: { directory: number; headers: number; callees: number; closingCallers: number; lockChain: number; lockPartners: number; contextRoots: number; callers: number };
  /** One line per cap that cut the context (empty: nothing was left out). */
  truncated: string[];
  /** The functions the patch changes, the lock names the far-side search followed, and the index's cost. */
  changed: string[];
  locks: string[];
  indexSeconds: number;
}

/**
 * The functions whose text differs between the images of a touched file (every function of a
 * file with one image: added, deleted, renamed), and every function of the touched files.
 */
export function changedFunctions(touched: Map<string, string[]>, rules: RuleSet, macros: MacroTable = new Map()): { changed: IndexedFunction[]; own: IndexedFunction[] } {
  const namer = lockNamer(rules);
  const changed: IndexedFunction[] = [];
  const own: IndexedFunction[] = [];
  for (const [path, texts] of touched) {
    const mine = new Map(macros);
    for (const t of texts) macrosOf(t, namer, mine);
    const images = texts.map((t) => functionsOf(path, t, namer).map((f) => (expandMacros(f, mine), f)));
    own.push(...images.flat());
    if (images.length < 2) {
      changed.push(...images.flat());
      continue;
    }
    // by name and occurrence: a name defined in two #ifdef arms is two functions
    const keyed = (fns: IndexedFunction[]): Map<string, IndexedFunction> => {
      const seen = new Map<string, number>();
      return new Map(fns.map((f) => [`${f.name}#${seen.set(f.name, (seen.get(f.name) ?? 0) + 1).get(f.name)}`, f]));
    };
    const norm = (f: IndexedFunction | undefined): string | undefined => f?.body.replace(/\s+/g, ' ');
    const bodies = images.map(keyed);
    for (const [i, b] of bodies.entries()) {
      for (const [k, f] of b) if (bodies.some((o, j) => j !== i && norm(o.get(k)) !== norm(f))) changed.push(f);
    }
  }
  return { changed, own };
}

/** Pick the context files for a patch that touches `touched` (texts: their pre and post images). */
export function selectContext(tree: string, touched: Map<string, string[]>, limits: ContextLimits = DEFAULT_CONTEXT_LIMITS, rules?: RuleSet): TreeContext {
  const all = treeFiles(tree);
  const touchedSet = new Set(touched.keys());
  const chosen = new Set<string>();
  const counts = { directory: 0, headers: 0, callees: 0, closingCallers: 0, lockChain: 0, lockPartners: 0, contextRoots: 0, callers: 0 };
  const truncated: string[] = [];
  // 1. The touched files' directories.
  for (const dir of new Set([...touchedSet].map((p) => posix.dirname(p)))) {
    const inDir = all.filter((f) => posix.dirname(f) === dir && f.endsWith('.c') && !touchedSet.has(f) && !chosen.has(f));
    for (const f of inDir.slice(0, limits.perDirectory)) chosen.add(f);
    counts.directory += Math.min(inDir.length, limits.perDirectory);
    if (inDir.length > limits.perDirectory) truncated.push(`${dir}/: ${limits.perDirectory} of its ${inDir.length} other .c files (cap perDirectory)`);
  }
  // 2. Included headers, resolved by suffix (`xen/sched.h` -> `xen/include/xen/sched.h`; `asm/`
  //    headers to the architecture's directory, below), to the include closure: a struct the touched
  //    code reaches through `d->arch.hvm_domain.x` is often defined four or five headers down.
  const bySuffix = new Map<string, string[]>();
  for (const f of all) {
    if (!f.endsWith('.h')) continue;
    const parts = f.split('/');
    for (let i = Math.max(0, parts.length - 3); i < parts.length; i++) {
      const k = parts.slice(i).join('/');
      const arr = bySuffix.get(k) ?? [];
      arr.push(f);
      bySuffix.set(k, arr);
    }
  }
  // `asm/x.h` is the architecture's own header: `include/asm-<A>/x.h` in older trees,
  // `arch/<A>/include/asm/x.h` in newer ones. For a file under `arch/<A>/`, that A; for common
  // code, the architecture with the most files in the tree (the one its build is read with).
  const archCount = new Map<string, number>();
  for (const f of all) {
    const a = /^(?:.*\/)?arch\/([^/]+)\//.exec(f)?.[1];
    if (a) archCount.set(a, (archCount.get(a) ?? 0) + 1);
  }
  const mainArch = [...archCount].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]?.[0];
  const asmHeader = (from: string, inc: string): string | undefined => {
    const arch = /^(?:.*\/)?arch\/([^/]+)\//.exec(from)?.[1] ?? /(?:^|\/)include\/asm-([^/]+)\//.exec(from)?.[1] ?? mainArch;
    if (!arch) return undefined;
    const rest = inc.slice(4);
    const cands = [...(bySuffix.get(`asm-${arch}/${rest}`.split('/').slice(-3).join('/')) ?? []), ...(bySuffix.get(inc.split('/').slice(-3).join('/')) ?? [])];
    return cands.find((c) => c.endsWith(`include/asm-${arch}/${rest}`) || c.endsWith(`arch/${arch}/include/asm/${rest}`));
  };
  const resolveInclude = (from: string, inc: string): string | undefined => {
    if (inc.startsWith('asm/')) {
      const h = asmHeader(from, inc);
      if (h) return h;
    }
    const local = posix.normalize(posix.join(posix.dirname(from), inc));
    if (bySuffix.get(local.split('/').slice(-3).join('/'))?.includes(local)) return local;
    const cands = bySuffix.get(inc.split('/').slice(-3).join('/'));
    if (!cands?.length) return undefined;
    // Prefer the candidate sharing the longest leading path with the including file.
    const score = (c: string): number => {
      const a = c.split('/');
      const b = from.split('/');
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      return i;
    };
    return [...cands].sort((x, y) => score(y) - score(x) || x.length - y.length)[0];
  };
  let frontier: { from: string; text: string }[] = [...touched].flatMap(([p, texts]) => texts.map((text) => ({ from: p, text })));
  let headersCut = 0;
  for (let depth = 0; depth < HEADER_DEPTH && frontier.length; depth++) {
    const next: { from: string; text: string }[] = [];
    for (const { from, text } of frontier) {
      for (const inc of includesOf(text)) {
        const h = resolveInclude(from, inc);
        if (!h || chosen.has(h) || touchedSet.has(h)) continue;
        if (counts.headers >= limits.headers) {
          headersCut++;
          continue;
        }
        chosen.add(h);
        counts.headers++;
        if (depth + 1 < HEADER_DEPTH) {
          const src = readSource(join(tree, h));
          if ('text' in src) next.push({ from: h, text: src.text });
        }
      }
    }
    frontier = next;
  }
  if (headersCut) truncated.push(`headers: ${limits.headers} in, ${headersCut} more includes left out (cap headers)`);
  // 3. Files that define the functions the touched files call.
  const called = new Set<string>();
  const defined = new Set<string>();
  for (const texts of touched.values()) {
    for (const t of texts) {
      for (const n of calledNames(t)) called.add(n);
      for (const n of definedNames(t)) defined.add(n);
    }
  }
  const wanted = [...called].filter((n) => !defined.has(n)).sort();
  const found: string[] = [];
  for (let i = 0; i < wanted.length && found.length < limits.callees * 4; i += 150) {
    const names = wanted.slice(i, i + 150).join('|');
    // A definition: a declarator at column 0 naming the function, not a prototype (no `;`).
    found.push(...grepFiles(tree, `^[A-Za-z_][A-Za-z0-9_ \\t\\*]*[ \\t\\*](${names})[ \\t]*\\([^;]*$`, ['*.c']));
  }
  const dirs = new Set([...touchedSet].map((p) => dirname(p)));
  // Nearer files first: same top-level directory as a touched file.
  const tops = new Set([...dirs].map((d) => d.split('/')[0]));
  found.sort((a, b) => Number(!tops.has(a.split('/')[0])) - Number(!tops.has(b.split('/')[0])) || a.localeCompare(b));
  let calleesCut = 0;
  for (const f of new Set(found)) {
    if (chosen.has(f) || touchedSet.has(f)) continue;
    if (counts.callees >= limits.callees) {
      calleesCut++;
      continue;
    }
    chosen.add(f);
    counts.callees++;
  }
  if (calleesCut) truncated.push(`callees: ${limits.callees} files defining called functions in, ${calleesCut} more left out (cap callees)`);
  // 4. The far side: callers, lock partners, callee chains to the patch's locks.
  let changedNames: string[] = [];
  let locks: string[] = [];
  let indexSeconds = 0;
  const far = { ...DEFAULT_FAR_LIMITS, ...definedOnly(limits) };
  if (rules && far.far > 0) {
    const idx = treeIndex(tree, rules);
    indexSeconds = idx.seconds;
    const { changed, own } = changedFunctions(touched, rules, idx.macros);
    changedNames = [...new Set(changed.map((f) => f.name))].sort();
    const roots = new Set([...rules.contexts.flatMap((c) => c.entries), ...rules.irq.entries]);
    const r = selectFar(idx, changed, own, new Set([...chosen, ...touchedSet]), touchedSet, far, roots);
    for (const f of r.files) chosen.add(f);
    counts.closingCallers = r.counts.closingCallers;
    counts.lockChain = r.counts.lockChain;
    counts.lockPartners = r.counts.lockPartners;
    counts.contextRoots = r.counts.contextRoots;
    counts.callers = r.counts.callers;
    locks = r.locks;
    if (r.leftOut) truncated.push(`callers and lock partners: ${r.files.length} files in, ${r.leftOut} more candidate files left out (cap far = ${far.far})`);
    if (r.visitCapped) truncated.push('callers and callees: the call-graph walk stopped at its visit cap');
  }
  return { files: [...chosen].sort(), counts, truncated, changed: changedNames, locks, indexSeconds };
}

function definedOnly(l: Partial<FarLimits>): Partial<FarLimits> {
  const out: Partial<FarLimits> = {};
  if (l.far !== undefined) out.far = l.far;
  if (l.callerDepth !== undefined) out.callerDepth = l.callerDepth;
  if (l.calleeDepth !== undefined) out.calleeDepth = l.calleeDepth;
  return out;
}

/** Forget cached file lists (tests that rebuild a tree in the same directory). */
export function clearTreeCache(): void {
  fileLists.clear();
  indexes.clear();
}
