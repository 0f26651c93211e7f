// One pull request at one head commit: gather inputs, call the pure functions, publish.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Finding } from '../report/finding.js';
import { applyConfig, sortFindings, uniqueById } from '../config/apply.js';
import { annotationFor, checkOutput, conclusionFor, configErrorOutput } from './check-run.js';
import { CONFIG_PATHS, defaultConfig, parseConfig } from '../config/schema.js';
import { unknownRuleNames } from '../config/rule-names.js';
import type { LockcheckConfig } from '../config/schema.js';
import { commentableLinesByFile, hunkLinesByFile, type HunkLines } from './diff-lines.js';
import { applyReviewPlan, completeCheckRun, listOwnReviewComments, listPullRequestFiles, mergeBase, startCheckRun, upsertSummaryComment } from './github.js';
import type { Octokit } from './github.js';
import { markerId, planReview } from './review-plan.js';
import type { PlacedFinding } from './review-plan.js';
import { filterSuppressed } from '../config/suppress.js';
import { octokitTarballDownloader } from './tree-cache.js';
import type { TreeCache } from './tree-cache.js';
import type { AnalyzerResult, PullRequestAnalyzer, PullRequestRef } from './types.js';

/** At most this many new inline comments per run; the rest are in the summary. */
export const MAX_INLINE_COMMENTS = 50;

export interface JobDeps {
  analyzer: PullRequestAnalyzer;
  trees: TreeCache;
  log?: { info: (msg: string) => void; warn: (msg: string) => void };
}

export type JobOutcome =
  | { kind: 'already-published' }
  | { kind: 'bad-config' }
  | { kind: 'published'; findings: number; inline: number; partial: boolean; timings: JobTimings };

/** Milliseconds spent in each phase of a job. */
export interface JobTimings {
  /** Check run start, PR files, merge base. */
  gatherMs: number;
  /** Tarballs fetched (or found in the cache) and extracted. */
  treesMs: number;
  analyzeMs: number;
  publishMs: number;
}

async function readConfig(headDir: string): Promise<{ path: string; text: string } | undefined> {
  for (const path of CONFIG_PATHS) {
    try {
      return { path, text: await readFile(join(headDir, path), 'utf8') };
    } catch {
      // try the next name
    }
  }
  return undefined;
}

/** Runs the analyzer, but returns at the deadline (plus a grace period) with a partial, empty result. */
async function analyzeWithinBudget(analyzer: PullRequestAnalyzer, input: Parameters<PullRequestAnalyzer>[0]): Promise<AnalyzerResult> {
  const graceMs = 2_000;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<AnalyzerResult>((resolve) => {
    timer = setTimeout(() => resolve({ findings: [], partial: true, errors: [] }), Math.max(0, input.deadlineMs - Date.now()) + graceMs);
  });
  try {
    return await Promise.race([analyzer(input), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Where each finding can get an inline comment: on the line the pull request adds or changes
 * (the finding's own line or a witness step on an added line: the step whose edge is new),
 * else on its own line when the diff shows it, else on the first added line of a hunk that
 * shows one of its steps, else on a shown step; a finding the diff does not show at all stays
 * in the summary. At most
 * `MAX_INLINE_COMMENTS`, in publishing order.
 */
export function placeInDiff(findings: readonly Finding[], lines: Map<string, Set<number>>, hunks: Map<string, HunkLines[]> = new Map()): PlacedFinding[] {
  const shown = (file: string, line: number): boolean => lines.get(file)?.has(line) ?? false;
  const hunkOf = (file: string, line: number): HunkLines | undefined => hunks.get(file)?.find((h) => line >= h.start && line <= h.end);
  const added = (file: string, line: number): boolean => hunkOf(file, line)?.added.includes(line) ?? false;
  const placed: PlacedFinding[] = [];
  for (const f of findings) {
    if (placed.length >= MAX_INLINE_COMMENTS) break;
    const spots = [{ file: f.file, line: f.line }, ...f.witness.flatMap((w) => w.steps).map((s) => ({ file: s.file, line: s.line }))];
    const onAdded = spots.find((s) => added(s.file, s.line));
    const own = shown(f.file, f.line) ? spots[0] : undefined;
    const inHunk = onAdded || own ? undefined : spots.map((s) => ({ s, h: hunkOf(s.file, s.line) })).find((x) => x.h && x.h.added.length && shown(x.s.file, x.h.added[0]!));
    const spot = onAdded ?? own ?? (inHunk ? { file: inHunk.s.file, line: inHunk.h!.added[0]! } : spots.find((s) => shown(s.file, s.line)));
    if (spot) placed.push({ finding: f, path: spot.file, line: spot.line });
  }
  return placed;
}

export async function runPullRequestJob(deps: JobDeps, octokit: Octokit, ref: PullRequestRef): Promise<JobOutcome> {
  const startedAt = Date.now();
  const check = await startCheckRun(octokit, ref);
  if (check.kind === 'done') return { kind: 'already-published' };
  const held: string[] = [];
  const mark = { t: startedAt };
  const lap = (): number => {
    const now = Date.now();
    const ms = now - mark.t;
    mark.t = now;
    return ms;
  };
  try {
    const [files, baseSha] = await Promise.all([listPullRequestFiles(octokit, ref), mergeBase(octokit, ref)]);
    const gatherMs = lap();
    const download = octokitTarballDownloader(octokit);
    const [headDir, baseDir] = await Promise.all([
      deps.trees.acquire(ref.owner, ref.repo, ref.headSha, download),
      deps.trees.acquire(ref.owner, ref.repo, baseSha, download),
    ]);
    held.push(headDir, baseDir);
    const treesMs = lap();

    const configFile = await readConfig(headDir);
    let config: LockcheckConfig = defaultConfig();
    if (configFile) {
      const parsed = parseConfig(configFile.text);
      const unknown = parsed.ok ? unknownRuleNames(Object.keys(parsed.config.rules), 'rules:', true).map((message) => ({ message })) : [];
      if (!parsed.ok || unknown.length) {
        const { output, annotations } = configErrorOutput(configFile.path, parsed.ok ? unknown : parsed.errors);
        await completeCheckRun(octokit, ref, check.id, output, annotations, 'failure');
        return { kind: 'bad-config' };
      }
      config = parsed.ok ? parsed.config : config;
    }

    const changedFiles = files.filter((f) => f.status !== 'removed').map((f) => f.filename);
    const result = await analyzeWithinBudget(deps.analyzer, {
      baseDir,
      headDir,
      changedFiles,
      config,
      deadlineMs: startedAt + config.timeBudgetSeconds * 1000,
    });

    const analyzeMs = lap();
    const configured = applyConfig(uniqueById(result.findings), config);
    const { kept, suppressed } = filterSuppressed(configured, (file) => {
      const abs = resolve(headDir, file);
      if (!abs.startsWith(headDir + sep)) return undefined;
      try {
        return readFileSync(abs, 'utf8');
      } catch {
        return undefined;
      }
    });
    const findings = sortFindings(kept);

    const inDiff = placeInDiff(findings, commentableLinesByFile(files), hunkLinesByFile(files));
    const existing = await listOwnReviewComments(octokit, ref);
    const plan = planReview(inDiff, new Set(findings.map((f) => f.id)), existing, ref.headSha);
    const review = await applyReviewPlan(octokit, ref, plan);
    if (review.rejected) deps.log?.warn(`review rejected for ${ref.owner}/${ref.repo}#${ref.number}: ${review.rejected}`);
    const failed = new Set(plan.create.filter((c) => !review.posted.has(c.id)).map((c) => c.id));
    const inlineIds = new Set(inDiff.filter((p) => !failed.has(markerId(p.finding.id))).map((p) => p.finding.id));

    const output = checkOutput({
      findings,
      inlineIds,
      partial: result.partial,
      errors: result.errors,
      suppressed: suppressed.length,
      failLevel: config.failLevel,
      timeBudgetSeconds: config.timeBudgetSeconds,
      analyzedFiles: changedFiles.length,
    });
    await completeCheckRun(octokit, ref, check.id, output, findings.map(annotationFor), conclusionFor(config.refuted === 'hide' ? findings.filter((f) => f.confirmation.status !== 'refuted') : findings, config.failLevel, result.partial));

    const summary = `### lockcheck at ${ref.headSha.slice(0, 12)}: ${output.title}\n\n${output.summary}`;
    await upsertSummaryComment(octokit, ref, summary, findings.length === 0 && !result.partial);
    const timings: JobTimings = { gatherMs, treesMs, analyzeMs, publishMs: lap() };
    deps.log?.info(`${ref.owner}/${ref.repo}#${ref.number}: ${findings.length} finding(s); ms: ${JSON.stringify(timings)}`);
    return { kind: 'published', findings: findings.length, inline: inlineIds.size, partial: result.partial, timings };
  } catch (e) {
    // Say so on the check run rather than leaving it spinning; the queue logs and forgets the head.
    const message = e instanceof Error ? e.message : String(e);
    await completeCheckRun(octokit, ref, check.id, { title: 'lockcheck could not analyze this pull request', summary: `Internal error:\n\n\`\`\`text\n${message.slice(0, 60_000)}\n\`\`\`` }, [], 'neutral').catch(() => undefined);
    throw e;
  } finally {
    for (const dir of held) deps.trees.release(dir);
  }
}
