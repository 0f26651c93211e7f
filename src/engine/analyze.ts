// The one entry every front end calls: files -> facts (worker threads) -> program ->
// lock graph -> checkers -> findings. `analyzePaths` for trees on disk,
// `analyzeSources` for in-memory text (patches, tests).
import './jit-tuning.js';
import { existsSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import type { FileFacts } from '../frontend/file-facts.js';
import { collectFiles } from '../ingest/files.js';
import { loadRules, type RuleSet } from '../rules/load.js';
import { buildProgram, type Program } from '../analysis/program.js';
import type { LockGraph } from '../analysis/lock-graph.js';
import type { Finding, InputError, Report, Severity } from '../report/finding.js';
import { CachedSources } from './source-lookup.js';
import { extractMany, extractManyAsync, type ExtractResult, type ExtractTask } from './worker.js';
import { restoreFiles } from './transfer.js';
import { confirmFindings } from '../models/confirm.js';
import { inferConfigurations, selectConfigurations, type Configuration } from './configurations.js';
import { findKbuildRoot, loadKbuild, restrictToBuild, type Kbuild } from '../ingest/kbuild.js';
import { analyzeConfigurations, configurationStats, mergeRuns, shapeOf, type ConfigRun } from './per-config.js';
import { runCheckers } from './run-checkers.js';
import { ConfigThread, fromRemote } from './config-thread.js';
import { threadCpuSeconds } from './thread-cpu.js';
import { defaultCacheDir, maxCacheBytes } from '../cache/dir.js';
import { addCounts, evict, noCounts, type CacheCounts } from '../cache/store.js';
import { lookupMany } from '../cache/cached-extract.js';

export { runCheckers };

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
  /** Called as each stage after parsing starts: summaries, checkers, models. */
  onPhase?: (phase: string) => void;
  /** Confirm each finding with an extracted (or template) model (default true). */
  confirm?: boolean;
  /** The build's defines (`-D NAME[=VALUE]`, compile_commands.json): they choose `#ifdef CONFIG_X` arms. */
  defines?: Record<string, string>;
  /** Analyse only this build configuration of a tree with several architectures (`--arch`). */
  arch?: string;
  /**
   * `-I DIR`: headers read for their types only. Their structs, typedefs, macros, constants and
   * prototypes feed the analysis (a lock field's class, lock macros, annotations); their
   * functions are not part of the program and no finding is reported in them.
   */
  includeDirs?: string[];
  /**
   * Keep every configuration's program on this thread (`programs`, `programOf`). Otherwise,
   * with more than one thread, the configurations after the first are analysed on a worker
   * thread (when there are at least three cores; LOCKCHECK_CONFIG_THREAD=1: always,
   * 0: never) and only the first one's program is returned.
   */
  keepPrograms?: boolean;
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
  /** One program per configuration analysed on this thread (just `program` for a one-architecture tree). */
  programs: Program[];
  /** The program a finding was found in (`program` when that one stayed on the configuration thread). */
  programOf(f: Finding): Program;
}


const PROFILE = process.env.LOCKCHECK_PROFILE === '1';

function phase(name: string, t0: number): void {
  if (!PROFILE) return;
  const cpu = threadCpuSeconds();
  const all = process.cpuUsage();
  process.stderr.write(`lockcheck: ${name} done at ${((performance.now() - t0) / 1000).toFixed(2)} s, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB, cpu ${cpu === undefined ? '' : `${cpu.toFixed(2)} s this thread, `}${((all.user + all.system) / 1e6).toFixed(2)} s all threads\n`);
}

/** The build configurations to analyse: one (named '') for a tree with at most one architecture. */
function configurationsOf(facts: FileFacts[], opts: AnalyzeOptions, kbuild?: (files: string[]) => Kbuild | undefined): Configuration[] {
  const names = facts.map((f) => f.file);
  let configs = inferConfigurations(names);
  // a common directory the tree's Makefiles build only under a symbol another architecture's
  // Kconfig owns is not part of this architecture's program
  if (configs.length > 1 && kbuild) configs = restrictToBuild(configs, names, kbuild(names));
  return selectConfigurations(configs, opts.arch);
}

function localRuns(facts: FileFacts[], configs: Configuration[], rules: RuleSet, sources: CachedSources, opts: AnalyzeOptions, t0: number): { runs: ConfigRun[]; skipped: string[] } {
  if (configs.length === 1 && configs[0]!.name === '') {
    opts.onPhase?.('call graph and lock summaries');
    const program = buildProgram(facts, rules);
    phase('program', t0);
    opts.onPhase?.('checkers');
    return { runs: [{ program, shape: shapeOf(program), ...runCheckers(program, sources, opts) }], skipped: [] };
  }
  return analyzeConfigurations(facts, configs, rules, sources, opts, runCheckers);
}

/** Confirms each run's findings (those it holds first) against its program, on this thread. */
function confirmLocal(findings: Finding[], origin: Map<string, ConfigRun>, runs: ConfigRun[], sources: CachedSources): void {
  // a finding the model refutes keeps its severity: `confirmation.status` says refuted and
  // why; front ends leave it out of the fail level only when asked (`--hide-refuted`)
  for (const r of runs) if (r.program) confirmFindings(findings.filter((f) => origin.get(f.id) === r), r.program, { source: sources, lockGraph: r.lockGraph! });
}

function finish(facts: FileFacts[], errors: InputError[], rules: RuleSet, sources: CachedSources, opts: AnalyzeOptions, t0: number, configs?: Configuration[]): Promise<AnalysisResult> | AnalysisResult {
  if (!configs) phase('extract', t0);
  const { runs, skipped } = localRuns(facts, configs ?? configurationsOf(facts, opts), rules, sources, opts, t0);
  phase('checkers', t0);
  const { findings, origin } = mergeRuns(runs);
  if (opts.confirm !== false) {
    opts.onPhase?.(`models: confirming ${findings.length} finding${findings.length === 1 ? '' : 's'}`);
    confirmLocal(findings, origin, runs, sources);
  }
  phase('confirmation', t0);
  return assemble(facts, errors, runs, skipped, findings, origin, opts, t0);
}

function configWorkerPath(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.js')) return undefined; // running from TypeScript sources (tests): in-process
  const p = here.replace(/analyze\.js$/, 'config-worker.js');
  return existsSync(p) ? p : undefined;
}

/** The worker for the later configurations, when there are some worth a thread of their own. */
function configThreadFor(facts: FileFacts[], configs: Configuration[], opts: AnalyzeOptions): string | undefined {
  const env = process.env.LOCKCHECK_CONFIG_THREAD;
  if (configs.length < 2 || opts.rules || opts.keepPrograms || env === '0') return undefined;
  if (Math.max(1, opts.jobs ?? availableParallelism()) < 2) return undefined;
  // on two cores the worker's second program of the first configuration, the transfer and a
  // second isolate's compilation cost about what the split saves (bench/README.md): only
  // with a third core, or when asked (LOCKCHECK_CONFIG_THREAD=1)
  if (env !== '1' && availableParallelism() < 3) return undefined;
  // later configurations are skipped when they take no lock of their own (per-config.ts)
  if (!opts.arch && !configs.slice(1).some((c) => c.own.some((j) => facts[j]!.functions.some((fn) => fn.blocks.some((b) => b.events.some((e) => e.k === 'acquire')))))) return undefined;
  return configWorkerPath();
}

/**
 * Like `finish`, with the configurations after the first on a worker thread (config-thread.ts):
 * the same runs, merged and confirmed the same way, so the report is the same.
 */
async function finishTwoThreads(facts: FileFacts[], errors: InputError[], rules: RuleSet, sources: CachedSources, opts: AnalyzeOptions, t0: number, kbuild?: (files: string[]) => Kbuild | undefined): Promise<AnalysisResult> {
  phase('extract', t0);
  const configs = configurationsOf(facts, opts, kbuild);
  const file = configThreadFor(facts, configs, opts);
  if (!file) return finish(facts, errors, rules, sources, opts, t0, configs);
  const confirm = opts.confirm !== false;
  const checkerOpts = {
    ...(opts.only ? { only: opts.only } : {}),
    ...(opts.allRules ? { allRules: opts.allRules } : {}),
    ...(opts.ruleLevels ? { ruleLevels: opts.ruleLevels } : {}),
    ...(opts.arch ? { arch: opts.arch } : {}),
  };
  // the facts are cloned when sent: this thread's program may then rewrite them in place
  const thread = new ConfigThread(file, { facts, configs, rulesDirs: opts.rulesDirs ?? [], opts: checkerOpts, confirm });
  try {
    phase(`facts sent to the configuration thread in ${(thread.sendMs / 1000).toFixed(2)} s,`, t0);
    const mine = analyzeConfigurations(facts, configs.slice(0, 1), rules, sources, opts, runCheckers);
    phase(`${configs[0]!.name} checkers`, t0);
    const theirs = await thread.runs();
    if (PROFILE) process.stderr.write(`lockcheck: configuration thread had the facts after ${(theirs.receivedMs / 1000).toFixed(2)} s, its ${configs[0]!.name} program took ${(theirs.baseMs / 1000).toFixed(2)} s, its cpu ${theirs.cpu.map((c) => c.toFixed(2)).join(' / ')} s (facts / ${configs[0]!.name} / all)\n`);
    const runs = [...mine.runs];
    for (const r of theirs.runs) runs.push(fromRemote(r, runs));
    phase('checkers', t0);
    const { findings, origin } = mergeRuns(runs);
    if (confirm) {
      const byConfig: [string, Finding[]][] = runs.filter((r) => !r.program).map((r) => [r.shape.config!, findings.filter((f) => origin.get(f.id) === r)]);
      const remote = thread.confirm(byConfig);
      confirmLocal(findings, origin, runs, sources);
      const confirmed = new Map((await remote).map((f) => [f.id, f]));
      findings.forEach((f, i) => {
        const c = confirmed.get(f.id);
        if (c) findings[i] = c;
      });
    }
    phase('confirmation', t0);
    return await assemble(facts, errors, runs, [...mine.skipped, ...theirs.skipped], findings, origin, opts, t0);
  } finally {
    await thread.close();
  }
}

function assemble(facts: FileFacts[], errors: InputError[], runs: ConfigRun[], skipped: string[], findings: Finding[], origin: Map<string, ConfigRun>, opts: AnalyzeOptions, t0: number): Promise<AnalysisResult> | AnalysisResult {
  const program = runs[0]!.program!;
  const multi = runs.length > 1 || program.config !== undefined;
  const result: AnalysisResult = {
    version: 1,
    findings,
    errors,
    stats: {
      files: facts.length,
      lines: facts.reduce((n, f) => n + f.lines, 0),
      functions: multi ? new Set(runs.flatMap((r) => [...r.shape.fileOf].map(([key, file]) => `${file}\0${key}`))).size : program.functions.length,
      seconds: 0,
      ...unclassifiedLocks(program),
      ...(multi ? { configurations: configurationStats(runs, skipped) } : {}),
    },
    program,
    lockGraph: runs[0]!.lockGraph!,
    programs: runs.flatMap((r) => (r.program ? [r.program] : [])),
    programOf: (f) => origin.get(f.id)?.program ?? program,
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
  const out = finish(facts, res.errors, rules, new CachedSources(texts), { ...opts, postProcess: undefined }, t0);
  return withCacheStats(out as AnalysisResult, opts, res.cache);
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

/** The run's cache counts in its stats (and the cache kept under its bound). */
function withCacheStats<R extends AnalysisResult>(r: R, opts: AnalyzeOptions, cache: CacheCounts | undefined): R {
  if (!cache) return r;
  afterWrites(opts, cache);
  r.stats = { ...r.stats, cache: { hits: cache.hits, misses: cache.misses, ...(cache.unreadable ? { unreadable: cache.unreadable } : {}) } };
  return r;
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
  const headers = typeOnlyHeaders(opts.includeDirs ?? [], files);
  const res = await extractCachedParallel([...files, ...headers], opts, rules);
  if (!headers.length) return withCacheStats(await finishTwoThreads(res.facts, [...errors, ...res.errors], rules, new CachedSources(), opts, t0, treeBuild), opts, res.cache);
  // after the analysed files, so a type the tree defines itself wins over an include's
  const typeOnly = new Set(headers);
  const facts = res.facts.map((f) => (typeOnly.has(f.file) ? typesOnly(f) : f));
  const r = await finishTwoThreads(facts, [...errors, ...res.errors], rules, new CachedSources(), opts, t0, (names) => treeBuild(names.filter((n) => !typeOnly.has(n))));
  const read = facts.filter((f) => typeOnly.has(f.file));
  r.findings = r.findings.filter((f) => !typeOnly.has(f.file));
  r.stats = { ...r.stats, files: r.stats.files - read.length, lines: r.stats.lines - read.reduce((n, f) => n + f.lines, 0), includeHeaders: read.length };
  return withCacheStats(r, opts, res.cache);
}

/** The `.h` files under the `-I` directories that are not among the analysed files. */
function typeOnlyHeaders(dirs: string[], files: string[]): string[] {
  if (!dirs.length) return [];
  const analysed = new Set(files.map((f) => resolve(f)));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const h of collectFiles(dirs).files) {
    const abs = resolve(h);
    if (!h.endsWith('.h') || analysed.has(abs) || seen.has(abs)) continue;
    seen.add(abs);
    out.push(h);
  }
  return out;
}

/** A header's facts without its code: types, macros, constants and prototypes only. */
function typesOnly(f: FileFacts): FileFacts {
  return { ...f, functions: [], fnptrs: [] };
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
