// Without a tree, a lock-balance finding (recursive lock, double unlock, lock leak) is a claim
// about everything its path runs between two lock operations. When that path crosses lines the
// hunks do not show, or calls a function whose body they do not show (wholly) and that gets the
// lock's object (any such function, for a global lock), the hidden code may release or retake
// the lock: the finding proves nothing and is dropped.
import type { Finding } from '../report/finding.js';
import { startsDefinition, stripLine } from './fragments.js';

export const UNSEEN_RULES = new Set(['recursive-lock', 'double-unlock', 'lock-leak']);

export interface FileView {
  lines: string[];
  shown: Set<number>;
  synthetic: Set<number>;
}

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'defined', 'do', 'else', 'case', 'goto']);

/** Functions a view shows whole: header line and column-0 `}` shown, every line between too. */
export function wholeFunctions(views: Iterable<FileView>): Set<string> {
  const out = new Set<string>();
  for (const v of views) {
    for (let n = 1; n <= v.lines.length; n++) {
      const t = v.lines[n - 1] ?? '';
      if (!v.shown.has(n) || v.synthetic.has(n) || !startsDefinition(t)) continue;
      const name = /([A-Za-z_]\w*)\s*\(/.exec(t)?.[1];
      if (!name) continue;
      for (let m = n + 1; m <= v.lines.length; m++) {
        if (!v.shown.has(m) || v.synthetic.has(m)) break;
        if (/^\}/.test(v.lines[m - 1] ?? '')) {
          out.add(name);
          break;
        }
      }
    }
  }
  return out;
}

/** The lock argument's root variable, and whether it is a global (`&name`). */
function lockRoot(line: string, api: ReadonlySet<string>): { root: string; global: boolean } | null {
  for (const m of line.matchAll(/([A-Za-z_]\w*)\s*\(\s*(&)?\s*\(?\s*([A-Za-z_]\w*)\s*(->|\.|\[)?/g)) {
    if (!api.has(m[1]!)) continue;
    return { root: m[3]!, global: !!m[2] && !m[4] };
  }
  return null;
}

/**
 * Why the finding's path goes through code the hunks do not show, or null when it does not.
 * `views` by file; `known`: names the analysis knows (rule-table APIs); `whole`: functions shown whole.
 */
export function unseenOnPath(f: Finding, views: ReadonlyMap<string, FileView>, api: ReadonlySet<string>, whole: ReadonlySet<string>): string | null {
  if (!UNSEEN_RULES.has(f.rule)) return null;
  for (const w of f.witness) {
    const lockStep = w.steps.find((s) => {
      const v = views.get(s.file);
      return v && lockRoot(v.lines[s.line - 1] ?? '', api);
    });
    const lk = lockStep ? lockRoot(views.get(lockStep.file)!.lines[lockStep.line - 1] ?? '', api) : null;
    const relevant = (args: string): boolean => !lk || lk.global || new RegExp(`\\b${lk.root}\\b`).test(args);
    const scan = (v: FileView, from: number, to: number, file: string): string | null => {
      let inBlock = false;
      for (let n = from; n < to; n++) {
        if (!v.shown.has(n)) {
          // a line the hunks do not show (blank, or the braces we put for it): unseen code
          return `the path passes lines of ${file} the patch does not show (line ${n})`;
        }
        const s = stripLine(v.lines[n - 1] ?? '', inBlock);
        inBlock = s.inBlock;
        for (const m of s.code.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
          const name = m[1]!;
          if (KEYWORDS.has(name) || api.has(name) || whole.has(name) || /^[A-Z0-9_]+$/.test(name)) continue;
          if (relevant(s.code.slice(m.index! + m[0].length))) return `${name}() at ${file}:${n}, whose body the patch does not show, may release or take the lock`;
        }
      }
      return null;
    };
    for (let i = 0; i + 1 < w.steps.length; i++) {
      const s = w.steps[i]!;
      const t = w.steps[i + 1]!;
      const v = views.get(s.file);
      const vt = views.get(t.file);
      if (s.file === t.file && v && s.function === t.function && s.line < t.line) {
        const why = scan(v, s.line + 1, t.line, s.file);
        if (why) return why;
      } else if (v && s.function !== t.function && w.steps.slice(0, i).some((x) => x.function === t.function)) {
        // back from a callee: the rest of its body, to its end (a closing brace of ours: not its real end)
        let end = s.line + 1;
        while (end <= v.lines.length && !/^\}/.test(v.lines[end - 1] ?? '')) end++;
        const why = scan(v, s.line + 1, end + 1, s.file);
        if (why) return why;
      } else if (vt && s.function !== t.function) {
        // into a callee: its body from its start to the step
        let start = t.line;
        while (start > 1 && !(startsDefinition(vt.lines[start - 1] ?? '') || vt.synthetic.has(start))) start--;
        if (vt.synthetic.has(start)) return `the patch does not show the start of ${t.function}`;
        const why = scan(vt, start + 1, t.line, t.file);
        if (why) return why;
      }
    }
  }
  return null;
}
