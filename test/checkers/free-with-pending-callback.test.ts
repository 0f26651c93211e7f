import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

const obj = `struct obj { struct work_struct work; struct timer_list timer; int x; };
static void obj_work(struct work_struct *w) { struct obj *o = container_of(w, struct obj, work); o->x++; }
void obj_init(struct obj *o) { INIT_WORK(&o->work, obj_work); }
void obj_kick(struct obj *o) { schedule_work(&o->work); }
`;

ruleTester('free-with-pending-callback', {
  valid: [
    {
      name: 'a partial cancel whose condition the callback does not change is correlated, not racy',
      code: `struct obj { struct work_struct work; int armed; int x; };
static void obj_work(struct work_struct *w) { struct obj *o = container_of(w, struct obj, work); o->x++; }
void obj_init(struct obj *o) { INIT_WORK(&o->work, obj_work); }
void obj_kick(struct obj *o) { if (o->armed) schedule_work(&o->work); }
void obj_free(struct obj *o) { if (o->armed) cancel_work_sync(&o->work); kfree(o); }`,
    },
    {
      name: 'an unmap of the mapping holding the item is not a free of the struct',
      code: `${obj}void obj_unmap(struct obj *o) { iounmap(o); }`,
    },
    {
      name: 'cancel_work_sync on every path before the free',
      code: `${obj}void obj_free(struct obj *o) { cancel_work_sync(&o->work); kfree(o); }`,
    },
    {
      name: 'the caller cancels before calling the freeing helper',
      code: `${obj}static void obj_release(struct obj *o) { kfree(o); }
void obj_remove(struct obj *o) { flush_work(&o->work); obj_release(o); }`,
    },
    {
      name: 'freed in its own work callback',
      code: `struct obj { struct work_struct work; int x; };
static void obj_work(struct work_struct *w) { struct obj *o = container_of(w, struct obj, work); kfree(o); }
void obj_init(struct obj *o) { INIT_WORK(&o->work, obj_work); }
void obj_kick(struct obj *o) { schedule_work(&o->work); }`,
    },
    {
      name: 'error path before the item is armed (seed 004 kvm_irqfd fail:)',
      code: `${obj}int obj_create(int fail) {
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);
	INIT_WORK(&o->work, obj_work);
	if (fail)
		goto err;
	schedule_work(&o->work);
	return 0;
err:
	kfree(o);
	return -EINVAL;
}`,
    },
    {
      name: 'a whole-queue flush',
      code: `${obj}void obj_free(struct obj *o) { flush_workqueue(system_wq); kfree(o); }`,
    },
  ],
  invalid: [
    {
      name: 'the cancel does not run on every path (seed 004 shape)',
      code: `${obj}void obj_free(struct obj *o) {
	if (o->x)
		cancel_work_sync(&o->work);
	kfree(o);
}
void teardown(struct obj *o) { obj_free(o); }`,
      functions: ['obj_free', 'obj_work'],
      message: /obj\.work \(callback obj_work\) may still be pending: the cancel at line \d+ does not run on every path/,
      check: (fs) => {
        expect(fs[0]!.witness.map((w) => w.label)).toEqual(['freeing path', 'using path (callback)']);
        expect(fs[0]!.witness[0]!.callChain).toEqual(['teardown', 'obj_free']);
      },
    },
  ],
});

ruleTester('free-with-pending-callback-lowconf', {
  valid: [
    {
      name: 'cancelled',
      code: `${obj}void obj_free(struct obj *o) { cancel_work_sync(&o->work); kfree(o); }`,
    },
  ],
  invalid: [
    {
      name: 'a timer cancelled, the work item forgotten (low confidence: another thread may cancel it)',
      code: `${obj}static void obj_tick(struct timer_list *t) { }
void obj_arm(struct obj *o) { timer_setup(&o->timer, obj_tick, 0); mod_timer(&o->timer, 10); }
void obj_free(struct obj *o) { del_timer_sync(&o->timer); kfree(o); }`,
      functions: ['obj_free', 'obj_work'],
    },
    {
      name: 'no cancel of anything on the freeing path',
      code: `${obj}void obj_free(struct obj *o) { kfree(o); }`,
      functions: ['obj_free'],
    },
  ],
});
