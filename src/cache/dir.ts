// Where the per-file facts cache lives: LOCKCHECK_CACHE_DIR, else $XDG_CACHE_HOME/lockcheck,
// else ~/.cache/lockcheck; and its size bound (LOCKCHECK_CACHE_MAX_MB, default 1024).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LOCKCHECK_CACHE_DIR) return env.LOCKCHECK_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'lockcheck');
  return join(homedir(), '.cache', 'lockcheck');
}

export const DEFAULT_MAX_MB = 1024;

export function maxCacheBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.LOCKCHECK_CACHE_MAX_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : DEFAULT_MAX_MB) * 1048576;
}
