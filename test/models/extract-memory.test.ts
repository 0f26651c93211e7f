// Memory-ordering and lifetime models: message passing without barriers is a STALE READ on
// LKMM and the same model with smp_wmb()/smp_rmb() put in is refuted; a work item freed on a
// path that skips its cancel is a USE AFTER FREE in its callback.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import { extractModel, scriptModel } from '../../src/models/extract/index.js';
import { explore } from '../../src/models/explorer/index.js';
import type { ScriptStep } from '../../src/models/extract/script.js';

const MP = `struct msg { int data; int ready; };
void writer(struct msg *m)
{
\tm->data = 42;
\tWRITE_ONCE(m->ready, 1);
}
int reader(struct msg *m)
{
\tif (READ_ONCE(m->ready))
\t\treturn m->data;
\treturn 0;
}
`;

function insertBefore(steps: ScriptStep[], line: number, step: ScriptStep): boolean {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.call === 'if' && 'then' in s) {
      if (insertBefore(s.then, line, step)) return true;
      continue;
    }
    const o = (s as { args: unknown[] }).args.at(-1) as { line?: number } | undefined;
    if (o && typeof o === 'object' && o.line === line) {
      steps.splice(i, 0, step);
      return true;
    }
  }
  return false;
}

describe('memory-ordering and lifetime models', () => {
  it("the reader's test inside a callee decides: publishing the value the test rejects is refuted", () => {
    // kvm_sched_in/kvm_sched_out against kvm_vcpu_on_spin, reached from an exit handler
    const text = `struct vcpu { int preempted; int ready; };
void yield_to(struct vcpu *v);
void sched_in(struct vcpu *v)
{
\tWRITE_ONCE(v->preempted, 0);
\tWRITE_ONCE(v->ready, 0);
}
void sched_out(struct vcpu *v)
{
\tWRITE_ONCE(v->preempted, 1);
\tWRITE_ONCE(v->ready, 1);
}
static void on_spin(struct vcpu *v)
{
\tif (!READ_ONCE(v->ready))
\t\treturn;
\tif (READ_ONCE(v->preempted))
\t\tyield_to(v);
}
void pause_exit(struct vcpu *v)
{
\ton_spin(v);
}
`;
    const r = analyzeSources([{ path: 'spin.c', text }], {});
    const mb = r.findings.filter((x) => x.rule === 'missing-barrier');
    const byWriter = new Map(mb.map((f) => [f.function, f]));
    expect(byWriter.get('sched_in')?.functions).toEqual(expect.arrayContaining(['pause_exit', 'on_spin']));
    // ready = 0 makes on_spin return before it reads preempted: nothing was published to it
    expect(byWriter.get('sched_in')?.confirmation.status).toBe('refuted');
    expect(byWriter.get('sched_out')?.confirmation).toMatchObject({ status: 'confirmed', outcome: 'STALE READ' });
    // the refuted one stays reported at its severity (hidden from the fail level only with --hide-refuted)
    expect(byWriter.get('sched_in')?.severity).toBe('warning');
    expect(byWriter.get('sched_in')?.confirmation.reason).toMatch(/path conditions exclude it: .*ready/);
    expect(byWriter.get('sched_out')?.severity).toBe('warning');
  });

  it('message passing without barriers: STALE READ on LKMM; with smp_wmb + smp_rmb: refuted', () => {
    const r = analyzeSources([{ path: 'mp.c', text: MP }], { confirm: false });
    const f = r.findings.find((x) => x.rule === 'missing-barrier')!;
    expect(f).toBeDefined();
    const x = extractModel(f, r.program);
    if (!x.ok) throw new Error(x.reason);
    expect(x.method).toBe('extracted');
    expect(x.script.memory).toBe('lkmm');
    const bad = explore(scriptModel(x.script));
    expect(bad).toMatchObject({ status: 'confirmed', outcome: 'STALE READ' });
    expect(bad.trace.map((t) => t.line)).toEqual(expect.arrayContaining([4, 5, 9, 10]));
    const [w, rd] = x.script.threads;
    expect(insertBefore(w!.steps, 5, { call: 'wmb', args: [] })).toBe(true);
    expect(insertBefore(rd!.steps, 10, { call: 'rmb', args: [] })).toBe(true);
    expect(explore(scriptModel(x.script))).toMatchObject({ status: 'refuted' });
    // one barrier alone is not enough
    const onlyW = { ...x.script, threads: [w!, { ...rd!, steps: rd!.steps.filter((s) => s.call !== 'rmb') }] };
    expect(explore(scriptModel(onlyW)).status).toBe('confirmed');
  });

  it('a work item freed on a path that skips its cancel: USE AFTER FREE in the callback', () => {
    const r = analyzeSources([{ path: 'w.c', text: `struct dev { int state; struct work_struct work; };
static void dev_work(struct work_struct *w)
{
\tstruct dev *d = container_of(w, struct dev, work);
\td->state = 1;
}
void dev_start(struct dev *d)
{
\tINIT_WORK(&d->work, dev_work);
\tschedule_work(&d->work);
}
void dev_stop(struct dev *d)
{
\tif (d->state != 1)
\t\tcancel_work_sync(&d->work);
\tkfree(d);
}
` }]);
    const f = r.findings.find((x) => x.rule === 'free-with-pending-callback')!;
    expect(f.confirmation).toMatchObject({ status: 'confirmed', method: 'extracted', outcome: 'USE AFTER FREE' });
    const notes = f.confirmation.trace!.map((t) => t.note ?? '').join(' ');
    expect(notes).toContain('in dev_stop');
    expect(notes).toContain('in dev_work');
    // the freeing CPU went around the cancel
    expect(f.confirmation.trace!.some((t) => (t.code ?? '').includes('cancel_work_sync'))).toBe(false);
  });
});
