// List membership as a guard: CPU0 holds an object's lock and takes a global lock only when
// the object is on no list (`list_empty(&obj->link)`); CPU1 holds the global lock and takes
// the lock of each object on the list it iterates through that link. An object on the list
// has a non-empty link, and the link's writers hold the global lock, so CPU1's object is never
// CPU0's while both wait: the ABBA is refuted. A writer of the link that does not hold the
// global lock can take the object off the list under CPU1: then it stays confirmed.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';

const base = `struct list_head { struct list_head *next, *prev; };
struct src { spinlock_t lock; struct list_head throttle_link; int count; };
static DEFINE_SPINLOCK(throttle_lock);
static LIST_HEAD(throttle_list);
void throttle_timer(void *data)
{
	struct src *s, *tmp;
	spin_lock(&throttle_lock);
	list_for_each_entry_safe ( s, tmp, &throttle_list, throttle_link )
	{
		spin_lock(&s->lock);
		list_del_init(&s->throttle_link);
		spin_unlock(&s->lock);
	}
	spin_unlock(&throttle_lock);
}
`;
const guarded = `void src_event(struct src *s)
{
	spin_lock(&s->lock);
	if ( list_empty(&s->throttle_link) )
	{
		spin_lock(&throttle_lock);
		list_add(&s->throttle_link, &throttle_list);
		spin_unlock(&throttle_lock);
	}
	spin_unlock(&s->lock);
}
`;
const inversions = (text: string) => analyzeSources([{ path: 'throttle.c', text }], {}).findings.filter((f) => f.rule === 'lock-inversion');

describe('list membership as a lock-order guard', () => {
  it('the acquiring path tests its object off every list, the other side locks only listed objects: refuted', () => {
    const fs = inversions(base + guarded);
    expect(fs.length).toBe(1);
    const c = fs[0]!.confirmation;
    expect(c.status).toBe('refuted');
    expect(c.reason).toMatch(/path conditions exclude it/);
    expect(c.assumptions!.some((a) => a.checked && /`s` is fetched by iterating a list through `throttle_link` \(throttle\.c:9\)/.test(a.text))).toBe(true);
    expect(fs[0]!.severity).toBe('error');
  });

  it('without the membership test on the acquiring path the deadlock stands: confirmed', () => {
    const fs = inversions(base + guarded.replace('if ( list_empty(&s->throttle_link) )', 'if ( s->count > 8 )'));
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
  });

  it('a writer of the link that does not hold the list lock can unlist the object under the iterator: confirmed', () => {
    const unlocked = `void src_forget(struct src *s)
{
	list_del_init(&s->throttle_link);
}
`;
    const fs = inversions(base + guarded + unlocked);
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
  });

  it('a cursor re-pointed inside the loop before its lock is taken is no longer a listed object: confirmed', () => {
    const repointed = base.replace('\t\tspin_lock(&s->lock);\n\t\tlist_del_init', '\t\ts = s->peer;\n\t\tspin_lock(&s->lock);\n\t\tlist_del_init').replace('int count; };', 'int count; struct src *peer; };');
    expect(repointed).toContain('s = s->peer;');
    const fs = inversions(repointed + guarded);
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation).toMatchObject({ status: 'confirmed', outcome: 'DEADLOCK' });
  });
});
