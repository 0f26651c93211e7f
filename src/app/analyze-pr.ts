// The default PullRequestAnalyzer: the engine's analyzePaths on the base and head trees,
// keeping the head findings the base does not have (introduced) that touch changed files.
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Finding, Report } from '../report/finding.js';
import { isPathSelected } from '../config/glob.js';
import { locationFreeKey, normalizeError, normalizeFinding } from './normalize.js';
import type { AnalyzerInput, AnalyzerResult, PullRequestAnalyzer } from './types.js';

export type AnalyzePaths = (paths: string[], opts?: { rulesDirs?: string[]; jobs?: number }) => Promise<Report>;

const C_FILE = /\.(c|h)$/;
/** Sibling files are added to the analysis scope while the scope stays this small. */
const SCOPE_LIMIT = 300;

/** Loads `analyzePaths` from `src/engine/analyze.ts` (dist: `engine/analyze.js`). */
export async function loadEngine(): Promise<AnalyzePaths> {
  const spec = '../engine/analyze.js';
  const mod = (await import(spec)) as { analyzePaths?: AnalyzePaths };
  if (typeof mod.analyzePaths !== 'function') throw new Error('src/engine/analyze: analyzePaths is not exported');
  return mod.analyzePaths;
}

async function listCFiles(root: string, dir: string): Promise<string[]> {
  try {
    const entries = await readdir(join(root, dir), { withFileTypes: true });
    return entries.filter((e) => e.isFile() && C_FILE.test(e.name)).map((e) => (dir === '.' ? e.name : `${dir}/${e.name}`));
  } catch {
    return [];
  }
}

/**
 * The files to analyze in one tree: the changed C files plus the other C files of their
 * directories (callers and lock partners usually live next door), while that stays small.
 */
export async function analysisScope(root: string, changed: readonly string[], paths: AnalyzerInput['config']['paths']): Promise<string[]> {
  const present = new Set<string>();
  for (const f of changed) {
    const all = await listCFiles(root, dirname(f));
    if (all.includes(f)) present.add(f);
  }
  const scope = new Set(present);
  for (const dir of new Set([...present].map((f) => dirname(f)))) {
    for (const f of await listCFiles(root, dir)) {
      if (scope.size >= SCOPE_LIMIT) return [...present].sort();
      if (isPathSelected(f, paths)) scope.add(f);
    }
  }
  return [...scope].sort();
}

class DeadlineError extends Error {}

function beforeDeadline<T>(work: Promise<T>, deadlineMs: number): Promise<T> {
  const left = deadlineMs - Date.now();
  if (left <= 0) return Promise.reject(new DeadlineError('time budget spent'));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError('time budget spent')), left);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function withinRoot(root: string, rel: string): string | undefined {
  const abs = resolve(root, rel);
  return abs === root || abs.startsWith(root + sep) ? abs : undefined;
}

export function touchesChanged(f: Finding, changed: ReadonlySet<string>): boolean {
  return changed.has(f.file) || f.witness.some((w) => w.steps.some((s) => changed.has(s.file)));
}

/** Head findings whose id (and location-free identity) the base does not have. */
export function introducedFindings(head: readonly Finding[], base: readonly Finding[], changed: ReadonlySet<string>): Finding[] {
  const baseIds = new Set(base.map((f) => f.id));
  const baseKeys = new Set(base.map(locationFreeKey));
  return head
    .filter((f) => !baseIds.has(f.id) && !baseKeys.has(locationFreeKey(f)) && touchesChanged(f, changed))
    .map((f) => ({ ...f, change: 'introduced' as const }));
}

export function createDefaultAnalyzer(options: { engine?: () => Promise<AnalyzePaths>; jobs?: number } = {}): PullRequestAnalyzer {
  const getEngine = options.engine ?? loadEngine;
  // A re-push keeps the merge base: its findings over the same scope are computed once.
  const baseCache = new Map<string, Finding[]>();
  const BASE_CACHE_SIZE = 32;
  return async (input: AnalyzerInput): Promise<AnalyzerResult> => {
    const { baseDir, headDir, config, deadlineMs } = input;
    const changed = input.changedFiles.filter((f) => C_FILE.test(f) && isPathSelected(f, config.paths));
    if (changed.length === 0) return { findings: [], partial: false, errors: [] };
    const analyzePaths = await getEngine();
    const rulesDirs = config.rulesDirs.map((d) => withinRoot(headDir, d)).filter((d): d is string => d !== undefined);
    const opts = { rulesDirs, ...(options.jobs ? { jobs: options.jobs } : {}) };
    const changedSet = new Set(changed);

    const headScope = await analysisScope(headDir, changed, config.paths);
    let head: Report;
    try {
      head = await beforeDeadline(analyzePaths(headScope.map((f) => join(headDir, f)), opts), deadlineMs);
    } catch (e) {
      if (e instanceof DeadlineError) return { findings: [], partial: true, errors: [] };
      throw e;
    }
    const headFindings = head.findings.map((f) => normalizeFinding(headDir, f));
    const errors = head.errors.map((e) => normalizeError(headDir, e));

    const baseScope = await analysisScope(baseDir, changed, config.paths);
    let baseFindings: Finding[] = [];
    try {
      const key = [baseDir, rulesDirs.join(','), baseScope.join(',')].join('\0');
      const cached = baseCache.get(key);
      if (cached) baseFindings = cached;
      else if (baseScope.length > 0) {
        const base = await beforeDeadline(analyzePaths(baseScope.map((f) => join(baseDir, f)), opts), deadlineMs);
        baseFindings = base.findings.map((f) => normalizeFinding(baseDir, f));
        baseCache.set(key, baseFindings);
        if (baseCache.size > BASE_CACHE_SIZE) baseCache.delete(baseCache.keys().next().value as string);
      }
    } catch (e) {
      if (!(e instanceof DeadlineError)) throw e;
      // No base to compare with: report the head findings on changed files, marked partial.
      return { findings: introducedFindings(headFindings, [], changedSet), partial: true, errors };
    }
    return { findings: introducedFindings(headFindings, baseFindings, changedSet), partial: false, errors };
  };
}

export const analyzePullRequest: PullRequestAnalyzer = createDefaultAnalyzer();
