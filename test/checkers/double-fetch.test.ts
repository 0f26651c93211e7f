import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

const cfg = `struct cfg { spinlock_t lock; int len; char buf[64]; };
void update(struct cfg *c, int n) { spin_lock(&c->lock); WRITE_ONCE(c->len, n); spin_unlock(&c->lock); }
`;

ruleTester('double-fetch', {
  valid: [
    {
      name: 'one READ_ONCE into a local, tested and used',
      code: `${cfg}void copy(struct cfg *c, char *dst) {
	int n = READ_ONCE(c->len);
	if (n > 64)
		return;
	memcpy(dst, c->buf, n);
}`,
    },
    {
      name: 'both reads under the writer lock',
      code: `${cfg}void copy(struct cfg *c, char *dst) {
	spin_lock(&c->lock);
	if (c->len <= 64)
		memcpy(dst, c->buf, c->len);
	spin_unlock(&c->lock);
}`,
    },
    {
      name: 'a re-check after taking the lock is the safe pattern',
      code: `${cfg}void copy(struct cfg *c, char *dst) {
	if (c->len > 64)
		return;
	spin_lock(&c->lock);
	memcpy(dst, c->buf, c->len);
	spin_unlock(&c->lock);
}`,
    },
    {
      name: 'nobody else writes the field',
      code: `struct ro { int len; char buf[64]; };
void copy(struct ro *c, char *dst) { if (c->len > 64) return; memcpy(dst, c->buf, c->len); }`,
    },
  ],
  invalid: [
    {
      name: 'tested, then fetched again for the copy, while another CPU writes it',
      code: `${cfg}void copy(struct cfg *c, char *dst) {
	if (c->len > 64)
		return;
	memcpy(dst, c->buf, c->len);
}`,
      functions: ['copy', 'update'],
      message: /reads c->len twice/,
      check: (fs) => {
        expect(fs[0]!.witness.map((w) => w.label)).toEqual(['CPU0 (reader)', 'CPU1 (writer)']);
        expect(fs[0]!.extra?.locations).toEqual(['cfg.len']);
      },
    },
  ],
});

ruleTester('double-fetch-lowconf', {
  valid: [
    {
      name: 'single fetch',
      code: `struct s { spinlock_t lock; int v; };
void w(struct s *p) { spin_lock(&p->lock); p->v = 1; spin_unlock(&p->lock); }
int r(struct s *p) { int v = p->v; if (v) return v; return 0; }`,
    },
  ],
  invalid: [
    {
      name: 'writer holds a lock the reader does not, plain stores only',
      code: `struct s { spinlock_t lock; int v; };
void w(struct s *p) { spin_lock(&p->lock); p->v = 1; spin_unlock(&p->lock); }
int r(struct s *p, int *out) { if (p->v > 3) *out = p->v; return 0; }`,
      functions: ['r', 'w'],
    },
  ],
});
