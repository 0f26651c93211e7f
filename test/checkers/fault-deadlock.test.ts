import { describe, expect, it } from 'vitest';
import { runRule } from '../helpers/rule-tester.js';
import { analyzeSources } from '../../src/engine/analyze.js';

// do_page_fault is the page-fault entry of rules/xen.yaml (contexts: fault); guest_mode is
// its guest-mode test. A table lock the handler's hypervisor-fault path takes.
const table = `struct table { spinlock_t lock; int n; };
static struct table the_table;
static void table_fix(void) { spin_lock(&the_table.lock); the_table.n++; spin_unlock(&the_table.lock); }
long do_table_op(int v) { spin_lock(&the_table.lock); the_table.n = v; spin_unlock(&the_table.lock); return 0; }
`;

describe('fault-deadlock-lowconf', () => {
  it('reports a lock the handler takes for hypervisor faults that normal context holds', () => {
    const code = `${table}struct cpu_user_regs;
void do_page_fault(struct cpu_user_regs *regs) { if ( !guest_mode(regs) ) table_fix(); }`;
    const fs = runRule('fault-deadlock-lowconf', { name: 'x', code });
    expect(fs).toHaveLength(1);
    expect(fs[0]!.severity).toBe('note');
    expect(fs[0]!.locks).toEqual(['the_table@test.c.lock']);
    expect(fs[0]!.functions).toEqual(expect.arrayContaining(['do_page_fault', 'table_fix', 'do_table_op']));
    expect(fs[0]!.message).toMatch(/taken by the page-fault handler do_page_fault \(via table_fix\).*in normal context by do_table_op .*\[low confidence/);
  });

  it('leaves the handler path that serves faults from guest code alone', () => {
    const code = `${table}struct cpu_user_regs;
void do_page_fault(struct cpu_user_regs *regs) { if ( guest_mode(regs) ) table_fix(); }`;
    expect(runRule('fault-deadlock-lowconf', { name: 'x', code })).toEqual([]);
  });

  it('is off by default', () => {
    const code = `${table}void do_page_fault(void) { table_fix(); }`;
    expect(analyzeSources([{ path: 'test.c', text: code }]).findings.filter((f) => f.rule.startsWith('fault-deadlock'))).toEqual([]);
  });
});
