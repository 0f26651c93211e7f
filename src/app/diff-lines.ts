// Which lines of a pull request a review comment may land on: GitHub rejects a whole review
// if one of its comments points outside the diff's hunks.

/** Right-side (new file) line numbers inside the hunks of one file's unified `patch`. */
export function commentableLines(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  if (!patch) return lines;
  let right = 0;
  let inHunk = false;
  const rows = patch.split('\n');
  if (rows[rows.length - 1] === '') rows.pop();
  for (const raw of rows) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (header) {
      right = Number(header[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    const tag = raw[0];
    if (tag === '+' || tag === ' ') {
      lines.add(right);
      right++;
    } else if (tag === '\\' || tag === '-') {
      // `\ No newline at end of file`, or a removed line: the right side does not move.
    } else if (raw === '') {
      // A context line whose single space was stripped.
      lines.add(right);
      right++;
    }
  }
  return lines;
}

/** Per file: the lines a review comment may use. */
export function commentableLinesByFile(files: readonly { filename: string; patch?: string }[]): Map<string, Set<number>> {
  return new Map(files.map((f) => [f.filename, commentableLines(f.patch)]));
}

/** One hunk's right-side span and its added lines (for placing a comment on what changed). */
export interface HunkLines {
  start: number;
  end: number;
  added: number[];
}

/** Per hunk of one file's unified `patch`: the right-side lines it spans and those it adds. */
export function hunkLines(patch: string | undefined): HunkLines[] {
  const out: HunkLines[] = [];
  if (!patch) return out;
  let right = 0;
  let cur: HunkLines | undefined;
  for (const raw of patch.split('\n')) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (header) {
      right = Number(header[1]);
      out.push((cur = { start: right, end: right - 1, added: [] }));
      continue;
    }
    if (!cur) continue;
    const tag = raw[0];
    if (tag === '+') cur.added.push(right);
    if (tag === '+' || tag === ' ' || raw === '') cur.end = right++;
  }
  return out;
}

export function hunkLinesByFile(files: readonly { filename: string; patch?: string }[]): Map<string, HunkLines[]> {
  return new Map(files.map((f) => [f.filename, hunkLines(f.patch)]));
}
