import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

const t = `struct act { int n; void *mask; };
struct slot { struct act *cur; };
struct info { struct slot s; };
struct entry { unsigned long e; };
`;

ruleTester('use-after-free', {
  valid: [
    {
      name: 'a call that frees its argument and returns the next object rebinds the pointer',
      code: `${t}static struct act *drop_act(struct act *a) { struct act *n = a->next; xfree(a); return n; }
int walk(struct act *a) { int k = 0; while (a) { k += a->n; a = drop_act(a); } return k; }`,
    },
    {
      name: 'freed and returned at once on the error path (the fixed shape)',
      code: `${t}int bind(struct slot *s) {
	struct act *na = NULL;
 retry:
	if (!s->cur) {
		if ((na = xmalloc(sizeof(*na))) != NULL && alloc_mask(&na->mask))
			goto retry;
		xfree(na);
		return -12;
	}
 out:
	if (na != NULL) {
		free_mask(na->mask);
		xfree(na);
	}
	return 0;
}`,
    },
    {
      name: 'the pointer is cleared after the free',
      code: `${t}void drop(struct act *a) { xfree(a); a = NULL; if (a) a->n = 0; }`,
    },
    {
      name: 'reassigned from a fresh allocation before the next use',
      code: `${t}void again(struct slot *s) { struct act *a = s->cur; xfree(a); a = xmalloc(sizeof(*a)); a->n = 1; s->cur = a; }`,
    },
    {
      name: 'an iteration macro rebinds its cursor each time round',
      code: `${t}struct node { struct node *next; int v; };
void drain(struct node *head) { struct node *p, *tmp; list_for_each_safe(p, tmp, head) { p->v = 0; xfree(p); } }`,
    },
    {
      name: 'only the pointer value is printed after the free',
      code: `${t}void gone(struct act *a) { xfree(a); printk("freed %p", a); }`,
    },
    {
      name: 'the mapping is torn down after its last use (unmap moved down)',
      code: `${t}void flush(unsigned long *m, struct entry *x);
int set(unsigned long mfn, int i) {
	struct entry *table = map_domain_page(mfn);
	struct entry *ent = table + i;
	ent->e = 1;
	flush(0, ent);
	unmap_domain_page(table);
	return 0;
}`,
    },
    {
      name: 'the published slot is restored before returning',
      code: `${t}int load(struct info *u) {
	struct act *na = xmalloc(sizeof(*na));
	struct act *old = u->s.cur;
	u->s.cur = na;
	if (try_it(na)) {
		xfree(na);
		u->s.cur = old;
		return -1;
	}
	xfree(old);
	return 0;
}`,
    },
    {
      name: 'freed under one value of a flag, used under the other',
      code: `${t}int unshare(struct act *a, int n) {
	int last = n == 1;
	if (last)
		xfree(a);
	if (!last)
		a->n--;
	return 0;
}`,
    },
    {
      name: 'a free that also clears the pointer (XFREE)',
      code: `${t}void reset(struct slot *s) { struct act *a = s->cur; if (a->n) XFREE(a); if (a) a->n = 0; }`,
    },
    {
      name: 'a pointer stepped past the freed part (p += n)',
      code: `${t}void split(struct act *pg, int order) { while (order--) { free_domheap_pages(pg, order); pg += 1 << order; } pg->n = 0; }`,
    },
    {
      name: 'the error code set on the freeing path rules out the using branch',
      code: `${t}int add(struct slot *s, struct act *a) {
	int ret;
	if (!s->cur) {
		xfree(a);
		ret = -19;
		goto out;
	}
	ret = 0;
 out:
	if (!ret)
		a->n = 1;
	return ret;
}`,
    },
    {
      name: 'published only when the later free is not reached',
      code: `${t}int setup(struct slot *s, int ret) {
	struct act *na = xmalloc(sizeof(*na));
	if (ret == 0)
		s->cur = na;
	if (ret != 0)
		xfree(na);
	return ret;
}`,
    },
    {
      name: 'the slot is tested and restored only when it still points at the object',
      code: `${t}struct act *cur_act;
int make(int err) {
	struct act *na = xmalloc(sizeof(*na));
	struct act *old = cur_act;
	cur_act = na;
	if (!err)
		return 0;
	if (cur_act == na)
		cur_act = old;
	xfree(na);
	return -1;
}`,
    },
    {
      name: 'freeing the tail of a block through a pointer inside it',
      code: `${t}void *whole(int order, int size) {
	void *res = alloc_xenheap_pages(order, 0), *p;
	int i;
	for (p = res + size, i = 0; i < order; ++i) {
		free_xenheap_pages(p, i);
		p += 4096 << i;
	}
	keep(res);
	return res;
}`,
    },
    {
      name: 'an upper-case macro handed the local may remap it',
      code: `${t}void scan(unsigned long base, struct entry *map) {
	int i;
	struct entry *p;
	for (i = 0; i < 512; i++) {
		if (map)
			unmap_domain_page(map);
		GET_ENTRY(base, i, map, p);
		p->e = 0;
	}
}`,
    },
    {
      name: 'remapped in a chained assignment (a = b = map())',
      code: `${t}void walk(unsigned long *mfns, int n) {
	struct entry *page = map_domain_page(mfns[0]), *ent = page;
	int i;
	for (i = 1; i < n; i++) {
		if (ent->e) {
			unmap_domain_page(page);
			ent = page = map_domain_page(mfns[i]);
			continue;
		}
		ent++;
	}
	unmap_domain_page(page);
}`,
    },
    {
      name: 'a slot inside an object that is freed too',
      code: `${t}void teardown(struct slot *s) { struct act *a = xmalloc(sizeof(*a)); s->cur = a; xfree(a); xfree(s); }`,
    },
  ],
  invalid: [
    {
      name: 'a copy still dangles after the clearing free',
      code: `${t}void reset(struct slot *s) { struct act *a = s->cur; struct act *b = a; XFREE(a); b->n = 0; }`,
      message: /frees a .* \(b points into it\)/,
    },
    {
      name: 'freed on an error path, then freed again at the shared exit label',
      code: `${t}int bind(struct slot *s) {
	struct act *na = NULL;
	int rc = 0;
 retry:
	if (!s->cur) {
		if ((na = xmalloc(sizeof(*na))) != NULL && alloc_mask(&na->mask))
			goto retry;
		xfree(na);
		rc = -12;
		goto out;
	}
	na = NULL;
 out:
	if (na != NULL) {
		free_mask(na->mask);
		xfree(na);
	}
	return rc;
}`,
      message: /bind frees na \(line 12, xfree\) and then dereferences it \(line 19\)/,
      functions: ['bind'],
    },
    {
      name: 'a mapping unmapped while a pointer into it is still used',
      code: `${t}void flush(unsigned long *m, struct entry *x);
int set(unsigned long mfn, int i) {
	struct entry *table = map_domain_page(mfn);
	struct entry *ent = table + i;
	ent->e = 1;
	unmap_domain_page(table);
	flush(&ent->e, ent);
	return 0;
}`,
      message: /unmaps table .* \(ent points into it\)/,
      check: (fs) => {
        expect(fs[0]!.line).toBe(11);
        expect(fs[0]!.witness[0]!.steps.map((s) => s.line)).toEqual([10, 11]);
      },
    },
    {
      name: 'a freed buffer stored back into a shared slot',
      code: `${t}int load(struct info *u, int err) {
	struct act *na = xmalloc(sizeof(*na));
	struct act *old = u->s.cur;
	u->s.cur = na;
	if (!err)
		xfree(old);
	if (err || try_it(na)) {
		xfree(na);
		u->s.cur = old;
	}
	return 0;
}`,
      message: /frees old \(line 10, xfree\) and then stores the dangling pointer into u->s\.cur \(line 13\)/,
    },
    {
      name: 'a callee frees its parameter on every path (two levels down)',
      code: `${t}static void put_act(struct act *a) { if (!a) return; xfree(a); }
void destroy_act(struct act *a) { put_act(a); }
int user(struct act *a) { destroy_act(a); return a->n; }`,
      message: /frees a \(line 7, xfree via destroy_act -> put_act\) and then dereferences it/,
    },
    {
      name: 'publish in a global slot, then free on the error path without clearing it',
      code: `${t}struct slot the_slot;
int setup(void) {
	struct act *na = xmalloc(sizeof(*na));
	if (!na)
		return -12;
	the_slot.cur = na;
	if (alloc_mask(&na->mask)) {
		xfree(na);
		return -12;
	}
	return 0;
}`,
      message: /returns with the shared slot still pointing at it: the_slot.cur \(stored at line 10\)/,
    },
  ],
});

ruleTester('use-after-free-lowconf', {
  valid: [
    {
      name: 'a use before the reference is dropped',
      code: `${t}int id(struct act *a) { int n = a->n; put_domain(a); return n; }`,
    },
  ],
  invalid: [
    {
      name: 'publish in a slot of the caller\'s object, then free on the error path without clearing it',
      code: `${t}int setup(struct slot *s) {
	struct act *na = xmalloc(sizeof(*na));
	if (!na)
		return -12;
	s->cur = na;
	if (alloc_mask(&na->mask)) {
		xfree(na);
		return -12;
	}
	return 0;
}`,
      message: /returns with the shared slot still pointing at it: s->cur \(stored at line 9\)/,
    },
    {
      name: 'a use after dropping a reference',
      code: `${t}int id(struct act *a) { put_domain(a); return a->n; }`,
      message: /drops its reference to a/,
    },
  ],
});
