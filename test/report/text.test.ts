// The text output as a maintainer reads it: lockdep's scenario for lock findings, the racing
// statements in code terms for the others, calls and returns told apart, one line per tree.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import { formatFinding } from '../../src/report/text.js';
import type { Finding } from '../../src/report/finding.js';
import { sampleSources } from '../helpers/sample-sources.js';
import { runCli } from '../helpers/cli-run.js';

/** The CPU columns between the scenario heading and the `*** ... ***` line. */
function scenario(text: string): string {
  const start = text.search(/ Possible [^\n]*:\n/);
  const end = text.indexOf(' ***', start);
  return start < 0 || end < 0 ? '' : text.slice(start, end);
}

describe('text scenario', () => {
  const vgic = analyzeSources(sampleSources('samples/001-vgic-rank-inversion/pre')).findings;
  const fifo = analyzeSources(sampleSources('samples/000-evtchn-fifo-old-tail/pre')).findings;

  it('a lock-order inversion is drawn as lockdep does: lock(X); lines per CPU, the source lines below', () => {
    const text = formatFinding(vgic.find((f) => f.rule === 'lock-inversion')!);
    const s = scenario(text);
    const rows = s.split('\n').slice(4).map((l) => l.trim()).filter((l) => l);
    // the model's interleaving: CPU0 takes vgic.lock, CPU1 the rank lock, then each wants the other
    expect(rows).toEqual(['lock(vcpu.arch.vgic.lock);', 'lock(vgic_irq_rank.lock);', 'lock(vgic_irq_rank.lock);', 'lock(vcpu.arch.vgic.lock);']);
    expect(s.split('\n')[5]).toMatch(/^ {40,}lock\(vgic_irq_rank\.lock\);$/);
    expect(text).toContain('*** DEADLOCK ***');
    // the source steps follow the scenario
    expect(text.indexOf('| spin_lock_irqsave(&v->arch.vgic.lock, flags);')).toBeGreaterThan(text.indexOf('*** DEADLOCK ***'));
  });

  it('a barrier finding shows its reordering in code terms, without the model\'s own variables or branch bookkeeping', () => {
    const text = formatFinding(vgic.find((f) => f.rule === 'missing-barrier' && f.function === 'gic_update_one_lr')!);
    const s = scenario(text);
    expect(s).toMatch(/^ Possible reordering/);
    expect(s).not.toContain('locking scenario');
    expect(s).toContain('list_del_init(&p->inflight);  // pending_irq.inflight = 1');
    expect(s).toMatch(/if \( list_empty\(&p->inflight\) \)  \/\/ pending_irq\.inflight == 0 \(stale: the value from before the other CPU's store\)/);
    expect(s).not.toMatch(/handoff_|goes as on the path|\/\/ violation/);
    expect(text).not.toMatch(/\bK\.DABT/);
  });

  it('a bit test-then-set shows which bit changed, not the word\'s value or the model\'s counter', () => {
    const text = formatFinding(fifo.find((f) => f.rule === 'check-then-act' && /set_bits? it/.test(f.message))!);
    const s = scenario(text);
    expect(s).toContain('set_bit(EVTCHN_FIFO_LINKED, word);  // bit 29 of word: 0 -> 1');
    expect(s).not.toMatch(/536870912|\bacted\b|final state/);
  });

  it('names model variables as the code does and shows a return as a return', () => {
    const f: Finding = {
      id: '0123456789abcdef', rule: 'missing-barrier', category: 'memory-ordering', severity: 'warning', file: 'a.c', line: 9, function: 'f', functions: ['f', 'get', 'g'], locks: [],
      message: 'm',
      witness: [{ label: 'CPU0', callChain: ['f', 'get', 'f', 'g'], steps: [
        { file: 'a.c', line: 3, function: 'f', event: 'call get' },
        { file: 'a.c', line: 20, function: 'get', event: 'acquire l' },
        { file: 'a.c', line: 4, function: 'f', event: 'call g' },
        { file: 'a.c', line: 30, function: 'g', event: 'store x' },
      ] }],
      confirmation: { status: 'confirmed', method: 'extracted', outcome: 'STALE READ', initialValues: { 'K.MAX_PORTS': 4 }, trace: [
        { cpu: 0, op: 'store(vcpu.map.__, 1)', code: 'v->map[port] = 1;', file: 'a.c', line: 30, note: 'vcpu.map.__ = 1' },
        { cpu: 1, op: 'r0 = load(vcpu.map.__)', code: 'x = v->map[p];', file: 'a.c', line: 40, note: 'vcpu.map.__ == 0 (stale)' },
        { cpu: 1, op: 'add(acted, 1)', note: 'acted: 0 -> 1' },
        { cpu: -1, op: 'final state', note: 'acted = 1' },
      ] },
    };
    const text = formatFinding(f);
    expect(text).toContain(' CPU0: f -> get; back in f -> g');
    expect(text).toContain('// vcpu.map[] = 1');
    expect(text).toContain('initial values: MAX_PORTS = 4');
    expect(text).not.toMatch(/\.__|\bacted\b|final state/);
  });
});

describe('lockdep rows', () => {
  it('leave out a CPU that ends holding nothing (another writer the model lets run in between)', async () => {
    const { lockRows } = await import('../../src/report/trace-rows.js');
    const rows = lockRows([
      { cpu: 0, op: 'lock(a)' },
      { cpu: 2, op: 'lock(c)', code: 'spin_lock(&x->c);', file: 'w.c', line: 3 },
      { cpu: 2, op: 'unlock(c)', code: 'spin_unlock(&x->c);', file: 'w.c', line: 4 },
      { cpu: 1, op: 'lock(b)' },
      { cpu: 1, op: 'if (x)', note: 'goes as on the path' },
      { cpu: 0, op: 'lock(b)', note: 'blocked: b held by CPU1' },
      { cpu: 1, op: 'lock(a) [shared]', note: 'blocked: a held by CPU0' },
    ]);
    expect(rows).toEqual([
      { cpu: 0, text: 'lock(a);' },
      { cpu: 1, text: 'lock(b);' },
      { cpu: 0, text: 'lock(b);' },
      { cpu: 1, text: 'rlock(a);' },
    ]);
  });
});

describe('--each', () => {
  it('prints one line per tree, so a fix tree with no finding says 0 findings', async () => {
    const { code, out } = await runCli('--each', 'samples/001-vgic-rank-inversion/pre', 'samples/001-vgic-rank-inversion/fix');
    expect(code).toBe(1);
    expect(out).toMatch(/^samples\/001-vgic-rank-inversion\/pre: 3 findings \(\d+ files\)$/m);
    expect(out).toMatch(/^samples\/001-vgic-rank-inversion\/fix: 0 findings \(\d+ files\)$/m);
  });
});
