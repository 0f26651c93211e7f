import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

// a hardware-format entry: a raw word overlaying bitfields, written whole with write_atomic
const entry = `typedef union { unsigned long raw; struct { unsigned long present:1, wr:1, frame:40; }; } hw_entry_t;
#define read_entry(p) ((hw_entry_t){ .raw = read_atomic(&(p)->raw) })
static void put_entry(hw_entry_t *slot, hw_entry_t n) { write_atomic(&slot->raw, n.raw); }
`;

const fill = `static void *fill_entry(hw_entry_t *e, unsigned long frame) {
	e->raw = 0;
	e->frame = frame;
	e->wr = 1;
	e->present = 1;
	return e;
}
`;

ruleTester('torn-update', {
  valid: [
    {
      name: 'the new entry is built in a local and written once',
      code: `${entry}${fill}int walk(hw_entry_t *table, int i, unsigned long frame) {
	hw_entry_t e = read_entry(&table[i]);
	if (!e.present) { hw_entry_t n; fill_entry(&n, frame); put_entry(&table[i], n); }
	return 0;
}`,
    },
    {
      name: 'an entry type nobody writes whole with a marked access',
      code: `typedef union { unsigned long raw; struct { unsigned long present:1, frame:40; }; } sw_entry_t;
void set(sw_entry_t *e, unsigned long f) { e->frame = f; e->present = 1; }`,
    },
    {
      name: 'entries of a new table filled before the table is linked with a barrier',
      code: `${entry}static void fill_table(hw_entry_t *t, int n, unsigned long frame) {
	hw_entry_t *e = t;
	while (n--) { e->frame = frame++; e->present = 1; e++; }
}
void link_table(hw_entry_t *slot, hw_entry_t *t, hw_entry_t n) {
	fill_table(t, 512, 7);
	smp_wmb();
	put_entry(slot, n);
}`,
    },
    {
      name: 'one member stored',
      code: `${entry}void mark(hw_entry_t *e) { hw_entry_t o = read_entry(e); if (o.present) e->wr = 0; }`,
    },
  ],
  invalid: [
    {
      name: 'a live entry passed to a helper that fills it member by member (the caller reads it with a marked accessor)',
      code: `${entry}${fill}int walk(hw_entry_t *table, int i, unsigned long frame) {
	hw_entry_t *slot = table + i;
	hw_entry_t e = read_entry(slot);
	if (!e.present) fill_entry(slot, frame);
	return 0;
}`,
      functions: ['walk', 'fill_entry', 'put_entry'],
      message: /walk passes a live entry to fill_entry, which updates hw_entry_t e member by member with 4 separate stores/,
      check: (fs) => {
        const w = fs[0]!.witness;
        expect(w[0]!.callChain).toEqual(['walk', 'fill_entry']);
        expect(w[1]!.steps.at(-1)!.event).toMatch(/write_atomic of a whole hw_entry_t/);
      },
    },
    {
      name: 'a live entry read with read_atomic and then rewritten field by field',
      code: `${entry}unsigned int update(hw_entry_t *pte, unsigned long frame, int wr) {
	hw_entry_t old = read_entry(pte);
	pte->frame = frame;
	pte->wr = wr;
	pte->present = 1;
	return old.present;
}`,
      functions: ['update'],
      message: /update updates hw_entry_t pte member by member with 3 separate stores \(frame, wr, present\)/,
    },
  ],
});

ruleTester('torn-update-lowconf', {
  valid: [
    {
      name: 'an unordered live update is reported by torn-update, not here',
      code: `${entry}unsigned int update(hw_entry_t *pte, unsigned long frame) { hw_entry_t o = read_entry(pte); pte->frame = frame; pte->present = 1; return o.present; }`,
    },
  ],
  invalid: [
    {
      name: 'halves ordered by a write barrier: a protocol that is safe only while the entry is not live',
      code: `typedef union { unsigned long raw[2]; } wide_t;
static void set_wide(wide_t *w, wide_t n) { WRITE_ONCE(w->raw[0], n.raw[0]); }
void publish(wide_t *w, wide_t n) { w->raw[1] = n.raw[1]; smp_wmb(); ACCESS_ONCE(w->raw[0]) = n.raw[0]; }`,
      message: /ordered by a write barrier/,
    },
    {
      name: 'the updating side never treats the entry as shared',
      code: `${entry}void rewrite(hw_entry_t *pte, unsigned long frame) { pte->frame = frame; pte->present = 1; }`,
      functions: ['rewrite', 'put_entry'],
    },
  ],
});
