// `lockcheck [options] PATH...`: analyze C files and trees; exit 0 clean, 1 findings at or
// above the fail level, 2 usage error or nothing could be analyzed.
import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { analyzePaths } from '../engine/analyze.js';
import { RuleError } from '../rules/load.js';
import type { Severity } from '../report/finding.js';
import { atOrAbove, render, VERSION, type Format } from './output.js';
import { progressReporter } from './progress.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const defaultIO: CliIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  let code = 0;
  const program = new Command();
  program
    .name('lockcheck')
    .description('Static lock analyzer for C kernel and hypervisor code: lock-order inversions, lock balance, memory ordering and lifetime races.')
    .version(VERSION)
    .argument('<paths...>', 'C files or directories (.c and .h, recursively)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .addOption(new Option('--fail-level <level>', 'lowest severity that makes the exit code 1').choices(['error', 'warning', 'note']).default('warning'))
    .option('-j, --jobs <n>', 'worker threads (default: all cores)', (v) => Number.parseInt(v, 10))
    .option('--rules <dir>', 'extra rule tables (YAML) to load; repeatable', collect, [] as string[])
    .option('--rule <id>', 'run only this rule; repeatable', collect, [] as string[])
    .option('--all-rules', 'also run rules that are off by default')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--no-progress', 'no progress bar on stderr')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (paths: string[], o: { format: Format; failLevel: Severity; jobs?: number; rules: string[]; rule: string[]; allRules?: boolean; output?: string; progress: boolean }) => {
      if (o.jobs !== undefined && (!Number.isInteger(o.jobs) || o.jobs < 1)) {
        io.stderr('lockcheck: --jobs takes a whole number of at least 1\n');
        code = 2;
        return;
      }
      const progress = o.progress ? progressReporter() : undefined;
      const report = await analyzePaths(paths, {
        rulesDirs: o.rules,
        ...(o.jobs ? { jobs: o.jobs } : {}),
        only: o.rule,
        allRules: !!o.allRules,
        ...(progress ? { onProgress: progress.update } : {}),
      });
      progress?.stop();
      const out = render(report, o.format);
      if (o.output) writeFileSync(o.output, out);
      else io.stdout(out);
      if (report.stats.files === 0) {
        io.stderr(`lockcheck: nothing could be analyzed${report.errors.length ? ` (${report.errors.map((e) => `${e.file}: ${e.reason}`).join('; ')})` : ''}\n`);
        code = 2;
        return;
      }
      code = atOrAbove(report.findings, o.failLevel).length > 0 ? 1 : 0;
    });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof RuleError) {
      io.stderr(`lockcheck: bad rule file: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return code;
}
