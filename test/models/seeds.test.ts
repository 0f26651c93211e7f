import { describe, expect, it } from 'vitest';
import { explore, type ModelJSON } from '../../src/models/explorer/index.js';
import {
  evtchnFifo,
  irqfdShutdown,
  seedModels,
  vgicMigrateBarrier,
  vgicRankInversion,
  vpciRemoval,
  xenMapcache,
} from '../../src/models/seeds/index.js';
import { renderTrace } from '../../src/models/trace-text.js';

const codes = (r: ReturnType<typeof explore>, cpu?: number): string[] =>
  r.trace.filter((s) => cpu === undefined || s.cpu === cpu).map((s) => s.code ?? s.op);

describe('seed models', () => {
  for (const seed of seedModels) {
    describe(seed.id, () => {
      it(`pre-fix model ends in ${seed.outcome}`, () => {
        const r = explore(seed.bug);
        expect(r.status).toBe('confirmed');
        expect(r.outcome).toBe(seed.outcome);
        expect(renderTrace(r)).toContain(`*** ${seed.outcome} ***`);
      });
      it('fixed model is refuted exhaustively', () => {
        const r = explore(seed.fixed);
        expect(r.status).toBe('refuted');
        expect(r.reason).toMatch(/^exhaustive/);
      });
      it('survives a JSON round trip with the same verdicts', () => {
        const bug = JSON.parse(JSON.stringify(seed.bug)) as ModelJSON;
        const fixed = JSON.parse(JSON.stringify(seed.fixed)) as ModelJSON;
        expect(explore(bug).outcome).toBe(seed.outcome);
        expect(explore(fixed).status).toBe('refuted');
      });
      it('every op with a line number names its file', () => {
        for (const m of [seed.bug, seed.fixed])
          for (const th of m.threads) for (const op of th.ops) if (op.line !== undefined) expect(op.file).toMatch(/\.c$/);
      });
    });
  }

  it('000: both CPUs pass !test_bit(LINKED); the second invalidates the tail and relinks as HEAD', () => {
    const r = explore(evtchnFifo.bug);
    const tests = r.trace.filter((s) => s.line === 128);
    expect(tests.map((s) => s.note)).toEqual(['word1.LINKED == 0', 'word1.LINKED == 0']);
    expect(new Set(tests.map((s) => s.cpu)).size).toBe(2);
    expect(codes(r)).toContain('old_q->tail = 0;');
    expect(r.trace.find((s) => s.code === 'write_atomic(q->head, port);')?.note).toBe('q->head = 1');
  });

  it('001: the inversion is vgic lock -> rank lock against rank lock -> vgic lock', () => {
    const r = explore(vgicRankInversion.bug);
    expect(r.message).toContain('rank->lock held by CPU1');
    expect(r.message).toContain('v0->arch.vgic.lock held by CPU0');
    expect(r.trace.at(-1)?.line).toBe(273);
  });

  it('001: the injecting pCPU reads a stale inflight; both barriers are needed', () => {
    const r = explore(vgicMigrateBarrier.bug);
    const read = r.trace.find((s) => s.line === 503);
    expect(read?.note).toBe('p->inflight == 1 (stale)');
    // Only one side fixed: still lost (message passing needs wmb AND rmb).
    const onlyWmb = structuredClone(vgicMigrateBarrier.fixed);
    onlyWmb.threads[1]!.ops = onlyWmb.threads[1]!.ops.filter((o) => !(o.k === 'fence'));
    expect(explore(onlyWmb).outcome).toBe('LOST INTERRUPT');
    const onlyRmb = structuredClone(vgicMigrateBarrier.fixed);
    onlyRmb.threads[0]!.ops = onlyRmb.threads[0]!.ops.filter((o) => !(o.k === 'fence'));
    expect(explore(onlyRmb).outcome).toBe('LOST INTERRUPT');
  });

  it('002: memcpy from a mapping the other CPU unmapped', () => {
    const r = explore(xenMapcache.bug);
    const c = codes(r);
    expect(c.indexOf('munmap(entry->vaddr_base, entry->size);')).toBeLessThan(c.indexOf('memcpy(buf, ptr, len);'));
    expect(r.trace.at(-1)).toMatchObject({ cpu: 0, code: 'memcpy(buf, ptr, len);' });
  });

  it('003: vpci_process_pending locks pdev->vpci->lock after xfree(pdev->vpci)', () => {
    const r = explore(vpciRemoval.bug);
    expect(codes(r, 1)).toContain('xfree(pdev->vpci);');
    expect(r.trace.at(-1)).toMatchObject({ cpu: 0, code: 'spin_lock(&v->vpci.pdev->vpci->lock);' });
  });

  it('004: remove_wait_queue on the wait-queue head eventfd already freed', () => {
    const r = explore(irqfdShutdown.bug);
    expect(r.preemptions).toBe(1);
    expect(codes(r, 0)).toContain('kfree(ctx);  /* eventfd_release */');
    expect(r.trace.at(-1)).toMatchObject({ cpu: 1, line: 171 });
    expect(r.message).toBe('eventfd_ctx used after free');
  });
});
