// Without a tree, the code a patch shows is all there is: each touched C file becomes a text
// holding only the lines its hunks show (pre-image: context + removed, post-image: context +
// added), at their real line numbers, blank lines elsewhere. A hunk inside a function whose
// signature it does not show is wrapped in that signature (taken from the `@@ ... @@` context)
// and closed after its last line, so the parser sees a function definition.
import type { DiffFile, DiffHunk } from './diff.js';
import { functionNameFromContext } from './diff.js';

export type Side = 'pre' | 'post';

/**
 * `{` minus `}` outside strings, chars and comments (roughly): the net depth at the end and the
 * lowest depth reached on the way (negative when the lines close blocks they did not open).
 */
export function braceDepth(lines: string[]): { end: number; min: number } {
  let d = 0;
  let min = 0;
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
      else if (c === '}') min = Math.min(min, --d);
    }
  }
  return { end: d, min };
}

/**
 * A definition header for a hunk inside a function: the `@@` context when it is a whole
 * signature, else its start up to the last complete parameter (multi-line signatures), or
 * null when the context is not a function (a struct, an initializer, a label).
 */
export function wrapperSignature(ctx: string): string | null {
  const name = functionNameFromContext(ctx);
  if (!name || /[;=]/.test(ctx) || !ctx.includes('(') || /^\s/.test(ctx)) return null;
  if (/\)\s*$/.test(ctx)) return ctx;
  const open = ctx.indexOf('(');
  const params = ctx.slice(open + 1);
  const cut = params.lastIndexOf(',');
  return `${ctx.slice(0, open + 1)}${cut >= 0 ? params.slice(0, cut) : ''})`;
}

/** Does a line start a definition (a declarator at column 0, not a call or a prototype)? */
export function startsDefinition(text: string): boolean {
  const c = text.charCodeAt(0);
  const identStart = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  if (!identStart) return false;
  const paren = text.indexOf('(');
  if (paren < 0 || /;\s*$/.test(text)) return false;
  // Linear checks (no nested quantifiers): `type words and stars` then the name before `(`.
  const head = text.slice(0, paren).trimEnd();
  if (!/^[\w\s*]+$/.test(head) || !/[A-Za-z_]\w*$/.test(head)) return false;
  return !/^(if|for|while|switch|return|else|do)\b/.test(text);
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
  return fragmentImageWithLines(file, side).text;
}

/** The image and the lines of it that are ours (wrapper signatures and closing braces). */
export function fragmentImageWithLines(file: DiffFile, side: Side): { text: string; synthetic: Set<number> } {
  const synthetic = new Set<number>();
  if (file.binary) return { text: '', synthetic };
  if (side === 'pre' && file.status === 'added') return { text: '', synthetic };
  if (side === 'post' && file.status === 'deleted') return { text: '', synthetic };
  const lines = new Map<number, string>();
  const put = (n: number, text: string): boolean => {
    if (n < 1 || lines.has(n)) return false;
    lines.set(n, text);
    return true;
  };
  const slots: { first: number; last: number; signature: string | null; body: string[]; all: string[]; end: number }[] = [];
  for (const h of file.hunks) {
    const ls = sideLines(h, side);
    for (const l of ls) put(l.line, l.text);
    if (!ls.length) continue;
    // Lines before the first definition the hunk shows belong to the function of the `@@` context.
    const defAt = ls.findIndex((l) => startsDefinition(l.text));
    const body = defAt < 0 ? ls : ls.slice(0, defAt);
    const signature = body.length ? wrapperSignature(h.functionContext) : null;
    slots.push({ first: (body[0] ?? ls[0]!).line, last: ls[ls.length - 1]!.line, signature, body: body.map((l) => l.text), all: ls.map((l) => l.text), end: ls[ls.length - 1]!.line });
  }
  // Wrappers after every hunk is placed, so one never takes another's line. Blocks the hunk
  // closes without opening get their `{` on the signature line; whatever is still open at the
  // end of the hunk (a wrapped body, a definition the hunk starts but does not finish) is
  // closed right after it, so the next hunk does not land inside this one's function.
  for (const s of slots) {
    let opens = 0;
    if (s.signature && s.first >= 2 && !lines.has(s.first - 1) && !lines.has(s.last + 1)) {
      opens = 1 - braceDepth(s.body).min;
      put(s.first - 1, `${s.signature} ${'{'.repeat(opens)}`);
      synthetic.add(s.first - 1);
    }
    const close = opens + braceDepth(s.all).end;
    if (close > 0 && put(s.last + 1, '}'.repeat(close))) synthetic.add(s.last + 1);
  }
  if (!lines.size) return { text: '', synthetic };
  // Line n at line n: runs of blank lines between the shown ones.
  const parts: string[] = [];
  let at = 1;
  for (const n of [...lines.keys()].sort((a, b) => a - b)) {
    if (n > at) parts.push('\n'.repeat(n - at));
    parts.push(lines.get(n)!, '\n');
    at = n + 1;
  }
  return { text: parts.join(''), synthetic };
}
