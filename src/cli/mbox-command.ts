// `lockcheck mbox ARCHIVE...`: the batch runner. Exit 0 when every message was accounted for
// without failure, 1 when some message failed (see the table), 2 on a usage error.
import { existsSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { runBatch } from '../batch/run.js';
import { formatSummary } from '../batch/summary.js';
import { batchProgress } from '../batch/progress.js';
import { parseOrExitCode, type CliIO } from './parse.js';
import { resolveRuleOptions } from './rule-options.js';
import { parseQueueUrl, QueueUnreachableError } from '../queue/connection.js';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

interface MboxOptions {
  tree?: string;
  jobs?: number;
  out?: string;
  resume?: boolean;
  since?: string;
  replyDir?: string;
  bot?: string;
  replyHunkOnly?: boolean;
  allChanges?: boolean;
  rules: string[];
  rule: string[];
  disable: string[];
  config?: string;
  allRules?: boolean;
  confirm: boolean;
  cache: boolean;
  progress: boolean;
  json?: boolean;
  queue?: string;
}

export async function mboxCommand(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const cmd = new Command('lockcheck mbox');
  cmd
    .description('Analyze every patch of mail archives (mbox, .mbox.xz/.gz, public-inbox epochs): one JSON Lines record per message.')
    .argument('<archives...>', 'mbox files (plain, .xz, .gz) or public-inbox epoch directories')
    .option('--tree <dir>', 'git checkout the patches apply to (default: hunk-only analysis, low confidence)')
    .option('-j, --jobs <n>', 'worker threads (default: all cores)', (v) => Number.parseInt(v, 10))
    .option('--out <file>', 'JSON Lines results, one record per message')
    .option('--resume', 'continue an interrupted run: keep the records in --out, skip their messages, append')
    .option('--since <date>', 'skip messages dated before this (recorded as skipped/before-since)')
    .option('--reply-dir <dir>', 'write a reply .eml for each patch with newly introduced findings')
    .option('--reply-hunk-only', 'with --reply-dir: also reply for findings made from the hunks alone (no --tree; low confidence, never mailed as errors)')
    .option('--bot <address>', "reply sender and Reported-by: 'Name <addr>'")
    .option('--all-changes', 'record fixed and pre-existing findings too')
    .option('--rules <dir>', 'extra rule tables (YAML); repeatable', collect, [] as string[])
    .option('--rule <id>', 'run only this rule; repeatable', collect, [] as string[])
    .option('--all-rules', 'also run rules that are off by default')
    .option('--disable <rule>', 'do not run this rule (a rule id or a category); repeatable', collect, [] as string[])
    .option('--config <file>', "lockcheck.yml: rule levels and off (default: the --tree's .github/lockcheck.yml, if any)")
    .option('--no-confirm', 'do not confirm findings with models')
    .option('--no-cache', 'parse every file: neither read nor write the per-file facts cache (lockcheck cache --help)')
    .option('--no-progress', 'no progress output on stderr')
    .option('--json', 'print the summary as JSON')
    .option('--queue <url>', 'redis://HOST:PORT: one queue job per message, run by `lockcheck worker` processes (default: local threads)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (archives: string[], o: MboxOptions) => {
      const bad = (msg: string) => {
        io.stderr(`lockcheck mbox: ${msg}\n`);
        code = 2;
      };
      if (o.jobs !== undefined && (!Number.isInteger(o.jobs) || o.jobs < 1)) return bad('--jobs takes a whole number of at least 1');
      for (const a of archives) if (!existsSync(a)) return bad(`${a}: no such file or directory`);
      if (o.tree && !(existsSync(o.tree) && statSync(o.tree).isDirectory())) return bad(`--tree ${o.tree}: not a directory`);
      if (o.resume && !o.out) return bad('--resume needs --out');
      if (o.replyDir && !o.tree && !o.replyHunkOnly) return bad('--reply-dir needs --tree (findings from the hunks alone are low confidence); add --reply-hunk-only to mail them anyway');
      let since: Date | undefined;
      if (o.since) {
        since = new Date(o.since);
        if (Number.isNaN(since.getTime())) return bad(`--since ${o.since}: not a date`);
      }
      const ruleOpts = resolveRuleOptions({ ...(o.config ? { config: o.config } : {}), ...(o.tree ? { tree: o.tree } : {}), rule: o.rule, disable: o.disable });
      if ('errors' in ruleOpts) return bad(ruleOpts.errors.join('\nlockcheck mbox: '));
      if (o.queue) {
        try {
          parseQueueUrl(o.queue);
        } catch (e) {
          return bad((e as Error).message);
        }
      }
      const res = await runBatch({
        archives,
        settings: {
          ...(o.tree ? { tree: o.tree } : {}),
          allChanges: !!o.allChanges,
          rulesDirs: o.rules,
          only: o.rule,
          allRules: !!o.allRules,
          confirm: o.confirm,
          ...(o.cache ? {} : { cache: false }),
          ...(ruleOpts.config ? { ruleLevels: ruleOpts.config.rules } : {}),
        },
        ...(o.jobs ? { jobs: o.jobs } : {}),
        ...(o.out ? { out: o.out } : {}),
        resume: !!o.resume,
        ...(since ? { since } : {}),
        ...(o.replyDir ? { replyDir: o.replyDir } : {}),
        ...(o.bot ? { bot: o.bot } : {}),
        replyHunkOnly: !!o.replyHunkOnly,
        progress: o.progress ? batchProgress() : false,
        ...(o.queue ? { queue: o.queue } : {}),
      }).catch((e: unknown) => {
        if (e instanceof QueueUnreachableError) return bad(e.message);
        throw e;
      });
      if (!res) return;
      if (res.requeued) io.stderr(`lockcheck mbox: ${res.requeued} job(s) run again after a worker stopped holding them\n`);
      if (res.resumed) io.stderr(`lockcheck mbox: resumed: ${res.resumed} messages were already in ${o.out}${res.truncatedTail ? ' (a partial last line was dropped)' : ''}\n`);
      if (res.replies.length) io.stderr(`lockcheck mbox: ${res.replies.length} replies written to ${o.replyDir}\n`);
      if (res.alreadySent) io.stderr(`lockcheck mbox: ${res.alreadySent} patches already answered (sent.log in ${o.replyDir}): no new reply\n`);
      io.stdout(o.json ? JSON.stringify(res.summary, null, 2) + '\n' : formatSummary(res.summary));
      code = res.summary.failures > 0 ? 1 : 0;
    });
  return (await parseOrExitCode(() => cmd.parseAsync(argv, { from: 'user' }), io)) ?? code;
}
