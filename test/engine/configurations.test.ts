// A tree with several architectures is analysed one build configuration at a time: calls and
// struct types never cross from one architecture into another's code.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzePaths, analyzeSources } from '../../src/engine/analyze.js';
import { inferConfigurations } from '../../src/engine/configurations.js';
import { main } from '../../src/cli/main.js';

const LOCKS = `typedef struct { int l; } spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
`;

// x86 code holds a common lock and calls hw_poke; only arm's hw_poke takes that lock
const crossing = {
  'common/lock.c': `${LOCKS}spinlock_t big_lock;\n`,
  'arch/x86/ops.c': `${LOCKS}extern spinlock_t big_lock;\nvoid hw_poke(int v);\nvoid x86_op(void) {\n  spin_lock(&big_lock);\n  hw_poke(1);\n  spin_unlock(&big_lock);\n}\n`,
  'arch/x86/hw.c': `void hw_poke(int v) { (void)v; }\n`,
  'arch/arm/hw.c': `${LOCKS}extern spinlock_t big_lock;\nint hw_state;\nvoid hw_poke(int v) {\n  spin_lock(&big_lock);\n  if (v)\n    hw_state = v;\n  spin_unlock(&big_lock);\n}\n`,
};

function sources(tree: Record<string, string>, prefix = 'xen/'): { path: string; text: string }[] {
  return Object.entries(tree).map(([p, text]) => ({ path: prefix + p, text }));
}

const opts = { confirm: false };

describe('build configurations', () => {
  it('infers one configuration per architecture, and x86_32/x86_64, page-2level/3level alternatives in old layouts', () => {
    const files = ['x/common/a.c', 'x/arch/x86/a.c', 'x/arch/x86/x86_32/e.S.c', 'x/arch/x86/x86_64/e.c', 'x/include/asm-x86/x86_32/page-2level.h', 'x/include/asm-x86/x86_32/page-3level.h', 'x/include/asm-ia64/b.h', 'x/arch/ia64/b.c', 'x/include/asm-generic/g.h'];
    const cs = inferConfigurations(files);
    const byName = Object.fromEntries(cs.map((c) => [c.name, c.files.map((i) => files[i])]));
    expect(Object.keys(byName).sort()).toEqual(['ia64', 'x86_32', 'x86_64']);
    expect(byName.x86_32).toEqual(['x/common/a.c', 'x/arch/x86/a.c', 'x/arch/x86/x86_32/e.S.c', 'x/include/asm-x86/x86_32/page-3level.h', 'x/include/asm-generic/g.h']);
    expect(byName.x86_64).toEqual(['x/common/a.c', 'x/arch/x86/a.c', 'x/arch/x86/x86_64/e.c', 'x/include/asm-generic/g.h']);
    expect(byName.ia64).toEqual(['x/common/a.c', 'x/include/asm-ia64/b.h', 'x/arch/ia64/b.c', 'x/include/asm-generic/g.h']);
    // directories above the tree do not count: a checkout under .../arch/...
    expect(inferConfigurations(['/home/arch/src/xen/include/xen/a.h', '/home/arch/src/xen/arch/x86/b.c', '/home/arch/src/xen/arch/arm/c.c']).map((c) => [c.name, c.files.length])).toEqual([['arm', 2], ['x86', 2]]);
    // one architecture: one program, as before
    expect(inferConfigurations(['a/common/x.c', 'a/arch/x86/y.c']).map((c) => c.name)).toEqual(['']);
  });

  it('never chains x86 code into the arm definition of a function both define', () => {
    const r = analyzeSources(sources(crossing), opts);
    expect(r.findings.filter((f) => f.rule === 'recursive-lock')).toEqual([]);
    expect(r.programs.map((p) => p.config)).toEqual(['x86', 'arm']);
    // the same code outside arch/ directories is one program: x86_op is bound to arm's hw_poke
    const flat = analyzeSources(sources(Object.fromEntries(Object.entries(crossing).map(([k, v]) => [k.replace('arch/', 'ports/'), v]))), opts);
    expect(flat.findings.filter((f) => f.rule === 'recursive-lock').map((f) => f.function)).toEqual(['x86_op']);
  });

  it('follows a common caller into each architecture\'s hook, one chain per configuration', () => {
    const tree = {
      'common/tick.c': `${LOCKS}spinlock_t big_lock;\nvoid arch_hook(void);\nvoid common_tick(void) {\n  spin_lock(&big_lock);\n  arch_hook();\n  spin_unlock(&big_lock);\n}\n`,
      'arch/x86/hook.c': `${LOCKS}extern spinlock_t big_lock;\nvoid arch_hook(void) {\n  spin_lock(&big_lock);\n  spin_unlock(&big_lock);\n}\n`,
      'arch/arm/hook.c': `${LOCKS}extern spinlock_t big_lock;\nstatic void arm_flush(void) {\n  spin_lock(&big_lock);\n  spin_unlock(&big_lock);\n}\nvoid arch_hook(void) { arm_flush(); }\n`,
      'arch/riscv/hook.c': `${LOCKS}spinlock_t riscv_lock;\nvoid arch_hook(void) {\n  spin_lock(&riscv_lock);\n  spin_unlock(&riscv_lock);\n}\n`,
    };
    const r = analyzeSources(sources(tree), opts);
    const rec = r.findings.filter((f) => f.rule === 'recursive-lock');
    const filesOf = (w: { steps: { file: string }[] }[]) => [...new Set(w.flatMap((x) => x.steps.map((s) => s.file.replace(/^xen\//, ''))))].sort();
    // one finding (one fingerprint) held in arm and x86, each with its own chain
    expect(rec).toHaveLength(1);
    const f = rec[0]!;
    expect(f.function).toBe('common_tick');
    expect(f.configurations).toEqual(['arm', 'x86']);
    expect(filesOf(f.witness)).toEqual(['arch/arm/hook.c', 'common/tick.c']);
    const others = f.extra?.configurationWitnesses as { configurations: string[]; witness: { steps: { file: string }[] }[] }[];
    expect(others.map((o) => [o.configurations, filesOf(o.witness)])).toEqual([[['x86'], ['arch/x86/hook.c', 'common/tick.c']]]);
    // riscv's hook takes another lock: no recursion there
    expect(r.programs.map((p) => p.config)).toContain('riscv');
  });

  it('resolves a struct each architecture defines by its own definition', () => {
    const tree = {
      'include/xen/sched.h': `${LOCKS}#include <asm/domain.h>\nstruct domain { struct arch_domain arch; };\nextern spinlock_t g_lock;\n`,
      'common/dom.c': `#include "sched.h"\nspinlock_t g_lock;\nvoid common_op(struct domain *d) {\n  spin_lock(&d->arch.ctl->lock);\n  spin_lock(&g_lock);\n  spin_unlock(&g_lock);\n  spin_unlock(&d->arch.ctl->lock);\n}\n`,
      'arch/x86/include/asm/domain.h': `struct x86_ctl { spinlock_t lock; int x; };\nstruct arch_domain { struct x86_ctl *ctl; };\n`,
      'arch/x86/dom.c': `void x86_dom(void) { }\nstatic spinlock_t x86_l;\nvoid x86_take(void) { spin_lock(&x86_l); spin_unlock(&x86_l); }\n`,
      'arch/arm/include/asm/domain.h': `struct arm_ctl { spinlock_t lock; int y; };\nstruct arch_domain { struct arm_ctl *ctl; };\n`,
      'arch/arm/ctl.c': `#include "sched.h"\nvoid arm_op(struct arm_ctl *c) {\n  spin_lock(&g_lock);\n  spin_lock(&c->lock);\n  spin_unlock(&c->lock);\n  spin_unlock(&g_lock);\n}\n`,
    };
    const r = analyzeSources(sources(tree), opts);
    const inv = r.findings.filter((f) => f.rule === 'lock-inversion');
    expect(inv.map((f) => [f.configurations, [...f.locks].sort()])).toEqual([[['arm'], ['arm_ctl.lock', 'g_lock']]]);
  });

  it('takes only the #ifdef / #if / IS_ENABLED arm the defines choose, and both when nothing is defined', () => {
    const body = (guard: string, end: string) => `${LOCKS}spinlock_t a;\nvoid take(void) { spin_lock(&a); spin_unlock(&a); }\nvoid f(void) {\n${guard}\n  spin_lock(&a);\n  take();\n  spin_unlock(&a);\n${end}\n}\n`;
    const variants = [
      body('#ifndef CONFIG_SAFE', '#endif'),
      body('#if !defined(CONFIG_SAFE) && 1', '#endif'),
      body('#if IS_ENABLED(CONFIG_SAFE)\n#else', '#endif'),
      body('if (!IS_ENABLED(CONFIG_SAFE)) {', '}'),
    ];
    for (const text of variants) {
      const rec = (defines?: Record<string, string>) => analyzeSources([{ path: 'f.c', text }], { ...opts, ...(defines ? { defines } : {}) }).findings.filter((f) => f.rule === 'recursive-lock').length;
      expect(rec(), text).toBe(1);
      expect(rec({ CONFIG_SAFE: '1' }), text).toBe(0);
      expect(rec({ CONFIG_OTHER: '1' }), text).toBe(1);
    }
  });

  it('gives the same findings with one and two worker threads, and -D / --arch / compile_commands.json on the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockcheck-arch-'));
    const tree: Record<string, string> = { ...crossing };
    for (let i = 0; i < 10; i++) tree[`common/f${i}.c`] = `${LOCKS}extern spinlock_t big_lock;\nvoid arch_hook(void);\nvoid c${i}(void) {\n  spin_lock(&big_lock);\n  arch_hook();\n  spin_unlock(&big_lock);\n}\n`;
    tree['arch/arm/hook.c'] = `${LOCKS}extern spinlock_t big_lock;\nvoid arch_hook(void) {\n#ifndef CONFIG_SAFE\n  spin_lock(&big_lock);\n  spin_unlock(&big_lock);\n#endif\n}\n`;
    tree['arch/x86/hook.c'] = `void arch_hook(void) { }\n`;
    for (const [p, t] of Object.entries(tree)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), t);
    }
    const ids = async (jobs: number) => (await analyzePaths([dir], { jobs, confirm: false })).findings.map((f) => `${f.id} ${f.configurations?.join(',')}`);
    const one = await ids(1);
    expect(one.length).toBe(10);
    expect(one.every((l) => l.endsWith(' arm'))).toBe(true);
    expect(await ids(2)).toEqual(one);
    const cli = async (...args: string[]) => {
      let out = '';
      const code = await main(['node', 'lockcheck', '--no-progress', '--jobs', '1', '-f', 'json', ...args], { stdout: (s) => (out += s), stderr: () => {} });
      return { code, findings: JSON.parse(out || '{"findings":[]}').findings as { configurations?: string[] }[] };
    };
    expect((await cli(dir)).findings).toHaveLength(10);
    expect((await cli('-D', 'CONFIG_SAFE', dir)).findings).toHaveLength(0);
    expect((await cli('--arch', 'x86', dir)).findings).toHaveLength(0);
    expect((await cli('--arch', 'arm', dir)).findings).toHaveLength(10);
    // a compilation database of the arm build with CONFIG_SAFE: its files, its defines
    const entries = Object.keys(tree).filter((p) => p.endsWith('.c') && !p.startsWith('arch/x86')).map((p) => ({ directory: dir, file: p, command: `cc -DCONFIG_SAFE=1 -I include -c ${p}` }));
    writeFileSync(join(dir, 'compile_commands.json'), JSON.stringify(entries));
    expect((await cli(dir)).findings).toHaveLength(0);
    writeFileSync(join(dir, 'cc.json'), JSON.stringify(entries.map((e) => ({ ...e, command: e.command.replace('-DCONFIG_SAFE=1 ', '') }))));
    expect((await cli('--compile-commands', join(dir, 'cc.json'), dir)).findings).toHaveLength(10);
  });
});
