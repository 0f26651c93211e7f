// Verdicts a reviewer can trust: `refuted` only within an over-approximating model (writes of
// tested state kept, both sides of each comparison tried), the reason says why the code is
// safe, a template never confirms, and every verdict lists what it assumed.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import type { Finding } from '../../src/report/finding.js';

const lines = (s: string) => s.replace(/^\n/, '');
const inversion = (text: string): Finding => {
  const r = analyzeSources([{ path: 'ports.c', text: lines(text) }], {});
  const f = r.findings.filter((x) => x.rule === 'lock-inversion');
  expect(f.length).toBe(1);
  return f[0]!;
};

// CPU0 takes the table lock, then each port's state lock; CPU1 holds a port's state lock and,
// when the port's state says so, calls a function that takes the table lock.
const ports = (cpu1: string, cpu0Body = '', extra = '') => `
struct port { spinlock_t state_lock; int pending; int flag; int count; };
struct table { spinlock_t lock; struct port *ports[16]; };
static struct table tbl;
${extra}
static void table_rebuild(void)
{
\tspin_lock(&tbl.lock);
\tspin_unlock(&tbl.lock);
}
void table_walk(void)
{
\tint i;
\tspin_lock(&tbl.lock);
\tfor (i = 0; i < 16; i++) {
\t\tstruct port *p = tbl.ports[i];
\t\tspin_lock(&p->state_lock);
${cpu0Body}\t\tspin_unlock(&p->state_lock);
\t}
\tspin_unlock(&tbl.lock);
}
void port_kick(struct port *p)
{
\tspin_lock(&p->state_lock);
${cpu1}\tspin_unlock(&p->state_lock);
}
`;

describe('refuted only within an over-approximating model', () => {
  it('a counter incremented before its test: the increment stays in the model, 9 is tried', () => {
    const f = inversion(ports(`\tp->pending++;\n\tif (p->pending > 8)\n\t\ttable_rebuild();\n`));
    expect(f.confirmation).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
    expect(f.severity).toBe('error');
    // the values the interleaving needs are part of the verdict
    expect(Object.keys(f.confirmation.initialValues ?? {})).toContain('port.pending');
    expect(f.confirmation.initialValues!['port.pending']).toBeGreaterThanOrEqual(8);
    // the increment is a step of the trace
    expect(f.confirmation.trace!.some((t) => t.code === 'p->pending++;')).toBe(true);
  });

  it('a threshold compared with >= and a decrement: both sides of the constant are tried', () => {
    const f = inversion(ports(`\tp->pending -= 2;\n\tif (p->pending >= 5)\n\t\ttable_rebuild();\n`));
    expect(f.confirmation.status).toBe('confirmed');
  });

  it('a flag the other CPU sets', () => {
    const f = inversion(ports(`\tif (p->flag)\n\t\ttable_rebuild();\n`, `\t\tp->flag = 1;\n`));
    expect(f.confirmation.status).toBe('confirmed');
  });

  it('a value read from a struct field the other path writes (through a local)', () => {
    const f = inversion(ports(`\tint n = p->count;\n\tif (n > 4)\n\t\ttable_rebuild();\n`, `\t\tp->count = p->count + 1;\n`));
    expect(f.confirmation.status).toBe('confirmed');
  });

  it('a field the other path writes with a value the model cannot evaluate is havoc, not a refutation', () => {
    const f = inversion(ports(`\tp->count = compute(p);\n\tif (p->count == 12345)\n\t\ttable_rebuild();\n`, '', 'int compute(struct port *p);'));
    expect(f.confirmation.status).toBe('confirmed');
    expect(f.confirmation.assumptions!.some((a) => a.kind === 'abstraction' && /cannot evaluate/.test(a.text))).toBe(true);
  });

  it('a real refutation: the second lock is only reached when a flag both sides test is clear on one and set on the other', () => {
    const f = inversion(`
struct dev { spinlock_t outer; spinlock_t a; spinlock_t b; int busy; };
void f(struct dev *d)
{
\tspin_lock(&d->a);
\tif (!d->busy) {
\t\tspin_lock(&d->b);
\t\tspin_unlock(&d->b);
\t}
\tspin_unlock(&d->a);
}
void g(struct dev *d)
{
\tspin_lock(&d->b);
\tif (d->busy) {
\t\tspin_lock(&d->a);
\t\tspin_unlock(&d->a);
\t}
\tspin_unlock(&d->b);
}
`);
    expect(f.confirmation.status).toBe('refuted');
    expect(f.confirmation.reason).toMatch(/path conditions exclude it/);
    expect(f.confirmation.reason).toContain('d->busy');
    expect(f.severity).toBe('error');
  });

  it('a refutation by a lock both sides hold names the lock', () => {
    const f = inversion(`
struct dev { spinlock_t outer; spinlock_t a; spinlock_t b; };
void f(struct dev *d)
{
\tspin_lock(&d->outer);
\tspin_lock(&d->a);
\tspin_lock(&d->b);
\tspin_unlock(&d->b);
\tspin_unlock(&d->a);
\tspin_unlock(&d->outer);
}
void g(struct dev *d)
{
\tspin_lock(&d->outer);
\tspin_lock(&d->b);
\tspin_lock(&d->a);
\tspin_unlock(&d->a);
\tspin_unlock(&d->b);
\tspin_unlock(&d->outer);
}
`);
    if (f) {
      expect(f.confirmation.status).toBe('refuted');
      expect(f.confirmation.reason).toMatch(/both sides hold dev\.outer/);
    }
  });
});

describe('assumptions checked against the code', () => {
  it('entry functions whose every caller holds one global lock cannot interleave: refuted, naming the lock', () => {
    const f = inversion(`
struct dev { spinlock_t a; spinlock_t b; };
static DEFINE_SPINLOCK(big);
static void f(struct dev *d)
{
\tspin_lock(&d->a);
\tspin_lock(&d->b);
\tspin_unlock(&d->b);
\tspin_unlock(&d->a);
}
static void g(struct dev *d)
{
\tspin_lock(&d->b);
\tspin_lock(&d->a);
\tspin_unlock(&d->a);
\tspin_unlock(&d->b);
}
void run_f(struct dev *d)
{
\tspin_lock(&big);
\tf(d);
\tspin_unlock(&big);
}
void run_g(struct dev *d)
{
\tspin_lock(&big);
\tg(d);
\tspin_unlock(&big);
}
`);
    expect(f.confirmation.status).toBe('refuted');
    expect(f.confirmation.reason).toMatch(/both sides hold big/);
    expect(f.confirmation.assumptions!.some((a) => a.kind === 'concurrency' && a.checked && /every call site/.test(a.text))).toBe(true);
  });
});

describe('assumptions and consistency', () => {
  it('lists what a confirmation rests on: concurrency, aliasing, lock classes, path conditions', () => {
    const f = inversion(ports(`\tp->pending++;\n\tif (p->pending > 8)\n\t\ttable_rebuild();\n`));
    const kinds = new Set(f.confirmation.assumptions!.map((a) => a.kind));
    for (const k of ['concurrency', 'alias', 'lock-class', 'path']) expect(kinds).toContain(k);
    const cond = f.confirmation.assumptions!.find((a) => a.kind === 'path' && a.text.includes('p->pending > 8'))!;
    expect(cond.checked).toBe(true);
    expect(cond.source).toMatch(/ports\.c:\d+/);
    expect(f.confirmation.assumptions!.find((a) => a.kind === 'concurrency')!.checked).toBe(false);
  });

  it('never locks through a pointer on the branch where it is NULL', () => {
    const r = analyzeSources([{ path: 'n.c', text: `struct obj { spinlock_t lock; };
static DEFINE_SPINLOCK(big);
void f(struct obj *o)
{
\tspin_lock(&big);
\tif (!o) {
\t\tspin_lock(&o->lock);
\t\tspin_unlock(&o->lock);
\t}
\tspin_unlock(&big);
}
void g(struct obj *o)
{
\tspin_lock(&o->lock);
\tspin_lock(&big);
\tspin_unlock(&big);
\tspin_unlock(&o->lock);
}
` }], {});
    const f = r.findings.find((x) => x.rule === 'lock-inversion')!;
    expect(f.confirmation.status).toBe('unknown');
    expect(f.confirmation.reason).toMatch(/where o is NULL/);
  });
});

describe('refuted findings in the front ends', () => {
  const refutedText = `struct dev { spinlock_t a; spinlock_t b; int busy; };
void f(struct dev *d)
{
\tspin_lock(&d->a);
\tif (!d->busy) {
\t\tspin_lock(&d->b);
\t\tspin_unlock(&d->b);
\t}
\tspin_unlock(&d->a);
}
void g(struct dev *d)
{
\tspin_lock(&d->b);
\tif (d->busy) {
\t\tspin_lock(&d->a);
\t\tspin_unlock(&d->a);
\t}
\tspin_unlock(&d->b);
}
`;

  it('the CLI shows a refuted finding at its severity with the reason and fails; --hide-refuted hides it and passes', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { main: runCli } = await import('../../src/cli/main.js');
    const dir = mkdtempSync(join(tmpdir(), 'lc-ref-'));
    writeFileSync(join(dir, 'd.c'), refutedText);
    const run = async (args: string[]) => {
      let out = '';
      const code = await runCli(['node', 'lockcheck', ...args, '--jobs', '1', '--no-progress', dir], { stdout: (s: string) => (out += s), stderr: () => {} });
      return { code, out };
    };
    const shown = await run([]);
    expect(shown.code).toBe(1);
    expect(shown.out).toMatch(/: error: possible lock-order inversion/);
    expect(shown.out).toMatch(/refuted by the model: the path conditions exclude it/);
    expect(shown.out).toMatch(/model verdicts: 1 refuted/);
    const hidden = await run(['--hide-refuted']);
    expect(hidden.code).toBe(0);
    expect(hidden.out).toMatch(/1 refuted finding hidden/);
  });

  it('a mail reply is not written for a refuted finding alone; alongside a real one it says why it was refuted', async () => {
    const { buildReply, mailable } = await import('../../src/reply/eml.js');
    const r = analyzeSources([{ path: 'd.c', text: refutedText }], {});
    const ref = r.findings.find((x) => x.rule === 'lock-inversion')!;
    expect(mailable(ref)).toBe(false);
    const real = { ...inversion(ports(`\tp->pending++;\n\tif (p->pending > 8)\n\t\ttable_rebuild();\n`)), change: 'introduced' as const };
    const eml = buildReply({ messageId: '<a@b>', subject: '[PATCH] x', from: 'A <a@b>', date: '', references: [] }, [real, { ...ref, change: 'introduced' }]);
    expect(eml).toContain('refuted by the model because the path conditions exclude it');
    expect(eml).toContain('*** DEADLOCK ***');
  });
});

describe('a trace a maintainer can replay', () => {
  it('a message-passing finding carries a herd7 litmus test, printed in the text output', async () => {
    const { formatFinding } = await import('../../src/report/text.js');
    const r = analyzeSources([{ path: 'mp.c', text: `struct msg { int data; int ready; };
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
` }], {});
    const f = r.findings.find((x) => x.rule === 'missing-barrier' && x.confirmation.status === 'confirmed')!;
    expect(f).toBeDefined();
    expect(f.confirmation.litmus).toMatch(/^C /);
    expect(f.confirmation.litmus).toMatch(/exists \(/);
    expect(formatFinding(f)).toContain('litmus test (herd7');
  });

  it('SARIF keeps the severity of a refuted finding, says why, and carries the initial values', async () => {
    const { toSarif } = await import('../../src/report/sarif.js');
    const conf = inversion(ports(`\tp->pending++;\n\tif (p->pending > 8)\n\t\ttable_rebuild();\n`));
    const sarif = JSON.stringify(toSarif([conf], [], '0'));
    expect(sarif).toContain('"initialValues":{"port.pending":');
    expect(sarif).toMatch(/model confirmed: DEADLOCK from port\.pending = \d+/);
    const r = analyzeSources([{ path: 'd.c', text: `struct dev { spinlock_t a; spinlock_t b; int busy; };
void f(struct dev *d) { spin_lock(&d->a); if (!d->busy) { spin_lock(&d->b); spin_unlock(&d->b); } spin_unlock(&d->a); }
void g(struct dev *d) { spin_lock(&d->b); if (d->busy) { spin_lock(&d->a); spin_unlock(&d->a); } spin_unlock(&d->b); }
` }], {});
    const ref = r.findings.find((x) => x.rule === 'lock-inversion')!;
    expect(ref.confirmation.status).toBe('refuted');
    const res = (toSarif([ref], [], '0') as { runs: { results: { level: string; message: { text: string } }[] }[] }).runs[0]!.results[0]!;
    expect(res.level).toBe('error');
    expect(res.message.text).toMatch(/refuted by the model because the path conditions exclude it/);
  });
});
