// What a patch does to the code, as the differential needs it: the identifiers it renames (a
// removed line and the added line that replaces it differing only in identifiers), how it moves
// unchanged lines (each hunk's line shift), and the functions it changes.
import type { DiffFile } from './diff.js';
import { functionNameFromContext } from './diff.js';
import { startsDefinition, stripLine } from './fragments.js';

export interface PatchShape {
  /** Old identifier -> new identifier. */
  renames: Map<string, string>;
  /** Functions with an added or removed line (old and new names). */
  changed: Set<string>;
  /** Some changed line is outside any function (a macro, a declaration, a struct): its effect reaches unchanged functions. */
  outside: boolean;
  /** The post-image line of an unchanged pre-image line, null for a removed one or another file. */
  shift: (file: string, oldLine: number) => number | null;
}

const TOKEN = /[A-Za-z_]\w*|\d\w*|\S/g;

/** Identifier pairs of two lines that differ only in identifiers (same token shape). */
function renamePairs(a: string, b: string): [string, string][] | null {
  const ta = a.match(TOKEN) ?? [];
  const tb = b.match(TOKEN) ?? [];
  if (ta.length !== tb.length || ta.length === 0) return null;
  const out: [string, string][] = [];
  for (let i = 0; i < ta.length; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    if (!/^[A-Za-z_]/.test(x) || !/^[A-Za-z_]/.test(y)) return null;
    out.push([x, y]);
  }
  return out;
}

export function patchShape(files: readonly DiffFile[]): PatchShape {
  const votes = new Map<string, Map<string, number>>();
  const changed = new Set<string>();
  let outside = false;
  const shifts = new Map<string, { oldStart: number; oldEnd: number; delta: number; moved: Map<number, number> }[]>();
  for (const f of files) {
    const spans: { oldStart: number; oldEnd: number; delta: number; moved: Map<number, number> }[] = [];
    for (const h of f.hunks) {
      let fn = functionNameFromContext(h.functionContext);
      let dels: string[] = [];
      let adds: string[] = [];
      const flush = (): void => {
        if (dels.length && dels.length === adds.length) {
          for (let i = 0; i < dels.length; i++) {
            for (const [x, y] of renamePairs(dels[i]!, adds[i]!) ?? []) {
              const m = votes.get(x) ?? new Map<string, number>();
              m.set(y, (m.get(y) ?? 0) + 1);
              votes.set(x, m);
            }
          }
        }
        dels = [];
        adds = [];
      };
      const moved = new Map<number, number>();
      let inBlock = false;
      for (const l of h.lines) {
        if (startsDefinition(l.text)) fn = functionNameFromContext(l.text) ?? fn;
        if (l.kind === 'context') {
          if (l.oldLine !== null && l.newLine !== null) moved.set(l.oldLine, l.newLine);
          flush();
          continue;
        }
        if (fn) changed.add(fn);
        const sl = stripLine(l.text, inBlock);
        inBlock = sl.inBlock;
        const t = sl.code.trim() ? l.text : '';
        if (/^\s*#\s*define\b/.test(t) || (/^[A-Za-z_]/.test(t) && !startsDefinition(t) && !/^[A-Za-z_]\w*:/.test(t)) || (!fn && t.trim() !== "")) outside = true;
        if (l.kind === 'del') {
          if (adds.length) flush();
          dels.push(l.text);
        } else adds.push(l.text);
      }
      flush();
      spans.push({ oldStart: h.oldStart, oldEnd: h.oldStart + h.oldLines, delta: h.newStart + h.newLines - (h.oldStart + h.oldLines), moved });
    }
    shifts.set(f.oldPath ?? f.path, spans);
  }
  const renames = new Map<string, string>();
  for (const [x, m] of votes) {
    const best = [...m].sort((a, b) => b[1] - a[1])[0];
    if (best) renames.set(x, best[0]);
  }
  for (const [x, y] of renames) if (changed.has(x)) changed.add(y);
  const shift = (file: string, oldLine: number): number | null => {
    const spans = shifts.get(file);
    if (!spans) return null;
    let delta = 0;
    for (const s of spans) {
      if (oldLine < s.oldStart) break;
      if (oldLine < s.oldEnd) return s.moved.get(oldLine) ?? null; // a removed line has no place
      delta = s.delta;
    }
    return oldLine + delta;
  };
  return { renames, changed, outside, shift };
}

/** A text with every renamed identifier replaced by its new name. */
export function renamed(text: string, renames: ReadonlyMap<string, string>): string {
  if (!renames.size) return text;
  return text.replace(/[A-Za-z_]\w*/g, (w) => renames.get(w) ?? w);
}
