// Differential classification: findings of the pre-image and of the post-image of a patch,
// matched by `id`, by a line-independent key (rule + functions + locks), by the code of their
// witness steps (modulo the identifiers the patch renames) or by the line the patch moves, into
// introduced (post only), fixed (pre only) and pre-existing (both).
import type { Finding } from '../report/finding.js';
import { renamed, type PatchShape } from './patch-shape.js';

export type Change = NonNullable<Finding['change']>;

/** The identity of a finding that survives lines moving: rule, functions and locks. */
export function lineFreeKey(f: Finding): string {
  return [f.rule, [...f.functions].sort().join(','), [...f.locks].sort().join(',')].join('|');
}

/** Does the finding sit in, or pass through, one of the touched files? */
export function touches(f: Finding, files: ReadonlySet<string>): boolean {
  return files.has(f.file) || f.witness.some((w) => w.steps.some((s) => files.has(s.file)));
}

export interface Classified {
  introduced: Finding[];
  fixed: Finding[];
  preExisting: Finding[];
}

/** `rule|file|line` of a pre-image finding moved to where the patch puts its line, null when it has no place. */
function shiftedKey(f: Finding, shape: PatchShape): string | null {
  const line = shape.shift(f.file, f.line);
  return line === null ? null : `${f.rule}|${f.file}|${line}`;
}

/** The code fingerprint: rule and every witness step's function and code, renamed identifiers mapped. */
export function codeKey(f: Finding, renames: ReadonlyMap<string, string> = new Map()): string {
  const norm = (t: string): string => renamed(t, renames).replace(/\s+/g, ' ').trim();
  return [f.rule, ...f.witness.flatMap((w) => w.steps.map((st) => `${norm(st.function)}:${norm(st.code ?? st.event)}`))].join('|');
}

/** lineFreeKey of a pre-image finding with the patch's renames applied. */
function renamedKey(f: Finding, renames: ReadonlyMap<string, string>): string {
  return [f.rule, f.functions.map((x) => renamed(x, renames)).sort().join(','), f.locks.map((x) => renamed(x, renames)).sort().join(',')].join('|');
}

/** Does the finding pass through a function the patch changes (its own, a step's, its call chain)? */
export function throughChange(f: Finding, changed: ReadonlySet<string>): boolean {
  return [f.function, ...f.functions, ...f.witness.flatMap((w) => [...w.callChain, ...w.steps.map((st) => st.function)])].some((fn) => changed.has(fn));
}

/**
 * Classify. Only findings that touch `touched` (the patch's files, both names of a rename)
 * count: context files have findings of their own the patch has nothing to do with. With the
 * patch's `shape`, a post-image finding is pre-existing when a pre-image one matches it modulo
 * the identifiers the patch renames (rule + functions + locks, or the code of every witness
 * step) or sits on the line the patch moved its line to; and one that passes through no
 * function the patch changes is pre-existing too (`extra.unchangedCode`): unchanged code.
 */
export function classifyFindings(pre: readonly Finding[], post: readonly Finding[], touched?: ReadonlySet<string>, shape?: PatchShape): Classified {
  const keep = (f: Finding): boolean => !touched || touches(f, touched);
  const preK = pre.filter(keep);
  const postK = post.filter(keep);
  const renames = shape?.renames ?? new Map<string, string>();
  const keysOfPre = (f: Finding): string[] => {
    const ks = [`id:${f.id}`, `k:${lineFreeKey(f)}`, `k:${renamedKey(f, renames)}`];
    if (f.witness.length) ks.push(`c:${codeKey(f, renames)}`);
    const sk = shape ? shiftedKey(f, shape) : null;
    if (sk) ks.push(`s:${sk}`);
    return ks;
  };
  const keysOfPost = (f: Finding): string[] => [`id:${f.id}`, `k:${lineFreeKey(f)}`, ...(f.witness.length ? [`c:${codeKey(f)}`] : []), `s:${f.rule}|${f.file}|${f.line}`];
  const preKeys = new Set(preK.flatMap(keysOfPre));
  const postKeys = new Set(postK.flatMap(keysOfPost));
  const out: Classified = { introduced: [], fixed: [], preExisting: [] };
  for (const f of postK) {
    if (keysOfPost(f).some((k) => preKeys.has(k))) out.preExisting.push({ ...f, change: 'pre-existing' });
    else if (shape && !shape.outside && !throughChange(f, shape.changed)) out.preExisting.push({ ...f, change: 'pre-existing', extra: { ...f.extra, unchangedCode: true } });
    else out.introduced.push({ ...f, change: 'introduced' });
  }
  for (const f of preK) {
    if (keysOfPre(f).some((k) => postKeys.has(k))) continue;
    if (shape && !shape.outside && !throughChange(f, shape.changed)) continue; // unchanged code: neither fixed nor gone
    out.fixed.push({ ...f, change: 'fixed' });
  }
  return out;
}

/** The findings to show: introduced only, or every change with `all`. */
export function selectChanges(c: Classified, all: boolean): Finding[] {
  return all ? [...c.introduced, ...c.fixed, ...c.preExisting] : c.introduced;
}
