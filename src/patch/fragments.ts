// Without a tree, the code a patch shows is all there is: each touched C file becomes a text
// holding only the lines its hunks show (pre-image: context + removed, post-image: context +
// added), at their real line numbers, blank lines elsewhere. A hunk inside a function whose
// signature it does not show is wrapped in that signature (taken from the `@@ ... @@` context)
// and closed after its last line, so the parser sees a function definition.
import type { DiffFile, DiffHunk } from './diff.js';
import { extractHunkFunctions } from './diff.js';

export type Side = 'pre' | 'post';

/** Net `{` minus `}` outside strings, chars and comments (roughly). */
export function braceDepth(lines: string[]): number {
  let d = 0;
  let inBlock = false;
  for (const raw of lines) {
    let s = raw;
    if (inBlock) {
      const e = s.indexOf('*/');
      if (e < 0) continue;
      s = s.slice(e + 2);
      inBlock = false;
    }
    s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""').replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, '');
    const b = s.indexOf('/*');
    if (b >= 0) {
      s = s.slice(0, b);
      inBlock = true;
    }
    for (const c of s) {
      if (c === '{') d++;
      else if (c === '}') d--;
    }
  }
  return d;
}

function sideLines(h: DiffHunk, side: Side): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  for (const l of h.lines) {
    if (side === 'post' && l.kind !== 'del' && l.newLine !== null) out.push({ line: l.newLine, text: l.text });
    if (side === 'pre' && l.kind !== 'add' && l.oldLine !== null) out.push({ line: l.oldLine, text: l.text });
  }
  return out;
}

/** One side of a file as the hunks show it, padded to real line numbers; '' when nothing shows. */
export function fragmentImage(file: DiffFile, side: Side): string {
  if (file.binary) return '';
  if (side === 'pre' && file.status === 'added') return '';
  if (side === 'post' && file.status === 'deleted') return '';
  const hf = extractHunkFunctions(file);
  const arr: (string | undefined)[] = [];
  const put = (n: number, text: string): boolean => {
    if (n < 1 || arr[n - 1] !== undefined) return false;
    arr[n - 1] = text;
    return true;
  };
  const slots: { first: number; last: number; hunk: DiffHunk; wrapped: boolean; body: string[] }[] = [];
  file.hunks.forEach((h, i) => {
    const ls = sideLines(h, side);
    for (const l of ls) put(l.line, l.text);
    const frag = hf.fragments[i];
    if (!ls.length) return;
    slots.push({ first: ls[0]!.line, last: ls[ls.length - 1]!.line, hunk: h, wrapped: !!frag?.wrapped, body: ls.map((l) => l.text) });
  });
  // Wrappers after every hunk is placed, so one never takes another's line.
  for (const s of slots) {
    if (!s.wrapped) continue;
    if (s.first < 2 || arr[s.first - 2] !== undefined || arr[s.last] !== undefined) continue;
    const depth = 1 + braceDepth(s.body);
    if (depth < 1) {
      put(s.first - 1, `${s.hunk.functionContext} {`);
      continue;
    }
    put(s.first - 1, `${s.hunk.functionContext} {`);
    put(s.last + 1, '}'.repeat(depth));
  }
  if (!arr.length) return '';
  return Array.from(arr, (l) => l ?? '').join('\n') + '\n';
}
