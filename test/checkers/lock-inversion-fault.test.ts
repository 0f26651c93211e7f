// A lock-order cycle closed by a page fault: code holding the table lock copies to the guest
// (a faulting access, rules `contexts` kind fault `at`), the page-fault handler (do_page_fault
// in rules/xen.yaml) takes the owner's big lock on its hypervisor-fault path, and a hypercall
// takes the big lock then the table lock.
import { ruleTester } from '../helpers/rule-tester.js';

const decls = `struct cpu_user_regs;
struct owner { spinlock_t big; spinlock_t table_lock; int n; };
extern struct owner *cur_owner(void);
static int recheck_mapping(unsigned long addr)
{
	struct owner *o = cur_owner();
	int r;
	spin_lock(&o->big);
	r = o->n;
	spin_unlock(&o->big);
	return r;
}
long do_table_op(struct owner *o, int v)
{
	spin_lock(&o->big);
	spin_lock(&o->table_lock);
	o->n = v;
	spin_unlock(&o->table_lock);
	spin_unlock(&o->big);
	return 0;
}
int table_dump(struct owner *o, void *buf)
{
	int rc;
	spin_lock(&o->table_lock);
	rc = copy_to_guest(buf, &o->n, 1);
	spin_unlock(&o->table_lock);
	return rc;
}
`;

ruleTester('lock-inversion', {
  valid: [
    {
      name: 'the handler takes the lock only for faults from guest code',
      code: `${decls}int do_page_fault(struct cpu_user_regs *regs, unsigned long addr)
{
	if ( guest_mode(regs) )
		return recheck_mapping(addr);
	return 0;
}`,
    },
  ],
  invalid: [
    {
      name: 'the handler takes the lock for a fault on a hypervisor access',
      code: `${decls}int do_page_fault(struct cpu_user_regs *regs, unsigned long addr)
{
	if ( unlikely(!guest_mode(regs)) )
	{
		if ( recheck_mapping(addr) )
			return 1;
	}
	return 0;
}`,
      functions: ['table_dump', 'do_page_fault', 'recheck_mapping', 'do_table_op'],
      locks: ['owner.big', 'owner.table_lock'],
      message: /owner.big while holding owner.table_lock in table_dump \(via \[copy_to_guest\(\) may fault into do_page_fault\(\)\] do_page_fault -> recheck_mapping\)/,
    },
  ],
});

ruleTester('lock-inversion-lowconf', {
  valid: [],
  invalid: [
    {
      name: 'a handler path the code does not say serves hypervisor faults stays low confidence',
      code: `${decls}int do_page_fault(struct cpu_user_regs *regs, unsigned long addr) { return recheck_mapping(addr); }`,
      locks: ['owner.big', 'owner.table_lock'],
      message: /low confidence: an edge needs a page fault while the lock is held/,
    },
  ],
});
