// A declared lock-level violation: one path takes lock A (level a) while holding B (level
// b > a). The tree's level order was designed from paths that take A before B; one of them,
// found in the lock-order graph, is the second side. The model is the ABBA of the two paths
// (the inversion model): CPU0 the violation, CPU1 the designed-order path. Without such a
// path there is no second side to run, and none is invented.
import { buildLockGraph, levelsOf, type EdgeWitness, type LockGraph } from '../../analysis/lock-graph.js';
import type { Program } from '../../analysis/program.js';
import type { SourceLookup } from '../../checkers/api.js';
import { chainSteps, pathOf } from '../../checkers/witness.js';
import type { Assumption, WitnessPath } from '../../report/finding.js';
import type { Acq } from '../../analysis/summary-types.js';
import { ExtractError } from './frames.js';
import type { RuleContext } from './model-base.js';
import type { ModelScript } from './script.js';
import { levelCheckModel, runtimeCheckOf } from './level-check.js';

const graphs = new WeakMap<Program, LockGraph>();

export function lockGraphOf(ctx: RuleContext): LockGraph {
  if (ctx.lockGraph) return ctx.lockGraph;
  let g = graphs.get(ctx.program);
  if (!g) graphs.set(ctx.program, (g = buildLockGraph(ctx.program)));
  return g;
}

const noSource: SourceLookup = { line: () => undefined };
const at = (a: Acq): string => {
  const l = a.chain[a.chain.length - 1]!.loc;
  return `${l.file.split('/').pop()}:${l.line}`;
};
const lv = (a: Acq): string => (levelsOf(a) ?? ['none']).join(' or ');
const inst = (a: Acq): string => a.lock.inst.text.replace(/^&/, '');
const rootOf = (a: Acq): string => /^[&(*\s]*([A-Za-z_]\w*)/.exec(a.lock.inst.text)?.[1] ?? a.lock.inst.text;

function edgePath(label: string, w: EdgeWitness, src: SourceLookup): WitnessPath {
  const held = chainSteps(w.held.chain, `acquire ${w.held.lock.cls} (${w.held.lock.inst.text})`, src);
  const acq = chainSteps(w.acq.chain, `acquire ${w.acq.lock.cls} (${w.acq.lock.inst.text})`, src);
  return pathOf(label, [...held, ...acq]);
}

/** Two level sets that can describe one object: either unknown, or a level in common. */
function sameKind(x: Acq, y: Acq): boolean {
  const X = levelsOf(x);
  const Y = levelsOf(y);
  return !X || !Y || X.some((l) => Y.includes(l));
}

/** Where a level is declared: `mm_lock_p2m: mm-locks.h:190 declare_mm_lock(p2m), MM_LOCK_ORDER_p2m = 16`. */
function levelSources(program: Program, levels: number[] | undefined): { text: string; source?: string } {
  if (!levels) return { text: 'no declared level' };
  const parts: string[] = [];
  let first: string | undefined;
  for (const l of levels) {
    for (const s of program.levels?.sources.get(l) ?? []) {
      const w = s.declared.replace(/^.*\//, '');
      first ??= w;
      if (parts.some((x) => x.includes(`at ${w} `))) continue;
      parts.push(`level ${l}: \`${s.text}\` at ${w} (${s.constant})`);
    }
  }
  return parts.length ? { text: parts.join('; '), ...(first ? { source: first } : {}) } : { text: `level ${levels.join(' or ')} (no declaring macro found)` };
}

/** The violating edge of a level finding, as the lock graph has it. */
function violationOf(g: LockGraph, ctx: RuleContext): EdgeWitness | undefined {
  const f = ctx.finding;
  const [held, acq] = f.locks;
  return g.levelViolations.find((w) => w.fn === f.function && w.held.lock.cls === held && w.acq.lock.cls === (acq ?? held) && w.acq.chain[0]!.loc.line === f.line && w.acq.chain[0]!.loc.file === f.file);
}

export function levelViolation(ctx: RuleContext, inversion: (ctx: RuleContext) => ModelScript | undefined): ModelScript {
  const f = ctx.finding;
  const g = lockGraphOf(ctx);
  const v = violationOf(g, ctx);
  if (!v) throw new ExtractError('the violating acquisition is not in the lock-order graph', true);
  const A = v.acq;
  const B = v.held;
  const same = A.lock.cls === B.lock.cls;
  // the tree checks the order at run time: the violating path alone fails, no second CPU
  let oneWhy = '';
  const rc = runtimeCheckOf(ctx.program, v);
  if (typeof rc === 'string') oneWhy = rc;
  else {
    try {
      const s = levelCheckModel(ctx, v, rc);
      s.assumptions = [...levelAssumptions(ctx.program, v, undefined, 0), ...rc.assumptions, ...outerAssumption(s, A, true), ...(s.assumptions ?? [])];
      return s;
    } catch (e) {
      if (!(e instanceof ExtractError)) throw e;
      oneWhy = `the one-path model of the run-time check: ${e.message}`;
    }
  }
  // the designed order: A held, then B taken
  const all = same ? (g.levelNested ?? []).filter((w) => w.held.lock.cls === A.lock.cls) : g.edges.get(A.lock.cls!)?.get(B.lock.cls!) ?? [];
  const fits = all.filter((w) => sameKind(w.held, A) && sameKind(w.acq, B));
  if (!fits.length) {
    const kinds = all.length ? `: the ${all.length} path(s) taking ${A.lock.cls} before ${B.lock.cls} take them at other levels (${all.map((w) => `${w.fn}: ${lv(w.held)} then ${lv(w.acq)}`).join('; ')}), so on other kinds of object` : '';
    throw new ExtractError(`no path in the designed order (${A.lock.cls} then ${B.lock.cls})${kinds}; the violation is against the declared order only${oneWhy ? ` (no run-time check model: ${oneWhy})` : ''}`, true);
  }
  const src = ctx.source ?? noSource;
  const p0 = { ...f.witness[0]!, label: 'CPU0' };
  let last = '';
  for (const w of fits) {
    const p1 = edgePath('CPU1', w, src);
    let s: ModelScript | undefined;
    try {
      s = inversion({ ...ctx, finding: { ...f, locks: [...new Set(f.locks)], witness: [p0, p1] }, ...(same ? {} : { levelOuter: { cls: A.lock.cls!, before: B.lock.cls! } }) });
    } catch (e) {
      if (!(e instanceof ExtractError)) throw e;
      last = `${w.fn}: ${e.message}`;
      continue;
    }
    if (!s) continue;
    s.assumptions = [...levelAssumptions(ctx.program, v, w, all.length - fits.length), ...outerAssumption(s, A), ...(s.assumptions ?? [])];
    s.sides = [p1];
    return s;
  }
  throw new ExtractError(`the paths in the designed order (${fits.map((w) => w.fn).join(', ')}) give no model (${last})`);
}

/** CPU0 holds a lock of the class it later takes under the higher level: said, not hidden. */
function outerAssumption(s: ModelScript, A: Acq, onePath = false): Assumption[] {
  const name = `${A.lock.cls}/outer`;
  const st = s.threads[0]?.steps.find((x) => x.call === 'lock' && (x as { args: unknown[] }).args[0] === name) as { args: unknown[] } | undefined;
  if (!st) return [];
  const src = st.args[1] as { code?: string; line?: number; file?: string } | undefined;
  const where = src?.file && src.line !== undefined ? `${src.file.split('/').pop()}:${src.line}` : undefined;
  return [{ kind: 'alias', text: `CPU0 already holds a ${A.lock.cls}${src?.code ? ` (\`${src.code}\`${where ? `, ${where}` : ''})` : ''} when it takes the higher-level lock: taken to be another object than the ${A.lock.cls} it takes at ${at(A)} (${onePath ? 'were it the same, the second take would be a recursive re-take, which the check skips' : 'with one object CPU1 could not take it in between'}; the levels say the object's kind may differ)`, checked: false, ...(where ? { source: where } : {}) }];
}

function levelAssumptions(program: Program, v: EdgeWitness, w: EdgeWitness | undefined, otherKinds: number): Assumption[] {
  const A = v.acq;
  const B = v.held;
  const out: Assumption[] = [];
  const la = levelSources(program, levelsOf(A));
  const lb = levelSources(program, levelsOf(B));
  out.push({ kind: 'lock-class', text: `declared order: ${A.lock.cls} (level ${lv(A)}) before ${B.lock.cls} (level ${lv(B)}); CPU0 takes ${A.lock.cls} at ${at(A)} while holding ${B.lock.cls}: ${la.text}`, checked: true, ...(la.source ? { source: la.source } : {}) });
  if (lb.text !== la.text) out.push({ kind: 'lock-class', text: `${B.lock.cls}: ${lb.text}`, checked: true, ...(lb.source ? { source: lb.source } : {}) });
  if (!w) return out;
  out.push({ kind: 'concurrency', text: `the second side is a path in the designed order found in the lock-order graph: CPU1 ${w.held.chain[0]!.fn} holds ${w.held.lock.cls} (${at(w.held)}) and takes ${w.acq.lock.cls} (${at(w.acq)}); CPU0 enters at ${v.held.chain[0]!.fn}. They are taken to run at once because they are different paths with no caller lock in common (checked for global locks); the tool does not know which entry points the system can run together`, checked: false, source: at(w.acq) });
  for (const [x, y, role] of [[B, w.acq, 'held by CPU0'], [A, w.held, 'taken by CPU0']] as const) {
    const X = levelsOf(x);
    const Y = levelsOf(y);
    const kind = X && Y && X.length === 1 && Y.length === 1 ? `both at level ${X[0]}: the same kind of object by the declared levels` : X && Y ? `levels ${lv(x)} and ${lv(y)}: the object's kind decides, and the paths do not; taken to be the same kind` : `no declared level on one side`;
    out.push({ kind: 'alias', text: `the ${x.lock.cls} ${role} (\`${inst(x)}\`, ${at(x)}) and CPU1's (\`${inst(y)}\`, ${at(y)}) are one object (${kind})`, checked: false });
  }
  // CPU1 takes both locks of one object: the deadlock needs CPU0's two to be of one object too
  if (!w.held.lock.inst.root.startsWith('@') && w.held.lock.inst.root === w.acq.lock.inst.root && w.held.chain.length === 1 && w.acq.chain.length === 1) {
    out.push({ kind: 'alias', text: `CPU1 takes both locks of one object (\`${rootOf(w.held)}\`): the deadlock needs CPU0's \`${inst(B)}\` and \`${inst(A)}\` to belong to one object as well`, checked: false });
  }
  if (otherKinds) out.push({ kind: 'lock-class', text: `${otherKinds} other path(s) in the designed order take the locks at levels the violation's objects do not have (another kind of object): not used as the second side`, checked: true });
  return out;
}
