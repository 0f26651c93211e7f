// A read-side lock left held: the acquirer it blocks is a writer (down_write, write_lock, a
// grace-period wait), not another reader, so the model's other CPU takes it exclusively. A
// model whose other CPU were a reader would refute every read-side leak.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';

const leaks = (text: string) => analyzeSources([{ path: 'table.c', text }], {}).findings.filter((f) => f.rule === 'lock-leak');

describe('read-side lock leaks', () => {
  it('an RCU read-side section left open on an early return is confirmed', () => {
    const fs = leaks(`
struct entry { int ready; int val; };
int entry_peek(struct entry *e)
{
	int v;
	rcu_read_lock();
	if (!e->ready)
		return -1;
	v = e->val;
	rcu_read_unlock();
	return v;
}
`);
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation).toMatchObject({ status: 'confirmed', outcome: 'BLOCKED FOREVER' });
    expect(fs[0]!.confirmation.assumptions!.some((a) => /takes rcu exclusively/.test(a.text) && !a.checked)).toBe(true);
  });

  it('a read lock of an rwlock left held is confirmed against a writer', () => {
    const fs = leaks(`
struct table { rwlock_t lock; int n; };
int table_count(struct table *t)
{
	int n;
	read_lock(&t->lock);
	n = t->n;
	if (n < 0)
		return -22;
	read_unlock(&t->lock);
	return n;
}
`);
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation).toMatchObject({ status: 'confirmed', outcome: 'BLOCKED FOREVER' });
    const cpu1 = fs[0]!.confirmation.trace!.filter((t) => t.cpu === 1);
    expect(cpu1.some((t) => /^lock\(table\.lock\)$/.test(t.op))).toBe(true);
  });

  it('a looked-up reference kept on an early return is confirmed by the leaking path alone, with the value that takes that return', () => {
    const fs = leaks(`
struct dom { int x; };
struct op { int cmd; int res; };
int dom_op(int id, struct op *op)
{
	struct dom *d = rcu_lock_domain_by_id(id);
	if ( d == NULL )
		return -3;
	if ( op->cmd > 4 )
		return -22;
	op->res = d->x;
	rcu_unlock_domain(d);
	return 0;
}
`);
    expect(fs.length).toBe(1);
    const c = fs[0]!.confirmation;
    expect(c).toMatchObject({ status: 'confirmed', method: 'extracted', outcome: 'REFERENCE LEAKED' });
    expect(new Set(c.trace!.map((t) => t.cpu))).toEqual(new Set([0]));
    expect(c.initialValues).toMatchObject({ 'op.cmd': 5 });
    expect(c.trace!.at(-1)!.code).toBe('return -22;');
    expect(c.reason).toMatch(/returns still holding d \(taken at line \d+\)/);
    expect(c.assumptions!.some((a) => /looked-up reference .* the model is the leaking path alone/.test(a.text))).toBe(true);
  });

  it('a leaking return the path itself makes unreachable (the tested field set just before) is refuted', () => {
    const fs = leaks(`
struct dom { int x; };
struct op { int cmd; int res; };
int dom_op(int id, struct op *op)
{
	struct dom *d = rcu_lock_domain_by_id(id);
	if ( d == NULL )
		return -3;
	op->cmd = 0;
	if ( op->cmd > 4 )
		return -22;
	op->res = d->x;
	rcu_unlock_domain(d);
	return 0;
}
`);
    // the lock balance does not follow values: it reports the return, the model excludes it
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation.status).toBe('refuted');
    expect(fs[0]!.confirmation.reason).toMatch(/path conditions exclude it/);
  });
});
