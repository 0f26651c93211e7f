// What every lockcheck command does with a parse: usage errors and bad rule files exit 2.
import { CommanderError } from 'commander';
import { RuleError } from '../rules/load.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** Runs a commander parse; the exit code for a usage error or a bad rule file, else undefined. */
export async function parseOrExitCode(parse: () => Promise<unknown>, io: CliIO): Promise<number | undefined> {
  try {
    await parse();
    return undefined;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof RuleError) {
      for (const p of e.problems) io.stderr(`lockcheck: bad rule file: ${p.file}:${p.line}: ${p.reason}\n`);
      return 2;
    }
    throw e;
  }
}
