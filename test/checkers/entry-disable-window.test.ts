import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

// an interrupt-remapping style descriptor: a raw word laid over bitfields, read whole by the device
const irte = `typedef struct { int v; } spinlock_t;
union irte { unsigned int raw; struct { bool en:1; unsigned int vector:8; unsigned int dest:8; } f; };
union irte_ptr { void *ptr; union irte *p32; };
static union irte_ptr lookup(void *table, unsigned int idx) { union irte_ptr e = { .ptr = (union irte *)table + idx }; return e; }
static void write_entry(union irte_ptr e, unsigned int vector, unsigned int dest) {
	union irte n = { .f = { .en = true, .vector = vector, .dest = dest } };
	ACCESS_ONCE(e.p32->raw) = n.raw;
}
`;

ruleTester('entry-disable-window', {
  valid: [
    {
      name: 'the live entry is rewritten whole in one store, never switched off',
      code: `${irte}int update(void *table, unsigned int idx, unsigned int vector, unsigned int dest) {
	union irte_ptr e = lookup(table, idx);
	write_entry(e, vector, dest);
	return 0;
}`,
    },
    {
      name: 'an entry switched off and left off (a free, no rewrite)',
      code: `${irte}void release(void *table, unsigned int idx) {
	union irte_ptr e = lookup(table, idx);
	if (e.p32->f.en)
		e.p32->f.en = false;
}`,
    },
    {
      name: 'one bit cleared and set again (an emulated status bit, not a rewrite of the entry)',
      code: `${irte}void eoi(union irte *ent, unsigned int vector) {
	if (ent->f.vector != vector) return;
	ent->f.en = 0;
	notify(vector);
	if (ent->f.en == 0 && pending(vector))
		ent->f.en = 1;
}`,
    },
    {
      name: 'a bit cleared, then other bits of the raw word masked off (an update of the old value, not a new entry)',
      code: `${irte}void advance(union irte *ent) {
	if (ent->f.en)
		ent->f.en = 0;
	ent->raw &= ~0xff00u;
}`,
    },
    {
      name: 'a software copy in a local, switched off and rewritten before it is written out',
      code: `${irte}void stage(union irte *slot, unsigned int vector) {
	union irte n = *slot;
	union irte *c = &n;
	c->f.en = false;
	c->raw = vector;
	*slot = n;
}`,
    },
  ],
  invalid: [
    {
      name: 'switched off under the lock, the lock dropped for a flush, then rewritten through a helper',
      code: `${irte}int update(void *table, unsigned int idx, spinlock_t *lock, unsigned int vector, unsigned int dest) {
	union irte_ptr e;
	spin_lock(lock);
	e = lookup(table, idx);
	while (e.p32->f.en) {
		e.p32->f.en = false;
		spin_unlock(lock);
		flush_entry(idx);
		spin_lock(lock);
	}
	write_entry(e, vector, dest);
	spin_unlock(lock);
	return 0;
}`,
      functions: ['update', 'write_entry'],
      message: /update switches the live irte entry e\.p32 off \(f\.en = false, line \d+\) and rewrites it only at line \d+ \(via write_entry\): in between the device reads a disabled entry/,
      check: (fs) => {
        const [cpu0, dev] = fs[0]!.witness;
        expect(cpu0!.steps.map((s) => s.event)).toEqual([
          'store e.p32->f.en = false: the live irte entry is switched off',
          'release lock while the entry is off',
          'call flush_entry while the entry is off',
          'acquire lock while the entry is off',
          expect.stringMatching(/^call write_entry, which rewrites the entry/),
        ]);
        expect(dev!.steps[0]!.event).toMatch(/union irte lays raw over the bitfields/);
      },
    },
    {
      name: 'switched off then its raw word rewritten in the same function',
      code: `${irte}void retarget(union irte *ent, unsigned int raw) {
	if (!ent->f.en) return;
	ent->f.en = 0;
	ent->raw = raw;
}`,
      functions: ['retarget'],
      message: /retarget switches the live irte entry ent off \(f\.en = 0, line \d+\) and rewrites it only at line \d+:/,
    },
  ],
});

ruleTester('entry-disable-window-lowconf', {
  valid: [
    {
      name: 'the confident case is reported by entry-disable-window, not here',
      code: `${irte}void retarget(union irte *ent, unsigned int raw) { if (!ent->f.en) return; ent->f.en = 0; ent->raw = raw; }`,
    },
  ],
  invalid: [
    {
      name: 'switched off and rewritten, but the function never tests the bit: maybe not a live entry',
      code: `${irte}void reprogram(union irte *ent, unsigned int raw) {
	ent->f.en = 0;
	ent->raw = raw;
}`,
      functions: ['reprogram'],
      message: /\[low confidence: the function does not test the bit it clears/,
    },
  ],
});
