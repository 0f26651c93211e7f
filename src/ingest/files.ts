// Finds C sources under the given paths and reads them, turning every unreadable,
// binary, non-UTF-8 or oversized input into an error entry instead of an exception.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { InputError } from '../report/finding.js';

export const MAX_FILE_BYTES = 4 * 1024 * 1024;
const SKIP_DIRS = new Set(['.git', 'node_modules', '.svn', '.hg']);

export function isCSource(path: string): boolean {
  return path.endsWith('.c') || path.endsWith('.h');
}

export function collectFiles(paths: string[]): { files: string[]; errors: InputError[] } {
  const files: string[] = [];
  const errors: InputError[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      errors.push({ file: dir, reason: `cannot read directory: ${(e as Error).message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p);
      } else if (e.isFile() && isCSource(e.name)) files.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      errors.push({ file: p, reason: 'no such file or directory' });
      continue;
    }
    if (st.isDirectory()) walk(p);
    else files.push(p);
  }
  return { files, errors };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a buffer as C source text, or says why it is not one. */
export function decodeSource(buf: Uint8Array, maxBytes = MAX_FILE_BYTES): { text: string } | { reason: string } {
  if (buf.length > maxBytes) {
    return { reason: `file is ${(buf.length / 1048576).toFixed(1)} MiB, over the ${(maxBytes / 1048576).toFixed(0)} MiB limit (generated file?); skipped` };
  }
  const probe = buf.subarray(0, 8192);
  if (probe.includes(0)) return { reason: 'binary file (contains NUL bytes); skipped' };
  try {
    return { text: utf8.decode(buf) };
  } catch {
    // Kernel sources are mostly ASCII; a stray Latin-1 byte in a comment is common enough to keep going.
    const text = new TextDecoder('latin1').decode(buf);
    return { text };
  }
}

/** A file's bytes, or why it cannot be read (an oversized file is said by decodeSource). */
export function readBytes(file: string): { bytes: Uint8Array } | { reason: string } {
  try {
    const st = statSync(file);
    if (!st.isFile()) return { reason: 'not a regular file' };
    if (st.size > MAX_FILE_BYTES) return decodeSource(new Uint8Array(st.size)) as { reason: string };
    return { bytes: readFileSync(file) };
  } catch (e) {
    return { reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

export function readSource(file: string): { text: string } | { reason: string } {
  const r = readBytes(file);
  return 'reason' in r ? r : decodeSource(r.bytes);
}
