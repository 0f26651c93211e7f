// Differential classification: findings of the pre-image and of the post-image of a patch,
// matched by `id`, then by a line-independent key (rule + functions + locks), into
// introduced (post only), fixed (pre only) and pre-existing (both).
import type { Finding } from '../report/finding.js';

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

/**
 * Classify. Only findings that touch `touched` (the patch's files, both names of a rename)
 * count: context files have findings of their own the patch has nothing to do with.
 */
export function classifyFindings(pre: readonly Finding[], post: readonly Finding[], touched?: ReadonlySet<string>): Classified {
  const keep = (f: Finding): boolean => !touched || touches(f, touched);
  const preK = pre.filter(keep);
  const postK = post.filter(keep);
  const preIds = new Set(preK.map((f) => f.id));
  const postIds = new Set(postK.map((f) => f.id));
  const preKeys = new Map<string, number>();
  for (const f of preK) preKeys.set(lineFreeKey(f), (preKeys.get(lineFreeKey(f)) ?? 0) + 1);
  const postKeys = new Map<string, number>();
  for (const f of postK) postKeys.set(lineFreeKey(f), (postKeys.get(lineFreeKey(f)) ?? 0) + 1);
  const out: Classified = { introduced: [], fixed: [], preExisting: [] };
  for (const f of postK) {
    if (preIds.has(f.id) || preKeys.has(lineFreeKey(f))) out.preExisting.push({ ...f, change: 'pre-existing' });
    else out.introduced.push({ ...f, change: 'introduced' });
  }
  for (const f of preK) {
    if (!postIds.has(f.id) && !postKeys.has(lineFreeKey(f))) out.fixed.push({ ...f, change: 'fixed' });
  }
  return out;
}

/** The findings to show: introduced only, or every change with `all`. */
export function selectChanges(c: Classified, all: boolean): Finding[] {
  return all ? [...c.introduced, ...c.fixed, ...c.preExisting] : c.introduced;
}
