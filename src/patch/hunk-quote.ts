// The hunk a finding is about, as diff text: quoted under a reply, kept in the batch records.
import type { Finding } from '../report/finding.js';
import type { DiffFile, DiffHunk } from './diff.js';

const MAX_LINES = 40;

function hunkText(file: DiffFile, h: DiffHunk): string {
  const prefix = { context: ' ', add: '+', del: '-' } as const;
  const body = h.lines.map((l) => prefix[l.kind] + l.text);
  const shown = body.length > MAX_LINES ? [...body.slice(0, MAX_LINES), `[... ${body.length - MAX_LINES} more lines]`] : body;
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
    if (d && h) return hunkText(d, h);
  }
  for (const s of spots) {
    const d = fileOf(s.file);
    const h = d?.hunks[0];
    if (d && h) return hunkText(d, h);
  }
  return null;
}
