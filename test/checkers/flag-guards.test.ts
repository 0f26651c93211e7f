// Code that runs only when a flags parameter has a bit set is not reached by callers passing 0.
import { ruleTester } from '../helpers/rule-tester.js';

const tbl = `
#define F_ALLOC 1
#define F_SHARE 2
struct tbl { spinlock_t lock; int n; };
static void populate(struct tbl *t) { spin_lock(&t->lock); t->n++; spin_unlock(&t->lock); }
/* early exit when the bit is clear */
int lookup(struct tbl *t, unsigned int q)
{
	if ( !(q & F_ALLOC) )
		return 0;
	populate(t);
	return 1;
}
/* the bit tested in a conjunction, and widened under its own test */
int query(struct tbl *t, unsigned int q)
{
	if ( q & F_SHARE )
		q |= F_ALLOC;
	if ( (q & F_ALLOC) && t->n == 0 )
		populate(t);
	return t->n;
}
static int fill_one(struct tbl *t, int v) { spin_lock(&t->lock); t->n = 1; spin_unlock(&t->lock); return 0; }
/* the guarded call inside the condition itself (a long one, as the IR shortens it) */
int get(struct tbl *t, unsigned int q)
{
	if ( (q & F_ALLOC) && t->n == 0 &&
	     fill_one(t, F_SHARE + F_SHARE + F_SHARE + F_SHARE + F_SHARE + F_SHARE) )
		return -1;
	return t->n;
}
`;

ruleTester('recursive-lock', {
  valid: [
    {
      name: 'a caller holding the lock passes flags 0, so the populating path never runs',
      code: `${tbl}
void scan(struct tbl *t) { spin_lock(&t->lock); lookup(t, 0); query(t, 0); get(t, 0); spin_unlock(&t->lock); }`,
    },
  ],
  invalid: [
    {
      name: 'the same caller passing the flag re-takes the lock (early-exit form)',
      code: `${tbl}
void fill(struct tbl *t) { spin_lock(&t->lock); lookup(t, F_ALLOC); spin_unlock(&t->lock); }`,
      functions: ['fill', 'lookup', 'populate'],
    },
    {
      name: 'a flags value the caller does not know re-takes the lock (conjunction form)',
      code: `${tbl}
void fill(struct tbl *t, unsigned int q) { spin_lock(&t->lock); query(t, q); spin_unlock(&t->lock); }`,
      functions: ['fill', 'query', 'populate'],
    },
    {
      name: 'a caller passing the flag reaches the call inside the condition',
      code: `${tbl}
void fill(struct tbl *t) { spin_lock(&t->lock); get(t, F_ALLOC); spin_unlock(&t->lock); }`,
      functions: ['fill', 'get', 'fill_one'],
    },
    {
      name: 'a parameter overwritten outside its test is no longer known to be zero',
      code: `${tbl}
int lookup2(struct tbl *t, unsigned int q)
{
	q = t->n;
	if ( !(q & F_ALLOC) )
		return 0;
	populate(t);
	return 1;
}
void fill(struct tbl *t) { spin_lock(&t->lock); lookup2(t, 0); spin_unlock(&t->lock); }`,
      functions: ['fill', 'lookup2'],
    },
  ],
});
