// `lockcheck [options] PATH...`: analyze C files and trees; exit 0 clean, 1 findings at or
// above the fail level, 2 usage error or nothing could be analyzed.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { readCompileCommands } from '../ingest/compile-commands.js';
import { collectFiles } from '../ingest/files.js';
import { parseDefines } from '../ir/preproc-cond.js';
import type { LockcheckConfig } from '../config/schema.js';
import { resolveRuleOptions } from './rule-options.js';
import { applyBaseline, applySuppressions } from './finding-filters.js';
import { applyConfig } from '../config/apply.js';
import { Command, Option } from 'commander';
import { analyzePaths } from '../engine/analyze.js';
import type { Report, Severity } from '../report/finding.js';
import { atOrAbove, FORMATS, hideRefuted, parseAlsoWrite, VERSION, writeReport, type Format } from './output.js';
import { progressReporter } from './progress.js';
import { commonRoot } from '../report/sarif.js';
import { parseOrExitCode, type CliIO } from './parse.js';

export type { CliIO } from './parse.js';
import { modelCommand } from './model-command.js';
import { patchCommand } from './patch-command.js';
import { mboxCommand } from './mbox-command.js';
import { workerCommand } from './worker-command.js';
import { cacheCommand } from './cache-command.js';

function mergeReports(reports: Report[]): Report {
  return {
    version: 1,
    findings: reports.flatMap((r) => r.findings),
    errors: reports.flatMap((r) => r.errors),
    stats: reports.reduce(
      (a, r) => ({ files: a.files + r.stats.files, lines: a.lines + r.stats.lines, functions: a.functions + r.stats.functions, seconds: a.seconds + r.stats.seconds }),
      { files: 0, lines: 0, functions: 0, seconds: 0 },
    ),
  };
}

/** `--each`: the findings reported in each tree (after config, suppressions and the baseline). */
function treeCounts(trees: { path: string; files: number }[], report: Report): { path: string; files: number; findings: number }[] {
  const inTree = (file: string, root: string): boolean => {
    const f = resolve(file);
    const r = resolve(root);
    return f === r || f.startsWith(r.endsWith(sep) ? r : r + sep);
  };
  return trees.map((t) => ({ ...t, findings: report.findings.filter((f) => inTree(f.file, t.path)).length }));
}

/**
 * The files and defines of the run: PATHs, or a compilation database's files plus the headers
 * under its -I directories inside the database's directory (the project's own headers, whose
 * inline functions are part of the program), with its -D defines and then the command line's.
 * Its -I directories outside the project, like `-I DIR` on the command line, are read for
 * their types only.
 */
function buildInputs(paths: string[], compileCommands: string | undefined, define: string[], include: string[]): { paths: string[]; defines: Record<string, string>; includeDirs: string[] } | { error: string } {
  let db = compileCommands;
  if (!db && paths.length === 1) {
    const found = join(paths[0]!, 'compile_commands.json');
    try {
      if (statSync(paths[0]!).isDirectory() && existsSync(found)) db = found;
    } catch {
      // a missing PATH is reported by the analysis itself
    }
  }
  const defines: Record<string, string> = {};
  const includeDirs = [...include];
  let out = paths;
  if (db) {
    let cdb;
    try {
      cdb = readCompileCommands(db);
    } catch (e) {
      return { error: `cannot use ${db}: ${(e as Error).message}` };
    }
    Object.assign(defines, cdb.defines);
    const seen = new Set(cdb.files);
    const project = resolve(dirname(db));
    const inside = (d: string): boolean => d === project || d.startsWith(project + sep);
    const headers = collectFiles(cdb.includeDirs.filter(inside)).files.filter((f) => f.endsWith('.h') && !seen.has(f));
    out = [...cdb.files, ...new Set(headers)];
    includeDirs.push(...cdb.includeDirs.filter((d) => !inside(d)));
  }
  for (const [k, v] of parseDefines(define)) defines[k] = v;
  return { paths: out, defines, includeDirs };
}

const defaultIO: CliIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  if (argv[2] === 'model') return modelCommand(argv.slice(3), io);
  if (argv[2] === 'patch') return patchCommand(argv.slice(3), io);
  if (argv[2] === 'mbox') return mboxCommand(argv.slice(3), io);
  if (argv[2] === 'worker') return workerCommand(argv.slice(3), io);
  if (argv[2] === 'cache') return cacheCommand(argv.slice(3), io);
  let code = 0;
  const program = new Command();
  program
    .name('lockcheck')
    .description('Static lock analyzer for C kernel and hypervisor code: lock-order inversions, lock balance, memory ordering and lifetime races.')
    .version(VERSION)
    .argument('<paths...>', 'C files or directories (.c and .h, recursively)')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FORMATS]).default('text'))
    .addOption(new Option('--fail-level <level>', 'lowest severity that makes the exit code 1').choices(['error', 'warning', 'note']).default('warning'))
    .option('-j, --jobs <n>', 'worker threads (default: all cores)', (v) => Number.parseInt(v, 10))
    .option('--rules <dir>', 'extra rule tables (YAML) to load; repeatable', collect, [] as string[])
    .option('--rule <id>', 'run only this rule; repeatable', collect, [] as string[])
    .option('--all-rules', 'also run rules that are off by default')
    .option('--disable <rule>', 'do not run this rule (a rule id or a category: lock-order, lock-balance, memory-ordering, lifetime); repeatable', collect, [] as string[])
    .option('--baseline <file>', 'a previous JSON or SARIF report of lockcheck: report only findings not in it (SARIF baselineState)')
    .option('--no-suppress', 'ignore lockcheck-disable-line / lockcheck-disable-next-line comments in the sources')
    .option('-D, --define <name[=value]>', 'a define of the build (CONFIG_X, CONFIG_X=y): #ifdef / #if / IS_ENABLED arms it decides are taken alone; repeatable', collect, [] as string[])
    .option('-I, --include <dir>', 'headers for their types only: structs, typedefs, macros and prototypes under DIR give locks their classes, but no finding is reported in them and their functions are not analysed; repeatable', collect, [] as string[])
    .option('--compile-commands <file>', 'compile_commands.json: analyse the files it compiles (and the headers under its -I directories inside its own directory; those outside are read for their types, like -I) with its -D defines; a compile_commands.json at the root of a given directory is used too')
    .option('--arch <name>', 'in a tree with several architectures, analyse only this build configuration (x86, arm64, or an architecture: arm)')
    .option('--each', 'analyze each PATH as a separate tree (e.g. several sample projects at once); the text output ends with one line per tree')
    .option('--config <file>', 'lockcheck.yml: failLevel, per-rule levels, path include/exclude, rulesDirs (the GitHub App reads the same file)')
    .option('--hide-refuted', 'leave findings the model refuted out of the output and the exit code (default: shown at their severity; lockcheck.yml `refuted: hide`)')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--srcroot <dir>', 'SARIF: file URIs relative to this directory (default: the common directory of the PATHs)')
    .option('--also-write <format:file>', `also write the report in another format to a file (${FORMATS.join(', ')}), e.g. sarif:lockcheck.sarif; repeatable`, collect, [] as string[])
    .option('--no-progress', 'no progress on stderr (shown only on a terminal: the parsing bar, then each later stage)')
    .option('--no-cache', 'parse every file: neither read nor write the per-file facts cache (lockcheck cache --help)')
    .addHelpText('after', '\nModels:\n  lockcheck model --emit FINDING_ID [-o FILE] PATH...   write the extracted model of a finding (TypeScript)\n  lockcheck model run FILE.ts                          run a model file, print the verdict and trace\n' +
      '\nPatches:\n  lockcheck patch FILE|- [--tree DIR] [--all-changes]       findings a patch introduces (see lockcheck patch --help)\n  lockcheck mbox ARCHIVE... [--out FILE] [--resume] ...     every patch of mail archives (see lockcheck mbox --help)\n  lockcheck worker --queue redis://HOST:PORT                runs mbox --queue jobs (see lockcheck worker --help)\n' +
      '\nCache:\n  lockcheck cache [dir|size|clear]                          the per-file facts cache (see lockcheck cache --help)\n')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (paths: string[], o: { format: Format; failLevel: Severity; jobs?: number; rules: string[]; rule: string[]; disable: string[]; baseline?: string; suppress: boolean; allRules?: boolean; define: string[]; include: string[]; compileCommands?: string; arch?: string; each?: boolean; config?: string; output?: string; srcroot?: string; alsoWrite: string[]; progress: boolean; cache: boolean; hideRefuted?: boolean }) => {
      if (o.jobs !== undefined && (!Number.isInteger(o.jobs) || o.jobs < 1)) {
        io.stderr('lockcheck: --jobs takes a whole number of at least 1\n');
        code = 2;
        return;
      }
      const extra = parseAlsoWrite(o.alsoWrite);
      if ('error' in extra) {
        io.stderr(`lockcheck: ${extra.error}\n`);
        code = 2;
        return;
      }
      const ruleOpts = resolveRuleOptions({ ...(o.config ? { config: o.config } : {}), rule: o.rule, disable: o.disable });
      if ('errors' in ruleOpts) {
        for (const e of ruleOpts.errors) io.stderr(`lockcheck: ${e}\n`);
        code = 2;
        return;
      }
      const config: LockcheckConfig | undefined = ruleOpts.config;
      if (config && o.config && program.getOptionValueSource('failLevel') === 'default') o.failLevel = config.failLevel;
      const build = buildInputs(paths, o.compileCommands, o.define, o.include);
      if ('error' in build) {
        io.stderr(`lockcheck: ${build.error}\n`);
        code = 2;
        return;
      }
      const inputPaths = paths;
      paths = build.paths;
      const progress = o.progress ? progressReporter() : undefined;
      const opts = {
        rulesDirs: [...(config?.rulesDirs.map((d) => resolve(dirname(o.config!), d)) ?? []), ...o.rules],
        ...(config ? { ruleLevels: config.rules } : {}),
        ...(o.jobs ? { jobs: o.jobs } : {}),
        only: o.rule,
        allRules: !!o.allRules,
        ...(o.arch ? { arch: o.arch } : {}),
        ...(Object.keys(build.defines).length ? { defines: build.defines } : {}),
        ...(build.includeDirs.length ? { includeDirs: build.includeDirs } : {}),
        ...(progress ? { onProgress: progress.update, onPhase: progress.phase } : {}),
        ...(o.cache ? {} : { cache: false as const }),
      };
      let report: Report;
      const trees: { path: string; files: number }[] = [];
      if (o.each) {
        const parts: Report[] = [];
        for (const p of paths) {
          const part = await analyzePaths([p], opts);
          parts.push(part);
          trees.push({ path: p, files: part.stats.files });
        }
        report = mergeReports(parts);
      } else report = await analyzePaths(paths, opts);
      progress?.stop();
      if (report.stats.cache?.unreadable) io.stderr(`lockcheck: ${report.stats.cache.unreadable} cache entries could not be read; those files were parsed again\n`);
      if (config) report = { ...report, findings: applyConfig(report.findings, config) };
      if (o.suppress) report = applySuppressions(report, (msg) => io.stderr(`lockcheck: ${msg}\n`));
      if (o.baseline) {
        const based = applyBaseline(report, o.baseline);
        if ('error' in based) {
          io.stderr(`lockcheck: --baseline ${o.baseline}: ${based.error}\n`);
          code = 2;
          return;
        }
        report = based.report;
      }
      if (o.hideRefuted || config?.refuted === 'hide') report = hideRefuted(report);
      if (o.each) report = { ...report, stats: { ...report.stats, trees: treeCounts(trees, report) } };
      code = report.stats.files === 0 ? 2 : atOrAbove(report.findings, o.failLevel).length > 0 ? 1 : 0;
      await writeReport(report, o.format, o.output, extra.outputs, io, { srcroot: o.srcroot ?? commonRoot(inputPaths), exitCode: code });
      if (report.stats.files === 0) io.stderr(`lockcheck: nothing could be analyzed${report.errors.length ? ` (${report.errors.map((e) => `${e.file}: ${e.reason}`).join('; ')})` : ''}\n`);
    });
  return (await parseOrExitCode(() => program.parseAsync(argv), io)) ?? code;
}
