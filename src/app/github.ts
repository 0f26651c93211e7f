// The GitHub REST calls the App makes, each a small function over an Octokit instance.
import type { ProbotOctokit } from 'probot';
import type { Annotation, CheckOutput, Conclusion } from './check-run.js';
import { ANNOTATIONS_PER_CALL, CHECK_NAME, batches } from './check-run.js';
import { fingerprintOf, SUMMARY_MARKER } from './review-plan.js';
import type { ExistingComment, ReviewPlan } from './review-plan.js';
import type { PullRequestFile, PullRequestRef } from './types.js';

export type Octokit = InstanceType<typeof ProbotOctokit>;

export async function listPullRequestFiles(octokit: Octokit, ref: PullRequestRef): Promise<PullRequestFile[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: 100 });
  return files.map((f) => ({ filename: f.filename, status: f.status, ...(f.patch !== undefined ? { patch: f.patch } : {}) }));
}

/** The merge base of the pull request (what its diff is against); the base SHA if the compare fails. */
export async function mergeBase(octokit: Octokit, ref: PullRequestRef): Promise<string> {
  try {
    const res = await octokit.rest.repos.compareCommitsWithBasehead({ owner: ref.owner, repo: ref.repo, basehead: `${ref.baseSha}...${ref.headSha}`, per_page: 1 });
    return res.data.merge_base_commit?.sha ?? ref.baseSha;
  } catch {
    return ref.baseSha;
  }
}

export type CheckRunStart = { kind: 'new' | 'reused'; id: number } | { kind: 'done'; id: number };

/**
 * The check run for this head commit: reuses our own run if it has no annotations yet, says
 * `done` if one already completed (nothing to redo), else creates one in progress.
 */
export async function startCheckRun(octokit: Octokit, ref: PullRequestRef): Promise<CheckRunStart> {
  const existing = await octokit.rest.checks.listForRef({ owner: ref.owner, repo: ref.repo, ref: ref.headSha, check_name: CHECK_NAME, filter: 'latest', per_page: 100 });
  const ours = existing.data.check_runs.filter((r) => r.head_sha === ref.headSha && r.name === CHECK_NAME);
  const completed = ours.find((r) => r.status === 'completed');
  if (completed) return { kind: 'done', id: completed.id };
  const fresh = ours.find((r) => (r.output?.annotations_count ?? 0) === 0);
  if (fresh) return { kind: 'reused', id: fresh.id };
  for (const stale of ours) {
    await octokit.rest.checks.update({ owner: ref.owner, repo: ref.repo, check_run_id: stale.id, status: 'completed', conclusion: 'cancelled', output: { title: 'Superseded', summary: 'A newer lockcheck run replaced this one.' } });
  }
  const created = await octokit.rest.checks.create({
    owner: ref.owner,
    repo: ref.repo,
    name: CHECK_NAME,
    head_sha: ref.headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    output: { title: 'Analyzing', summary: 'lockcheck is analyzing this pull request.' },
  });
  return { kind: 'new', id: created.data.id };
}

/** Completes the check run; annotations go in batches of at most 50 per update call. */
export async function completeCheckRun(octokit: Octokit, ref: PullRequestRef, checkRunId: number, output: CheckOutput, annotations: readonly Annotation[], conclusion: Conclusion): Promise<void> {
  const groups = batches(annotations, ANNOTATIONS_PER_CALL);
  if (groups.length === 0) groups.push([]);
  for (let i = 0; i < groups.length; i++) {
    const last = i === groups.length - 1;
    await octokit.rest.checks.update({
      owner: ref.owner,
      repo: ref.repo,
      check_run_id: checkRunId,
      output: { ...output, ...(groups[i]!.length > 0 ? { annotations: groups[i]! } : {}) },
      ...(last ? { status: 'completed' as const, conclusion, completed_at: new Date().toISOString() } : {}),
    });
  }
}

function isBot(user: { type?: string } | null | undefined): boolean {
  return user?.type === 'Bot';
}

/** The bot's own review comments (those carrying a `<!-- lockcheck:ID -->` fingerprint). */
export async function listOwnReviewComments(octokit: Octokit, ref: PullRequestRef): Promise<ExistingComment[]> {
  const all = await octokit.paginate(octokit.rest.pulls.listReviewComments, { owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: 100 });
  return all.filter((c) => isBot(c.user) && fingerprintOf(c.body) !== undefined).map((c) => ({ id: c.id, body: c.body }));
}

export interface ReviewOutcome {
  /** Ids of the findings that now have a live inline comment. */
  posted: Set<string>;
  /** Set when GitHub refused the review (then the findings stay in the summary only). */
  rejected?: string;
}

export async function applyReviewPlan(octokit: Octokit, ref: PullRequestRef, plan: ReviewPlan): Promise<ReviewOutcome> {
  const outcome: ReviewOutcome = { posted: new Set() };
  if (plan.create.length > 0) {
    try {
      await octokit.rest.pulls.createReview({
        owner: ref.owner,
        repo: ref.repo,
        pull_number: ref.number,
        commit_id: ref.headSha,
        event: 'COMMENT',
        body: `lockcheck found ${plan.create.length} new lock issue${plan.create.length === 1 ? '' : 's'} in this diff.`,
        comments: plan.create.map((c) => ({ path: c.path, line: c.line, side: 'RIGHT' as const, body: c.body })),
      });
      for (const c of plan.create) outcome.posted.add(c.id);
    } catch (e) {
      if ((e as { status?: number }).status !== 422) throw e;
      outcome.rejected = (e as Error).message;
    }
  }
  for (const u of plan.update) {
    await octokit.rest.pulls.updateReviewComment({ owner: ref.owner, repo: ref.repo, comment_id: u.commentId, body: u.body });
    if (u.reason !== 'resolved') outcome.posted.add(u.id);
  }
  for (const r of plan.remove) {
    await octokit.rest.pulls.deleteReviewComment({ owner: ref.owner, repo: ref.repo, comment_id: r.commentId });
  }
  return outcome;
}

/** Creates or edits the one summary comment; with `body` undefined, only edits an existing one. */
export async function upsertSummaryComment(octokit: Octokit, ref: PullRequestRef, body: string, onlyIfExists: boolean): Promise<'created' | 'updated' | 'unchanged' | 'skipped'> {
  const all = await octokit.paginate(octokit.rest.issues.listComments, { owner: ref.owner, repo: ref.repo, issue_number: ref.number, per_page: 100 });
  const own = all.find((c) => isBot(c.user) && (c.body ?? '').includes(SUMMARY_MARKER));
  const full = `${SUMMARY_MARKER}\n${body}`.slice(0, 65_535);
  if (own) {
    if (own.body === full) return 'unchanged';
    await octokit.rest.issues.updateComment({ owner: ref.owner, repo: ref.repo, comment_id: own.id, body: full });
    return 'updated';
  }
  if (onlyIfExists) return 'skipped';
  await octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: ref.number, body: full });
  return 'created';
}
