// Patch mode's context through what a textual call index cannot see by name: a changed
// function called only through an ops table (`h->ops->accept(h)`), a changed function reached
// from an NMI entry, and a struct the touched code reaches four headers down.
import { describe, expect, it } from 'vitest';
import { analyzePatch } from '../../src/patch/analyze-patch.js';
import { memberStores } from '../../src/patch/call-index.js';
import { clearTreeCache, DEFAULT_CONTEXT_LIMITS, selectContext } from '../../src/patch/tree-context.js';
import { loadRules } from '../../src/rules/load.js';
import { gitTree, patchOf } from '../helpers/git-tree.js';

const rules = loadRules([]);

const HEADER = `#ifndef IO_H
#define IO_H
typedef struct { int v; } spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
struct io { spinlock_t io_lock; int pending; };
struct dev { spinlock_t dev_lock; int on; };
struct handler;
struct handler_ops { int (*accept)(struct handler *h); };
struct handler { const struct handler_ops *ops; struct dev *dev; };
#endif
`;

const DEV_PRE = `#include <io.h>

static int dev_accept(struct handler *h)
{
    struct dev *d = h->dev;
    return d->on;
}

void dev_reconfig(struct dev *d, struct io *io)
{
    spin_lock(&d->dev_lock);
    spin_lock(&io->io_lock);
    io->pending = 0;
    spin_unlock(&io->io_lock);
    spin_unlock(&d->dev_lock);
}

static const struct handler_ops dev_ops = {
    .accept = dev_accept,
};
`;

// The patch: accept now looks at the device under its lock.
const DEV_POST = DEV_PRE.replace('    return d->on;\n', '    int on;\n    spin_lock(&d->dev_lock);\n    on = d->on;\n    spin_unlock(&d->dev_lock);\n    return on;\n');

const CORE = `#include <io.h>

void io_dispatch(struct io *io, struct handler *h)
{
    spin_lock(&io->io_lock);
    h->ops->accept(h);
    spin_unlock(&io->io_lock);
}
`;

describe('patch context: calls through function-pointer members', () => {
  it('reads the members an initializer or an assignment stores a name into', () => {
    expect(memberStores('static const struct ops o = {\n    .accept = dev_accept,\n    .complete = &dev_done };\nh->ops->reset = dev_reset;\nx.count = 0;\n')).toEqual([
      ['accept', 'dev_accept'],
      ['complete', 'dev_done'],
      ['reset', 'dev_reset'],
    ]);
  });

  it('a caller that only calls the changed function through an ops member is in the context', () => {
    const tree = gitTree({ 'include/io.h': HEADER, 'drv/dev.c': DEV_PRE, 'core/io.c': CORE });
    clearTreeCache();
    const ctx = selectContext(tree, new Map([['drv/dev.c', [DEV_PRE, DEV_POST]]]), DEFAULT_CONTEXT_LIMITS, rules);
    expect(ctx.changed).toEqual(['dev_accept']);
    expect(ctx.files).toContain('core/io.c');
  });

  it('the inversion closed through the ops call is introduced, naming the dispatcher', () => {
    const tree = gitTree({ 'include/io.h': HEADER, 'drv/dev.c': DEV_PRE, 'core/io.c': CORE });
    clearTreeCache();
    const res = analyzePatch(patchOf(tree, 'drv/dev.c', DEV_POST, '[PATCH] drv: lock the device in accept', '<members@example.org>'), { tree, analyze: { rules, confirm: false } });
    const inv = res.classified.introduced.filter((f) => f.rule === 'lock-inversion');
    expect(inv.length, JSON.stringify(res.findings.map((f) => f.message))).toBe(1);
    expect(inv[0]!.functions).toEqual(expect.arrayContaining(['io_dispatch', 'dev_accept', 'dev_reconfig']));
  });

  it('a member stored with many functions (a generic name) is not followed', () => {
    const many = Array.from({ length: 10 }, (_, i) => `static int acc${i}(struct handler *h)\n{\n    return ${i};\n}\n\nstatic const struct handler_ops o${i} = { .accept = acc${i}, };\n`).join('');
    const tree = gitTree({ 'include/io.h': HEADER, 'drv/dev.c': DEV_PRE, 'drv2/many.c': `#include <io.h>\n${many}`, 'core/io.c': CORE });
    clearTreeCache();
    const ctx = selectContext(tree, new Map([['drv/dev.c', [DEV_PRE, DEV_POST]]]), DEFAULT_CONTEXT_LIMITS, rules);
    expect(ctx.files, JSON.stringify(ctx.counts)).not.toContain('core/io.c');
  });
});

describe('patch context: interrupting-context entries above the patch', () => {
  it('the NMI entry that reaches a changed function is in the context, with the chain down', () => {
    const TAKE_PRE = '#include <io.h>\nstatic spinlock_t log_lock;\nvoid log_event(int v)\n{\n    (void)v;\n}\n';
    const TAKE_POST = TAKE_PRE.replace('    (void)v;\n', '    spin_lock(&log_lock);\n    (void)v;\n    spin_unlock(&log_lock);\n');
    const tree = gitTree({
      'include/io.h': HEADER,
      'common/log.c': TAKE_PRE,
      'arch/x86/traps.c': '#include <io.h>\nvoid log_event(int v);\nstatic void nmi_report(int r)\n{\n    log_event(r);\n}\nvoid do_nmi(int r)\n{\n    nmi_report(r);\n}\n',
    });
    clearTreeCache();
    const ctx = selectContext(tree, new Map([['common/log.c', [TAKE_PRE, TAKE_POST]]]), DEFAULT_CONTEXT_LIMITS, rules);
    expect(ctx.files).toContain('arch/x86/traps.c');
    expect(ctx.counts.contextRoots).toBe(1);
  });
});

describe('patch context: the touched file\'s include closure', () => {
  it('a struct defined four headers down is read', () => {
    const src = '#include <a.h>\nint use(struct deep *d) { return d->n; }\n';
    const tree = gitTree({
      'drv/x.c': src,
      'include/a.h': '#include <b.h>\n',
      'include/b.h': '#include <c.h>\n',
      'include/c.h': '#include <d.h>\n',
      'include/d.h': 'struct deep { int n; };\n',
    });
    clearTreeCache();
    const ctx = selectContext(tree, new Map([['drv/x.c', [src, src + '\n']]]), { ...DEFAULT_CONTEXT_LIMITS, far: 0 }, rules);
    expect(ctx.files.filter((f) => f.endsWith('.h'))).toEqual(['include/a.h', 'include/b.h', 'include/c.h', 'include/d.h']);
  });
});
