// Locks held through function-pointer hooks: one implementation of `ops->claim` returns holding
// its lock (released later by `ops->done`), and the caller re-enters the hook before that.
import { ruleTester } from '../helpers/rule-tester.js';

const decls = `struct req { int type; unsigned long addr; };
struct port_handler;
struct port_ops {
	bool (*claim)(const struct port_handler *h, const struct req *r);
	int (*xfer)(const struct port_handler *h, struct req *r);
	void (*done)(const struct port_handler *h);
};
struct port_handler { int type; const struct port_ops *ops; struct fb_state *priv; };
struct fb_state { spinlock_t lock; int on; };
struct host { struct port_handler handlers[8]; unsigned int count; struct fb_state fb; };
extern struct host *this_host(void);
extern int guest_read(void *dst, unsigned long src, int len);
static bool plain_claim(const struct port_handler *h, const struct req *r) { return r->addr < 16; }
static int plain_xfer(const struct port_handler *h, struct req *r) { return 1; }
static const struct port_ops plain_ops = { .claim = plain_claim, .xfer = plain_xfer };
const struct port_handler *find_handler(struct req *r)
{
	struct host *hs = this_host();
	unsigned int i;
	for (i = 0; i < hs->count; i++) {
		const struct port_handler *h = &hs->handlers[i];
		if (h->type != r->type)
			continue;
		if (h->ops->claim(h, r))
			return h;
	}
	return NULL;
}
bool is_internal(unsigned long a)
{
	struct req r = { .type = 1, .addr = a };
	const struct port_handler *h = find_handler(&r);
	if (h == NULL)
		return 0;
	if (h->ops->done)
		h->ops->done(h);
	return 1;
}
int copy_in(void *dst, unsigned long src, int len)
{
	if (is_internal(src))
		return -1;
	return guest_read(dst, src, len);
}
`;

/** The claiming implementation: the object found from the CPU's own state (FIND), or its parameter. */
const fb = (find: string) => `static bool fb_claim(const struct port_handler *h, const struct req *r)
{
	struct fb_state *s = ${find};
	spin_lock(&s->lock);
	if (!s->on)
		goto reject;
	return 1;
reject:
	spin_unlock(&s->lock);
	return 0;
}
static int fb_xfer(const struct port_handler *h, struct req *r) { return 0; }
static void fb_done(const struct port_handler *h)
{
	struct fb_state *s = ${find};
	spin_unlock(&s->lock);
}
static const struct port_ops fb_ops = { .claim = fb_claim, .xfer = fb_xfer, .done = fb_done };
`;

const intercept = (between: string) => `int intercept(struct req *r)
{
	const struct port_handler *h;
	char buf[8];
	int rc;
	h = find_handler(r);
	if (h == NULL)
		return -1;
	${between}
	rc = h->ops->xfer(h, r);
	if (h->ops->done != NULL)
		h->ops->done(h);
	return rc;
}
`;

ruleTester('recursive-lock', {
  valid: [
    {
      name: 'the claiming hook finds its object through its handler: two claims may be two objects',
      code: `${decls}${fb('h->priv')}${intercept('copy_in(buf, r->addr, 8);')}`,
    },
    {
      name: 'a claim that seems to return holding a lock no hook of its table releases is not followed',
      code: `${decls}${fb('&this_host()->fb').replace('.done = fb_done', '.done = NULL')}${intercept('copy_in(buf, r->addr, 8);')}`,
    },
    {
      name: 'the release hook runs before the hook is re-entered',
      code: `${decls}${fb('&this_host()->fb')}int intercept(struct req *r)
{
	const struct port_handler *h;
	char buf[8];
	h = find_handler(r);
	if (h == NULL)
		return -1;
	h->ops->done(h);
	return copy_in(buf, r->addr, 8);
}
`,
    },
  ],
  invalid: [
    {
      name: 'a hook implementation returns holding its lock and is re-entered through a copy before the release hook',
      code: `${decls}${fb('&this_host()->fb')}${intercept('copy_in(buf, r->addr, 8);')}`,
      functions: ['intercept', 'find_handler', 'fb_claim', 'copy_in', 'is_internal'],
      locks: ['fb_state.lock'],
      message: /acquired again via copy_in -> is_internal -> find_handler -> fb_claim while already held since line \d+/,
    },
  ],
});

ruleTester('lock-leak', {
  valid: [
    {
      name: 'a lock held through a claiming hook, released through an optional release hook',
      code: `${decls}${fb('&this_host()->fb')}${intercept('')}`,
    },
  ],
  invalid: [],
});
