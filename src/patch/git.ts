// The few git plumbing calls differential analysis needs, run in a checkout (`--tree DIR`).
// Never throws: a missing object or a directory that is not a git checkout yields null.
import { execFileSync } from 'node:child_process';

const MAX_BUFFER = 64 * 1024 * 1024;

function git(dir: string, args: string[]): string | null {
  try {
    return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: MAX_BUFFER, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/** The content of a blob, by full or abbreviated id (`git cat-file -p`). */
export function catBlob(dir: string, id: string): string | null {
  if (!/^[0-9a-f]{4,64}$/.test(id)) return null;
  const type = git(dir, ['cat-file', '-t', id]);
  if (type?.trim() !== 'blob') return null;
  return git(dir, ['cat-file', '-p', id]);
}

/** A file as it is in a commit (`git show <commit>:<path>`). */
export function showAtCommit(dir: string, commit: string, path: string): string | null {
  if (!/^[0-9a-f]{4,64}$/.test(commit)) return null;
  return git(dir, ['show', `${commit}:${path}`]);
}

/** Is DIR inside a git work tree? */
export function isGitCheckout(dir: string): boolean {
  return git(dir, ['rev-parse', '--is-inside-work-tree'])?.trim() === 'true';
}

/** Tracked files (relative paths), or null when DIR is not a checkout. */
export function lsFiles(dir: string): string[] | null {
  const out = git(dir, ['ls-files', '-z']);
  return out === null ? null : out.split('\0').filter((f) => f.length > 0);
}

/** Files (relative paths) among `pathspecs` with a line matching the extended regex. */
export function grepFiles(dir: string, regex: string, pathspecs: string[] = []): string[] {
  const out = git(dir, ['grep', '-l', '-I', '-E', '-e', regex, '--', ...pathspecs]);
  return out === null ? [] : out.split('\n').filter((f) => f.length > 0);
}
