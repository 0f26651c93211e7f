// The assumptions a verdict rests on, as data: which CPUs are taken to run at once, which
// instances are taken to be one lock/object, where lock classes come from, which path
// conditions the model evaluated (checked) and which it took on trust.
import type { Assumption, Confirmation, Finding } from '../report/finding.js';
import type { ModelScript, ScriptStep } from './extract/index.js';

const MAX_PATH = 12;

const where = (src: unknown): string | undefined => {
  const s = src as { file?: string; line?: number } | undefined;
  return s?.file && s.line !== undefined ? `${s.file.split('/').pop()}:${s.line}` : undefined;
};

function kept(steps: ScriptStep[], cpu: number, out: Assumption[]): void {
  for (const st of steps) {
    if (st.call !== 'if' || !('cond' in st)) continue;
    const src = st.src as { code?: string } | undefined;
    const code = (src?.code ?? `if (${st.cond})`).replace(/\s+/g, ' ');
    const w = where(st.src);
    out.push({ kind: 'path', text: `CPU${cpu}: \`${code}\` evaluated by the model (over the initial values and the other CPUs' writes)`, checked: true, ...(w ? { source: w } : {}) });
    kept(st.then, cpu, out);
  }
}

export function assumptionsOf(f: Finding, s: ModelScript, c: Confirmation): Assumption[] {
  const out: Assumption[] = [];
  const cpus = s.threads.filter((t) => !t.name.startsWith('ENV'));
  const envs = s.threads.filter((t) => t.name.startsWith('ENV'));
  if (cpus.length >= 2) {
    const entries = [...new Set(f.witness.filter((p) => cpus.some((t) => t.name.startsWith(`${p.label}:`))).map((p) => p.callChain[0]!))];
    out.push({
      kind: 'concurrency',
      text: `${cpus.map((t) => t.name).join(' | ')}: assumed to run at the same time on two CPUs (the tool has no model of which entry points can run concurrently); locks taken on these paths are in the model, locks held by callers of ${entries.join(', ') || 'the entry functions'} are not`,
      checked: false,
    });
  }
  for (const e of envs) out.push({ kind: 'concurrency', text: `${e.name}: may run at any point, holding the locks every such writer in the tree holds`, checked: false });
  if (f.category === 'lock-order' && f.rule.startsWith('lock-inversion') && cpus.length >= 2) {
    for (const l of s.locks) {
      if (/\/[AB]$/.test(l)) continue;
      if (f.locks.includes(l)) out.push({ kind: 'alias', text: `every \`${l}\` the CPUs take is one lock (one instance of the class)`, checked: false });
    }
    if (f.locks.length === 1) out.push({ kind: 'alias', text: `two instances of \`${f.locks[0]}\`, A and B: CPU0 takes A then B, CPU1 B then A (assumed to be the same two instances)`, checked: false });
  } else if (f.category === 'lifetime') {
    const objs = Object.keys(s.objects ?? {});
    if (objs.length) out.push({ kind: 'alias', text: `the object freed and the object used are one instance of ${objs.join(', ')}`, checked: false });
  }
  // where each lock class of the finding came from: the lock expression at its first acquisition
  for (const l of f.locks) {
    const st = f.witness.flatMap((p) => p.steps).find((x) => /^acquire\b/.test(x.event) && x.event.includes(l));
    const src = st ? `${st.file.split('/').pop()}:${st.line}` : undefined;
    out.push({ kind: 'lock-class', text: `\`${l}\`: lock class from the struct type and field path of the lock expression${st?.code ? ` (\`${st.code}\`)` : ''}; instances of the class are not told apart`, checked: false, ...(src ? { source: src } : {}) });
  }
  // what the extractor checked or assumed about levels, sides and objects comes first, uncapped
  const own = (s.assumptions ?? []).filter((a) => a.kind !== 'path' && a.kind !== 'abstraction');
  out.push(...own);
  const path: Assumption[] = [];
  cpus.forEach((t) => kept(t.steps, s.threads.indexOf(t), path));
  path.push(...(s.assumptions ?? []).filter((a) => !own.includes(a)));
  const seen = new Set<string>();
  const uniq = path.filter((a) => !seen.has(a.text + a.source) && seen.add(a.text + a.source));
  out.push(...uniq.slice(0, MAX_PATH));
  if (uniq.length > MAX_PATH) out.push({ kind: 'path', text: `${uniq.length - MAX_PATH} more path conditions (${uniq.slice(MAX_PATH).filter((a) => !a.checked).length} not modelled)`, checked: false });
  void c;
  return out;
}
