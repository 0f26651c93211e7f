// Unified diffs as data: files (renames, new, deleted, binary), hunks with their line ranges,
// added/removed line numbers and the function context after `@@`. Hunk bodies are parsed by
// parse-diff; the per-file metadata that parse-diff does not keep (renames, copies, binary
// files, similarity) is read here from the extended git headers.

import parseDiffLib from 'parse-diff';

export type FileStatus = 'modified' | 'added' | 'deleted' | 'renamed' | 'copied';

export interface DiffLine {
  kind: 'context' | 'add' | 'del';
  /** The line without its diff prefix. */
  text: string;
  /** Line number in the old file (context and removed lines). */
  oldLine: number | null;
  /** Line number in the new file (context and added lines). */
  newLine: number | null;
  /** Followed by `\ No newline at end of file`. */
  noNewlineAtEnd?: boolean;
}

export interface DiffHunk {
  /** The `@@ -a,b +c,d @@ ctx` line. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The text after the second `@@` (usually the enclosing function), trimmed. */
  functionContext: string;
  lines: DiffLine[];
}

export interface DiffFile {
  /** Path in the old tree, null for a new file. `a/` / `b/` prefixes removed. */
  oldPath: string | null;
  /** Path in the new tree, null for a deleted file. */
  newPath: string | null;
  /** newPath ?? oldPath: the name to report on. */
  path: string;
  status: FileStatus;
  binary: boolean;
  /** `similarity index N%` of renames and copies. */
  similarity?: number;
  oldMode?: string;
  newMode?: string;
  hunks: DiffHunk[];
  /** New-file line numbers of added lines, ascending. */
  addedLines: number[];
  /** Old-file line numbers of removed lines, ascending. */
  removedLines: number[];
  additions: number;
  deletions: number;
}

export interface ParsedDiff {
  files: DiffFile[];
  warnings: string[];
}

const HUNK_HEADER = /^@@+ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@+ ?(.*)$/;
const HUNK_HEADER_LOOSE = /^@@\s+-(\d+),?(\d+)?\s+\+(\d+),?(\d+)?\s+@@(.*)$/;

/** Parse the `@@ -a,b +c,d @@ ctx` line; null when it is not one. */
export function parseHunkHeader(
  line: string,
): { oldStart: number; oldLines: number; newStart: number; newLines: number; functionContext: string } | null {
  const m = HUNK_HEADER.exec(line) ?? HUNK_HEADER_LOOSE.exec(line);
  if (!m) return null;
  return {
    oldStart: Number(m[1]),
    oldLines: m[2] === undefined ? 1 : Number(m[2]),
    newStart: Number(m[3]),
    newLines: m[4] === undefined ? 1 : Number(m[4]),
    functionContext: (m[5] ?? '').trim(),
  };
}

/** Strip `a/`, `b/`, quotes and a trailing timestamp from a `---`/`+++` path; null for /dev/null. */
export function cleanPath(raw: string, prefix: 'a/' | 'b/' | null): string | null {
  let p = raw.replace(/\t.*$/, '');
  // `--- a/foo.c   Tue Nov 19 11:06:54 2013 +0000` (hg / old diff -u style)
  p = p.replace(/\s+(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d+ [\d:.]+ \d{4}( [+-]\d{4})?\s*$/, '');
  p = p.replace(/\s+\d{4}-\d\d-\d\d [\d:.]+( [+-]\d{4})?\s*$/, '');
  p = p.trim();
  if (p.startsWith('"') && p.endsWith('"') && p.length >= 2) p = p.slice(1, -1);
  if (p === '/dev/null') return null;
  if (prefix && p.startsWith(prefix)) return p.slice(prefix.length);
  // Other single-letter prefixes git can be told to use (i/ w/ c/ o/ 1/ 2/).
  const m = /^[a-z0-9]\/(.+)$/.exec(p);
  if (prefix && m) return m[1] ?? p;
  return p;
}

interface Section {
  header: string[];
  body: string[];
}

/** Cut a diff into one section per file (extended header lines + hunks). */
function splitSections(lines: string[]): Section[] {
  const sections: Section[] = [];
  let cur: Section | null = null;
  let inHunks = false;
  let oldLeft = 0;
  let newLeft = 0;
  const start = (): Section => {
    const s: Section = { header: [], body: [] };
    sections.push(s);
    inHunks = false;
    oldLeft = newLeft = 0;
    return s;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const next = lines[i + 1] ?? '';
    const countsOpen = oldLeft > 0 || newLeft > 0;
    // `diff --git` always starts a file, even inside a hunk whose counts are short (lost lines).
    if (/^diff --git /.test(line) || (!countsOpen && (/^diff (--cc|-[a-zA-Z])/.test(line) || /^Index: /.test(line)))) {
      cur = start();
      cur.header.push(line);
      continue;
    }
    // The format-patch signature ends the diff.
    if ((line === '-- ' && /^\d+\.\d+/.test(next)) || (line === '--' && /^\d+(\.\d+)+\s*$/.test(next))) {
      cur = null;
      inHunks = false;
      oldLeft = newLeft = 0;
      continue;
    }
    if (!countsOpen) {
      if (line.startsWith('--- ') && next.startsWith('+++ ') && (cur === null || inHunks || cur.header.some((h) => h.startsWith('--- ')))) {
        cur = start();
      }
    }
    if (cur === null) {
      if (line.startsWith('--- ') && next.startsWith('+++ ')) cur = start();
      else continue; // text before the diff
    }
    const h = line.startsWith('@@') ? parseHunkHeader(line) : null;
    if (h) {
      inHunks = true;
      oldLeft = h.oldLines;
      newLeft = h.newLines;
      cur.body.push(line);
      continue;
    }
    if (!inHunks) {
      cur.header.push(line);
      continue;
    }
    cur.body.push(line);
    if (line.startsWith('\\')) continue;
    if (line.startsWith('+')) newLeft--;
    else if (line.startsWith('-')) oldLeft--;
    else {
      oldLeft--;
      newLeft--;
    }
    if (oldLeft < 0) oldLeft = 0;
    if (newLeft < 0) newLeft = 0;
  }
  return sections;
}

function parseSection(sec: Section, warnings: string[]): DiffFile | null {
  let oldPath: string | null | undefined;
  let newPath: string | null | undefined;
  let gitOld: string | undefined;
  let gitNew: string | undefined;
  let status: FileStatus = 'modified';
  let binary = false;
  let similarity: number | undefined;
  let oldMode: string | undefined;
  let newMode: string | undefined;
  let renameFrom: string | undefined;
  let renameTo: string | undefined;
  for (const line of sec.header) {
    let m: RegExpExecArray | null;
    if ((m = /^diff --git (?:"?a\/(.+?)"? "?b\/(.+?)"?|(\S+) (\S+))$/.exec(line))) {
      gitOld = m[1] ?? m[3];
      gitNew = m[2] ?? m[4];
    } else if ((m = /^Index: (.+)$/.exec(line))) {
      gitOld = gitNew = m[1]?.trim();
    } else if ((m = /^new file mode (\d+)/.exec(line))) {
      status = 'added';
      newMode = m[1];
    } else if ((m = /^deleted file mode (\d+)/.exec(line))) {
      status = 'deleted';
      oldMode = m[1];
    } else if ((m = /^old mode (\d+)/.exec(line))) {
      oldMode = m[1];
    } else if ((m = /^new mode (\d+)/.exec(line))) {
      newMode = m[1];
    } else if ((m = /^(rename|copy) from (.+)$/.exec(line))) {
      status = m[1] === 'rename' ? 'renamed' : 'copied';
      renameFrom = m[2];
    } else if ((m = /^(rename|copy) to (.+)$/.exec(line))) {
      renameTo = m[2];
    } else if ((m = /^(?:dis)?similarity index (\d+)%/.exec(line))) {
      similarity = Number(m[1]);
    } else if ((m = /^index [0-9a-fA-F]+\.\.[0-9a-fA-F]+(?: (\d+))?/.exec(line))) {
      if (m[1]) oldMode = newMode = m[1];
    } else if ((m = /^Binary files (.+) and (.+) differ$/.exec(line))) {
      binary = true;
      oldPath = cleanPath(m[1] ?? '', 'a/');
      newPath = cleanPath(m[2] ?? '', 'b/');
    } else if (line === 'GIT binary patch') {
      binary = true;
    } else if (line.startsWith('--- ')) {
      oldPath = cleanPath(line.slice(4), 'a/');
    } else if (line.startsWith('+++ ')) {
      newPath = cleanPath(line.slice(4), 'b/');
    }
  }
  if (renameFrom !== undefined) oldPath = renameFrom;
  if (renameTo !== undefined) newPath = renameTo;
  if (oldPath === undefined) oldPath = status === 'added' ? null : (gitOld ?? null);
  if (newPath === undefined) newPath = status === 'deleted' ? null : (gitNew ?? null);
  if (oldPath === null && newPath !== null && status === 'modified') status = 'added';
  if (newPath === null && oldPath !== null && status === 'modified') status = 'deleted';
  const path = newPath ?? oldPath;
  if (path === null || path === undefined) {
    if (sec.body.length) warnings.push('a diff section without file names was skipped');
    return null;
  }
  const file: DiffFile = {
    oldPath,
    newPath,
    path,
    status,
    binary,
    hunks: [],
    addedLines: [],
    removedLines: [],
    additions: 0,
    deletions: 0,
  };
  if (similarity !== undefined) file.similarity = similarity;
  if (oldMode !== undefined) file.oldMode = oldMode;
  if (newMode !== undefined) file.newMode = newMode;
  if (sec.body.length) readHunks(file, sec.body, warnings);
  return file;
}

function readHunks(file: DiffFile, body: string[], warnings: string[]): void {
  // One parse-diff call per hunk, so a hunk whose counts are short (lines lost in an archive)
  // cannot swallow the next hunk header. parse-diff wants a file header first.
  const groups: string[][] = [];
  for (const line of body) {
    if (line.startsWith('@@') && parseHunkHeader(line)) groups.push([line]);
    else groups[groups.length - 1]?.push(line);
  }
  const parsed = groups.flatMap((g) => {
    // parse-diff crashes on a `\ No newline` marker with no line before it: drop such markers.
    const clean = g.filter((l, i) => !(l.startsWith('\\') && (i === 1 || (g[i - 1] ?? '').startsWith('\\'))));
    try {
      return parseDiffLib(['--- a/x', '+++ b/x', ...clean].join('\n'));
    } catch (err) {
      warnings.push(`${file.path}: hunk ${g[0] ?? ''} could not be parsed: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  });
  for (const f of parsed) {
    for (const chunk of f.chunks) {
      const h = parseHunkHeader(chunk.content);
      const hunk: DiffHunk = {
        header: chunk.content,
        oldStart: chunk.oldStart,
        oldLines: chunk.oldLines,
        newStart: chunk.newStart,
        newLines: chunk.newLines,
        functionContext: h?.functionContext ?? '',
        lines: [],
      };
      let oldSeen = 0;
      let newSeen = 0;
      for (const ch of chunk.changes) {
        if (ch.content.startsWith('\\')) {
          const prev = hunk.lines[hunk.lines.length - 1];
          if (prev) prev.noNewlineAtEnd = true;
          continue;
        }
        if (ch.type === 'add') {
          hunk.lines.push({ kind: 'add', text: ch.content.slice(1), oldLine: null, newLine: ch.ln });
          file.addedLines.push(ch.ln);
          file.additions++;
          newSeen++;
        } else if (ch.type === 'del') {
          hunk.lines.push({ kind: 'del', text: ch.content.slice(1), oldLine: ch.ln, newLine: null });
          file.removedLines.push(ch.ln);
          file.deletions++;
          oldSeen++;
        } else {
          // A context line keeps its leading space; one that lost it (web archives) is kept whole.
          const text = ch.content.startsWith(' ') ? ch.content.slice(1) : ch.content;
          hunk.lines.push({ kind: 'context', text, oldLine: ch.ln1, newLine: ch.ln2 });
          oldSeen++;
          newSeen++;
        }
      }
      if (oldSeen !== hunk.oldLines || newSeen !== hunk.newLines) {
        warnings.push(
          `${file.path}: hunk ${hunk.header.replace(/ @@.*$/, ' @@')} expects ${hunk.oldLines} old/${hunk.newLines} new lines, found ${oldSeen}/${newSeen}`,
        );
      }
      file.hunks.push(hunk);
    }
  }
}

/** Parse a unified diff (git or plain `diff -u`). Never throws; text around the diff is ignored. */
export function parseUnifiedDiff(text: string): ParsedDiff {
  const warnings: string[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  // The text's final newline does not start another (blank context) line.
  if (lines[lines.length - 1] === '') lines.pop();
  const files: DiffFile[] = [];
  for (const sec of splitSections(lines)) {
    const f = parseSection(sec, warnings);
    if (f) files.push(f);
  }
  return { files, warnings };
}

/** New-file line numbers shown by the hunks (context and added): where a review comment can go. */
export function newLinesInHunks(file: DiffFile): Set<number> {
  const out = new Set<number>();
  for (const h of file.hunks) for (const l of h.lines) if (l.newLine !== null) out.add(l.newLine);
  return out;
}

/** Whether a new-file line is inside one of the file's hunks (context or added). */
export function isNewLineInHunks(file: DiffFile, line: number): boolean {
  return file.hunks.some((h) => line >= h.newStart && line < h.newStart + h.newLines);
}

/** The hunk whose new-file range holds `line`, or undefined. */
export function hunkForNewLine(file: DiffFile, line: number): DiffHunk | undefined {
  return file.hunks.find((h) => line >= h.newStart && line < h.newStart + Math.max(h.newLines, 1));
}

/** One hunk's code, as the post-image (context + added) and pre-image (context + removed). */
export interface HunkFragment {
  hunkIndex: number;
  functionContext: string;
  /** Identifier the function context names (`foo` in `static int foo(struct bar *b)`), if any. */
  functionName: string | null;
  newStart: number;
  oldStart: number;
  post: string;
  pre: string;
  /**
   * When the hunk sits inside a function whose signature it does not show: the post- and
   * pre-image wrapped as `<function context> {` ... `}` so a C parser sees a function
   * definition. Line 1 is the synthetic signature; line i (i >= 2) of `post` is new-file line
   * `newStart + i - 2`, of `pre` old-file line `oldStart + i - 2`.
   */
  wrapped: { post: string; pre: string } | null;
}

export interface HunkFunctions {
  path: string;
  fragments: HunkFragment[];
  /**
   * The post-image with every line the hunks show at its real new-file line number and blank
   * lines elsewhere, so a C parser reports real line numbers. Line 1 of the text is line 1.
   */
  post: string;
  /** The same for the pre-image, at old-file line numbers. */
  pre: string;
}

/** `static int foo(struct bar *b)` -> `foo`; `struct kvm {` -> null. */
export function functionNameFromContext(ctx: string): string | null {
  const m = /([A-Za-z_]\w*)\s*\([^()]*(?:\([^()]*\)[^()]*)*\)?\s*\{?\s*$/.exec(ctx) ?? /([A-Za-z_]\w*)\s*\(/.exec(ctx);
  if (!m) return null;
  const name = m[1] ?? null;
  if (name && /^(if|for|while|switch|return|sizeof)$/.test(name)) return null;
  return name;
}

/**
 * Best-effort code of a diff without a tree: for each hunk the post-image (context + added
 * lines) and pre-image (context + removed lines), plus whole-file images padded with blank
 * lines so line numbers are the real ones. A C parser can analyze the partial functions.
 */
export function extractHunkFunctions(file: DiffFile): HunkFunctions {
  const fragments: HunkFragment[] = [];
  const postLines: string[] = [];
  const preLines: string[] = [];
  const put = (arr: string[], n: number | null, text: string): void => {
    if (n === null || n < 1) return;
    while (arr.length < n - 1) arr.push('');
    if (arr.length === n - 1) arr.push(text);
    else arr[n - 1] = text;
  };
  file.hunks.forEach((h, hunkIndex) => {
    const post: string[] = [];
    const pre: string[] = [];
    for (const l of h.lines) {
      if (l.kind !== 'del') {
        post.push(l.text);
        put(postLines, l.newLine, l.text);
      }
      if (l.kind !== 'add') {
        pre.push(l.text);
        put(preLines, l.oldLine, l.text);
      }
    }
    const functionName = functionNameFromContext(h.functionContext);
    // Wrap only when the context is a function signature and the hunk does not start the function itself.
    const isSignature = functionName !== null && /\)\s*$/.test(h.functionContext) && !/[;=]/.test(h.functionContext);
    // A line at column 0 that looks like a declarator (`int f(void)`, not `foo();`) starts a
    // definition the hunk shows itself: wrapping it in another function would nest definitions.
    const showsDefinition = h.lines.some(
      (l) => /^[A-Za-z_][\w\s*]*\b[A-Za-z_]\w*\s*\(/.test(l.text) && !/;\s*$/.test(l.text) && !/^(if|for|while|switch|return|else|do)\b/.test(l.text),
    );
    const wrap = (body: string[]): string => [`${h.functionContext} {`, ...body, '}'].join('\n');
    fragments.push({
      hunkIndex,
      functionContext: h.functionContext,
      functionName,
      newStart: h.newStart,
      oldStart: h.oldStart,
      post: post.join('\n'),
      pre: pre.join('\n'),
      wrapped: isSignature && !showsDefinition ? { post: wrap(post), pre: wrap(pre) } : null,
    });
  });
  return {
    path: file.path,
    fragments,
    post: postLines.length ? postLines.join('\n') + '\n' : '',
    pre: preLines.length ? preLines.join('\n') + '\n' : '',
  };
}
