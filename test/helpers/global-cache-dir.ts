// vitest globalSetup: every test (and every CLI a test spawns, which inherits the environment)
// gets a throwaway facts cache instead of the user's ~/.cache/lockcheck. The cache stays on
// under test, so the whole suite runs through it (first misses, then hits across files).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'lockcheck-test-cache-'));
  process.env.LOCKCHECK_CACHE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
