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

const pte = `union pte { unsigned long raw; struct { bool pr:1; unsigned int lvl:3; unsigned long mfn:40; }; };
`;
const setPresent = `static unsigned int set_present(union pte *e, unsigned long mfn, unsigned int lvl) {
	unsigned int flush = 0;
	if (e->pr && (e->mfn != mfn || e->lvl != lvl))
		flush = 1;
	e->mfn = mfn;
	e->lvl = lvl;
	e->pr = 1;
	return flush;
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
    {
      name: 'a bitfield-overlay entry freshly allocated and filled before anyone can see it',
      code: `${pte}union pte *new_entry(unsigned long mfn) {
	union pte *e = xzalloc(union pte);
	if (!e) return 0;
	e->mfn = mfn;
	e->lvl = 1;
	e->pr = 1;
	return e;
}`,
    },
    {
      name: 'a register image embedded in a device struct (no pointer to the union itself): a software copy',
      code: `union ctrl_reg { unsigned long raw; struct { bool en:1; unsigned int mode:3; }; };
struct dev { union ctrl_reg ctrl; void *mmio; };
void enable(struct dev *d) {
	if (d->ctrl.en) return;
	d->ctrl.mode = 2;
	d->ctrl.en = 1;
	writeq(d->ctrl.raw, d->mmio);
}`,
    },
  ],
  invalid: [
    {
      name: 'a bitfield-overlay entry of a mapped table, read then rewritten in place bitfield by bitfield',
      code: `${pte}${setPresent}unsigned int map_one(unsigned long table_mfn, unsigned int idx, unsigned long mfn) {
	union pte *table = map_domain_page(table_mfn);
	unsigned int f = set_present(&table[idx], mfn, 1);
	unmap_domain_page(table);
	return f;
}`,
      functions: ['map_one', 'set_present'],
      message: /map_one passes a live entry to set_present, which updates pte e bitfield by bitfield with 3 separate stores \(mfn, lvl, pr\).*union pte lays raw over these bitfields/,
    },
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
