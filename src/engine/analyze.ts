// The one entry every front end calls: files -> facts (worker threads) -> program ->
// lock graph -> checkers -> findings. `analyzePaths` for trees on disk,
// `analyzeSources` for in-memory text (patches, tests).
import { existsSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import type { FileFacts } from '../frontend/file-facts.js';
import { collectFiles } from '../ingest/files.js';
import { loadRules, type RuleSet } from '../rules/load.js';
import { buildProgram, type Program } from '../analysis/program.js';
import { buildLockGraph, type LockGraph } from '../analysis/lock-graph.js';
import { checkers as allCheckers } from '../checkers/index.js';
import type { Checker, DraftFinding } from '../checkers/api.js';
import type { Finding, InputError, Report, Severity } from '../report/finding.js';
import { fingerprint } from '../report/fingerprint.js';
import { CachedSources } from './source-lookup.js';
import { extractMany, extractManyAsync, type ExtractResult, type ExtractTask } from './worker.js';
import { restoreFiles } from './transfer.js';
import { confirmFindings } from '../models/confirm.js';
import { inferConfigurations, selectConfigurations } from './configurations.js';
import { findKbuildRoot, loadKbuild, restrictToBuild, type Kbuild } from '../ingest/kbuild.js';
import { analyzeConfigurations, configurationStats, mergeRuns, type ConfigRun } from './per-config.js';
import { ruleSetting } from '../config/apply.js';
import { defaultCacheDir, maxCacheBytes } from '../cache/dir.js';
import { addCounts, evict, noCounts, type CacheCounts } from '../cache/store.js';
import { lookupMany } from '../cache/cached-extract.js';

export interface AnalyzeOptions {
  /** Extra rule directories (`--rules DIR`). */
  rulesDirs?: string[];
  /** Pre-loaded rules (overrides rulesDirs). */
  rules?: RuleSet;
  /** Worker threads; 1 = in-process. Default: available cores. */
  jobs?: number;
  /** Only these rule ids (default: every default-on rule). */
  only?: string[];
  /** Also run off-by-default rules. */
  allRules?: boolean;
  /** Per-rule severity overrides or 'off'. */
  ruleLevels?: Record<string, Severity | 'off'>;
  /** Called after each batch of files is parsed. */
  onProgress?: (done: number, total: number) => void;
  /** Confirm each finding with an extracted (or template) model (default true). */
  confirm?: boolean;
  /** The build's defines (`-D NAME[=VALUE]`, compile_commands.json): they choose `#ifdef CONFIG_X` arms. */
  defines?: Record<string, string>;
  /** Analyse only this build configuration of a tree with several architectures (`--arch`). */
  arch?: string;
  /**
   * The per-file facts cache: a directory, or false for none (`--no-cache`). Default: the
   * user's cache directory (src/cache/dir.ts).
   */
  cache?: boolean | string;
  /** Hook for later pipeline stages (models): runs on the finished findings. */
  postProcess?: (findings: Finding[], program: Program) => Promise<void> | void;
}

export interface AnalysisResult extends Report {
  /** The program (of the first configuration, when the tree has several). */
  program: Program;
  lockGraph: LockGraph;
  /** One program per analysed configuration (just `program` for a one-architecture tree). */
  programs: Program[];
  /** The program a finding was found in. */
  programOf(f: Finding): Program;
}


const PROFILE = process.env.LOCKCHECK_PROFILE === '1';

function selectCheckers(opts: AnalyzeOptions): Checker[] {
  return allCheckers.filter((c) => {
    // A rule's own key wins over its category's; a category key never turns on an off-by-default rule.
    const own = opts.ruleLevels?.[c.meta.id];
    if (ruleSetting(opts.ruleLevels ?? {}, c.meta) === 'off') return false;
    if (opts.only?.length) return opts.only.includes(c.meta.id);
    return c.meta.defaultOn || opts.allRules || own !== undefined;
  });
}

/**
 * Runs the selected checkers over `program`. `graphOf` (default: `program`) is the program the
 * lock-order graph is built from: a configuration's whole program when the checkers see only
 * the functions that differ from its base configuration's.
 */
export function runCheckers(
  program: Program,
  sources: CachedSources,
  opts: AnalyzeOptions,
  graphOf: Program | LockGraph = program,
  which: (c: Checker) => boolean = () => true,
): { findings: Finding[]; lockGraph: LockGraph } {
  const lockGraph = 'edges' in graphOf ? graphOf : buildLockGraph(graphOf);
  const findings: Finding[] = [];
  const ids = new Set<string>();
  for (const checker of selectCheckers(opts).filter(which)) {
    const report = (d: DraftFinding) => {
      const { fingerprint: parts, severity, ...rest } = d;
      const id = fingerprint(checker.meta.id, parts);
      if (ids.has(id)) return;
      ids.add(id);
      const level = opts.ruleLevels?.[checker.meta.id];
      findings.push({
        id,
        rule: checker.meta.id,
        category: checker.meta.category,
        severity: level && level !== 'off' ? level : severity ?? checker.meta.severity,
        ...rest,
        confirmation: { status: 'not-run' },
      });
    };
    const t = PROFILE ? performance.now() : 0;
    checker.run({ program, lockGraph, source: sources, report });
    if (PROFILE) process.stderr.write(`lockcheck:   ${checker.meta.id} ${((performance.now() - t) / 1000).toFixed(2)} s\n`);
  }
  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.rule.localeCompare(b.rule)));
  return { findings, lockGraph };
}

function phase(name: string, t0: number): void {
  if (PROFILE) process.stderr.write(`lockcheck: ${name} done at ${((performance.now() - t0) / 1000).toFixed(2)} s, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB\n`);
}

function finish(facts: FileFacts[], errors: InputError[], rules: RuleSet, sources: CachedSources, opts: AnalyzeOptions, t0: number, cache: CacheCounts | undefined, kbuild?: (files: string[]) => Kbuild | undefined): Promise<AnalysisResult> | AnalysisResult {
  phase('extract', t0);
  if (cache) afterWrites(opts, cache);
  const names = facts.map((f) => f.file);
  let configs = inferConfigurations(names);
  // a common directory the tree's Makefiles build only under a symbol another architecture's
  // Kconfig owns is not part of this architecture's program
  if (configs.length > 1 && kbuild) configs = restrictToBuild(configs, names, kbuild(names));
  configs = selectConfigurations(configs, opts.arch);
  const runs: ConfigRun[] = [];
  const skipped: string[] = [];
  if (configs.length === 1 && configs[0]!.name === '') {
    const program = buildProgram(facts, rules);
    phase('program', t0);
    runs.push({ program, ...runCheckers(program, sources, opts) });
  } else {
    const r = analyzeConfigurations(facts, configs, rules, sources, opts, runCheckers);
    runs.push(...r.runs);
    skipped.push(...r.skipped);
  }
  phase('checkers', t0);
  const { findings, origin } = mergeRuns(runs);
  if (opts.confirm !== false) {
    // a finding the model refutes keeps its severity: `confirmation.status` says refuted and
    // why; front ends leave it out of the fail level only when asked (`--hide-refuted`)
    for (const r of runs) confirmFindings(findings.filter((f) => origin.get(f.id) === r.program), r.program, { source: sources, lockGraph: r.lockGraph });
  }
  phase('confirmation', t0);
  const program = runs[0]!.program;
  const multi = runs.length > 1 || program.config !== undefined;
  const result: AnalysisResult = {
    version: 1,
    findings,
    errors,
    stats: {
      files: facts.length,
      lines: facts.reduce((n, f) => n + f.lines, 0),
      functions: multi ? new Set(runs.flatMap((r) => r.program.functions.map((f) => `${f.file}\0${f.key}`))).size : program.functions.length,
      seconds: 0,
      ...unclassifiedLocks(program),
      ...(multi ? { configurations: configurationStats(runs, skipped) } : {}),
      ...(cache ? { cache: { hits: cache.hits, misses: cache.misses, ...(cache.unreadable ? { unreadable: cache.unreadable } : {}) } } : {}),
    },
    program,
    lockGraph: runs[0]!.lockGraph,
    programs: runs.map((r) => r.program),
    programOf: (f) => origin.get(f.id) ?? program,
  };
  const done = () => {
    result.stats.seconds = Number(((performance.now() - t0) / 1000).toFixed(3));
    return result;
  };
  if (opts.postProcess) return Promise.resolve(opts.postProcess(findings, program)).then(done);
  return done();
}

/** Lock acquisitions through a pointer whose struct type is unknown: no class, so no lock-order edge. */
function unclassifiedLocks(program: Program): Pick<AnalysisResult['stats'], 'unclassifiedLocks'> {
  let count = 0;
  let example = '';
  for (const fn of program.functions) {
    for (const b of fn.blocks) {
      for (const e of b.events) {
        if (e.k !== 'acquire' || e.lock.cls || e.assumed) continue;
        const r = e.lock.inst.root;
        if (r.startsWith('?') || r.startsWith('@') || !e.lock.inst.fields.length) continue;
        count++;
        if (!example) example = `${e.lock.inst.text.replace(/^&/, '')} in ${fn.name} (${e.loc.file}:${e.loc.line})`;
      }
    }
  }
  return count ? { unclassifiedLocks: { count, example } } : {};
}

/**
 * Facts of in-memory sources kept between analyses that share files (a patch's pre- and
 * post-image runs read the same context files): by path, reused while the text is the same.
 * Programs never modify facts (configurations share them too).
 */
export type FactsCache = Map<string, { text: string; facts: FileFacts }>;

/** Analyze in-memory sources (patches, tests). Synchronous unless a postProcess hook is async. */
export function analyzeSources(files: { path: string; text: string }[], opts: AnalyzeOptions = {}, cache?: FactsCache): AnalysisResult {
  const t0 = performance.now();
  const rules = opts.rules ?? loadRules(opts.rulesDirs ?? []);
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const fresh = files.filter((f) => cache?.get(f.path)?.text !== f.text).map((f) => f.path);
  const res = extractMany(fresh, rules, (p) => ({ bytes: Buffer.from(texts.get(p)!, 'utf8') }), definesOf(opts), cacheDirOf(opts));
  let facts = res.facts;
  if (cache) {
    for (const f of res.facts) cache.set(f.file, { text: texts.get(f.file)!, facts: f });
    // the input order (file order decides which duplicate definition wins)
    const failed = new Set(res.errors.map((e) => e.file));
    facts = files.filter((f) => !failed.has(f.path)).map((f) => cache.get(f.path)?.facts).filter((f): f is FileFacts => f !== undefined);
  }
  const out = finish(facts, res.errors, rules, new CachedSources(texts), { ...opts, postProcess: undefined }, t0, res.cache);
  return out as AnalysisResult;
}

/** The facts cache directory of a run, or undefined for none. */
export function cacheDirOf(opts: AnalyzeOptions): string | undefined {
  if (opts.cache === false) return undefined;
  return typeof opts.cache === 'string' ? opts.cache : defaultCacheDir();
}

// bytes this process wrote to each cache directory since it last looked at the directory's size
const writtenSince = new Map<string, number>();

/** Keeps the cache under its bound: looks at its size once this process wrote a sixteenth of it. */
function afterWrites(opts: AnalyzeOptions, c: CacheCounts): void {
  const dir = cacheDirOf(opts);
  if (!dir || !c.written) return;
  const max = maxCacheBytes();
  const n = (writtenSince.get(dir) ?? 0) + c.written;
  if (n < max / 16) {
    writtenSince.set(dir, n);
    return;
  }
  writtenSince.set(dir, 0);
  evict(dir, max);
}

function definesOf(opts: AnalyzeOptions): Map<string, string> | undefined {
  return opts.defines && Object.keys(opts.defines).length ? new Map(Object.entries(opts.defines)) : undefined;
}

function workerPath(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.js')) return undefined; // running from TypeScript sources (tests): in-process
  const p = here.replace(/analyze\.js$/, 'worker.js');
  return existsSync(p) ? p : undefined;
}

async function extractParallel(files: string[], opts: AnalyzeOptions, rules: RuleSet): Promise<ExtractResult> {
  const jobs = Math.max(1, opts.jobs ?? availableParallelism());
  const wp = workerPath();
  const cacheDir = cacheDirOf(opts);
  if (jobs === 1 || !wp || files.length < 8) {
    const out: ExtractResult = { facts: [], errors: [], ...(cacheDir ? { cache: noCounts() } : {}) };
    const step = 64;
    for (let i = 0; i < files.length; i += step) {
      const r = await extractManyAsync(files.slice(i, i + step), rules, definesOf(opts), cacheDir, true);
      out.facts.push(...r.facts);
      out.errors.push(...r.errors);
      if (out.cache) addCounts(out.cache, r.cache);
      opts.onProgress?.(Math.min(files.length, i + step), files.length);
    }
    return out;
  }
  // jobs-1 worker threads plus this thread, pulling batches from one queue: a worker's result
  // costs a structured clone each way, so the thread that needs the facts parses a share itself
  const { Piscina } = await import('piscina');
  const threads = jobs - 1;
  const pool = new Piscina({ filename: wp, maxThreads: threads, minThreads: threads, idleTimeout: 1000 });
  try {
    const size = Math.max(4, Math.min(64, Math.ceil(files.length / (jobs * 16))));
    const queue: string[][] = [];
    for (let i = 0; i < files.length; i += size) queue.push(files.slice(i, i + size));
    const out: ExtractResult = { facts: [], errors: [], ...(cacheDir ? { cache: noCounts() } : {}) };
    let done = 0;
    const take = (r: ExtractResult, n: number) => {
      out.facts.push(...r.facts);
      out.errors.push(...r.errors);
      if (out.cache) addCounts(out.cache, r.cache);
      done += n;
      opts.onProgress?.(done, files.length);
    };
    const viaWorker = async (): Promise<void> => {
      for (let slice = queue.shift(); slice; slice = queue.shift()) {
        const task: ExtractTask = { files: slice, rulesDirs: opts.rulesDirs ?? [], ...(opts.defines ? { defines: opts.defines } : {}), ...(cacheDir ? { cacheDir, storeOnly: true } : {}) };
        try {
          const r = (await pool.run(task)) as ExtractResult;
          restoreFiles(r.facts);
          take(r, slice.length);
        } catch (e) {
          take({ facts: [], errors: slice.map((f) => ({ file: f, reason: `worker failed: ${(e as Error).message}` })) }, slice.length);
        }
      }
    };
    const here = async (): Promise<void> => {
      for (let slice = queue.shift(); slice; slice = queue.shift()) {
        // a file at a time, yielding in between, so finished worker batches are taken and the
        // workers handed new ones without waiting for this thread's whole batch
        for (const f of slice) {
          take(await extractManyAsync([f], rules, definesOf(opts), cacheDir, true), 1);
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    };
    // two batches in flight per worker, so a worker never waits for this thread to hand it work
    await Promise.all([...Array.from({ length: threads * 2 }, viaWorker), here()]);
    // keep the input order (file order decides which duplicate definition wins)
    const order = new Map(files.map((f, i) => [f, i]));
    out.facts.sort((a, b) => order.get(a.file)! - order.get(b.file)!);
    return out;
  } finally {
    await pool.destroy();
  }
}

/** The cache's hits first (in this thread), then the misses through `extractParallel`; facts in input order. */
async function extractCachedParallel(files: string[], opts: AnalyzeOptions, rules: RuleSet): Promise<ExtractResult> {
  const dir = cacheDirOf(opts);
  if (!dir) return extractParallel(files, opts, rules);
  const progress = opts.onProgress;
  const { found, counts } = lookupMany(files, rules, definesOf(opts), dir, progress && ((d) => progress(d, files.length)));
  const missed = files.filter((_, i) => !found[i]);
  const hits = files.length - missed.length;
  const res = await extractParallel(missed, { ...opts, ...(progress ? { onProgress: (d: number) => progress(hits + d, files.length) } : {}) }, rules);
  const byFile = new Map<string, FileFacts[]>();
  for (const f of res.facts) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const facts: FileFacts[] = [];
  files.forEach((file, i) => {
    const f = found[i] ?? byFile.get(file)?.shift();
    if (f) facts.push(f);
  });
  return { facts, errors: res.errors, cache: addCounts(counts, res.cache) };
}

/** Analyze files and directories on disk (recursively, .c and .h). */
export async function analyzePaths(paths: string[], opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const t0 = performance.now();
  const rules = opts.rules ?? loadRules(opts.rulesDirs ?? []);
  const { files, errors } = collectFiles(paths);
  const res = await extractCachedParallel(files, opts, rules);
  return finish(res.facts, [...errors, ...res.errors], rules, new CachedSources(), opts, t0, res.cache, treeBuild);
}

/** The Kconfig/Makefile build of the tree the files are in (none for a bare directory of C files). */
function treeBuild(files: string[]): Kbuild | undefined {
  const dirs = new Set(files.map((f) => dirname(resolve(f))));
  let common = [...dirs][0];
  if (common === undefined) return undefined;
  for (const d of dirs) while (common !== dirname(common) && d !== common && !d.startsWith(common + sep)) common = dirname(common);
  const root = findKbuildRoot(common);
  return root ? loadKbuild(root, dirs) : undefined;
}
