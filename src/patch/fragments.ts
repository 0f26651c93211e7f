// Without a tree, the code a patch shows is all there is: each touched C file becomes a text
// holding only the lines its hunks show (pre-image: context + removed, post-image: context +
// added), at their real line numbers, blank lines elsewhere. The brace structure is rebuilt so
// that every function the hunks show is one definition, and no two functions are one:
//
// - a hunk inside a function whose signature it does not show is wrapped in that signature
//   (the `@@ ... @@` context), with as many `{` as the blocks it closes without opening;
// - a `}` at column 0 ends that function: what follows is top level;
// - hunks of one function (the next hunk's `@@` context names the function the previous hunk
//   left open) are joined into one definition, with the braces the unseen lines between must
//   hold put on a line of the gap; hunks of different functions never are: whatever a hunk
//   leaves open is closed right after it;
// - a hunk that starts inside a comment has that comment's tail blanked, one that ends inside
//   a comment has it closed before the braces we add;
// - code that cannot be placed in a function (indented lines without a usable signature) is
//   left out, and said so (`notes`).
//
// Lines we add are `synthetic`; lines the hunks show are `shown`: a path from one shown line to
// another across lines that are neither went through code the patch does not show.
import type { DiffFile, DiffHunk } from './diff.js';
import { functionNameFromContext } from './diff.js';

export type Side = 'pre' | 'post';

/** One line with strings, chars and comments blanked, given whether it starts inside a block comment. */
export function stripLine(raw: string, inBlock: boolean): { code: string; inBlock: boolean } {
  let out = '';
  let i = 0;
  const n = raw.length;
  while (i < n) {
    if (inBlock) {
      const e = raw.indexOf('*/', i);
      if (e < 0) return { code: out, inBlock: true };
      i = e + 2;
      inBlock = false;
      out += ' ';
      continue;
    }
    const c = raw[i]!;
    if (c === '/' && raw[i + 1] === '*') {
      inBlock = true;
      i += 2;
      continue;
    }
    if (c === '/' && raw[i + 1] === '/') break;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && raw[j] !== c) j += raw[j] === '\\' ? 2 : 1;
      out += '""';
      i = j + 1;
      continue;
    }
    out += c;
    i++;
  }
  return { code: out, inBlock };
}

function braceDelta(code: string): { delta: number; min: number } {
  let d = 0;
  let min = 0;
  for (const c of code) {
    if (c === '{') d++;
    else if (c === '}') min = Math.min(min, --d);
  }
  return { delta: d, min };
}

/**
 * `{` minus `}` outside strings, chars and comments: the net depth at the end and the lowest
 * depth reached on the way (negative when the lines close blocks they did not open).
 */
export function braceDepth(lines: string[], startInComment = false): { end: number; min: number } {
  let d = 0;
  let min = 0;
  let inBlock = startInComment;
  for (const raw of lines) {
    const s = stripLine(raw, inBlock);
    inBlock = s.inBlock;
    const b = braceDelta(s.code);
    min = Math.min(min, d + b.min);
    d += b.delta;
  }
  return { end: d, min };
}

/** Does a hunk start inside a block comment (its first comment delimiter is a `*\/`)? */
export function startsInComment(lines: string[]): boolean {
  for (const raw of lines) {
    const s = stripLine(raw.replace(/"(?:[^"\\]|\\.)*"/g, '""'), false);
    const open = raw.indexOf('/*');
    const close = raw.indexOf('*/');
    if (close >= 0 && (open < 0 || close < open)) return true;
    if (open >= 0 || s.inBlock) return false;
  }
  return false;
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

interface SideLine {
  line: number;
  text: string;
  changed: boolean;
}

function sideLines(h: DiffHunk, side: Side): SideLine[] {
  const out: SideLine[] = [];
  for (const l of h.lines) {
    if (side === 'post' && l.kind !== 'del' && l.newLine !== null) out.push({ line: l.newLine, text: l.text, changed: l.kind === 'add' });
    if (side === 'pre' && l.kind !== 'add' && l.oldLine !== null) out.push({ line: l.oldLine, text: l.text, changed: l.kind === 'del' });
  }
  return out;
}

/** One side of a file as the hunks show it, padded to real line numbers; '' when nothing shows. */
export function fragmentImage(file: DiffFile, side: Side): string {
  return fragmentImageWithLines(file, side).text;
}

export interface FragmentImage {
  text: string;
  /** Lines we wrote (wrapper signatures, braces for unseen code). */
  synthetic: Set<number>;
  /** Lines the hunks show (and that are kept). */
  shown: Set<number>;
  /** Hunks (or parts) not analyzed, and why. */
  notes: string[];
}

/** Where the previous hunk left off. */
interface Open {
  /** The function it is inside, null at top level or in a non-function block. */
  name: string | null;
  /** Open braces. */
  depth: number;
  /** A definition header was seen, its body `{` not yet. */
  header: boolean;
  /** Parentheses a pending header leaves open (a multi-line parameter list cut by the hunk's end). */
  parens: number;
  inComment: boolean;
  last: number;
}

const TOP = (last: number): Open => ({ name: null, depth: 0, header: false, parens: 0, inComment: false, last });

const count = (s: string, c: string): number => s.split(c).length - 1;

/** A line of real code (not blank, not only braces, not a preprocessor line). */
const isCode = (code: string): boolean => /[^\s{};]/.test(code) && !/^\s*#/.test(code);

/** The image and the lines of it that are ours (wrapper signatures and closing braces). */
export function fragmentImageWithLines(file: DiffFile, side: Side): FragmentImage {
  const synthetic = new Set<number>();
  const shown = new Set<number>();
  const notes: string[] = [];
  const empty = (): FragmentImage => ({ text: '', synthetic, shown, notes });
  if (file.binary) return empty();
  if (side === 'pre' && file.status === 'added') return empty();
  if (side === 'post' && file.status === 'deleted') return empty();
  const lines = new Map<number, string>();
  /** A line of ours at `n` when free (and after `after`, before `before`), else appended to line `fallback`. */
  const ours = (text: string, n: number, fallback: number, prepend: boolean, before = Infinity): void => {
    if (!text) return;
    if (n >= 1 && n < before && !lines.has(n)) {
      lines.set(n, text);
      synthetic.add(n);
      return;
    }
    const cur = lines.get(fallback) ?? '';
    lines.set(fallback, prepend ? `${text} ${cur}` : `${cur} ${text}`);
  };
  /** A pending header cut inside its parameter list ends after its last complete parameter. */
  const finishHeader = (st: Open): void => {
    if (!st.header || st.parens <= 0) return;
    const t = lines.get(st.last) ?? '';
    lines.set(st.last, `${t.replace(/,\s*$/, '')}${')'.repeat(st.parens)}`);
  };
  const close = (st: Open, before: number): void => {
    finishHeader(st);
    const text = `${st.inComment ? '*/ ' : ''}${st.header ? '{' : ''}${'}'.repeat(st.depth + (st.header ? 1 : 0))}${st.name === null && st.depth > 0 ? ';' : ''}`;
    if (text.trim()) ours(text, st.last + 1, st.last, false, before);
  };
  let st: Open | null = null;
  for (const h of [...file.hunks].sort((a, b) => (side === 'post' ? a.newStart - b.newStart : a.oldStart - b.oldStart))) {
    const ls = sideLines(h, side);
    if (!ls.length) continue;
    const first = ls[0]!.line;
    // A hunk that starts inside a comment: blank the comment's tail.
    let inBlock = false;
    const texts = ls.map((l) => l.text);
    if (startsInComment(texts)) {
      for (let i = 0; i < texts.length; i++) {
        const e = texts[i]!.indexOf('*/');
        if (e < 0) {
          texts[i] = '';
          continue;
        }
        texts[i] = ' '.repeat(e + 2) + texts[i]!.slice(e + 2);
        break;
      }
    }
    const codes: string[] = [];
    for (const t of texts) {
      const s = stripLine(t, inBlock);
      codes.push(s.code);
      inBlock = s.inBlock;
    }
    const defAt = texts.findIndex((t) => startsDefinition(t));
    const prefixEnd = defAt < 0 ? texts.length : defAt;
    // Does the part before the first definition belong to the `@@` function (its first code
    // line indented, a label, or the `}` that ends it) or is it top level?
    const firstCode = codes.slice(0, prefixEnd).findIndex((c) => isCode(c) || /^\}/.test(c));
    const belongs = firstCode >= 0 && (/^\s/.test(codes[firstCode]!) || /^\}/.test(codes[firstCode]!) || /^[A-Za-z_]\w*:\s*$/.test(codes[firstCode]!) || /^\{/.test(codes[firstCode]!));
    const ctxName = functionNameFromContext(h.functionContext);
    const signature = wrapperSignature(h.functionContext);
    const joined = !!st && st.name !== null && (st.depth > 0 || st.header) && ctxName === st.name && (belongs || firstCode < 0);
    // The `}` at column 0 that ends the function, if the part before the first definition shows it.
    const endAt = belongs || joined ? codes.slice(0, prefixEnd).findIndex((c) => /^\}/.test(c)) : -1;
    const fnPart = endAt >= 0 ? endAt + 1 : prefixEnd;
    const upTo = braceDepth(codes.slice(0, fnPart));
    const hasCode = codes.slice(0, fnPart).some(isCode);
    // Braces open at the hunk's start: enough to stay inside the function, exactly enough to
    // end it at its column-0 `}`; joined to the hunk before, no fewer than that one left open.
    const lower = endAt >= 0 ? Math.max(1, 1 - braceDepth(codes.slice(0, endAt)).min) : Math.max(1, 1 - upTo.min);
    const have = st ? (st.header ? 0 : st.depth) : 0;
    const need = endAt >= 0 ? Math.max(lower, -upTo.end) : joined ? Math.max(lower, have) : lower;
    for (let i = 0; i < ls.length; i++) lines.set(ls[i]!.line, texts[i]!);
    for (const l of ls) shown.add(l.line);
    let cur: Open;
    if (joined && st) {
      finishHeader(st);
      // The unseen lines between hold whatever braces the two hunks' structure needs.
      const gap = `${st.inComment ? '*/ ' : ''}${need > have ? '{'.repeat(need - have) : '}'.repeat(have - need)}`;
      ours(gap, first - 1, first, true);
      cur = { name: st.name, depth: need, header: false, parens: 0, inComment: false, last: first };
    } else {
      if (st) close(st, first);
      if (belongs && hasCode && signature) {
        ours(`${signature} ${'{'.repeat(need)}`, first - 1, first, true);
        cur = { name: ctxName, depth: need, header: false, parens: 0, inComment: false, last: first };
      } else {
        if (belongs && hasCode) {
          // Code inside something we cannot name: left out, and said.
          const changed = ls.slice(0, fnPart).some((l, i) => l.changed && isCode(codes[i]!));
          if (changed && !/^\s*(struct|union|enum)\b|=/.test(h.functionContext)) {
            notes.push(`hunk at line ${ls.find((l) => l.changed)?.line ?? first} not analyzed: no function signature${h.functionContext.trim() ? ` (context: ${h.functionContext.trim().slice(0, 60)})` : ''}`);
          }
        }
        if (belongs) {
          for (let i = 0; i < fnPart; i++) {
            lines.set(ls[i]!.line, '');
            shown.delete(ls[i]!.line);
          }
        }
        cur = TOP(first);
      }
    }
    // Walk the lines: depth, and which definition we are in.
    let depth = cur.depth;
    let name = cur.name;
    let header = false;
    let parens = 0;
    for (let i = 0; i < ls.length; i++) {
      if (cur.name === null && i < fnPart && belongs) continue; // left out above
      const code = codes[i]!;
      if (endAt >= 0 && i === fnPart) {
        // after the column-0 `}`: top level (a brace the wrapper opened too many is closed on it)
        if (depth > 0) lines.set(ls[endAt]!.line, `${lines.get(ls[endAt]!.line) ?? ''}${'}'.repeat(depth)}`);
        depth = 0;
        name = null;
      }
      if (i === prefixEnd && depth > 0) {
        // A definition starts while the function before it is still open: close it on the line before.
        const prev = ls[i - 1]?.line ?? ls[i]!.line;
        lines.set(prev, `${lines.get(prev) ?? ''} ${'}'.repeat(depth)}`);
        depth = 0;
        name = null;
      }
      if (depth === 0 && startsDefinition(texts[i]!)) {
        name = functionNameFromContext(texts[i]!);
        header = true;
        parens = 0;
      }
      if (header) parens += count(code, '(') - count(code, ')');
      const b = braceDelta(code);
      depth += b.delta;
      if (header && depth > 0) header = false;
      if (depth <= 0) {
        depth = 0;
        if (!header) name = null;
      }
    }
    st = { name, depth, header, parens: header ? parens : 0, inComment: inBlock, last: ls[ls.length - 1]!.line };
  }
  if (st) close(st, Infinity);
  if (!lines.size) return empty();
  // Line n at line n: runs of blank lines between the shown ones.
  const parts: string[] = [];
  let at = 1;
  for (const n of [...lines.keys()].sort((a, b) => a - b)) {
    if (n > at) parts.push('\n'.repeat(n - at));
    parts.push(lines.get(n)!, '\n');
    at = n + 1;
  }
  return { text: parts.join(''), synthetic, shown, notes };
}
