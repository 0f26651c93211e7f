// `lockcheck cache [dir|size|clear]`: where the per-file facts cache is, how large, emptying it.
import { Command, Argument } from 'commander';
import { defaultCacheDir, maxCacheBytes } from '../cache/dir.js';
import { cacheUsage, clearCache } from '../cache/store.js';
import { parseOrExitCode, type CliIO } from './parse.js';

export async function cacheCommand(argv: string[], io: CliIO): Promise<number> {
  const cmd = new Command('lockcheck cache');
  cmd
    .description(
      'The per-file facts cache: each file\'s parsed declarations and IR, keyed by its content, the lockcheck build, the rule tables and the -D defines, ' +
        'so a second run re-parses only changed files. Location: $LOCKCHECK_CACHE_DIR, else $XDG_CACHE_HOME/lockcheck, else ~/.cache/lockcheck. ' +
        'Bound: $LOCKCHECK_CACHE_MAX_MB (default 1024); the least recently used entries go first. --no-cache on a run skips it.',
    )
    .addArgument(new Argument('[action]', 'dir: print the directory; size: entries and bytes; clear: remove every entry').choices(['dir', 'size', 'clear']).default('size'))
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action((action: 'dir' | 'size' | 'clear') => {
      const dir = defaultCacheDir();
      if (action === 'dir') io.stdout(`${dir}\n`);
      else if (action === 'clear') {
        const before = cacheUsage(dir);
        clearCache(dir);
        io.stdout(`removed ${before.entries} entries (${mb(before.bytes)}) from ${dir}\n`);
      } else {
        const u = cacheUsage(dir);
        io.stdout(`${dir}: ${u.entries} entries, ${mb(u.bytes)} (bound ${mb(maxCacheBytes())})\n`);
      }
    });
  return (await parseOrExitCode(() => cmd.parseAsync(argv, { from: 'user' }), io)) ?? 0;
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MB`;
}
