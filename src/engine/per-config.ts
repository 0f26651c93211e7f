// A tree with several architectures, one build configuration at a time: each configuration
// (common code + one architecture) is its own program, so a call never binds to another
// architecture's definition and struct types resolve to the configuration's own. The first
// (largest) configuration is analysed in full; each later one against the closest program
// before it, re-analysing and re-checking only the functions whose input differs there.
// Findings are merged by fingerprint, each naming the configurations it holds in.
import type { FileFacts } from '../frontend/file-facts.js';
import type { RuleSet } from '../rules/load.js';
import { buildProgram, type Program } from '../analysis/program.js';
import type { LockGraph } from '../analysis/lock-graph.js';
import type { Finding } from '../report/finding.js';
import type { CachedSources } from './source-lookup.js';
import type { Configuration } from './configurations.js';
import type { Checker } from '../checkers/api.js';

/**
 * What merging findings and the statistics read of a configuration's program: all a run on the
 * configuration thread sends back (its program stays there).
 */
export interface RunShape {
  config?: string;
  /** Keys of functions taken unchanged from the base configuration's program. */
  reused?: Set<string>;
  /** The file of each function key. */
  fileOf: Map<string, string>;
  files: number;
}

export function shapeOf(p: Program): RunShape {
  return { ...(p.config !== undefined ? { config: p.config } : {}), ...(p.reused ? { reused: p.reused } : {}), fileOf: new Map(p.functions.map((f) => [f.key, f.file])), files: p.files.length };
}

export interface ConfigRun {
  /** The program, when built on this thread. */
  program?: Program;
  lockGraph?: LockGraph;
  shape: RunShape;
  /** Findings the checkers reported in this configuration's program. */
  findings: Finding[];
  config?: Configuration;
  /** The configuration whose program this one took unchanged functions from. */
  base?: ConfigRun;
  seconds?: number;
  /** Files only this configuration (and its architecture's others) has. */
  ownFiles?: Set<string>;
}

type RunCheckers<O> = (program: Program, sources: CachedSources, opts: O, graphOf: Program | LockGraph, which: (c: Checker) => boolean) => { findings: Finding[]; lockGraph: LockGraph };

/** Lock-order and lock-balance rules: they read the lock summaries a configuration changes. */
const lockRule = (c: Checker): boolean => c.meta.category === 'lock-order' || c.meta.category === 'lock-balance';

const acquiring = new WeakMap<FileFacts, boolean>();
function hasAcquire(f: FileFacts): boolean {
  // asked once per configuration that might be skipped: scanned once
  let r = acquiring.get(f);
  if (r === undefined) acquiring.set(f, (r = f.functions.some((fn) => fn.blocks.some((b) => b.events.some((e) => e.k === 'acquire')))));
  return r;
}

/** The earlier run sharing the most files with `c`. */
function closest(runs: ConfigRun[], c: Configuration): ConfigRun | undefined {
  const mine = new Set(c.files);
  let best: ConfigRun | undefined;
  let bestShared = -1;
  for (const r of runs) {
    const shared = r.config!.files.reduce((n, i) => n + (mine.has(i) ? 1 : 0), 0);
    if (shared > bestShared) [best, bestShared] = [r, shared];
  }
  return best;
}

export interface ConfigOptions {
  /** `--arch`: the configurations were chosen by the user, none is skipped. */
  arch?: string;
  /** Called as each stage after parsing starts (a progress line on a terminal). */
  onPhase?: (phase: string) => void;
}

/**
 * `check(i)` false: configuration i's program is built (a base for later ones) but not
 * checked, its run has no findings.
 */
export function analyzeConfigurations<O extends ConfigOptions>(
  facts: FileFacts[],
  configs: Configuration[],
  rules: RuleSet,
  sources: CachedSources,
  opts: O,
  run: RunCheckers<O>,
  check: (i: number) => boolean = () => true,
): { runs: ConfigRun[]; skipped: string[] } {
  const runs: ConfigRun[] = [];
  const skipped: string[] = [];
  configs.forEach((c, i) => {
    // an architecture that takes no lock of its own adds nothing the others do not show
    if (!opts.arch && runs.length && !c.own.some((j) => hasAcquire(facts[j]!))) {
      skipped.push(c.name);
      return;
    }
    const t = performance.now();
    const base = closest(runs, c);
    // nor does a variant (arm32 beside arm64) whose files beyond the closest one take no lock
    if (!opts.arch && base) {
      const theirs = new Set(base.config!.files);
      if (!c.files.some((j) => !theirs.has(j) && hasAcquire(facts[j]!))) {
        skipped.push(c.name);
        return;
      }
    }
    // the extracted functions stay untouched while a later configuration still needs them
    opts.onPhase?.(`${c.name}: call graph and lock summaries, then the checkers`);
    const program = buildProgram(c.files.map((j) => facts[j]!), rules, { copy: i < configs.length - 1, base: base?.program, config: c.name });
    const reused = program.reused;
    if (!check(i)) {
      runs.push({ program, shape: shapeOf(program), findings: [], config: c, ...(base ? { base } : {}) });
      return;
    }
    if (!reused?.size) {
      const { findings, lockGraph } = run(program, sources, opts, program, () => true);
      runs.push({ program, shape: shapeOf(program), lockGraph, findings, config: c, seconds: (performance.now() - t) / 1000, ownFiles: new Set(c.own.map((j) => facts[j]!.file)) });
      return;
    }
    // lock rules: every function whose lock facts are this configuration's own; memory-ordering
    // and lifetime rules: the architecture's own code (common code's was checked in the base)
    const own = new Set(c.own.map((j) => facts[j]!.file));
    const lockView = { ...program, functions: program.functions.filter((f) => !reused.has(f.key)) };
    const ownView = { ...program, functions: program.functions.filter((f) => own.has(f.file)) };
    const locked = run(lockView, sources, opts, program, lockRule);
    const rest = run(ownView, sources, opts, locked.lockGraph, (ch) => !lockRule(ch));
    const findings = [...locked.findings, ...rest.findings];
    const lockGraph = locked.lockGraph;
    runs.push({ program, shape: shapeOf(program), lockGraph, findings, config: c, ...(base ? { base } : {}), seconds: (performance.now() - t) / 1000, ownFiles: own });
  });
  return { runs, skipped };
}

/** The key of the function a finding is in, in `p`. */
function keyOf(f: Finding, p: RunShape): string | undefined {
  const st = `${f.file}::${f.function}`;
  if (p.fileOf.has(st)) return st;
  return p.fileOf.get(f.function) === f.file ? f.function : undefined;
}

/**
 * One finding per fingerprint. A configuration holds a finding its checkers reported, and one
 * its base holds in a function it took from that base unchanged.
 */
export function mergeRuns(runs: ConfigRun[]): { findings: Finding[]; origin: Map<string, ConfigRun> } {
  const origin = new Map<string, ConfigRun>();
  if (runs.length === 1 && runs[0]!.shape.config === undefined) {
    for (const f of runs[0]!.findings) origin.set(f.id, runs[0]!);
    return { findings: runs[0]!.findings, origin };
  }
  const held = new Map<ConfigRun, Finding[]>();
  const byId = new Map<string, Finding>();
  const where = new Map<string, string[]>();
  for (const r of runs) {
    // a base finding holds here too in a function taken unchanged from it, and (memory-ordering
    // and lifetime rules, checked here in the architecture's own code only) in common code
    const inherited = r.base
      ? held.get(r.base)!.filter((f) => {
          const k = keyOf(f, r.base!.shape);
          if (k === undefined) return false;
          if (r.shape.reused?.has(k)) return true;
          return (f.category === 'memory-ordering' || f.category === 'lifetime') && r.shape.fileOf.get(k) === f.file && !r.ownFiles?.has(f.file);
        })
      : [];
    const mine = [...r.findings, ...inherited];
    held.set(r, mine);
    for (const f of mine) {
      const first = byId.get(f.id);
      if (!first) {
        byId.set(f.id, f);
        origin.set(f.id, r);
      } else if (first !== f) keepWitness(first, f, r.shape.config!);
      const w = where.get(f.id) ?? [];
      if (!w.includes(r.shape.config!)) w.push(r.shape.config!);
      where.set(f.id, w);
    }
  }
  const findings = [...byId.values()];
  for (const f of findings) f.configurations = where.get(f.id)!;
  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.rule.localeCompare(b.rule)));
  return { findings, origin };
}

const chainOf = (f: Finding): string => JSON.stringify(f.witness.map((w) => w.steps.map((s) => [s.file, s.line, s.function])));

/**
 * The same finding in another configuration reached through other code (a common caller of
 * an architecture hook): its witness is kept beside the reported one, under
 * `extra.configurationWitnesses`.
 */
function keepWitness(first: Finding, other: Finding, config: string): void {
  const chain = chainOf(other);
  if (chain === chainOf(first)) return;
  const extra = (first.extra ??= {});
  const list = ((extra.configurationWitnesses as { configurations: string[]; witness: Finding['witness'] }[] | undefined) ??= []);
  const same = list.find((x) => JSON.stringify(x.witness.map((w) => w.steps.map((s) => [s.file, s.line, s.function]))) === chain);
  if (same) {
    if (!same.configurations.includes(config)) same.configurations.push(config);
  } else list.push({ configurations: [config], witness: other.witness });
  extra.configurationWitnesses = list;
}

export interface ConfigurationStat {
  name: string;
  files: number;
  functions: number;
  /** Functions analysed in this configuration (the rest were taken from `base`). */
  analysed: number;
  base?: string;
  findings: number;
  seconds?: number;
  skipped?: boolean;
}

export function configurationStats(runs: ConfigRun[], skipped: string[]): ConfigurationStat[] {
  const out: ConfigurationStat[] = runs.map((r) => ({
    name: r.shape.config!,
    files: r.shape.files,
    functions: r.shape.fileOf.size,
    analysed: r.shape.fileOf.size - (r.shape.reused?.size ?? 0),
    ...(r.base ? { base: r.base.shape.config! } : {}),
    findings: r.findings.length,
    ...(r.seconds !== undefined ? { seconds: Number(r.seconds.toFixed(2)) } : {}),
  }));
  for (const s of skipped) out.push({ name: s, files: 0, functions: 0, analysed: 0, findings: 0, skipped: true });
  return out;
}
