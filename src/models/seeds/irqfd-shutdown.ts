// Seed 004: KVM irqfd, "[KVM PATCH v9 3/5] KVM: Fix races in irqfd using new
// eventfd_kref_get interface" (Gregory Haskins, LKML, Jul 2009).
//
// Before the patch, eventfd's release path wakes the wait queue with POLLHUP and
// irqfd_wakeup() (called with wqh->lock held) unhooks itself and sets irqfd->wqh = NULL,
// after which eventfd frees its context (and the wait-queue head in it). kvm_irqfd_release()
// concurrently tests irqfd->wqh and calls remove_wait_queue(irqfd->wqh, ...): if it read the
// pointer before the wakeup cleared it, it locks a freed wait-queue head.
//
// The patch: the irqfd holds a reference on the eventfd context (eventfd_ctx_fileget /
// eventfd_ctx_put); both sides only *deactivate* the irqfd under kvm->irqfds.lock (checking
// irqfd_is_active) and queue one shutdown work on a dedicated workqueue, which unhooks from
// the wait queue (under wqh->lock), flushes the inject work, drops the context reference and
// frees the irqfd; kvm_irqfd_release() waits with flush_workqueue().
// Line numbers come from the diff hunks (pre: old file, fixed: new file).

import { model } from '../explorer/model.js';
import type { SeedModel } from './seed.js';

const EV = 'virt/kvm/eventfd.c';
const FS = 'fs/eventfd.c';

function pre() {
  return model({
    name: '004-irqfd-shutdown',
    description: 'eventfd release (POLLHUP wakeup) against kvm_irqfd_release, before the fix',
    vars: { 'wqh->has_irqfd': 1, 'irqfd->wqh': 1 },
    locks: ['wqh->lock', 'kvm->lock'],
    objects: ['irqfd', 'eventfd_ctx'],
    threads: [
      [
        'eventfd_release',
        (t) => {
          t.file(FS);
          t.lock('wqh->lock', { code: 'wake_up_poll(&ctx->wqh, POLLHUP);  /* takes wqh->lock */' });
          t.load('hooked', 'wqh->has_irqfd', { obj: 'eventfd_ctx', code: '/* walk ctx->wqh: irqfd->wait queued? */' });
          t.if('hooked != 0', (b) => {
            b.file(EV);
            b.use('irqfd', { line: 64, code: 'struct _irqfd *irqfd = container_of(wait, struct _irqfd, wait);' });
            b.store('wqh->has_irqfd', 0, { obj: 'eventfd_ctx', line: 83, code: '__remove_wait_queue(irqfd->wqh, &irqfd->wait);' });
            b.store('irqfd->wqh', 0, { obj: 'irqfd', line: 84, code: 'irqfd->wqh = NULL;' });
          });
          t.unlock('wqh->lock', { file: FS, code: 'spin_unlock(&ctx->wqh.lock);' });
          t.free('eventfd_ctx', { file: FS, code: 'kfree(ctx);  /* eventfd_release */' });
        },
      ],
      [
        'kvm_irqfd_release',
        (t) => {
          t.file(EV);
          t.load('wqh', 'irqfd->wqh', { obj: 'irqfd', line: 170, code: 'if (irqfd->wqh)' });
          t.if('wqh != 0', (b) => {
            b.use('eventfd_ctx', { line: 171, code: 'remove_wait_queue(irqfd->wqh, &irqfd->wait);' });
            b.lock('wqh->lock', { line: 171, code: 'remove_wait_queue(irqfd->wqh, &irqfd->wait);  /* takes wqh->lock */' });
            b.store('wqh->has_irqfd', 0, { obj: 'eventfd_ctx', line: 171, code: '__remove_wait_queue(q, wait);' });
            b.unlock('wqh->lock', { line: 171, code: 'spin_unlock_irqrestore(&q->lock, flags);' });
          });
          t.local('flushed', 1, { line: 173, code: 'flush_work(&irqfd->inject);' });
          t.lock('kvm->lock', { line: 175, code: 'mutex_lock(&kvm->lock);' });
          t.use('irqfd', { line: 176, code: 'list_del(&irqfd->list);' });
          t.unlock('kvm->lock', { line: 177, code: 'mutex_unlock(&kvm->lock);' });
          t.free('irqfd', { line: 179, code: 'kfree(irqfd);' });
        },
      ],
    ],
  });
}

function fixed() {
  return model({
    name: '004-irqfd-shutdown-fixed',
    description: 'eventfd release (POLLHUP wakeup) against kvm_irqfd_release and the irqfd_cleanup_wq shutdown work, with the fix',
    vars: {
      'wqh->has_irqfd': 1,
      'irqfd->list': 1,
      'irqfd->shutdown.queued': 0,
      'irqfd->shutdown.done': 0,
      'ctx->kref': 2,
    },
    locks: ['wqh->lock', 'kvm->irqfds.lock'],
    objects: ['irqfd', 'eventfd_ctx'],
    threads: [
      [
        'eventfd_release',
        (t) => {
          t.file(FS);
          t.lock('wqh->lock', { code: 'wake_up_poll(&ctx->wqh, POLLHUP);  /* takes wqh->lock */' });
          t.load('hooked', 'wqh->has_irqfd', { obj: 'eventfd_ctx', code: '/* walk ctx->wqh: irqfd->wait queued? */' });
          t.if('hooked != 0', (b) => {
            b.file(EV);
            b.use('irqfd', { line: 122, code: 'struct _irqfd *irqfd = container_of(wait, struct _irqfd, wait);' });
            b.lock('kvm->irqfds.lock', { line: 134, code: 'spin_lock_irqsave(&kvm->irqfds.lock, flags);' });
            b.load('active', 'irqfd->list', { obj: 'irqfd', line: 145, code: 'if (irqfd_is_active(irqfd))' });
            b.if('active != 0', (c) =>
              c
                .store('irqfd->list', 0, { obj: 'irqfd', line: 111, code: 'list_del_init(&irqfd->list);' })
                .store('irqfd->shutdown.queued', 1, { line: 113, code: 'queue_work(irqfd_cleanup_wq, &irqfd->shutdown);' }),
            );
            b.unlock('kvm->irqfds.lock', { line: 148, code: 'spin_unlock_irqrestore(&kvm->irqfds.lock, flags);' });
          });
          t.unlock('wqh->lock', { file: FS, code: 'spin_unlock(&ctx->wqh.lock);' });
          t.atomicAddReturn('ref', 'ctx->kref', -1, { file: FS, code: 'eventfd_ctx_put(ctx);  /* kref_put */' });
          t.if('ref == 0', (b) => b.free('eventfd_ctx', { file: FS, code: 'kfree(ctx);  /* eventfd_free */' }));
        },
      ],
      [
        'kvm_irqfd_release',
        (t) => {
          t.file(EV);
          t.lock('kvm->irqfds.lock', { line: 252, code: 'spin_lock_irq(&kvm->irqfds.lock);' });
          // Walking kvm->irqfds.items reaches the irqfd only while it is on the list.
          t.load('active', 'irqfd->list', { line: 254, code: 'list_for_each_entry_safe(irqfd, tmp, &kvm->irqfds.items, list)' });
          t.if('active != 0', (c) =>
            c
              .use('irqfd', { line: 109, code: 'BUG_ON(!irqfd_is_active(irqfd));  /* irqfd_deactivate */' })
              .store('irqfd->list', 0, { obj: 'irqfd', line: 111, code: 'list_del_init(&irqfd->list);' })
              .store('irqfd->shutdown.queued', 1, { line: 113, code: 'queue_work(irqfd_cleanup_wq, &irqfd->shutdown);' }),
          );
          t.unlock('kvm->irqfds.lock', { line: 257, code: 'spin_unlock_irq(&kvm->irqfds.lock);' });
          t.assume('irqfd->shutdown.queued == 0 || irqfd->shutdown.done != 0', { line: 263, code: 'flush_workqueue(irqfd_cleanup_wq);' });
        },
      ],
      [
        'kvm-irqfd-cleanup: irqfd_shutdown',
        (t) => {
          t.file(EV);
          t.assume('irqfd->shutdown.queued != 0', { code: '/* worker picks up irqfd->shutdown */' });
          t.use('irqfd', { line: 72, code: 'struct _irqfd *irqfd = container_of(work, struct _irqfd, shutdown);' });
          t.use('eventfd_ctx', { line: 78, code: 'remove_wait_queue(irqfd->wqh, &irqfd->wait);' });
          t.lock('wqh->lock', { line: 78, code: 'remove_wait_queue(irqfd->wqh, &irqfd->wait);  /* takes wqh->lock */' });
          t.store('wqh->has_irqfd', 0, { obj: 'eventfd_ctx', line: 78, code: '__remove_wait_queue(q, wait);' });
          t.unlock('wqh->lock', { line: 78, code: 'spin_unlock_irqrestore(&q->lock, flags);' });
          t.local('flushed', 1, { line: 84, code: 'flush_work(&irqfd->inject);' });
          t.atomicAddReturn('ref', 'ctx->kref', -1, { line: 89, code: 'eventfd_ctx_put(irqfd->eventfd);' });
          t.if('ref == 0', (b) => b.free('eventfd_ctx', { file: FS, code: 'kfree(ctx);  /* eventfd_free */' }));
          t.free('irqfd', { line: 90, code: 'kfree(irqfd);' });
          t.store('irqfd->shutdown.done', 1, { code: '/* work item complete */' });
        },
      ],
    ],
  });
}

export const irqfdShutdown: SeedModel = {
  id: '004-irqfd-shutdown',
  title: 'KVM irqfd: shutdown against POLLHUP wakeup uses the freed wait-queue head',
  thread: '004_8340931e664c4896.txt',
  bug: pre(),
  fixed: fixed(),
  outcome: 'USE AFTER FREE',
};
