// Runs the `lockcheck` main command in-process, one worker thread, no progress bar, and
// returns what a user would see: the exit code, stdout and stderr.
import { main } from '../../src/cli/main.js';

export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'lockcheck', '--no-progress', '--jobs', '1', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}
