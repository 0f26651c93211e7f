// One patch through the engine, both sides: with a tree (`--tree DIR`), the exact pre-image of
// every touched C file and the post-image the patch makes of it, each analyzed with the tree's
// context files; without a tree, only the code the hunks show (low confidence). Findings are
// classified introduced / fixed / pre-existing and carry the patch's messageId and subject.
import { join } from 'node:path';
import { analyzeSources, type AnalyzeOptions, type FactsCache } from '../engine/analyze.js';
import { isCSource, readSource } from '../ingest/files.js';
import { loadRules, type RuleSet } from '../rules/load.js';
import type { Finding, InputError, RunStats } from '../report/finding.js';
import type { DiffFile } from './diff.js';
import { baseCommitOf, blobIdsByPath } from './blob-ids.js';
import { classifyFindings, selectChanges, touches, type Classified } from './differential.js';
import { fragmentImageWithLines } from './fragments.js';
import { patchShape } from './patch-shape.js';
import { unseenOnPath, wholeFunctions, type FileView } from './unseen.js';
import { hunkForFinding } from './hunk-quote.js';
import { resolveImages, type FileImages, type PreimageSource } from './preimage.js';
import { DEFAULT_CONTEXT_LIMITS, selectContext, type ContextLimits, type TreeContext } from './tree-context.js';

/** The part of a patch mail the analysis needs (a `PatchMessage` has all of it). */
export interface PatchInput {
  messageId: string;
  subject: string;
  diffText: string;
  files: DiffFile[];
  /** Whole mail text or body, to find a `base-commit:` trailer. */
  body?: string;
}

export interface PatchAnalysisOptions {
  /** A git checkout the patch applies to. */
  tree?: string;
  /** Report fixed and pre-existing findings too (default: introduced only). */
  allChanges?: boolean;
  analyze?: Omit<AnalyzeOptions, 'postProcess' | 'onProgress'>;
  /** Post-images of earlier patches of the same series (updated with this patch's). */
  overlay?: Map<string, string>;
  contextLimits?: ContextLimits;
  /**
   * Without a tree, skip the engine when the hunks name no API of the rule tables (lock,
   * atomic, barrier, once, free, hand-off, deferred-work functions): nothing for a checker to
   * start from. Default true; verified on the kvmarm archive to lose no finding (docs/patches.md).
   */
  apiPrefilter?: boolean;
}

export interface PreimageUse {
  path: string;
  source: PreimageSource | 'hunks';
  applied: string[];
}

export interface PatchAnalysis {
  mode: 'tree' | 'no-tree';
  /** What is shown: introduced findings, or every change with `allChanges`. */
  findings: Finding[];
  classified: Classified;
  errors: InputError[];
  stats: RunStats;
  preimages: PreimageUse[];
  /** Set when there was nothing to analyze (`no-c-files`) or a tree-mode fallback happened. */
  reason?: string;
  warnings: string[];
  /** What was not analyzed and why (`hunk at line 580 not analyzed: no function signature`). */
  notes?: string[];
  context?: TreeContext['counts'];
}

const apiNames = new WeakMap<RuleSet, Set<string>>();

/** The names of the rule tables' functions (lock, atomic, barrier, once, free, hand-off, deferred-work APIs). */
export function ruleApiNames(rules: RuleSet): Set<string> {
  let names = apiNames.get(rules);
  if (!names) {
    names = new Set<string>();
    for (const m of [rules.locks, rules.atomics, rules.barriers, rules.once, rules.frees, rules.handoffs, rules.deferred]) for (const k of m.keys()) names.add(k);
    apiNames.set(rules, names);
  }
  return names;
}

/** Does the text call or name any function of the rule tables? */
export function namesRuleApi(text: string, rules: RuleSet): boolean {
  const names = ruleApiNames(rules);
  for (const m of text.matchAll(/[A-Za-z_]\w*/g)) if (names.has(m[0])) return true;
  return false;
}

const BALANCE_RULES = new Set(['lock-leak', 'double-unlock']);

const LOW_CONFIDENCE = ' (low confidence: analyzed from the patch hunks only, without the tree)';

function cFiles(files: DiffFile[]): DiffFile[] {
  return files.filter((f) => !f.binary && (isCSource(f.path) || (f.oldPath !== null && isCSource(f.oldPath))) && f.hunks.length > 0);
}

function decorate(f: Finding, p: PatchInput, low: boolean): Finding {
  const extra: Record<string, unknown> = { ...(f.extra ?? {}), messageId: p.messageId, subject: p.subject };
  if (low) extra.confidence = 'low';
  return { ...f, message: low && !f.message.endsWith(LOW_CONFIDENCE) ? f.message + LOW_CONFIDENCE : f.message, extra };
}

function sumStats(a: RunStats, b: RunStats): RunStats {
  const cache = a.cache || b.cache ? { hits: (a.cache?.hits ?? 0) + (b.cache?.hits ?? 0), misses: (a.cache?.misses ?? 0) + (b.cache?.misses ?? 0) } : undefined;
  const unreadable = (a.cache?.unreadable ?? 0) + (b.cache?.unreadable ?? 0);
  return {
    files: Math.max(a.files, b.files),
    lines: Math.max(a.lines, b.lines),
    functions: Math.max(a.functions, b.functions),
    seconds: a.seconds + b.seconds,
    ...(cache ? { cache: { ...cache, ...(unreadable ? { unreadable } : {}) } } : {}),
  };
}

const EMPTY_STATS: RunStats = { files: 0, lines: 0, functions: 0, seconds: 0 };

function finish(p: PatchInput, pre: Finding[], post: Finding[], touched: Set<string>, low: boolean, opts: PatchAnalysisOptions): { findings: Finding[]; classified: Classified } {
  const c = classifyFindings(pre, post, touched, patchShape(p.files));
  const d = (fs: Finding[]) => fs.map((f) => decorate(f, p, low));
  // Introduced findings keep the hunk they are about (for replies quoting it).
  const withHunk = (f: Finding): Finding => {
    const hunk = hunkForFinding(f, p.files);
    return hunk ? { ...f, extra: { ...f.extra, hunk } } : f;
  };
  const classified = { introduced: d(c.introduced).map(withHunk), fixed: d(c.fixed), preExisting: d(c.preExisting) };
  return { findings: selectChanges(classified, !!opts.allChanges), classified };
}

/** Without a tree: the hunks' code, both sides. */
export function analyzePatchNoTree(p: PatchInput, opts: PatchAnalysisOptions = {}): PatchAnalysis {
  const files = cFiles(p.files);
  const warnings: string[] = [];
  if (files.length === 0) {
    return { mode: 'no-tree', findings: [], classified: { introduced: [], fixed: [], preExisting: [] }, errors: [], stats: EMPTY_STATS, preimages: [], reason: 'no-c-files', warnings };
  }
  const pre: { path: string; text: string }[] = [];
  const post: { path: string; text: string }[] = [];
  const touched = new Set<string>();
  const viewPre = new Map<string, FileView>();
  const viewPost = new Map<string, FileView>();
  const notes: string[] = [];
  for (const f of files) {
    const prePath = f.oldPath ?? f.path;
    const postPath = f.newPath ?? f.path;
    touched.add(prePath).add(postPath);
    const a = fragmentImageWithLines(f, 'pre');
    const b = fragmentImageWithLines(f, 'post');
    if (a.text) pre.push({ path: prePath, text: a.text });
    if (b.text) post.push({ path: postPath, text: b.text });
    viewPre.set(prePath, { lines: a.text.split('\n'), shown: a.shown, synthetic: a.synthetic });
    viewPost.set(postPath, { lines: b.text.split('\n'), shown: b.shown, synthetic: b.synthetic });
    for (const n of b.text || f.status !== 'deleted' ? b.notes : a.notes) notes.push(`${postPath}: ${n}`);
  }
  const aOpts = opts.analyze ?? {};
  const rules = aOpts.rules ?? loadRules(aOpts.rulesDirs ?? []);
  if (opts.apiPrefilter !== false && ![...pre, ...post].some((f) => namesRuleApi(f.text, rules))) {
    return { mode: 'no-tree', findings: [], classified: { introduced: [], fixed: [], preExisting: [] }, errors: [], stats: EMPTY_STATS, preimages: [], reason: 'no-lock-api', warnings, notes };
  }
  const rPost = post.length ? analyzeSources(post, aOpts) : null;
  // Introduced-only runs need the pre-image only to classify post-image findings.
  const needPre = !!opts.allChanges || (rPost?.findings.some((f) => touches(f, touched)) ?? false);
  const rPre = pre.length && needPre ? analyzeSources(pre, aOpts) : null;
  // A function end we made up (the closing brace after a hunk) is not a real return, and a path
  // through code the hunks do not show proves nothing: lock balance findings resting on either
  // are artifacts of the fragments.
  const api = ruleApiNames(rules);
  const real = (views: Map<string, FileView>) => {
    const whole = wholeFunctions(views.values());
    return (f: Finding): boolean => {
      const synth = (file: string, line: number): boolean => !!views.get(file)?.synthetic.has(line);
      if (BALANCE_RULES.has(f.rule) && (synth(f.file, f.line) || f.witness.some((w) => w.steps.some((st) => synth(st.file, st.line))))) return false;
      return unseenOnPath(f, views, api, whole) === null;
    };
  };
  const { findings, classified } = finish(p, (rPre?.findings ?? []).filter(real(viewPre)), (rPost?.findings ?? []).filter(real(viewPost)), touched, true, opts);
  return {
    mode: 'no-tree',
    findings,
    classified,
    errors: [...(rPre?.errors ?? []), ...(rPost?.errors ?? [])],
    stats: sumStats(rPre?.stats ?? EMPTY_STATS, rPost?.stats ?? EMPTY_STATS),
    preimages: files.map((f) => ({ path: f.path, source: 'hunks' as const, applied: [] })),
    warnings,
    notes,
  };
}

/** With a tree: exact images, tree context, differential. Falls back to the hunks when the patch does not apply. */
export function analyzePatchWithTree(p: PatchInput, tree: string, opts: PatchAnalysisOptions = {}): PatchAnalysis {
  const files = cFiles(p.files);
  if (files.length === 0) {
    return { mode: 'tree', findings: [], classified: { introduced: [], fixed: [], preExisting: [] }, errors: [], stats: EMPTY_STATS, preimages: [], reason: 'no-c-files', warnings: [] };
  }
  const blobs = blobIdsByPath(p.diffText);
  const baseCommit = baseCommitOf(p.body ?? '') ?? baseCommitOf(p.diffText);
  const images: FileImages[] = [];
  for (const f of files) {
    const r = resolveImages(f, { tree, blobs, baseCommit, ...(opts.overlay ? { overlay: opts.overlay } : {}) });
    if (!r.ok) {
      const fb = analyzePatchNoTree(p, opts);
      return { ...fb, reason: r.reason, warnings: [...fb.warnings, `${r.detail}; analyzed from the hunks only, without the tree`] };
    }
    images.push(r.images);
  }
  const touched = new Set<string>();
  const texts = new Map<string, string[]>();
  for (const im of images) {
    for (const [path, text] of [[im.prePath, im.pre], [im.postPath, im.post]] as const) {
      if (path === null || text === null) continue;
      touched.add(path);
      texts.set(path, [...(texts.get(path) ?? []), text]);
    }
  }
  const aOpts = opts.analyze ?? {};
  const ctx = selectContext(tree, texts, opts.contextLimits ?? DEFAULT_CONTEXT_LIMITS, aOpts.rules ?? loadRules(aOpts.rulesDirs ?? []));
  const contextFiles: { path: string; text: string }[] = [];
  const errors: InputError[] = [];
  for (const f of ctx.files) {
    const src = readSource(join(tree, f));
    if ('text' in src) contextFiles.push({ path: f, text: src.text });
    else errors.push({ file: f, reason: src.reason });
  }
  const side = (which: 'pre' | 'post'): { path: string; text: string }[] => {
    const own = images
      .map((im) => (which === 'pre' ? { path: im.prePath, text: im.pre } : { path: im.postPath, text: im.post }))
      .filter((x): x is { path: string; text: string } => x.path !== null && x.text !== null);
    // A file renamed away is absent on the other side: drop its context copy too.
    const gone = new Set(images.flatMap((im) => [im.prePath, im.postPath]).filter((x): x is string => x !== null));
    return [...contextFiles.filter((c) => !gone.has(c.path)), ...own];
  };
  // the context files are the same on both sides: parsed once
  const facts: FactsCache = new Map();
  const rPost = analyzeSources(side('post'), aOpts, facts);
  const needPre = !!opts.allChanges || rPost.findings.some((f) => touches(f, touched));
  const rPre = needPre ? analyzeSources(side('pre'), aOpts, facts) : { findings: [], errors: [], stats: EMPTY_STATS };
  if (opts.overlay) for (const im of images) if (im.postPath && im.post !== null) opts.overlay.set(im.postPath, im.post);
  const { findings, classified } = finish(p, rPre.findings, rPost.findings, touched, false, opts);
  return {
    mode: 'tree',
    findings,
    classified,
    errors: [...errors, ...rPre.errors, ...rPost.errors].filter((e, i, a) => a.findIndex((x) => x.file === e.file && x.reason === e.reason) === i),
    stats: { ...sumStats(rPre.stats, rPost.stats), context: { files: ctx.files.length, counts: { ...ctx.counts }, truncated: ctx.truncated } },
    preimages: images.map((im) => ({ path: im.file.path, source: im.source, applied: im.applied })),
    // a cap that cut the context is said: a finding whose other side was left out is missed
    warnings: ctx.truncated.map((t) => `context truncated: ${t}`),
    context: ctx.counts,
  };
}

export function analyzePatch(p: PatchInput, opts: PatchAnalysisOptions = {}): PatchAnalysis {
  return opts.tree ? analyzePatchWithTree(p, opts.tree, opts) : analyzePatchNoTree(p, opts);
}
