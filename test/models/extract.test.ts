// The extractor on small C snippets: ABBA confirmed with DEADLOCK, an edge guarded by
// mutually exclusive shared-state conditions refuted, limits give unknown.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import { extractModel } from '../../src/models/extract/index.js';
import { confirmFinding, REFUTED_NOTE } from '../../src/models/confirm.js';

const run = (text: string, opts = {}) => analyzeSources([{ path: 'x.c', text }], opts);

describe('model extraction', () => {
  it('a constant the tree defines is evaluated; one it does not define may take any compared value', () => {
    const text = (define: string) => `${define}
struct dev { spinlock_t a; spinlock_t b; int size; };
void f(struct dev *d)
{
\tif (d->size != SIZE_WORD)
\t\treturn;
\tif (d->size == 2) {
\t\tspin_lock(&d->a);
\t\tspin_lock(&d->b);
\t\tspin_unlock(&d->b);
\t\tspin_unlock(&d->a);
\t}
}
void g(struct dev *d)
{
\tspin_lock(&d->b);
\tspin_lock(&d->a);
\tspin_unlock(&d->a);
\tspin_unlock(&d->b);
}
`;
    const verdict = (define: string) => run(text(define)).findings.find((x) => x.rule === 'lock-inversion')?.confirmation.status;
    // size must be SIZE_WORD and 2 at once: only possible when SIZE_WORD is 2
    expect(verdict('#define SIZE_WORD 3')).toBe('refuted');
    expect(verdict('enum { SIZE_BYTE, SIZE_HALF, SIZE_WORD };')).toBe('confirmed');
    // the header defining it was not given: the model must not assume it differs from 2
    expect(verdict('')).toBe('confirmed');
  });

  it('confirms ABBA with DEADLOCK, trace naming both functions', () => {
    const r = run(`static DEFINE_SPINLOCK(a);
static DEFINE_SPINLOCK(b);
void f(void)
{
\tspin_lock(&a);
\tspin_lock(&b);
\tspin_unlock(&b);
\tspin_unlock(&a);
}
void g(void)
{
\tspin_lock(&b);
\tspin_lock(&a);
\tspin_unlock(&a);
\tspin_unlock(&b);
}
`);
    const f = r.findings.find((x) => x.rule === 'lock-inversion')!;
    expect(f.confirmation).toMatchObject({ status: 'confirmed', method: 'extracted', outcome: 'DEADLOCK' });
    const notes = f.confirmation.trace!.map((t) => t.note ?? '').join(' ');
    expect(notes).toContain('in f');
    expect(notes).toContain('in g');
    expect(f.confirmation.trace!.map((t) => t.line)).toEqual(expect.arrayContaining([5, 6, 12, 13]));
  });

  const guarded = (gMode: number) => `struct dev { int mode; spinlock_t a; spinlock_t b; };
void f(struct dev *d)
{
\tif (d->mode == 1) {
\t\tspin_lock(&d->a);
\t\tspin_lock(&d->b);
\t\tspin_unlock(&d->b);
\t\tspin_unlock(&d->a);
\t}
}
void g(struct dev *d)
{
\tif (d->mode == ${gMode}) {
\t\tspin_lock(&d->b);
\t\tspin_lock(&d->a);
\t\tspin_unlock(&d->a);
\t\tspin_unlock(&d->b);
\t}
}
`;

  it('refutes an edge whose paths need mutually exclusive values of shared state (and keeps the finding)', () => {
    const r = run(guarded(2));
    const f = r.findings.find((x) => x.rule === 'lock-inversion')!;
    expect(f).toBeDefined();
    expect(f.confirmation.status).toBe('refuted');
    // the reason says why: the two paths need different values of mode
    expect(f.confirmation.reason).toMatch(/path conditions exclude it/);
    expect(f.confirmation.reason).toContain('d->mode == 2');
    // kept at its severity, message untouched (no silent demotion)
    expect(f.severity).toBe('error');
    expect(f.message.endsWith(REFUTED_NOTE)).toBe(false);
  });

  it('does not refute it when other code in the tree may change the state between the two checks', () => {
    const r = run(guarded(2) + `void set_mode(struct dev *d, int m)
{
\td->mode = m;
}
`);
    const f = r.findings.find((x) => x.rule === 'lock-inversion')!;
    expect(f.confirmation).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
    // the writer shows up as an environment CPU in the trace
    expect(f.confirmation.trace!.some((t) => t.cpu === 2 && (t.code ?? '').includes('set_mode'))).toBe(true);
  });

  it('confirms the same shape when both paths can run under one value', () => {
    const r = run(guarded(1));
    const f = r.findings.find((x) => x.rule === 'lock-inversion')!;
    expect(f.confirmation).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
  });

  it('gives unknown with the reason when the search hits its limits', () => {
    const r = run(guarded(1), { confirm: false });
    const f = r.findings.find((x) => x.rule === 'lock-inversion')!;
    expect(f.confirmation.status).toBe('not-run');
    const c = confirmFinding(f, r.program, { maxStates: 2 });
    expect(c.status).toBe('unknown');
    expect(c.reason).toMatch(/state limit/);
  });

  it('confirms a recursive lock, a lock leak and a double unlock with their outcomes', () => {
    const r = run(`static DEFINE_SPINLOCK(l);
static void h(void) { spin_lock(&l); spin_unlock(&l); }
void rec(void) { spin_lock(&l); h(); spin_unlock(&l); }
int leak(int x)
{
\tspin_lock(&l);
\tif (x)
\t\treturn -EINVAL;
\tspin_unlock(&l);
\treturn -EINVAL;
}
void twice(void) { spin_lock(&l); spin_unlock(&l); spin_unlock(&l); }
`);
    const by = (rule: string) => r.findings.find((f) => f.rule === rule)!;
    expect(by('recursive-lock').confirmation).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK', method: 'extracted' });
    expect(by('lock-leak').confirmation).toMatchObject({ status: 'confirmed', outcome: 'BLOCKED FOREVER', method: 'extracted' });
    expect(by('double-unlock').confirmation).toMatchObject({ status: 'confirmed', outcome: 'UNLOCK OF UNHELD LOCK', method: 'extracted' });
  });

  it('refutes a lock leak whose "leaking" path unlocks in a __releases helper (through a function pointer)', () => {
    const r = run(`struct q { spinlock_t lock; int connected; void (*kick)(struct q *q); };
static void q_kick_and_unlock(struct q *q)
__releases(q->lock)
{
	q->kick(q);
}
int q_send(struct q *q)
{
	spin_lock(&q->lock);
	if (!q->connected) {
		spin_unlock(&q->lock);
		return -ENOTCONN;
	}
	q_kick_and_unlock(q);
	return -ENOTCONN;
}
`);
    const f = r.findings.find((x) => x.rule === 'lock-leak')!;
    expect(f.confirmation.status).toBe('refuted');
    expect(f.severity).not.toBe('note');
  });

  it('falls back to the template bound in rules/ as an illustration, never a confirmation', () => {
    const r = run(`static DEFINE_SPINLOCK(a);
static DEFINE_SPINLOCK(b);
void f(void) { spin_lock(&a); spin_lock(&b); spin_unlock(&b); spin_unlock(&a); }
void g(void) { spin_lock(&b); spin_lock(&a); spin_unlock(&a); spin_unlock(&b); }
`, { confirm: false });
    const f = r.findings[0]!;
    // a witness the IR cannot follow (a function that does not exist)
    const broken = { ...f, witness: f.witness.map((p) => ({ ...p, steps: p.steps.map((s) => ({ ...s, function: 'nosuch' })) })) };
    const x = extractModel(broken, r.program);
    expect(x.ok && x.method).toBe('template');
    const c = confirmFinding(broken, r.program);
    expect(c).toMatchObject({ status: 'unknown', method: 'template' });
    expect(c.reason).toMatch(/^no model: /);
    expect(c.trace).toBeUndefined();
    expect(c.illustration?.outcome).toBe('DEADLOCK');
  });
});

describe('confirmation budget', () => {
  it('low-confidence findings past their time budget are unknown with the reason; default findings are always confirmed', async () => {
    const { confirmFindings } = await import('../../src/models/confirm.js');
    const text = `struct d;
struct ops1 { void (*a)(struct d *); };
struct ops2 { void (*b)(struct d *); };
struct d { spinlock_t x; spinlock_t y; spinlock_t p; spinlock_t q; const struct ops1 *o1; const struct ops2 *o2; };
static void hb(struct d *d) { spin_lock(&d->y); spin_unlock(&d->y); }
static void ha(struct d *d) { d->o2->b(d); }
const struct ops1 t1 = { .a = ha };
const struct ops2 t2 = { .b = hb };
void f(struct d *d) { spin_lock(&d->x); d->o1->a(d); spin_unlock(&d->x); }
void g(struct d *d) { spin_lock(&d->y); spin_lock(&d->x); spin_unlock(&d->x); spin_unlock(&d->y); }
void h(struct d *d) { spin_lock(&d->p); spin_lock(&d->q); spin_unlock(&d->q); spin_unlock(&d->p); }
void k(struct d *d) { spin_lock(&d->q); spin_lock(&d->p); spin_unlock(&d->p); spin_unlock(&d->q); }
`;
    const r = analyzeSources([{ path: 'x.c', text }], { allRules: true, confirm: false });
    confirmFindings(r.findings, r.program, { lowconfBudgetStates: 0 });
    const low = r.findings.find((x) => x.rule === 'lock-inversion-lowconf')!;
    const def = r.findings.find((x) => x.rule === 'lock-inversion')!;
    expect(low.confirmation.status).toBe('unknown');
    expect(low.confirmation.reason).toMatch(/budget for low-confidence findings was spent/);
    expect(def.confirmation.status).toBe('confirmed');
  });
});
