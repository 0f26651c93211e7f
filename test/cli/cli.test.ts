// The CLI contract: formats, exit codes, bad input never losing the rest of the run.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-run.js';

const run = runCli;

const PRE = 'samples/001-vgic-rank-inversion/pre';
const FIX = 'samples/001-vgic-rank-inversion/fix';

describe('lockcheck CLI', () => {
  it('finds the vGIC inversion in the pre-fix sample, with both call chains, and exits 1', async () => {
    const { code, out } = await run(PRE);
    expect(code).toBe(1);
    expect(out).toMatch(/error: possible lock-order inversion .* \[lock-inversion\]/);
    expect(out).toContain('Possible unsafe locking scenario');
    // the barrier finding of the same sample is no locking scenario
    const barrier = out.slice(out.indexOf('[missing-barrier]'), out.indexOf('[lock-inversion]'));
    expect(barrier).toContain('Possible reordering');
    expect(barrier).not.toContain('locking scenario');
    expect(out).toContain('*** DEADLOCK ***');
    expect(out).toMatch(/CPU0: .*gic_update_one_lr -> vgic_get_target_vcpu/);
    expect(out).toMatch(/CPU1: vgic_v2_distr_mmio_write -> .*vgic_migrate_irq/);
  });

  it('is clean on the fixed sample and exits 0', async () => {
    const { code, out } = await run(FIX);
    expect(code).toBe(0);
    expect(out).toMatch(/^0 findings in \d+ files/m);
  });

  it('says when the type of a lock is not declared in the given files, instead of silently ordering nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockcheck-untyped-'));
    writeFileSync(join(dir, 'a.c'), `struct vpci { spinlock_t lock; };
void f(int x) { spin_lock(&get_dev(x)->cfg->lock); spin_unlock(&get_dev(x)->cfg->lock); }
`);
    const text = await run(dir);
    expect(text.out).toMatch(/note: 1 lock operation \(e\.g\. get_dev\(x\)->cfg->lock in f \(.*a\.c:2\)\) name a lock whose struct type is not declared/);
    const json = JSON.parse((await run('-f', 'json', dir)).out);
    expect(json.stats.unclassifiedLocks).toMatchObject({ count: 1 });
  });

  it('prints the JSON contract', async () => {
    const { out } = await run('-f', 'json', PRE);
    const doc = JSON.parse(out);
    expect(doc.version).toBe(1);
    expect(doc.stats.files).toBeGreaterThan(3);
    const inv = doc.findings.find((f: { rule: string; locks: string[] }) => f.rule === 'lock-inversion' && f.locks.length === 2);
    expect(inv).toMatchObject({ category: 'lock-order', severity: 'error', confirmation: { status: expect.any(String) } });
    expect([...inv.locks].sort()).toEqual(['vcpu.arch.vgic.lock', 'vgic_irq_rank.lock']);
    expect(inv.id).toMatch(/^[0-9a-f]{16}$/);
    for (const fn of ['gic_update_one_lr', 'vgic_get_target_vcpu', 'vgic_v2_distr_mmio_write', 'vgic_migrate_irq']) expect(inv.functions).toContain(fn);
    expect(inv.witness[0].steps[0]).toMatchObject({ file: expect.stringContaining('xen/arch/arm/'), line: expect.any(Number), function: expect.any(String), event: expect.stringMatching(/^acquire /) });
  });

  it('keeps finding ids stable when unrelated lines are added above', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-id-'));
    const body = 'static DEFINE_SPINLOCK(a);\nstatic DEFINE_SPINLOCK(b);\nvoid f(void) { spin_lock(&a); spin_lock(&b); spin_unlock(&b); spin_unlock(&a); }\nvoid g(void) { spin_lock(&b); spin_lock(&a); spin_unlock(&a); spin_unlock(&b); }\n';
    writeFileSync(join(dir, 'x.c'), body);
    const first = JSON.parse((await run('-f', 'json', join(dir, 'x.c'))).out).findings[0];
    writeFileSync(join(dir, 'x.c'), '/* a new comment */\n#include <linux/spinlock.h>\n\n' + body);
    const second = JSON.parse((await run('-f', 'json', join(dir, 'x.c'))).out).findings[0];
    expect(second.line).toBe(first.line + 3);
    expect(second.id).toBe(first.id);
  });

  it('reports binary, non-UTF-8-free and oversized inputs as errors and analyzes the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-bad-'));
    writeFileSync(join(dir, 'bin.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
    writeFileSync(join(dir, 'huge.c'), 'int x;\n'.repeat(700_000));
    writeFileSync(join(dir, 'good.c'), 'static DEFINE_SPINLOCK(a);\nvoid f(void) { spin_lock(&a); spin_lock(&a); }\n');
    const { code, out } = await run('-f', 'json', dir);
    const doc = JSON.parse(out);
    expect(code).toBe(1);
    expect(doc.stats.files).toBe(1);
    expect(doc.findings.map((f: { rule: string }) => f.rule)).toEqual(['recursive-lock']);
    const reasons = Object.fromEntries(doc.errors.map((e: { file: string; reason: string }) => [e.file.split('/').pop(), e.reason]));
    expect(reasons['bin.c']).toMatch(/binary/);
    expect(reasons['huge.c']).toMatch(/MiB/);
  });

  it('exits 2 when nothing could be analyzed, naming the input', async () => {
    const { code, err } = await run('/nonexistent/dir');
    expect(code).toBe(2);
    expect(err).toMatch(/\/nonexistent\/dir: no such file or directory/);
  });

  it('exits 2 on a usage error', async () => {
    expect((await run('--format', 'xml', PRE)).code).toBe(2);
    expect((await run('--jobs', '0', PRE)).code).toBe(2);
  });

  it('respects --fail-level', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-fl-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'leak.c'), 'struct d { spinlock_t lock; int s; };\nint f(struct d *d, int x) {\n\tspin_lock(&d->lock);\n\tif (x) return -EINVAL;\n\tspin_unlock(&d->lock);\n\treturn 0;\n}\n');
    expect((await run('--fail-level', 'warning', dir)).code).toBe(1);
    expect((await run('--fail-level', 'error', dir)).code).toBe(0);
  });

  it('loads --rules and explains a bad rule file with its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-r-'));
    writeFileSync(join(dir, 'bad.yaml'), 'project: p\nlocks:\n  - names: [x]\n    op: grab\n    arg: 0\n');
    const { code, err } = await run('--rules', dir, PRE);
    expect(code).toBe(2);
    expect(err).toMatch(/bad\.yaml:4:/);
  });
});

describe('lockcheck --config', () => {
  it('turns a rule off, sets a rule level and the fail level from lockcheck.yml', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-cfg-'));
    writeFileSync(join(dir, 'leak.c'), 'struct d { spinlock_t lock; int s; };\nint f(struct d *d, int x) {\n\tspin_lock(&d->lock);\n\tif (x) return -EINVAL;\n\tspin_unlock(&d->lock);\n\treturn 0;\n}\n');
    writeFileSync(join(dir, 'off.yml'), 'rules:\n  lock-leak: "off"\n');
    writeFileSync(join(dir, 'note.yml'), 'failLevel: error\nrules:\n  lock-leak: note\n');
    writeFileSync(join(dir, 'bad.yml'), 'failLevel: loud\n');
    const off = await run('-f', 'json', '--config', join(dir, 'off.yml'), join(dir, 'leak.c'));
    expect(JSON.parse(off.out).findings).toEqual([]);
    expect(off.code).toBe(0);
    const note = await run('-f', 'json', '--config', join(dir, 'note.yml'), join(dir, 'leak.c'));
    expect(JSON.parse(note.out).findings.map((f: { severity: string }) => f.severity)).toEqual(['note']);
    expect(note.code).toBe(0);
    const bad = await run('--config', join(dir, 'bad.yml'), join(dir, 'leak.c'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/bad config .*bad\.yml:\n.*line 1.*failLevel/);
  });

  it('--also-write gives several formats from one analysis, and a bad one is a usage error before any analysis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-also-'));
    const { code, out } = await run('-f', 'json', '--also-write', `sarif:${join(dir, 'r.sarif')}`, '--also-write', `rdjsonl:${join(dir, 'r.rdjsonl')}`, PRE);
    expect(code).toBe(1);
    const ids = JSON.parse(out).findings.map((f: { rule: string }) => f.rule);
    const sarif = JSON.parse(readFileSync(join(dir, 'r.sarif'), 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toEqual(ids);
    expect(readFileSync(join(dir, 'r.rdjsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).code.value)).toEqual(ids);
    const bad = await run('--also-write', 'pdf:x.pdf', PRE);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--also-write takes FORMAT:FILE with FORMAT one of text, json, sarif, rdjsonl, github, html (got 'pdf:x.pdf')");
  });
});

describe('rule names, --disable, suppressions and --baseline', () => {
  const LEAK = 'struct d { spinlock_t lock; int s; };\nint f(struct d *d, int x) {\n\tspin_lock(&d->lock);\n\tif (x) return -EINVAL;\n\tspin_unlock(&d->lock);\n\treturn 0;\n}\n';

  it('rejects a misspelled rule with exit 2 and a suggestion, listing every mistake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-names-'));
    writeFileSync(join(dir, 'leak.c'), LEAK);
    writeFileSync(join(dir, 'typo.yml'), 'rules:\n  lock-leaks: "off"\n  memory-order: note\n');
    const r = await run('--rule', 'lock-inversions', '--config', join(dir, 'typo.yml'), join(dir, 'leak.c'));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('--rule lock-inversions: unknown rule (did you mean lock-inversion?)');
    expect(r.err).toMatch(/typo\.yml: rules: lock-leaks: unknown rule \(did you mean lock-leak\?\)/);
    expect(r.err).toMatch(/memory-order: unknown rule \(did you mean memory-ordering\?\)/);
  });

  it('lists every mistake of a config file and of every rule file at once, each at its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-all-'));
    writeFileSync(join(dir, 'leak.c'), LEAK);
    writeFileSync(join(dir, 'many.yml'), 'failLevel: loud\ntimeBudgetSeconds: -1\nrulez: {}\nrules:\n  lock-leaks: "off"\n');
    const cfg = await run('--config', join(dir, 'many.yml'), join(dir, 'leak.c'));
    expect(cfg.code).toBe(2);
    expect(cfg.err).toMatch(/line 1: failLevel: /);
    expect(cfg.err).toMatch(/line 2: timeBudgetSeconds: /);
    expect(cfg.err).toMatch(/line 3: \(root\): Unrecognized key: "rulez"/);
    expect(cfg.err).toContain('rules: lock-leaks: unknown rule (did you mean lock-leak?)');
    const rules = join(dir, 'rules');
    mkdirSync(rules);
    writeFileSync(join(rules, 'a.yaml'), 'project: p\nlocks:\n  - names: [x]\n    op: grab\n    arg: 0\n  - names: [y]\n    op: acquire\n    arg: -3\n');
    writeFileSync(join(rules, 'b.yaml'), 'project: q\nlockz: []\n');
    const bad = await run('--rules', rules, join(dir, 'leak.c'));
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n').map((l) => l.replace(/^.*\/rules\//, ''))).toEqual([
      'a.yaml:4: Invalid option: expected one of "acquire"|"release"|"assert"|"held-test" at locks.0.op',
      'a.yaml:8: Too small: expected number to be >=0 at locks.1.arg',
      'b.yaml:2: Unrecognized key: "lockz"',
    ]);
  });

  it('--disable takes a rule id or a category, and a config without failLevel keeps the default (warning)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-dis-'));
    writeFileSync(join(dir, 'leak.c'), LEAK);
    expect((await run(join(dir, 'leak.c'))).code).toBe(1);
    const byId = await run('-f', 'json', '--disable', 'lock-leak', join(dir, 'leak.c'));
    expect(JSON.parse(byId.out).findings).toEqual([]);
    expect(byId.code).toBe(0);
    const byCategory = await run('-f', 'json', '--disable', 'lock-balance', join(dir, 'leak.c'));
    expect(JSON.parse(byCategory.out).findings).toEqual([]);
    writeFileSync(join(dir, 'empty.yml'), 'paths:\n  exclude: []\n');
    const withConfig = await run('-f', 'json', '--config', join(dir, 'empty.yml'), join(dir, 'leak.c'));
    expect(JSON.parse(withConfig.out).findings.map((f: { severity: string }) => f.severity)).toEqual(['warning']);
    expect(withConfig.code).toBe(1);
  });

  it('honours lockcheck-disable-line and -next-line comments for the named rule only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-sup-'));
    // the leak is reported at the leaking return (line 4)
    writeFileSync(join(dir, 'a.c'), LEAK.replace('\tif (x) return -EINVAL;', '\tif (x) return -EINVAL; /* lockcheck-disable-line lock-leak */'));
    writeFileSync(join(dir, 'b.c'), LEAK.replace('int f(', 'int g(').replace('\tif (x) return -EINVAL;', '\t// lockcheck-disable-next-line lock-inversion\n\tif (x) return -EINVAL;'));
    const r = await run('-f', 'json', dir);
    const findings = JSON.parse(r.out).findings as { file: string; rule: string }[];
    expect(findings.map((f) => [f.file.replace(/.*\//, ''), f.rule])).toEqual([['b.c', 'lock-leak']]);
    expect(r.err).toContain('1 finding(s) silenced by lockcheck-disable comments');
    const all = await run('-f', 'json', '--no-suppress', dir);
    expect(JSON.parse(all.out).findings).toHaveLength(2);
  });

  it('--baseline reports only findings the earlier JSON or SARIF report did not have', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-base-'));
    writeFileSync(join(dir, 'a.c'), LEAK);
    const before = await run('-f', 'json', dir);
    writeFileSync(join(dir, 'before.json'), before.out);
    const sarifBefore = await run('-f', 'sarif', dir);
    writeFileSync(join(dir, 'before.sarif'), sarifBefore.out);
    // a second leak in a new function
    writeFileSync(join(dir, 'b.c'), LEAK.replace('int f(', 'int g('));
    for (const base of ['before.json', 'before.sarif']) {
      const r = await run('-f', 'json', '--baseline', join(dir, base), dir);
      const findings = JSON.parse(r.out).findings as { function: string; baselineState: string }[];
      expect(findings.map((f) => [f.function, f.baselineState])).toEqual([['g', 'new']]);
      expect(r.code).toBe(1);
    }
    const sarif = JSON.parse((await run('-f', 'sarif', '--baseline', join(dir, 'before.json'), dir)).out);
    expect(sarif.runs[0].results.map((x: { baselineState: string }) => x.baselineState)).toEqual(['new']);
    writeFileSync(join(dir, 'junk.json'), '{"hello": 1}');
    const bad = await run('--baseline', join(dir, 'junk.json'), dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('neither a lockcheck JSON report');
  });
});
