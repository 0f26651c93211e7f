// The later build configurations of a multi-architecture tree run on a worker thread when
// lockcheck has two threads (forced here: by default only with three cores): the report must be the one a single thread gives, byte for byte
// apart from timings, findings of every configuration included and confirmed.
// Runs the built CLI (dist/): worker threads load compiled JavaScript.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const CLI = resolve('bin/lockcheck.js');
const BUILT = resolve('dist/engine/config-worker.js');

const LOCKS = `typedef struct { int l; } spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
`;

// common code calls arch hooks; each architecture's hooks take other locks
const tree: Record<string, string> = {
  'include/xen/locks.h': `${LOCKS}extern spinlock_t core_lock;\nextern spinlock_t table_lock;\nextern spinlock_t event_lock;\nvoid arch_flush(void);\nvoid arch_notify(int v);\nvoid core_kick(void);\n`,
  'common/core.c': `#include "locks.h"\nspinlock_t core_lock;\nspinlock_t table_lock;\nint core_state;\nvoid core_update(void) {\n  spin_lock(&core_lock);\n  arch_flush();\n  core_state++;\n  spin_unlock(&core_lock);\n}\nvoid core_kick(void) {\n  spin_lock(&core_lock);\n  core_state = 0;\n  spin_unlock(&core_lock);\n}\n`,
  'common/table.c': `#include "locks.h"\nint table_len;\nvoid table_walk(void) {\n  spin_lock(&table_lock);\n  spin_lock(&core_lock);\n  table_len++;\n  spin_unlock(&core_lock);\n  spin_unlock(&table_lock);\n}\n`,
  // a leak every configuration has
  'common/event.c': `#include "locks.h"\nspinlock_t event_lock;\nint event_pending;\nint event_send(int port) {\n  spin_lock(&event_lock);\n  if (!port)\n    return -22;\n  event_pending = port;\n  arch_notify(port);\n  spin_unlock(&event_lock);\n  return 0;\n}\n`,
  // x86: core_lock -> table_lock through the hook, against table_walk
  'arch/x86/flush.c': `#include "locks.h"\nint x86_dirty;\nvoid arch_flush(void) {\n  spin_lock(&table_lock);\n  x86_dirty = 0;\n  spin_unlock(&table_lock);\n}\nvoid arch_notify(int v) { x86_dirty = v; }\n`,
  // arm: its own lock against core_lock both ways, a leak of its own, and event_lock again in the hook
  'arch/arm/flush.c': `#include "locks.h"\nint arm_dirty;\nvoid arch_flush(void) { arm_dirty = 0; }\nvoid arch_notify(int v) {\n  spin_lock(&event_lock);\n  arm_dirty = v;\n  spin_unlock(&event_lock);\n}\n`,
  'arch/arm/gic.c': `#include "locks.h"\nspinlock_t gic_lock;\nint gic_pending;\nvoid gic_update(void) {\n  spin_lock(&gic_lock);\n  core_kick();\n  gic_pending = 0;\n  spin_unlock(&gic_lock);\n}\nvoid gic_route(void) {\n  spin_lock(&core_lock);\n  spin_lock(&gic_lock);\n  gic_pending++;\n  spin_unlock(&gic_lock);\n  spin_unlock(&core_lock);\n}\nint gic_inject(int irq) {\n  spin_lock(&gic_lock);\n  if (irq < 0)\n    return -1;\n  gic_pending = irq;\n  spin_unlock(&gic_lock);\n  return 0;\n}\n`,
  // riscv: a lock of its own taken under table_lock, and the other way round
  'arch/riscv/flush.c': `#include "locks.h"\nspinlock_t sbi_lock;\nint sbi_state;\nvoid arch_flush(void) { sbi_state = 0; }\nvoid arch_notify(int v) { sbi_state = v; }\nvoid sbi_call(void) {\n  spin_lock(&sbi_lock);\n  spin_lock(&table_lock);\n  sbi_state++;\n  spin_unlock(&table_lock);\n  spin_unlock(&sbi_lock);\n}\nvoid sbi_sync(void) {\n  spin_lock(&table_lock);\n  spin_lock(&sbi_lock);\n  sbi_state = 1;\n  spin_unlock(&sbi_lock);\n  spin_unlock(&table_lock);\n}\n`,
};
for (let i = 0; i < 12; i++) tree[`common/user${i}.c`] = `#include "locks.h"\nint user${i}_count;\nvoid user${i}_tick(void) {\n  spin_lock(&core_lock);\n  user${i}_count++;\n  spin_unlock(&core_lock);\n}\n`;

let dir = '';

function lockcheck(env: Record<string, string>, ...args: string[]): { json: { findings: { rule: string; function: string; configurations?: string[]; confirmation: { status: string } }[] }; text: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, '--no-progress', '--no-cache', '-f', 'json', ...args, join(dir, 'xen')], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0 && r.status !== 1) throw new Error(`lockcheck exited ${r.status}: ${r.stderr}`);
  return { json: JSON.parse(r.stdout), text: r.stdout, err: r.stderr };
}

/** The report without what depends on time. */
const untimed = (text: string): string => JSON.stringify(JSON.parse(text), (k, v) => (k === 'ms' || k === 'seconds' ? undefined : v));

describe('configurations on a second thread', () => {
  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` (npm ci does) before this test`);
    dir = mkdtempSync(join(tmpdir(), 'lockcheck-cfgthread-'));
    for (const [p, t] of Object.entries(tree)) {
      mkdirSync(dirname(join(dir, 'xen', p)), { recursive: true });
      writeFileSync(join(dir, 'xen', p), t);
    }
  });

  it('gives the single-threaded report, every configuration\'s findings confirmed', () => {
    const one = lockcheck({}, '--jobs', '1');
    const two = lockcheck({ LOCKCHECK_PROFILE: '1', LOCKCHECK_CONFIG_THREAD: '1' }, '--jobs', '2');
    // the second thread did run the later configurations
    expect(two.err).toMatch(/facts sent to the configuration thread/);
    expect(untimed(two.text)).toBe(untimed(one.text));
    const found = one.json.findings.map((f) => `${f.rule} ${f.function} ${f.configurations?.join(',')}`).sort();
    expect(found).toEqual([
      'lock-inversion core_update x86',
      'lock-inversion gic_route arm',
      'lock-inversion sbi_call riscv',
      'lock-leak event_send arm,riscv,x86',
      'lock-leak gic_inject arm',
      'recursive-lock event_send arm',
    ]);
    // the findings only later configurations have were confirmed on the worker, against their programs
    const later = two.json.findings.filter((f) => !f.configurations?.includes('x86'));
    expect(later.length).toBeGreaterThan(2);
    for (const f of later) expect(f.confirmation.status, `${f.rule} ${f.function}`).not.toBe('not-run');
    // and the same with the main thread alone but parallel extraction
    expect(untimed(lockcheck({ LOCKCHECK_CONFIG_THREAD: '0' }, '--jobs', '2').text)).toBe(untimed(one.text));
  }, 300_000);

  it('keeps --all-rules and --disable the same on both threads', () => {
    for (const args of [['--all-rules'], ['--disable', 'lock-leak']]) {
      expect(untimed(lockcheck({ LOCKCHECK_CONFIG_THREAD: '1' }, '--jobs', '2', ...args).text), args.join(' ')).toBe(untimed(lockcheck({}, '--jobs', '1', ...args).text));
    }
  }, 300_000);
});
