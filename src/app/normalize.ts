// Findings as the engine reports them name files by the path it was given (inside a
// temporary tree); the App speaks in repository-relative paths.
import { isAbsolute, relative, sep } from 'node:path';
import type { Finding, InputError } from '../report/finding.js';

export function repoRelative(root: string, file: string): string {
  const rel = isAbsolute(file) ? relative(root, file) : file;
  const posix = rel.split(sep).join('/');
  return posix.startsWith('./') ? posix.slice(2) : posix;
}

function stripRoot(root: string, text: string): string {
  const prefix = root.endsWith(sep) ? root : `${root}${sep}`;
  return text.split(prefix).join('');
}

export function normalizeFinding(root: string, f: Finding): Finding {
  return {
    ...f,
    file: repoRelative(root, f.file),
    message: stripRoot(root, f.message),
    witness: f.witness.map((w) => ({ ...w, steps: w.steps.map((s) => ({ ...s, file: repoRelative(root, s.file) })) })),
    confirmation: {
      ...f.confirmation,
      ...(f.confirmation.trace
        ? { trace: f.confirmation.trace.map((t) => (t.file ? { ...t, file: repoRelative(root, t.file) } : t)) }
        : {}),
    },
  };
}

export function normalizeError(root: string, e: InputError): InputError {
  return { file: repoRelative(root, e.file), reason: stripRoot(root, e.reason) };
}

/**
 * A second identity for a finding that does not depend on where the tree was extracted,
 * used next to `id` when matching head findings against base findings.
 */
export function locationFreeKey(f: Finding): string {
  return [f.rule, f.file, f.function, [...f.locks].sort().join(','), [...f.functions].sort().join(',')].join('|');
}
