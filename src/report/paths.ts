// File paths as CI consumers want them: relative to the directory lockcheck runs in, '/'-separated.
import { isAbsolute, relative } from 'node:path';

export function relPath(file: string, base = process.cwd()): string {
  const rel = isAbsolute(file) ? relative(base, file) : file;
  return rel.split('\\').join('/').replace(/^\.\//, '');
}
