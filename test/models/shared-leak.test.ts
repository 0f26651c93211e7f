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
});
