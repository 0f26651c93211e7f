// Patch mode's context reaches the other side of a cycle: a caller of the changed function in
// another directory that holds a lock the patch's code now takes. A tree in a tmp dir: the
// patch makes `q_send` take `stats_lock` (through `stats_bump`, in lib/) while holding
// `q_lock`; `far/report.c` holds `stats_lock` and calls `q_send`: nothing in the touched
// file's directory, its headers or its callees' files shows that order.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { analyzePatch } from '../../src/patch/analyze-patch.js';
import { changedFunctions, clearTreeCache, DEFAULT_CONTEXT_LIMITS, selectContext } from '../../src/patch/tree-context.js';
import { loadRules } from '../../src/rules/load.js';
import { gitTree, patchOf } from '../helpers/git-tree.js';

const HEADER = `#ifndef DEV_H
#define DEV_H
typedef struct { int v; } spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
struct queue { spinlock_t q_lock; spinlock_t cfg_lock; int len; };
struct stats { spinlock_t stats_lock; int sent; };
void q_send(struct queue *q, struct stats *s);
void q_config(struct queue *q);
void stats_bump(struct stats *s);
#endif
`;

const QUEUE_PRE = `#include <dev.h>

void q_send(struct queue *q, struct stats *s)
{
    spin_lock(&q->q_lock);
    q->len++;
    spin_unlock(&q->q_lock);
}

void q_config(struct queue *q)
{
    spin_lock(&q->cfg_lock);
    q->len = 0;
    spin_unlock(&q->cfg_lock);
}

void q_reset(struct queue *q)
{
    spin_lock(&q->cfg_lock);
    spin_lock(&q->q_lock);
    q->len = 0;
    spin_unlock(&q->q_lock);
    spin_unlock(&q->cfg_lock);
}
`;

// The patch: q_send counts the packet while holding q_lock; q_config starts the length at 1.
const QUEUE_POST = QUEUE_PRE.replace('    q->len++;\n', '    q->len++;\n    stats_bump(s);\n').replace('    q->len = 0;\n    spin_unlock(&q->cfg_lock);', '    q->len = 1;\n    spin_unlock(&q->cfg_lock);');

const FILES: Record<string, string> = {
  'include/dev.h': HEADER,
  'net/queue.c': QUEUE_PRE,
  'lib/stats.c': `#include <dev.h>

void stats_bump(struct stats *s)
{
    spin_lock(&s->stats_lock);
    s->sent++;
    spin_unlock(&s->stats_lock);
}
`,
  // The other side of the new cycle: holds stats_lock, calls the patched function.
  'far/report.c': `#include <dev.h>

void report_flush(struct queue *q, struct stats *s)
{
    spin_lock(&s->stats_lock);
    q_send(q, s);
    spin_unlock(&s->stats_lock);
}
`,
  // The other side of a cycle the tree already has: holds q_lock, calls q_config (cfg_lock),
  // against q_reset's cfg_lock -> q_lock. The patch changes q_config's body, not its locking.
  'tune/tune.c': `#include <dev.h>

void tune_queue(struct queue *q)
{
    spin_lock(&q->q_lock);
    q_config(q);
    spin_unlock(&q->q_lock);
}
`,
};

const rules = loadRules([]);

describe('patch context: callers and lock partners beyond the touched directory', () => {
  const tree = gitTree(FILES);
  const patch = patchOf(tree, 'net/queue.c', QUEUE_POST, '[PATCH] net: count sent packets');

  it('the changed functions are the ones whose code differs (a comment or blank line is no change)', () => {
    const { changed } = changedFunctions(new Map([['net/queue.c', [QUEUE_PRE, QUEUE_POST]]]), rules);
    expect([...new Set(changed.map((f) => f.name))].sort()).toEqual(['q_config', 'q_send']);
    const cosmetic = QUEUE_PRE.replace('    q->len++;\n', '    q->len++; /* one more */\n\n');
    expect(changedFunctions(new Map([['net/queue.c', [QUEUE_PRE, cosmetic]]]), rules).changed).toEqual([]);
  });

  it('selects the caller in another directory that takes a lock the patched code takes', () => {
    clearTreeCache();
    const ctx = selectContext(tree, new Map([['net/queue.c', [QUEUE_PRE, QUEUE_POST]]]), DEFAULT_CONTEXT_LIMITS, rules);
    expect(ctx.files).toContain('far/report.c');
    expect(ctx.files).toContain('tune/tune.c');
    expect(ctx.files).toContain('lib/stats.c');
    expect(ctx.counts.closingCallers).toBe(2);
    expect(ctx.locks).toEqual(expect.arrayContaining(['q_lock', 'stats_lock', 'cfg_lock']));
    expect(ctx.truncated).toEqual([]);
  });

  it('reports the inversion closed by the far caller as introduced, naming both sides', () => {
    clearTreeCache();
    const res = analyzePatch(patch, { tree, allChanges: true, analyze: { rules, confirm: false } });
    expect(res.mode).toBe('tree');
    const inv = res.classified.introduced.filter((f) => f.rule === 'lock-inversion');
    expect(inv.length, JSON.stringify(res.classified.introduced.map((f) => f.message))).toBe(1);
    expect(inv[0]!.functions).toEqual(expect.arrayContaining(['q_send', 'report_flush']));
    expect(inv[0]!.locks.join(' ')).toMatch(/q_lock.*stats_lock|stats_lock.*q_lock/);
    expect(res.warnings).toEqual([]);
  });

  it('a cycle the tree already had through a changed function is pre-existing, not introduced', () => {
    clearTreeCache();
    const res = analyzePatch(patch, { tree, allChanges: true, analyze: { rules, confirm: false } });
    const old = res.classified.preExisting.filter((f) => f.rule === 'lock-inversion');
    expect(old.length).toBe(1);
    expect(old[0]!.functions).toEqual(expect.arrayContaining(['q_reset', 'tune_queue']));
    expect(res.classified.introduced.some((f) => f.functions.includes('tune_queue'))).toBe(false);
  });

  it('without the far side (cap 0) the introduced inversion is missed: the near context has no other side', () => {
    clearTreeCache();
    const res = analyzePatch(patch, { tree, analyze: { rules, confirm: false }, contextLimits: { ...DEFAULT_CONTEXT_LIMITS, far: 0 } });
    expect(res.findings.filter((f) => f.rule === 'lock-inversion')).toEqual([]);
  });

  it('a cap that cuts the far side says so: in the warnings, the JSON stats and the text report', async () => {
    clearTreeCache();
    const res = analyzePatch(patch, { tree, analyze: { rules, confirm: false }, contextLimits: { ...DEFAULT_CONTEXT_LIMITS, far: 1 } });
    expect(res.warnings.join('\n')).toMatch(/context truncated: callers and lock partners: 1 files in, 1 more candidate files left out \(cap far = 1\)/);
    expect(res.stats.context?.truncated.length).toBe(1);
    // the CLI, with the default caps on this tree: nothing cut, the context counted
    const pfile = join(mkdtempSync(join(tmpdir(), 'lockcheck-ctx-patch-')), 'p.patch');
    writeFileSync(pfile, patch.diffText);
    let out = '';
    let err = '';
    const code = await main(['node', 'lockcheck', 'patch', '--tree', tree, '--no-confirm', pfile], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
    expect(code).toBe(1);
    expect(out).toContain('[lock-inversion]');
    expect(out).toMatch(/context: \d+ tree files beside the patch's \(.*2 closingCallers/);
    expect(out).not.toContain('context truncated');
    expect(err).not.toContain('context truncated');
  });
});

describe('patch context: `asm/` headers are the architecture\'s own', () => {
  const src = `#include <asm/owner.h>\nint use(struct box *b) { return b->n; }\n`;
  const hdr = (a: string) => `struct box { int n; int ${a}_only; };\n`;

  it('old layout (include/asm-<A>/): the touched file\'s architecture, and the main one for common code', () => {
    const tree = gitTree({
      'arch/x86/a.c': src, 'arch/x86/b.c': '', 'arch/arm/c.c': src, 'common/d.c': src,
      'include/asm-x86/owner.h': hdr('x86'), 'include/asm-arm/owner.h': hdr('arm'),
    });
    clearTreeCache();
    const pick = (p: string) => selectContext(tree, new Map([[p, [src, src + '\n']]]), { ...DEFAULT_CONTEXT_LIMITS, far: 0 }, rules).files.filter((f) => f.endsWith('.h'));
    expect(pick('arch/arm/c.c')).toEqual(['include/asm-arm/owner.h']);
    expect(pick('arch/x86/a.c')).toEqual(['include/asm-x86/owner.h']);
    // x86 has more files: common code is read with its headers
    expect(pick('common/d.c')).toEqual(['include/asm-x86/owner.h']);
  });

  it('new layout (arch/<A>/include/asm/)', () => {
    const tree = gitTree({
      'arch/arm/c.c': src, 'arch/arm/include/asm/owner.h': hdr('arm'), 'arch/x86/include/asm/owner.h': hdr('x86'),
    });
    clearTreeCache();
    const files = selectContext(tree, new Map([['arch/arm/c.c', [src, src + '\n']]]), { ...DEFAULT_CONTEXT_LIMITS, far: 0 }, rules).files;
    expect(files.filter((f) => f.endsWith('.h'))).toEqual(['arch/arm/include/asm/owner.h']);
  });
});
