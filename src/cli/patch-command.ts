// `lockcheck patch FILE|-`: one patch (format-patch mail, .eml, plain diff, web-archive page)
// or an mbox of a series, analyzed differentially: with `--tree DIR` against the exact
// pre-images from that git checkout, else from the hunks alone (low confidence). Prints the
// CLI's text/JSON/SARIF contract; exit 0 clean, 1 findings at or above the fail level, 2 when
// no patch could be analyzed or on a usage error.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { applyConfig } from '../config/apply.js';
import { dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { recordFromIngest, type AnalysisSettings } from '../batch/job.js';
import type { MessageRecord } from '../batch/record.js';
import { ingestPath, ingestText } from '../mail/ingest-path.js';
import type { IngestResult } from '../mail/types.js';
import { isGitCheckout } from '../patch/git.js';
import { SENT_LOG, writeReplies } from '../reply/write.js';
import type { Finding, InputError, Report, Severity } from '../report/finding.js';
import { atOrAbove, FORMATS, hideRefuted, parseAlsoWrite, writeReport, type Format } from './output.js';
import { parseOrExitCode, type CliIO } from './parse.js';
import { resolveRuleOptions } from './rule-options.js';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export interface PatchCommandOptions {
  format: Format;
  failLevel: Severity;
  hideRefuted?: boolean;
  tree?: string;
  allChanges?: boolean;
  rules: string[];
  rule: string[];
  disable: string[];
  config?: string;
  allRules?: boolean;
  confirm: boolean;
  cache: boolean;
  output?: string;
  alsoWrite: string[];
  replyDir?: string;
  replyHunkOnly?: boolean;
  bot?: string;
}

async function* inputs(file: string, readStdin: () => Buffer): AsyncGenerator<IngestResult> {
  if (file === '-') yield* ingestText(readStdin(), 'stdin');
  else yield* ingestPath(file);
}

export async function patchCommand(argv: string[], io: CliIO, readStdin: () => Buffer = () => readFileSync(0)): Promise<number> {
  let code = 0;
  const cmd = new Command('lockcheck patch');
  cmd
    .description('Analyze a patch (format-patch mail, .eml, plain diff, mail-archive page, or an mbox of a series): findings it introduces.')
    .argument('<file>', "the patch, or '-' for stdin")
    .option('--tree <dir>', 'git checkout the patch applies to: exact pre-images and interprocedural context')
    .option('--all-changes', 'also show fixed and pre-existing findings (default: introduced only)')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FORMATS]).default('text'))
    .addOption(new Option('--fail-level <level>', 'lowest severity that makes the exit code 1').choices(['error', 'warning', 'note']).default('warning'))
    .option('--rules <dir>', 'extra rule tables (YAML); repeatable', collect, [] as string[])
    .option('--rule <id>', 'run only this rule; repeatable', collect, [] as string[])
    .option('--all-rules', 'also run rules that are off by default')
    .option('--disable <rule>', 'do not run this rule (a rule id or a category); repeatable', collect, [] as string[])
    .option('--config <file>', "lockcheck.yml (default: the --tree's .github/lockcheck.yml, if any)")
    .option('--no-confirm', 'do not confirm findings with models')
    .option('--no-cache', 'parse every file: neither read nor write the per-file facts cache (lockcheck cache --help)')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--also-write <format:file>', 'also write the report in another format to a file (e.g. sarif:lockcheck.sarif); repeatable', collect, [] as string[])
    .option('--hide-refuted', 'leave findings the model refuted out of the output and the exit code')
    .option('--reply-dir <dir>', 'write a reply .eml for each patch with introduced findings')
    .option('--reply-hunk-only', 'with --reply-dir: also reply for findings made from the hunks alone (no --tree; low confidence, never mailed as errors)')
    .option('--bot <address>', "reply sender and Reported-by: 'Name <addr>'")
    .option('--no-progress', 'accepted for symmetry with the main command')
    .option('-j, --jobs <n>', 'accepted like the main command\'s (a patch and its context are analysed on one thread)', (v) => Number.parseInt(v, 10))
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (file: string, o: PatchCommandOptions) => {
      const extra = parseAlsoWrite(o.alsoWrite);
      if ('error' in extra) {
        io.stderr(`lockcheck patch: ${extra.error}\n`);
        code = 2;
        return;
      }
      if (o.tree) {
        try {
          if (!statSync(o.tree).isDirectory()) throw new Error('not a directory');
        } catch {
          io.stderr(`lockcheck patch: --tree ${o.tree}: not a directory\n`);
          code = 2;
          return;
        }
        if (!isGitCheckout(o.tree)) io.stderr(`lockcheck patch: --tree ${o.tree} is not a git checkout: pre-images come from its files (fuzzy apply)\n`);
      }
      if (file !== '-') {
        try {
          statSync(file);
        } catch {
          io.stderr(`lockcheck patch: ${file}: no such file\n`);
          code = 2;
          return;
        }
      }
      if (o.replyDir && !o.tree && !o.replyHunkOnly) {
        io.stderr('lockcheck patch: --reply-dir needs --tree (findings from the hunks alone are low confidence); add --reply-hunk-only to mail them anyway\n');
        code = 2;
        return;
      }
      const ruleOpts = resolveRuleOptions({ ...(o.config ? { config: o.config } : {}), ...(o.tree ? { tree: o.tree } : {}), rule: o.rule, disable: o.disable });
      if ('errors' in ruleOpts) {
        for (const e of ruleOpts.errors) io.stderr(`lockcheck patch: ${e}\n`);
        code = 2;
        return;
      }
      const config = ruleOpts.config;
      if (ruleOpts.configFile && !o.config) io.stderr(`lockcheck patch: using ${ruleOpts.configFile}\n`);
      if (config && ruleOpts.configFile && cmd.getOptionValueSource('failLevel') === 'default') o.failLevel = config.failLevel;
      const settings: AnalysisSettings = {
        ...(config ? { ruleLevels: config.rules } : {}),
        ...(o.tree ? { tree: o.tree } : {}),
        allChanges: !!o.allChanges,
        rulesDirs: [...(config?.rulesDirs.map((d) => resolve(dirname(o.config!), d)) ?? []), ...o.rules],
        only: o.rule,
        allRules: !!o.allRules,
        confirm: o.confirm,
        ...(o.cache ? {} : { cache: false }),
        // One patch: no need for the batch's fast path.
        apiPrefilter: false,
      };
      const records: MessageRecord[] = [];
      const overlay = new Map<string, string>(); // a series: later patches apply on earlier ones
      let i = 0;
      for await (const r of inputs(file, readStdin)) records.push(recordFromIngest(r, settings, file, i++, o.tree ? overlay : undefined));
      const analyzed = records.filter((r) => r.status === 'analyzed');
      const errors: InputError[] = [];
      for (const r of records) {
        if (r.status === 'failed') errors.push({ file: r.messageId || file, reason: `${r.reason}${r.detail ? `: ${r.detail}` : ''}` });
        for (const w of r.warnings ?? []) io.stderr(`lockcheck patch: ${r.subject || r.messageId}: ${w}\n`);
        if (r.status === 'analyzed' && r.reason) io.stderr(`lockcheck patch: ${r.subject || r.messageId}: ${r.reason}: analyzed from the hunks only, without the tree\n`);
      }
      const findings: Finding[] = analyzed.flatMap((r) => r.findings);
      let report: Report = {
        version: 1,
        findings,
        errors,
        stats: analyzed.reduce(
          (a, r) => ({ files: a.files + (r.stats?.files ?? 0), lines: a.lines + (r.stats?.lines ?? 0), functions: a.functions + (r.stats?.functions ?? 0), seconds: a.seconds + (r.stats?.seconds ?? 0) }),
          { files: 0, lines: 0, functions: 0, seconds: 0 },
        ),
      };
      const notes = analyzed.flatMap((r) => (r.stats?.notes ?? []).map((n) => (analyzed.length > 1 ? `${r.subject || r.messageId}: ${n}` : n)));
      if (notes.length) report.stats.notes = notes;
      const withContext = analyzed.filter((r) => r.stats?.context);
      if (withContext.length) {
        const counts: Record<string, number> = {};
        for (const r of withContext) for (const [k, n] of Object.entries(r.stats!.context!.counts)) counts[k] = (counts[k] ?? 0) + n;
        const truncated = withContext.flatMap((r) => r.stats!.context!.truncated.map((t) => (withContext.length > 1 ? `${r.subject || r.messageId}: ${t}` : t)));
        report.stats.context = { files: withContext.reduce((n, r) => n + r.stats!.context!.files, 0), counts, truncated };
      }
      const cached = analyzed.filter((r) => r.stats?.cache);
      if (cached.length) {
        const unreadable = cached.reduce((n, r) => n + (r.stats!.cache!.unreadable ?? 0), 0);
        report.stats.cache = { hits: cached.reduce((n, r) => n + r.stats!.cache!.hits, 0), misses: cached.reduce((n, r) => n + r.stats!.cache!.misses, 0), ...(unreadable ? { unreadable } : {}) };
      }
      if (config) report = { ...report, findings: applyConfig(report.findings, config) };
      if (o.hideRefuted || config?.refuted === 'hide') report = hideRefuted(report);
      await writeReport(report, o.format, o.output, extra.outputs, io);
      if (o.replyDir) {
        const w = writeReplies(analyzed, o.replyDir, { ...(o.bot ? { bot: o.bot } : {}), hunkOnly: !!o.replyHunkOnly });
        for (const path of w.written) io.stderr(`lockcheck patch: reply written to ${path}\n`);
        for (const id of w.alreadySent) io.stderr(`lockcheck patch: ${id}: already answered (${join(o.replyDir, SENT_LOG)}), no new reply\n`);
      }
      if (analyzed.length === 0 && !records.some((r) => r.status === 'skipped')) {
        const why = records.map((r) => `${r.status}${r.reason ? ` (${r.reason})` : ''}`).join(', ') || 'empty input';
        io.stderr(`lockcheck patch: no patch could be analyzed: ${why}\n`);
        code = 2;
        return;
      }
      // Only what the patch introduces fails the run; fixed and pre-existing findings are shown with --all-changes.
      const by = (c: string) => report.findings.filter((f) => (f.change ?? 'introduced') === c);
      if (o.allChanges) io.stderr(`lockcheck patch: ${by('introduced').length} introduced, ${by('fixed').length} fixed, ${by('pre-existing').length} pre-existing\n`);
      code = atOrAbove(by('introduced'), o.failLevel).length > 0 ? 1 : 0;
    });
  return (await parseOrExitCode(() => cmd.parseAsync(argv, { from: 'user' }), io)) ?? code;
}
