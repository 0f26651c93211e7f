// The source lines around every witness and trace step of a finding, read from the files at
// report-build time, with the steps' lines marked (lock operations in their own colour).
import { readFileSync } from 'node:fs';
import { esc, slug } from './escape.js';

export interface Mark {
  file: string;
  line: number;
  /** What happens there: `CPU0: acquire vcpu.arch.vgic.lock`. */
  note: string;
}

const AROUND = 3;
const MAX_WINDOWS = 40;

export class SourceReader {
  private cache = new Map<string, string[] | null>();

  lines(file: string): string[] | null {
    if (!this.cache.has(file)) {
      try {
        this.cache.set(file, readFileSync(file, 'utf8').split('\n'));
      } catch {
        this.cache.set(file, null);
      }
    }
    return this.cache.get(file)!;
  }
}

export function anchorId(fid: string, file: string, line: number): string {
  return `src-${fid}-${slug(file)}-${line}`;
}

/** HTML for the windows, and the `file:line`s that got an anchor (for links to them). */
export function sourceBlocks(fid: string, marks: Mark[], src: SourceReader): { html: string; anchors: Set<string> } {
  const anchors = new Set<string>();
  const byFile = new Map<string, Map<number, string[]>>();
  for (const m of marks) {
    if (!m.file || !(m.line > 0)) continue;
    const lines = byFile.get(m.file) ?? new Map<number, string[]>();
    byFile.set(m.file, lines);
    const notes = lines.get(m.line) ?? [];
    if (!notes.includes(m.note)) notes.push(m.note);
    lines.set(m.line, notes);
  }
  const out: string[] = [];
  let windows = 0;
  for (const [file, notes] of byFile) {
    const text = src.lines(file);
    if (!text) {
      out.push(`<div class="src-missing">${esc(file)}: source not readable where the report was built</div>`);
      continue;
    }
    const hits = [...notes.keys()].sort((a, b) => a - b);
    const spans: [number, number][] = [];
    for (const h of hits) {
      const lo = Math.max(1, h - AROUND);
      const hi = Math.min(text.length, h + AROUND);
      const last = spans[spans.length - 1];
      if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
      else spans.push([lo, hi]);
    }
    for (const [lo, hi] of spans) {
      if (windows++ >= MAX_WINDOWS) break;
      const rows: string[] = [];
      for (let n = lo; n <= hi; n++) {
        const note = notes.get(n);
        const isLock = note?.some((x) => /\b(acquire|release|lock\(|unlock\()/.test(x));
        const cls = note ? (isLock ? 'hit lock' : 'hit') : '';
        const id = note ? anchorId(fid, file, n) : '';
        if (id) anchors.add(`${file}:${n}`);
        rows.push(`<tr${cls ? ` class="${cls}"` : ''}${id ? ` id="${id}"` : ''}><td class="ln">${n}</td><td class="code">${esc(text[n - 1] ?? '')}</td><td class="note">${note ? esc(note.join('; ')) : ''}</td></tr>`);
      }
      out.push(`<div class="src"><div class="src-file">${esc(file)}:${lo}-${hi}</div><table>${rows.join('')}</table></div>`);
    }
  }
  return { html: out.join('\n'), anchors };
}
