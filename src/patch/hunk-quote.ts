// The hunk a finding is about, as diff text: quoted under a reply, kept in the batch records.
import type { Finding } from '../report/finding.js';
import type { DiffFile, DiffHunk } from './diff.js';

const MAX_LINES = 40;
/** Lines shown either side of the finding's line when a hunk is longer than MAX_LINES. */
const AROUND = 12;

/** Index in `h.lines` of a line number on one side (new side: context and added lines). */
function indexOf(h: DiffHunk, line: number, old: boolean): number {
  let n = old ? h.oldStart : h.newStart;
  for (let i = 0; i < h.lines.length; i++) {
    const k = h.lines[i]!.kind;
    if (k === (old ? 'add' : 'del')) continue;
    if (n === line) return i;
    n++;
  }
  return -1;
}

/** Lines kept either side of each of the finding's lines when they are far apart. */
const NEAR = 4;

function hunkText(file: DiffFile, h: DiffHunk, focus: { lines: number[]; old: boolean } = { lines: [], old: false }): string {
  const prefix = { context: ' ', add: '+', del: '-' } as const;
  const body = h.lines.map((l) => prefix[l.kind] + l.text);
  let shown = body;
  if (body.length > MAX_LINES) {
    const at = [...new Set(focus.lines.map((n) => indexOf(h, n, focus.old)).filter((i) => i >= 0))].sort((a, b) => a - b);
    if (!at.length) shown = [...body.slice(0, MAX_LINES), `[... ${body.length - MAX_LINES} more lines]`];
    else {
      // One window around all of the finding's lines when it fits, else a few lines around each.
      const span = at[at.length - 1]! - at[0]!;
      const around = span + 2 * AROUND + 1 <= MAX_LINES ? AROUND : span + 2 * NEAR + 1 <= MAX_LINES ? Math.floor((MAX_LINES - span - 1) / 2) : NEAR;
      const keep = new Array<boolean>(body.length).fill(false);
      for (const i of at) for (let j = Math.max(0, i - around); j <= Math.min(body.length - 1, i + around); j++) keep[j] = true;
      shown = [];
      let skipped = 0;
      const flush = (more: boolean): void => {
        if (skipped) shown.push(`[... ${skipped} ${more ? 'more ' : ''}lines]`);
        skipped = 0;
      };
      for (let i = 0; i < body.length; i++) {
        if (keep[i]) {
          flush(false);
          shown.push(body[i]!);
        } else skipped++;
      }
      flush(true);
    }
  }
  return [`--- a/${file.oldPath ?? file.path}`, `+++ b/${file.newPath ?? file.path}`, h.header, ...shown].join('\n');
}

/**
 * The hunk holding the finding's line (new side for introduced/pre-existing findings, old side
 * for fixed ones), else one holding a witness step, else the first hunk of its file.
 */
export function hunkForFinding(f: Finding, files: readonly DiffFile[]): string | null {
  const old = f.change === 'fixed';
  const inHunk = (h: DiffHunk, line: number): boolean =>
    old ? line >= h.oldStart && line < h.oldStart + Math.max(1, h.oldLines) : line >= h.newStart && line < h.newStart + Math.max(1, h.newLines);
  const fileOf = (path: string): DiffFile | undefined => files.find((d) => (old ? (d.oldPath ?? d.path) : (d.newPath ?? d.path)) === path);
  const spots = [{ file: f.file, line: f.line }, ...f.witness.flatMap((w) => w.steps.map((s) => ({ file: s.file, line: s.line })))];
  for (const s of spots) {
    const d = fileOf(s.file);
    const h = d?.hunks.find((x) => inHunk(x, s.line));
    if (d && h) return hunkText(d, h, { lines: spots.filter((x) => x.file === s.file && inHunk(h, x.line)).map((x) => x.line), old });
  }
  for (const s of spots) {
    const d = fileOf(s.file);
    const h = d?.hunks[0];
    if (d && h) return hunkText(d, h);
  }
  return null;
}
