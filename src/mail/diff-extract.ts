// Finding the unified diff in a message body or a web-archive page, and repairing it on the way:
// context lines that lost their leading space (web archives) are re-prefixed using the hunk
// header counts, quoted (`> `) diffs are told apart from the message's own, and whatever could
// not be recovered is said in `warnings`.

import { parseHunkHeader } from '../patch/diff.js';

export interface ExtractedDiff {
  /** The diff, normalized: every context line starts with a space again. */
  diffText: string;
  /** 0-based line index (in the scanned text) where the first diff starts. */
  startLine: number;
  /** The text before the diff, cut at a `---` separator line when there is one. */
  commitMessage: string;
  /** Context lines that had lost their leading space and were re-prefixed. */
  recoveredLines: number;
  warnings: string[];
}

const COLLAPSED_MARK = '[lockcheck: the rest of this line lost its line breaks]';

/** Lines that end a diff whatever the hunk counts say: list footers and signatures. */
function isFooter(line: string): boolean {
  return (
    line === COLLAPSED_MARK ||
    /^_{5,}\s*$/.test(line) ||
    /^[\w.-]+ mailing list\s*$/i.test(line) ||
    /^Lists\.\S+ is hosted/.test(line) ||
    /^(\[Date Prev\]|\[Thread Prev\])/.test(line)
  );
}

/** A sentence of prose, not C: used to stop a hunk whose counts were never met. */
function isProse(line: string): boolean {
  if (!/^[A-Z][\w'’.,-]*(\s+[\w'’.,:;()?!/"-]+){2,}\s*$/.test(line)) return false;
  return !/[;{}=]|\/\*|\*\/|->|&&|\|\||\[\w*\]/.test(line);
}

const isFileStart = (line: string, next: string): boolean =>
  /^diff --git /.test(line) ||
  /^diff -\w/.test(line) ||
  (/^Index: \S/.test(line) && /^={10,}/.test(next)) ||
  (/^--- \S/.test(line) && /^\+\+\+ \S/.test(next));

const EXT_HEADER =
  /^(index [0-9a-fA-F]+\.\.[0-9a-fA-F]+|(old|new|deleted file|new file) mode |(dis)?similarity index |(rename|copy) (from|to) |Binary files .* differ$|GIT binary patch$|--- \S|\+\+\+ \S|={10,}$|Index: \S|diff --git |diff -\w)/;

/** Split a page whose line breaks were lost (one very long line holding a diff) at diff markers. */
export function expandCollapsedLine(line: string): string[] | null {
  if (line.length < 400 || !(/diff --git /.test(line) || /@@ -\d+(,\d+)? \+\d+(,\d+)? @@/.test(line))) return null;
  const marked = line
    .replace(/ (?=diff --git )/g, '\n')
    .replace(/ (?=index [0-9a-f]{6,}\.\.[0-9a-f]{6,})/g, '\n')
    .replace(/ (?=--- (a\/|\/dev\/null))/g, '\n')
    .replace(/ (?=\+\+\+ (b\/|\/dev\/null))/g, '\n')
    .replace(/ (?=@@ -\d+(,\d+)? \+\d+(,\d+)? @@)/g, '\n');
  const out: string[] = [];
  for (const seg of marked.split('\n')) {
    if (!seg.startsWith('@@')) {
      out.push(seg);
      continue;
    }
    // A hunk: header (its function context runs into the first context lines, which cannot be
    // told apart), then `+ ...` / `- ...` pieces each cut at the end of their C statement.
    const pieces = seg.split(/ (?=[+-] )/);
    out.push(pieces[0] ?? seg);
    for (const p of pieces.slice(1)) {
      const m = /^[+-] [^;{}]*[;{}]/.exec(p);
      out.push(m ? m[0] : p);
    }
    out.push(COLLAPSED_MARK);
  }
  return out;
}

interface ScanState {
  out: string[];
  warnings: string[];
  recovered: number;
}

/**
 * Scan one diff starting at `start`; returns the index of the first line after it. Inside a
 * hunk a line that is not `+`, `-` or `\` is context: one without its leading space gets it back.
 */
function scanDiff(lines: string[], start: number, st: ScanState): number {
  let i = start;
  let state: 'header' | 'hunk' | 'between' = 'header';
  let oldLeft = 0;
  let newLeft = 0;
  let hunkHeader = '';
  let file = '';
  let binaryPatch = false;
  const closeHunk = (why: string): void => {
    if (state === 'hunk' && (oldLeft !== 0 || newLeft !== 0)) {
      const part = (n: number, side: string): string => (n >= 0 ? `${n} ${side} lines short` : `${-n} ${side} lines over`);
      st.warnings.push(`${file || 'diff'}: hunk ${hunkHeader.replace(/ @@.*$/, ' @@')} is ${part(oldLeft, 'old')}, ${part(newLeft, 'new')} (${why})`);
    }
  };
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const next = lines[i + 1] ?? '';
    if (state !== 'hunk') {
      const h = line.startsWith('@@') ? parseHunkHeader(line) : null;
      if (h) {
        state = 'hunk';
        oldLeft = h.oldLines;
        newLeft = h.newLines;
        hunkHeader = line;
        st.out.push(line);
        i++;
        continue;
      }
      if (isFileStart(line, next) || (state === 'header' && EXT_HEADER.test(line))) {
        if (isFileStart(line, next)) state = 'header';
        const m = /^diff --git a\/(\S+)/.exec(line) ?? /^\+\+\+ (?:b\/)?(\S+)/.exec(line);
        if (m) file = m[1] ?? file;
        binaryPatch = line === 'GIT binary patch';
        st.out.push(line);
        i++;
        continue;
      }
      if (binaryPatch && (/^(literal|delta) \d+$/.test(line) || /^[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]*$/.test(line) || line === '')) {
        // Base85 data of a GIT binary patch; the blank line after a block is part of it.
        if (line === '' && !/^(literal|delta) \d+$/.test(next)) binaryPatch = false;
        st.out.push(line);
        i++;
        continue;
      }
      return i; // the diff has ended
    }
    // In a hunk.
    if (oldLeft <= 0 && newLeft <= 0) {
      state = 'between';
      continue;
    }
    if (line.startsWith('@@') && parseHunkHeader(line)) {
      closeHunk('next hunk starts');
      state = 'between';
      continue;
    }
    if (/^diff --git /.test(line) || (/^--- \S/.test(line) && /^\+\+\+ \S/.test(next) && (lines[i + 2] ?? '').startsWith('@@'))) {
      closeHunk('next file starts');
      state = 'header';
      continue;
    }
    // The format-patch signature, also with its trailing space eaten (`--` then `2.29.2`).
    if (isFooter(line) || (line === '-- ' && (/^\d+\.\d+/.test(next) || next === '')) || (line === '--' && /^\d+(\.\d+)+\s*$/.test(next))) {
      closeHunk('the diff ends');
      return i;
    }
    if (line.startsWith('\\')) {
      st.out.push(line);
    } else if (line.startsWith('+')) {
      st.out.push(line);
      newLeft--;
    } else if (line.startsWith('-')) {
      st.out.push(line);
      oldLeft--;
    } else if (line.startsWith(' ') || line.startsWith('\t')) {
      st.out.push(line.startsWith('\t') ? ' ' + line : line);
      oldLeft--;
      newLeft--;
    } else if (line === '') {
      // A blank context line (its space eaten by a mailer), unless prose follows: then the
      // diff has ended even though the counts say otherwise.
      let j = i + 1;
      while (j < lines.length && (lines[j] ?? '').trim() === '') j++;
      const after = lines[j];
      if (after === undefined || isFooter(after) || isProse(after)) {
        // The hunk's last context lines may be these blank lines (their space eaten): take
        // them when that is exactly what the counts still ask for.
        if (oldLeft === newLeft && oldLeft <= j - i) {
          for (let k = 0; k < oldLeft; k++) st.out.push(' ');
          i += oldLeft;
          oldLeft = newLeft = 0;
          return i;
        }
        closeHunk('text follows');
        return i;
      }
      st.out.push(' ');
      oldLeft--;
      newLeft--;
    } else {
      st.out.push(' ' + line);
      st.recovered++;
      oldLeft--;
      newLeft--;
    }
    i++;
  }
  closeHunk('the text ends: truncated?');
  return i;
}

/** Find where a diff starts at or after `from`; -1 when there is none. */
export function findDiffStart(lines: string[], from = 0): number {
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.startsWith('d') && !line.startsWith('-') && !line.startsWith('I')) continue;
    const next = lines[i + 1] ?? '';
    if (/^diff --git /.test(line)) return i;
    if (/^diff -\w/.test(line) && lines.slice(i + 1, i + 4).some((l) => l.startsWith('--- '))) return i;
    if (/^Index: \S/.test(line) && /^={10,}/.test(next)) return i;
    if (/^--- \S/.test(line) && /^\+\+\+ \S/.test(next) && /^@@ /.test(lines[i + 2] ?? '')) return i;
  }
  return -1;
}

/**
 * Extract every diff of a text (a mail body, an attachment, an archive page) and repair what
 * can be repaired. Returns null when the text holds no diff.
 */
export function extractDiff(text: string): ExtractedDiff | null {
  let lines = text.replace(/\r\n?/g, '\n').split('\n');
  const warnings: string[] = [];
  if (lines.some((l) => l.length >= 400)) {
    const expanded: string[] = [];
    let collapsed = false;
    for (const l of lines) {
      const e = expandCollapsedLine(l);
      if (e) {
        collapsed = true;
        expanded.push(...e);
      } else expanded.push(l);
    }
    if (collapsed) {
      warnings.push('line breaks were lost (the page is one long line): context lines and the end of each hunk could not be recovered, only file names, hunk headers and +/- lines');
      lines = expanded;
    }
  }
  const start = findDiffStart(lines);
  if (start < 0) return null;
  const st: ScanState = { out: [], warnings, recovered: 0 };
  let pos = start;
  while (pos >= 0 && pos < lines.length) {
    const end = scanDiff(lines, pos, st);
    pos = findDiffStart(lines, Math.max(end, pos + 1));
  }
  if (st.recovered > 0) {
    warnings.unshift(`${st.recovered} context line(s) had lost their leading space and were recovered from the hunk counts`);
  }
  const before = lines.slice(0, start);
  const sep = before.lastIndexOf('---');
  const commitMessage = (sep >= 0 ? before.slice(0, sep) : before).join('\n').trim();
  return {
    diffText: st.out.join('\n') + '\n',
    startLine: start,
    commitMessage,
    recoveredLines: st.recovered,
    warnings,
  };
}

/** The `> `-quoted lines of a text, one quote level removed; other lines dropped. */
export function unquote(text: string): string {
  const out: string[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (!line.startsWith('>')) continue;
    out.push(line.startsWith('> ') ? line.slice(2) : line.slice(1));
  }
  return out.join('\n');
}

/** The text with quoted lines removed (what the author of a reply wrote). */
export function withoutQuoted(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((l) => !l.startsWith('>'))
    .join('\n');
}
