// Applying one file's hunks to its text, tolerant like patch(1): each hunk is looked for at its
// line number shifted by the offset of the hunk before, then at growing offsets both ways, and
// if the context still does not match, with up to `fuzz` leading and trailing context lines
// ignored. Reverse-apply (post-image -> pre-image) swaps the two sides of every hunk.

import type { DiffFile, DiffHunk, DiffLine } from './diff.js';

export interface HunkApplication {
  /** 0-based hunk index. */
  hunk: number;
  how: 'exact' | 'offset' | 'fuzz';
  /** Lines between where the hunk said and where it applied. */
  offset: number;
  /** Context lines ignored at each end. */
  fuzz: number;
  /** 1-based line of the source where the hunk's (kept) context starts. */
  at: number;
}

export type ApplyResult =
  | { ok: true; text: string; hunks: HunkApplication[]; summary: string[] }
  | { ok: false; reason: string; failedHunk: number; hunks: HunkApplication[] };

export interface ApplyOptions {
  /** Maximum fuzz (context lines ignored at each end of a hunk), like `patch -F`. Default 2. */
  fuzz?: number;
  /** Apply post -> pre. */
  reverse?: boolean;
  /** Furthest a hunk may move from its line number. Default: anywhere in the file. */
  maxOffset?: number;
  /** Compare lines with runs of whitespace collapsed (for diffs recovered from web archives). */
  ignoreWhitespace?: boolean;
}

interface Side {
  pre: DiffLine[];
  post: DiffLine[];
  start: number;
  leadCtx: number;
  trailCtx: number;
}

function sides(h: DiffHunk, reverse: boolean): Side {
  const pre = h.lines.filter((l) => l.kind !== (reverse ? 'del' : 'add'));
  const post = h.lines.filter((l) => l.kind !== (reverse ? 'add' : 'del'));
  let leadCtx = 0;
  while (leadCtx < h.lines.length && h.lines[leadCtx]?.kind === 'context') leadCtx++;
  let trailCtx = 0;
  while (trailCtx < h.lines.length - leadCtx && h.lines[h.lines.length - 1 - trailCtx]?.kind === 'context') trailCtx++;
  return { pre, post, start: reverse ? h.newStart : h.oldStart, leadCtx, trailCtx };
}

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Apply one file's diff to `source`. Never throws. */
export function applyFilePatch(source: string, file: DiffFile, options: ApplyOptions = {}): ApplyResult {
  const maxFuzz = options.fuzz ?? 2;
  const reverse = options.reverse ?? false;
  const eq = options.ignoreWhitespace ? (a: string, b: string) => a === b || norm(a) === norm(b) : (a: string, b: string) => a === b;
  if (file.binary) return { ok: false, reason: `${file.path}: binary file, cannot apply`, failedHunk: -1, hunks: [] };

  const hadNewline = source.endsWith('\n');
  const lines = source.length === 0 ? [] : (hadNewline ? source.slice(0, -1) : source).split('\n');
  const out: string[] = [];
  const hunks: HunkApplication[] = [];
  const summary: string[] = [];
  let prevEnd = 0; // first source line not yet copied
  let lastOffset = 0;
  let endsWithNewline = hadNewline || lines.length === 0;

  for (let hi = 0; hi < file.hunks.length; hi++) {
    const h = file.hunks[hi] as DiffHunk;
    const sd = sides(h, reverse);
    let found: { pos: number; lead: number; trail: number; fuzz: number } | null = null;
    for (let f = 0; f <= maxFuzz && !found; f++) {
      const lead = Math.min(f, sd.leadCtx);
      const trail = Math.min(f, sd.trailCtx);
      if (f > 0 && lead === 0 && trail === 0) continue; // nothing more to ignore
      const pre = sd.pre.slice(lead, sd.pre.length - trail);
      // Where the hunk says it goes (0-based), moved by the previous hunk's offset.
      const anchor = (pre.length === 0 && sd.pre.length === 0 ? sd.start : sd.start - 1) + lead + lastOffset;
      const lo = prevEnd;
      const hi2 = lines.length - pre.length;
      const limit = options.maxOffset ?? Math.max(lines.length, 1);
      const matchAt = (p: number): boolean => {
        if (p < lo || p > hi2) return false;
        for (let k = 0; k < pre.length; k++) if (!eq(lines[p + k] ?? '', (pre[k] as DiffLine).text)) return false;
        return true;
      };
      for (let d = 0; d <= limit; d++) {
        if (matchAt(anchor + d)) {
          found = { pos: anchor + d, lead, trail, fuzz: f };
          break;
        }
        if (d > 0 && matchAt(anchor - d)) {
          found = { pos: anchor - d, lead, trail, fuzz: f };
          break;
        }
        if (anchor + d > hi2 && anchor - d < lo) break;
      }
    }
    if (!found) {
      const where = `${reverse ? 'reverse ' : ''}hunk #${hi + 1} (${h.header.replace(/ @@.*$/, ' @@')})`;
      return {
        ok: false,
        reason: `${file.path}: ${where} FAILED: its ${reverse ? 'post' : 'pre'}-image lines were not found near line ${sd.start}${
          options.maxOffset !== undefined ? ` (±${options.maxOffset})` : ''
        } with fuzz up to ${maxFuzz}`,
        failedHunk: hi,
        hunks,
      };
    }
    const { pos, lead, trail, fuzz } = found;
    const preLen = sd.pre.length - lead - trail;
    const post = sd.post.slice(lead, sd.post.length - trail);
    const expected = (sd.pre.length === 0 ? sd.start : sd.start - 1) + lead;
    const offset = pos - expected;
    for (let k = prevEnd; k < pos; k++) out.push(lines[k] ?? '');
    for (const l of post) out.push(l.text);
    prevEnd = pos + preLen;
    lastOffset = offset;
    // `\ No newline at end of file` on the side we write decides the end of the file.
    if (prevEnd >= lines.length && trail === 0) {
      endsWithNewline = !post[post.length - 1]?.noNewlineAtEnd;
    }
    const how: HunkApplication['how'] = fuzz > 0 ? 'fuzz' : offset !== 0 ? 'offset' : 'exact';
    hunks.push({ hunk: hi, how, offset, fuzz, at: pos + 1 });
    summary.push(
      `Hunk #${hi + 1} ${how === 'exact' ? 'applied exactly' : `succeeded at ${pos + 1}`}${
        offset !== 0 ? ` (offset ${offset} line${Math.abs(offset) === 1 ? '' : 's'})` : ''
      }${fuzz > 0 ? ` with fuzz ${fuzz}` : ''}.`,
    );
  }
  for (let k = prevEnd; k < lines.length; k++) out.push(lines[k] ?? '');
  const deleted = (reverse ? file.status === 'added' : file.status === 'deleted') && out.length === 0;
  const text = deleted || out.length === 0 ? '' : out.join('\n') + (endsWithNewline ? '\n' : '');
  return { ok: true, text, hunks, summary };
}

/** Reverse-apply: from the post-image back to the pre-image. */
export function reverseApplyFilePatch(source: string, file: DiffFile, options: Omit<ApplyOptions, 'reverse'> = {}): ApplyResult {
  return applyFilePatch(source, file, { ...options, reverse: true });
}
