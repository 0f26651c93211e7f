// Which review comments to create, edit or delete so that a re-push updates the bot's earlier
// comments instead of repeating them. Pure: works on comment bodies and findings.
import type { Finding } from '../report/finding.js';
import { codeBlock, confirmationLabel, escapeMarkdown, renderEvidence } from './render.js';

export const SUMMARY_MARKER = '<!-- lockcheck:summary -->';
const RESOLVED_MARKER = '<!-- lockcheck-resolved -->';
const ID_MARKER = /<!-- lockcheck:([^\s>]+) -->/;

/** The form of a finding id that is safe inside an HTML comment. */
export function markerId(id: string): string {
  return id.replace(/[^\w.:/+=-]/g, '_').replace(/--+/g, '-');
}

export function fingerprintMarker(id: string): string {
  return `<!-- lockcheck:${markerId(id)} -->`;
}

/** The finding id a comment body carries, or undefined for anyone else's comment (or the summary). */
export function fingerprintOf(body: string | null | undefined): string | undefined {
  const m = body ? ID_MARKER.exec(body) : null;
  if (!m || m[1] === 'summary') return undefined;
  return m[1];
}

export function isResolvedBody(body: string): boolean {
  return body.includes(RESOLVED_MARKER);
}

export function commentBody(f: Finding): string {
  const evidence = renderEvidence(f);
  const parts = [
    fingerprintMarker(f.id),
    `**lockcheck** \`${f.rule}\` (${f.severity}) in \`${f.function}()\`: ${escapeMarkdown(f.message)}`,
    '',
    `_${confirmationLabel(f)}_`,
  ];
  if (evidence) parts.push('', '<details><summary>Witness</summary>', '', codeBlock(evidence), '', '</details>');
  return parts.join('\n').slice(0, 65_000);
}

export function resolvedBody(previous: string, id: string, headSha: string): string {
  const firstLine = previous.split('\n').find((l) => l.startsWith('**lockcheck**')) ?? '**lockcheck** finding';
  return [fingerprintMarker(id), RESOLVED_MARKER, `~~${firstLine.replace(/~~/g, '')}~~`, '', `Resolved: no longer reported at ${headSha.slice(0, 12)}.`].join('\n');
}

export interface ExistingComment {
  id: number;
  body: string;
}

export interface PlacedFinding {
  finding: Finding;
  path: string;
  line: number;
}

export interface ReviewPlan {
  create: { path: string; line: number; body: string; id: string }[];
  update: { commentId: number; body: string; id: string; reason: 'changed' | 'resolved' | 'reopened' }[];
  remove: { commentId: number; id: string }[];
}

/**
 * @param inDiff   findings that sit on a commentable line of the diff
 * @param present  ids of every finding introduced at this head (in or out of the diff)
 * @param existing the bot's own review comments already on the pull request
 */
export function planReview(inDiff: readonly PlacedFinding[], present: ReadonlySet<string>, existing: readonly ExistingComment[], headSha: string): ReviewPlan {
  const plan: ReviewPlan = { create: [], update: [], remove: [] };
  const byId = new Map<string, ExistingComment>();
  for (const c of existing) {
    const id = fingerprintOf(c.body);
    if (id === undefined) continue;
    if (byId.has(id)) plan.remove.push({ commentId: c.id, id }); // a duplicate: keep the first only
    else byId.set(id, c);
  }
  const presentMarked = new Set([...present].map(markerId));
  for (const p of inDiff) {
    const id = markerId(p.finding.id);
    const body = commentBody(p.finding);
    const old = byId.get(id);
    if (!old) plan.create.push({ path: p.path, line: p.line, body, id });
    else if (isResolvedBody(old.body)) plan.update.push({ commentId: old.id, body, id, reason: 'reopened' });
    else if (old.body !== body) plan.update.push({ commentId: old.id, body, id, reason: 'changed' });
  }
  for (const [id, c] of byId) {
    if (presentMarked.has(id) || isResolvedBody(c.body)) continue;
    plan.update.push({ commentId: c.id, body: resolvedBody(c.body, id, headSha), id, reason: 'resolved' });
  }
  return plan;
}
