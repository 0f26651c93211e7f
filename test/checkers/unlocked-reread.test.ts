import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

// a table of slots whose pin counts change only under the table's lock
const table = `struct slot { unsigned int pin; unsigned long frame; };
struct table { spinlock_t lock; struct slot *slots; unsigned int nr; };
void iommu_add(unsigned long f);
void iommu_del(unsigned long f);
void slot_put(struct table *t, unsigned int i, int wr) {
	struct slot *s;
	spin_lock(&t->lock);
	s = &t->slots[i];
	s->pin -= wr ? 0x100 : 1;
	if (!(s->pin & 0xff00))
		iommu_del(s->frame);
	spin_unlock(&t->lock);
}
`;

ruleTester('unlocked-reread', {
  valid: [
    {
      name: 'the value is snapshotted under the lock and the snapshot is used after the unlock',
      code: `${table}void slot_get(struct table *t, unsigned int i, int wr) {
	struct slot *s;
	unsigned int old, now;
	spin_lock(&t->lock);
	s = &t->slots[i];
	old = s->pin;
	s->pin += wr ? 0x100 : 1;
	now = s->pin;
	spin_unlock(&t->lock);
	if (!(old & 0xff00) && (now & 0xff00))
		iommu_add(s->frame);
}`,
    },
    {
      name: 'a benign unlocked snapshot with no read under the lock before it',
      code: `${table}void slot_get(struct table *t, unsigned int i, int wr) {
	struct slot *s = &t->slots[i];
	spin_lock(&t->lock);
	s->pin += wr ? 0x100 : 1;
	spin_unlock(&t->lock);
}
int slot_busy(struct table *t, unsigned int i) {
	struct slot *s = &t->slots[i];
	if (s->pin)
		return 1;
	return 0;
}`,
    },
    {
      name: 'read again after the unlock only to print it: nothing is decided on it',
      code: `${table}void slot_get(struct table *t, unsigned int i, int wr) {
	struct slot *s;
	spin_lock(&t->lock);
	s = &t->slots[i];
	if (s->pin & 0x80808080U) {
		spin_unlock(&t->lock);
		return;
	}
	s->pin += wr ? 0x100 : 1;
	spin_unlock(&t->lock);
	printk("pin %x\\n", s->pin);
}`,
    },
    {
      name: 'read again after re-taking the lock',
      code: `${table}void slot_get(struct table *t, unsigned int i, int wr) {
	struct slot *s;
	spin_lock(&t->lock);
	s = &t->slots[i];
	s->pin += wr ? 0x100 : 1;
	spin_unlock(&t->lock);
	iommu_add(0);
	spin_lock(&t->lock);
	if (s->pin & 0xff00)
		iommu_add(s->frame);
	spin_unlock(&t->lock);
}`,
    },
    {
      name: 'another writer changes the field without the lock: no inferred guard (a double-fetch question)',
      code: `${table}void slot_get(struct table *t, unsigned int i, int wr) {
	struct slot *s;
	spin_lock(&t->lock);
	s = &t->slots[i];
	s->pin += wr ? 0x100 : 1;
	spin_unlock(&t->lock);
	if (s->pin & 0xff00)
		iommu_add(s->frame);
}
void slot_clear(struct table *t, unsigned int i) { t->slots[i].pin = 0; }`,
    },
    {
      name: 'the field is updated atomically elsewhere: lock-free by design',
      code: `struct obj { spinlock_t lock; atomic_t refs; int state; };
void obj_set(struct obj *o, int v) { spin_lock(&o->lock); o->state = v; spin_unlock(&o->lock); }
void obj_mark(struct obj *o) { WRITE_ONCE(o->state, 2); }
int obj_poll(struct obj *o) {
	int r;
	spin_lock(&o->lock);
	r = o->state;
	spin_unlock(&o->lock);
	if (o->state == 2)
		return r;
	return 0;
}`,
    },
    {
      name: 'the pointer is re-pointed at another object between the reads',
      code: `${table}void slot_get(struct table *t, unsigned int i, int wr) {
	struct slot *s;
	spin_lock(&t->lock);
	s = &t->slots[i];
	s->pin += wr ? 0x100 : 1;
	spin_unlock(&t->lock);
	s = slot_lookup(t, i + 1);
	if (s->pin & 0xff00)
		iommu_add(s->frame);
}`,
    },
  ],
  invalid: [
    {
      name: 'pin count updated under the table lock, re-read after the unlock to decide a mapping',
      code: `${table}void slot_get(struct table *t, unsigned int i, int wr) {
	struct slot *s;
	unsigned int old;
	spin_lock(&t->lock);
	s = &t->slots[i];
	old = s->pin;
	s->pin += wr ? 0x100 : 1;
	spin_unlock(&t->lock);
	if (!(old & 0xff00) && (s->pin & 0xff00))
		iommu_add(s->frame);
}`,
      functions: ['slot_get', 'slot_put'],
      locks: ['table.lock'],
      message: /reads s->pin under table\.lock .*again unlocked/,
      check: (f) => {
        expect(f[0]!.witness.map((w) => w.label)).toEqual(['CPU0 (re-reader)', 'CPU1 (writer)', 'CPU1 (also)']);
        expect(f[0]!.witness[1]!.callChain).toEqual(['slot_put']);
        // the model finds slot_put's update between the unlock and the re-read
        expect(f[0]!.confirmation.status).toBe('confirmed');
        expect(f[0]!.witness[0]!.steps.map((s) => s.event).join('\n')).toMatch(/release table\.lock/);
        expect(f[0]!.line).toBe(22);
      },
    },
    {
      name: 'the writers hold the lock through their callers; the re-read is returned',
      code: `struct req { spinlock_t lock; int state; };
static void req_set(struct req *r, int v) { r->state = v; }
void req_start(struct req *r) { spin_lock(&r->lock); req_set(r, 1); spin_unlock(&r->lock); }
void req_done(struct req *r) { spin_lock(&r->lock); req_set(r, 2); r->state++; spin_unlock(&r->lock); }
int req_kick(struct req *r) {
	spin_lock(&r->lock);
	if (r->state != 1) {
		spin_unlock(&r->lock);
		return -1;
	}
	spin_unlock(&r->lock);
	return r->state;
}`,
      functions: ['req_kick'],
      locks: ['req.lock'],
      message: /used|again unlocked/,
    },
  ],
});

ruleTester('unlocked-reread-lowconf', {
  valid: [],
  invalid: [
    {
      name: 'only this function writes the field (its own other instances are the other side)',
      code: `struct ctr { spinlock_t lock; int n; };
void ctr_bump(struct ctr *c, int *out) {
	spin_lock(&c->lock);
	c->n++;
	if (c->n > 4)
		c->n = 0;
	spin_unlock(&c->lock);
	if (c->n == 0)
		*out = 1;
}`,
      functions: ['ctr_bump'],
    },
  ],
});

