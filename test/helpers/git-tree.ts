// A throwaway git repository holding `files`, and the diff that turns one of its files into a
// new text: the trees and patches the patch-mode context tests analyse.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PatchInput } from '../../src/patch/analyze-patch.js';
import { parseUnifiedDiff } from '../../src/patch/diff.js';

export function gitTree(files: Record<string, string>, prefix = 'lockcheck-ctx-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), t);
  }
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'tree');
  return root;
}

/** The diff that turns the tree's `path` into `post` (the checkout is left as it was). */
export function patchOf(root: string, path: string, post: string, subject: string, messageId = '<ctx@example.org>'): PatchInput {
  writeFileSync(join(root, path), post);
  const diffText = execFileSync('git', ['-C', root, 'diff', '--', path], { encoding: 'utf8' });
  execFileSync('git', ['-C', root, 'checkout', '--', path]);
  return { messageId, subject, diffText, files: parseUnifiedDiff(diffText).files };
}
