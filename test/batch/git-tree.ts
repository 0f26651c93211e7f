// Test helper: a git checkout in a temp dir holding a sample's files under their project paths.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function gitTreeFrom(dir: string): string {
  const root = mkdtempSync(join(tmpdir(), 'lockcheck-tree-'));
  cpSync(dir, root, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'sample');
  return root;
}
