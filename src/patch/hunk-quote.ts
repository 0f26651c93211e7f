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

function hunkText(file: DiffFile, h: DiffHunk, focus?: { line: number; old: boolean }): string {
  const prefix = { context: ' ', add: '+', del: '-' } as const;
  const body = h.lines.map((l) => prefix[l.kind] + l.text);
  let shown = body;
  if (body.length > MAX_LINES) {
    const at = focus ? indexOf(h, focus.line, focus.old) : -1;
    if (at < 0) shown = [...body.slice(0, MAX_LINES), `[... ${body.length - MAX_LINES} more lines]`];
    else {
      const from = Math.max(0, at - AROUND);
      const to = Math.min(body.length, at + AROUND + 1);
      shown = [...(from > 0 ? [`[... ${from} lines]`] : []), ...body.slice(from, to), ...(to < body.length ? [`[... ${body.length - to} more lines]`] : [])];
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
    if (d && h) return hunkText(d, h, { line: s.line, old });
  }
  for (const s of spots) {
    const d = fileOf(s.file);
    const h = d?.hunks[0];
    if (d && h) return hunkText(d, h);
  }
  return null;
}
