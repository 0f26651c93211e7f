// Loads and validates rules/*.yaml (built in) and a user's `--rules DIR`, and indexes
// every API name for the IR builder. A mistake is reported with its file and line.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, isMap, isSeq, LineCounter } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import {
  RuleFileSchema,
  type AtomicApi,
  type BarrierApi,
  type DeferredApi,
  type FreeApi,
  type HandoffApi,
  type LockApi,
  type ModelBinding,
  type OnceApi,
  type RuleFile,
  type WaitApi,
  type ContextSpec,
  type IrqContext,
} from './schema.js';

export interface RuleProblem {
  file: string;
  line: number;
  reason: string;
}

/** Every mistake found in the rule files, not only the first (`file`/`line`/`reason`: the first). */
export class RuleError extends Error {
  readonly problems: RuleProblem[];
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
    more: RuleProblem[] = [],
  ) {
    const problems = [{ file, line, reason }, ...more];
    super(problems.map((p) => `${p.file}:${p.line}: ${p.reason}`).join('\n'));
    this.problems = problems;
  }

  static of(problems: RuleProblem[]): RuleError {
    const [first, ...more] = problems;
    return new RuleError(first!.file, first!.line, first!.reason, more);
  }
}

/** Every API name, indexed: what the IR builder consults for each call. */
export interface RuleSet {
  locks: Map<string, LockApi>;
  atomics: Map<string, AtomicApi>;
  barriers: Map<string, BarrierApi>;
  once: Map<string, OnceApi>;
  frees: Map<string, FreeApi>;
  handoffs: Map<string, HandoffApi>;
  deferred: Map<string, DeferredApi>;
  noreturn: Set<string>;
  /** Calls that wait for a callback (rules `waits`). */
  waits: Map<string, WaitApi>;
  /** Interrupting contexts (rules `contexts`). */
  contexts: ContextSpec[];
  /** Hard-interrupt context tables (rules `irq`), merged over files. */
  irq: Required<IrqContext>;
  models: ModelBinding[];
  /** Files the set was built from. */
  sources: string[];
}

export function builtinRulesDir(): string {
  // src/rules/load.ts and dist/rules/load.js both sit two levels below the package root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'rules');
}

function nodeAt(doc: ReturnType<typeof parseDocument>, path: PropertyKey[]): YamlNode | undefined {
  let node: unknown = doc.contents;
  let last: YamlNode | undefined = node as YamlNode;
  for (const key of path) {
    if (isMap(node)) node = node.get(key as string, true);
    else if (isSeq(node)) node = node.get(key as number, true);
    else break;
    if (node && typeof node === 'object' && 'range' in (node as object)) last = node as YamlNode;
  }
  return last;
}

export function parseRuleFile(file: string, text: string): RuleFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) throw RuleError.of(doc.errors.map((e) => ({ file, line: e.linePos?.[0]?.line ?? 1, reason: e.message.split('\n')[0]! })));
  const parsed = RuleFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw RuleError.of(
      parsed.error.issues.map((issue) => {
        // an unknown key: point at the key itself, not at the map it is in
        const keys = (issue as { keys?: string[] }).keys;
        const node = nodeAt(doc, keys?.length ? [...issue.path, keys[0]!] : issue.path);
        const line = node?.range ? lineCounter.linePos(node.range[0]).line : 1;
        const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
        return { file, line, reason: `${issue.message}${where}` };
      }),
    );
  }
  const dups: RuleProblem[] = [];
  // one name twice in a section of one file: the later entry would silently win
  for (const section of ['locks', 'atomics', 'barriers', 'once', 'frees', 'handoffs', 'deferred', 'waits'] as const) {
    const seen = new Map<string, number>();
    parsed.data[section].forEach((entry, i) => {
      for (const n of entry.names) {
        const first = seen.get(n);
        if (first !== undefined) {
          const node = nodeAt(doc, [section, i, 'names']);
          const line = node?.range ? lineCounter.linePos(node.range[0]).line : 1;
          dups.push({ file, line, reason: `${n} is already listed in ${section} entry ${first + 1}; list each name once per file` });
        } else seen.set(n, i);
      }
    });
  }
  if (dups.length) throw RuleError.of(dups);
  return parsed.data;
}

function listYaml(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new RuleError(dir, 0, 'rules directory does not exist');
  }
  if (!st.isDirectory()) return [dir];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

export function emptyRuleSet(): RuleSet {
  return {
    locks: new Map(),
    atomics: new Map(),
    barriers: new Map(),
    once: new Map(),
    frees: new Map(),
    handoffs: new Map(),
    deferred: new Map(),
    noreturn: new Set(),
    waits: new Map(),
    contexts: [],
    irq: { entries: [], handlers: [], members: [], disable: [], save: [], enable: [], restore: [], enabledTests: [], enabledEntries: [] },
    models: [],
    sources: [],
  };
}

export function addRuleFile(set: RuleSet, rf: RuleFile, source: string): void {
  const put = <T extends { names: string[] }>(m: Map<string, T>, entries: T[]) => {
    for (const e of entries) for (const n of e.names) m.set(n, e);
  };
  put(set.locks, rf.locks);
  put(set.atomics, rf.atomics);
  put(set.barriers, rf.barriers);
  put(set.once, rf.once);
  put(set.frees, rf.frees);
  put(set.handoffs, rf.handoffs);
  put(set.deferred, rf.deferred);
  for (const e of rf.noreturn) for (const n of e.names) set.noreturn.add(n);
  put(set.waits, rf.waits);
  set.contexts.push(...rf.contexts);
  if (rf.irq) for (const k of Object.keys(set.irq) as (keyof IrqContext)[]) (set.irq[k] as unknown[]).push(...(rf.irq[k] as unknown[]));
  set.models.push(...rf.models);
  set.sources.push(source);
}

/** Built-in tables, then each user directory in order (later entries override earlier ones). */
export function loadRules(extraDirs: string[] = []): RuleSet {
  const set = emptyRuleSet();
  const problems: RuleProblem[] = [];
  const collect = (f: () => void): void => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      problems.push(...e.problems);
    }
  };
  for (const dir of [builtinRulesDir(), ...extraDirs]) {
    let files: string[] = [];
    collect(() => (files = listYaml(dir)));
    for (const file of files) collect(() => addRuleFile(set, parseRuleFile(file, readFileSync(file, 'utf8')), file));
  }
  // every mistake of every file at once, so one run shows all that needs fixing
  if (problems.length) throw RuleError.of(problems);
  return set;
}
