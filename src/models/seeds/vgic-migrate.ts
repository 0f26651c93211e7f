// Seed 001: Xen on Arm vGIC, "[v3] xen/arm: fix rank/vgic lock inversion bug" (Stefano
// Stabellini, Julien Grall, xen-devel, Jan-Feb 2017). Two models:
//
// 1. Lock inversion. gic_update_one_lr() runs with v->arch.vgic.lock held and, when the irq
//    was MIGRATING, calls vgic_get_target_vcpu(), which takes the rank lock. A guest write
//    to ITARGETSR holds the rank lock and calls vgic_migrate_irq(), which takes
//    old->arch.vgic.lock. Two irqs of one rank, one still migrating (CPU0 clearing its LR),
//    one being migrated (CPU1): ABBA. The patch stops taking the rank lock under the vgic
//    lock (irq_set_affinity moves to vgic_migrate_irq; gic_update_one_lr only clears the bit).
//
// 2. Missing barrier (the patched code). CPU0 (old pCPU) retires the LR: list_del_init
//    (&p->inflight) then clear_bit(MIGRATING), no barrier, clear_bit returns nothing. CPU1 (new
//    pCPU) takes the next interrupt: vgic_vcpu_inject_irq() tests MIGRATING, then
//    list_empty(&n->inflight). Seeing MIGRATING clear but the old inflight value, the irq
//    looks already in flight and is never injected. "A simple barrier in both side should be
//    enough": smp_wmb() between the writes, smp_rmb() between the reads. Checked under LKMM.

import { model } from '../explorer/model.js';
import type { SeedModel } from './seed.js';

const GIC = 'xen/arch/arm/gic.c';
const VGIC = 'xen/arch/arm/vgic.c';
const VGIC2 = 'xen/arch/arm/vgic-v2.c';

function inversion(fixed: boolean) {
  return model({
    name: fixed ? '001-vgic-rank-inversion-fixed' : '001-vgic-rank-inversion',
    description: 'gic_update_one_lr (vgic lock -> rank lock) against ITARGETSR write -> vgic_migrate_irq (rank lock -> vgic lock)',
    vars: {
      'pA->status.MIGRATING': 1,
      'pA->inflight': 1,
      'pA->desc->affinity': 0,
      'pB->status.MIGRATING': 0,
      'pB->inflight': 1,
      'pB->lr_queue': 0,
      'pB->desc->affinity': 0,
      'rank->vcpu[A]': 1,
      'rank->vcpu[B]': 0,
    },
    locks: ['v0->arch.vgic.lock', 'rank->lock'],
    threads: [
      [
        'gic_update_one_lr(v0, irq A)',
        (t) => {
          t.file(GIC);
          t.lock('v0->arch.vgic.lock', { code: 'spin_lock(&v->arch.vgic.lock);  /* gic_clear_lrs */' });
          t.store('pA->inflight', 0, { line: 506, code: 'list_del_init(&p->inflight);' });
          if (!fixed) {
            t.testAndClearBit('mig', 'pA->status.MIGRATING', 0, { line: 507, code: 'if ( test_and_clear_bit(GIC_IRQ_GUEST_MIGRATING, &p->status) )' });
            t.if('mig != 0', (b) => {
              b.lock('rank->lock', { file: VGIC, code: 'vgic_lock_rank(v, rank, flags);  /* vgic_get_target_vcpu */' });
              b.load('target', 'rank->vcpu[A]', { file: VGIC, code: 'v_target = v->domain->vcpu[rank->vcpu[...]];' });
              b.unlock('rank->lock', { file: VGIC, code: 'vgic_unlock_rank(v, rank, flags);' });
              b.store('pA->desc->affinity', 'target', { line: 510, code: 'irq_set_affinity(p->desc, cpumask_of(v_target->processor));' });
            });
          } else {
            t.clearBit('pA->status.MIGRATING', 0, { line: 507, code: 'clear_bit(GIC_IRQ_GUEST_MIGRATING, &p->status);' });
          }
          t.unlock('v0->arch.vgic.lock', { code: 'spin_unlock(&v->arch.vgic.lock);' });
        },
      ],
      [
        'ITARGETSR write -> vgic_migrate_irq(v0, v1, irq B)',
        (t) => {
          t.file(VGIC);
          t.lock('rank->lock', { file: VGIC2, code: 'vgic_lock_rank(v, rank, flags);  /* vgic_v2_distr_mmio_write ITARGETSR */' });
          t.store('rank->vcpu[B]', 1, { file: VGIC2, code: 'rank->vcpu[offset] = new_target;' });
          if (fixed) t.store('pB->desc->affinity', 1, { line: 267, code: 'irq_set_affinity(p->desc, cpumask_of(new->processor));' });
          t.load('migB', 'pB->status.MIGRATING', { line: fixed ? 270 : 268, code: 'if ( test_bit(GIC_IRQ_GUEST_MIGRATING, &p->status) )' });
          t.if('migB == 0', (b) => {
            if (fixed) {
              b.load('infl', 'pB->inflight', { line: 272, code: 'if ( list_empty(&p->inflight) )' });
              b.if('infl != 0', (c) => {
                c.lock('v0->arch.vgic.lock', { line: 277, code: 'spin_lock_irqsave(&old->arch.vgic.lock, flags);' });
                c.setBit('pB->status.MIGRATING', 0, { code: 'set_bit(GIC_IRQ_GUEST_MIGRATING, &p->status);' });
                c.unlock('v0->arch.vgic.lock', { code: 'spin_unlock_irqrestore(&old->arch.vgic.lock, flags);' });
              });
            } else {
              b.lock('v0->arch.vgic.lock', { line: 273, code: 'spin_lock_irqsave(&old->arch.vgic.lock, flags);' });
              b.load('infl', 'pB->inflight', { line: 275, code: 'if ( list_empty(&p->inflight) )' });
              b.if(
                'infl == 0',
                (c) => c.store('pB->desc->affinity', 1, { line: 277, code: 'irq_set_affinity(p->desc, cpumask_of(new->processor));' }),
                (c) => c.setBit('pB->status.MIGRATING', 0, { code: 'set_bit(GIC_IRQ_GUEST_MIGRATING, &p->status);' }),
              );
              b.unlock('v0->arch.vgic.lock', { line: 278, code: 'spin_unlock_irqrestore(&old->arch.vgic.lock, flags);' });
            }
          });
          t.unlock('rank->lock', { file: VGIC2, code: 'vgic_unlock_rank(v, rank, flags);' });
        },
      ],
    ],
  });
}

function barrier(fixed: boolean) {
  return model({
    name: fixed ? '001-vgic-migrate-barrier-fixed' : '001-vgic-migrate-barrier',
    description: 'LR retire on the old pCPU (list_del_init; clear_bit(MIGRATING)) against vgic_vcpu_inject_irq on the new pCPU (test_bit(MIGRATING); list_empty(inflight))',
    memory: 'lkmm',
    vars: { 'p->inflight': 1, 'p->status.MIGRATING': 1 },
    locks: ['v0->arch.vgic.lock', 'v1->arch.vgic.lock'],
    threads: [
      [
        'gic_update_one_lr(v0)',
        (t) => {
          t.file(GIC);
          t.lock('v0->arch.vgic.lock', { code: 'spin_lock(&v->arch.vgic.lock);  /* gic_clear_lrs */' });
          t.store('p->inflight', 0, { line: 506, code: 'list_del_init(&p->inflight);' });
          if (fixed) t.wmb();
          t.clearBit('p->status.MIGRATING', 0, { line: 507, code: 'clear_bit(GIC_IRQ_GUEST_MIGRATING, &p->status);' });
          t.unlock('v0->arch.vgic.lock', { code: 'spin_unlock(&v->arch.vgic.lock);' });
        },
      ],
      [
        'vgic_vcpu_inject_irq(v1)',
        (t) => {
          t.file(VGIC);
          t.lock('v1->arch.vgic.lock', { code: 'spin_lock_irqsave(&v->arch.vgic.lock, flags);' });
          t.testBit('migrating', 'p->status.MIGRATING', 0, { line: 494, code: 'if ( test_bit(GIC_IRQ_GUEST_MIGRATING, &n->status) )' });
          if (fixed) t.rmb();
          t.load('inflight', 'p->inflight', { line: 503, code: 'if ( !list_empty(&n->inflight) )' });
          t.unlock('v1->arch.vgic.lock', { code: 'spin_unlock_irqrestore(&v->arch.vgic.lock, flags);' });
        },
      ],
    ],
    invariant: {
      cond: '!(cpu1.migrating == 0 && cpu1.inflight != 0)',
      outcome: 'LOST INTERRUPT',
      msg: 'the new pCPU saw MIGRATING cleared but the stale inflight list: the irq is treated as in flight and never injected',
    },
  });
}

export const vgicRankInversion: SeedModel = {
  id: '001-vgic-rank-inversion',
  title: 'vGIC: rank lock vs vgic lock inversion between gic_update_one_lr and vgic_migrate_irq',
  thread: '001_553bf4098d4b9a97.txt',
  bug: inversion(false),
  fixed: inversion(true),
  outcome: 'DEADLOCK',
};

export const vgicMigrateBarrier: SeedModel = {
  id: '001-vgic-migrate-barrier',
  title: 'vGIC: list_del_init and clear_bit(MIGRATING) not ordered against the injecting pCPU',
  thread: '001_553bf4098d4b9a97.txt',
  bug: barrier(false),
  fixed: barrier(true),
  outcome: 'LOST INTERRUPT',
};
