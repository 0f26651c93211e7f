import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

const t = `struct vpci { spinlock_t lock; int x; };
struct reg { int off; };
struct pdev { struct vpci *vpci; };
`;
const user = `void user(struct pdev *p) { spin_lock(&p->vpci->lock); p->vpci->x++; spin_unlock(&p->vpci->lock); }
void entry(struct pdev *p) { user(p); }
`;

ruleTester('free-after-unlock', {
  valid: [
    {
      name: 'free and users under a common outer lock (seed 003 fix)',
      code: `${t}struct mutex outer;
void remove(struct pdev *p) {
	mutex_lock(&outer);
	spin_lock(&p->vpci->lock);
	p->vpci->x = 0;
	spin_unlock(&p->vpci->lock);
	kfree(p->vpci);
	p->vpci = NULL;
	mutex_unlock(&outer);
}
void user(struct pdev *p) { mutex_lock(&outer); spin_lock(&p->vpci->lock); p->vpci->x++; spin_unlock(&p->vpci->lock); mutex_unlock(&outer); }`,
    },
    {
      name: 'freeing an unpublished object after unlocking another one (vpci_add_register -EEXIST)',
      code: `${t}${user}int add(struct vpci *v, struct reg *r) {
	spin_lock(&v->lock);
	if (v->x) {
		spin_unlock(&v->lock);
		kfree(r);
		return -EEXIST;
	}
	spin_unlock(&v->lock);
	return 0;
}`,
    },
    {
      name: 'the other side only asserts the lock is held (its caller took it under the common outer lock)',
      code: `${t}struct mutex outer;
void remove(struct pdev *p) {
	mutex_lock(&outer);
	spin_lock(&p->vpci->lock);
	p->vpci->x = 0;
	spin_unlock(&p->vpci->lock);
	kfree(p->vpci);
	p->vpci = NULL;
	mutex_unlock(&outer);
}
void hole(struct pdev *p) { ASSERT(spin_is_locked(&p->vpci->lock)); }`,
    },
    {
      name: 'nobody else reaches the object through that pointer',
      code: `${t}void remove(struct pdev *p) {
	spin_lock(&p->vpci->lock);
	p->vpci->x = 0;
	spin_unlock(&p->vpci->lock);
	kfree(p->vpci);
}`,
    },
  ],
  invalid: [
    {
      name: 'the user reaches the lock through a struct whose header was not given (struct vcpu)',
      code: `${t}struct vpci_vcpu { struct pdev *pdev; };
void process_pending(struct vcpu *v) {
	spin_lock(&v->vpci.pdev->vpci->lock);
	v->vpci.pdev->vpci->x++;
	spin_unlock(&v->vpci.pdev->vpci->lock);
}
void remove(struct pdev *p) {
	spin_lock(&p->vpci->lock);
	p->vpci->x = 0;
	spin_unlock(&p->vpci->lock);
	kfree(p->vpci);
	p->vpci = NULL;
}`,
      functions: ['remove', 'process_pending'],
      locks: ['vpci.lock'],
    },
    {
      name: 'unlock then free the object the lock lives in (seed 003)',
      code: `${t}${user}void remove(struct pdev *p) {
	spin_lock(&p->vpci->lock);
	p->vpci->x = 0;
	spin_unlock(&p->vpci->lock);
	kfree(p->vpci);
	p->vpci = NULL;
}`,
      functions: ['remove', 'user'],
      locks: ['vpci.lock'],
      message: /frees p->vpci .*take that lock through pdev\.vpci/,
      check: (fs) => {
        expect(fs[0]!.witness.map((w) => w.label)).toEqual(['freeing path', 'using path']);
        expect(fs[0]!.witness[1]!.callChain).toEqual(['entry', 'user']);
      },
    },
    {
      name: 'through a local copy of the published pointer',
      code: `${t}${user}void remove(struct pdev *p) {
	struct vpci *v = p->vpci;
	spin_lock(&v->lock);
	p->vpci = NULL;
	spin_unlock(&v->lock);
	kfree(v);
}`,
      functions: ['remove', 'user'],
    },
  ],
});

ruleTester('free-after-unlock-lowconf', {
  valid: [
    {
      name: 'others take the lock: reported by free-after-unlock instead',
      code: `${t}${user}void remove(struct pdev *p) { spin_lock(&p->vpci->lock); spin_unlock(&p->vpci->lock); kfree(p->vpci); }`,
    },
  ],
  invalid: [
    {
      name: 'others only load the pointer',
      code: `${t}void remove(struct pdev *p) { spin_lock(&p->vpci->lock); spin_unlock(&p->vpci->lock); kfree(p->vpci); }
int peek(struct pdev *p) { return p->vpci != NULL; }`,
      functions: ['remove', 'peek'],
    },
  ],
});
