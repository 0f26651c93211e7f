// Seed 000: Xen FIFO event channels, "evtchn/fifo: don't corrupt queues if an old tail is
// linked" (David Vrabel, xen-devel, Nov 2013).
//
// evtchn_fifo_set_pending() must be serialized per event, but EVTCHNOP_unmask only holds
// the receiving domain's event_lock while evtchn_send holds the sender's: two CPUs can link
// the same port at once. Pre-fix, both pass `!test_bit(LINKED)` before either does
// `set_bit(LINKED)`; the second sees `old_q->tail == port`, invalidates the tail and makes
// the port the new HEAD, so the event already queued before it (port 2) is LINKED but no
// longer reachable from q->head: lost. The fix re-reads last_vcpu_id/last_priority under
// old_q->lock (lock_old_queue) and bails early with test_and_set_bit(LINKED).
//
// Model: port 1 is raised by CPU0 (send) and CPU1 (unmask); port 2 is already queued
// (head = tail = 2). Per-flag variables stand for the bits of the event words.
// Line numbers are read off the diff hunks in the thread (pre: old file, fixed: new file);
// statements the thread only shows in its race diagrams carry code without a line.

import { model, type ThreadBuilder } from '../explorer/model.js';
import type { SeedModel } from './seed.js';

const F = 'xen/common/event_fifo.c';
const EC = 'xen/common/event_channel.c';

const vars = {
  'word1.PENDING': 0,
  'word1.MASKED': 1,
  'word1.LINKED': 0,
  'word1.LINK': 0,
  'word2.LINKED': 1,
  'word2.LINK': 0,
  'q->head': 2,
  'q->tail': 2,
  'evtchn->notify_vcpu_id': 0,
  'evtchn->priority': 7,
  'evtchn->last_vcpu_id': 0,
  'evtchn->last_priority': 7,
};

const invariant = {
  cond:
    '(word2.LINKED == 0 || q->head == 2 || (q->head == 1 && word1.LINK == 2)) && ' +
    '(word1.LINKED == 0 || q->head == 1 || (q->head == 2 && word2.LINK == 1))',
  outcome: 'LOST EVENT',
  msg: 'an event is LINKED but not reachable from q->head: the guest never sees it',
};

/** Link port 1 onto q (q->lock held): the tail of evtchn_fifo_set_pending. */
function linkToTail(t: ThreadBuilder): void {
  t.load('tail', 'q->tail', { code: 'if ( q->tail )' });
  t.local('linked', 0);
  for (const p of [1, 2]) {
    t.if(`tail == ${p}`, (b) =>
      b
        .load('tl', `word${p}.LINKED`, { code: 'linked = evtchn_fifo_set_link(d, tail_word, port);' })
        .if('tl != 0', (c) => c.store(`word${p}.LINK`, 1, { code: 'link tail event to port (cmpxchg on tail_word)' }).local('linked', 1)),
    );
  }
  t.if('linked == 0', (b) => b.store('q->head', 1, { code: 'write_atomic(q->head, port);' }));
  t.store('q->tail', 1, { code: 'q->tail = port;' });
  t.unlock('q->lock', { code: 'spin_unlock_irqrestore(&q->lock, flags);' });
}

/** evtchn_fifo_set_pending(v, evtchn) for port 1, as before the fix (old file lines). */
function setPendingPre(t: ThreadBuilder): void {
  t.file(F);
  t.testAndSetBit('was_pending', 'word1.PENDING', 0, { code: 'was_pending = test_and_set_bit(EVTCHN_FIFO_PENDING, word);' });
  t.load('masked', 'word1.MASKED', { line: 127, code: 'if ( !test_bit(EVTCHN_FIFO_MASKED, word)' });
  t.load('linked1', 'word1.LINKED', { line: 128, code: '&& !test_bit(EVTCHN_FIFO_LINKED, word) )' });
  t.if('masked == 0 && linked1 == 0', (b) => {
    b.load('nv', 'evtchn->notify_vcpu_id', { code: 'v = d->vcpu[evtchn->notify_vcpu_id];' });
    b.load('pri', 'evtchn->priority', { line: 139, code: 'q = &v->evtchn_fifo->queue[evtchn->priority];' });
    b.load('lv', 'evtchn->last_vcpu_id', { line: 140, code: 'old_v = d->vcpu[evtchn->last_vcpu_id];' });
    b.load('lp', 'evtchn->last_priority', { line: 141, code: 'old_q = &old_v->evtchn_fifo->queue[evtchn->last_priority];' });
    b.lock('q->lock', { line: 142, code: 'spin_lock_irqsave(&old_q->lock, flags);' });
    b.load('otail', 'q->tail', { line: 152, code: 'if ( old_q->tail == port )' });
    b.if('otail == 1', (c) => c.store('q->tail', 0, { line: 153, code: 'old_q->tail = 0;' }));
    b.setBit('word1.LINKED', 0, { line: 154, code: 'set_bit(EVTCHN_FIFO_LINKED, word);' });
    movedQueue(b, 155);
    linkToTail(b);
  });
}

/** `if ( old_q != q )`: only one queue in this model, kept for fidelity (never taken). */
function movedQueue(t: ThreadBuilder, line: number): void {
  t.if(
    'lv != nv || lp != pri',
    (c) =>
      c
        .store('evtchn->last_vcpu_id', 'nv', { code: 'evtchn->last_vcpu_id = evtchn->notify_vcpu_id;' })
        .store('evtchn->last_priority', 'pri', { code: 'evtchn->last_priority = evtchn->priority;' }),
    undefined,
    { line, code: 'if ( old_q != q )' },
  );
}

/** evtchn_fifo_set_pending() with the proposed fix (new file lines). */
function setPendingFixed(t: ThreadBuilder): void {
  t.file(F);
  t.testAndSetBit('was_pending', 'word1.PENDING', 0, { code: 'was_pending = test_and_set_bit(EVTCHN_FIFO_PENDING, word);' });
  t.load('masked', 'word1.MASKED', { line: 151, code: 'if ( !test_bit(EVTCHN_FIFO_MASKED, word)' });
  t.load('linked1', 'word1.LINKED', { line: 152, code: '&& !test_bit(EVTCHN_FIFO_LINKED, word) )' });
  t.if('masked == 0 && linked1 == 0', (b) => {
    b.load('nv', 'evtchn->notify_vcpu_id', { code: 'v = d->vcpu[evtchn->notify_vcpu_id];' });
    b.load('pri', 'evtchn->priority', { line: 162, code: 'q = &v->evtchn_fifo->queue[evtchn->priority];' });
    // old_q = lock_old_queue(d, evtchn, &flags);
    b.loop(
      2,
      (l) => {
        l.load('lv', 'evtchn->last_vcpu_id', { line: 46, code: 'v = d->vcpu[evtchn->last_vcpu_id];' });
        l.load('lp', 'evtchn->last_priority', { line: 47, code: 'old_q = &v->evtchn_fifo->queue[evtchn->last_priority];' });
        l.lock('q->lock', { line: 49, code: 'spin_lock_irqsave(&old_q->lock, *flags);' });
        l.load('lv2', 'evtchn->last_vcpu_id', { line: 51, code: 'v = d->vcpu[evtchn->last_vcpu_id];' });
        l.load('lp2', 'evtchn->last_priority', { line: 52, code: 'q = &v->evtchn_fifo->queue[evtchn->last_priority];' });
        l.if('lv == lv2 && lp == lp2', (r) => r.break_({ line: 55, code: 'return old_q;' }), undefined, { line: 54, code: 'if ( old_q == q )' });
        l.unlock('q->lock', { line: 57, code: 'spin_unlock_irqrestore(&old_q->lock, *flags);' });
      },
      { line: 44, code: 'for (;;)' },
    );
    b.testAndSetBit('was_linked', 'word1.LINKED', 0, { line: 166, code: 'if ( test_and_set_bit(EVTCHN_FIFO_LINKED, word) )' });
    b.if(
      'was_linked != 0',
      (c) => c.unlock('q->lock', { line: 168, code: 'spin_unlock_irqrestore(&old_q->lock, flags);' }),
      (c) => {
        c.load('otail', 'q->tail', { line: 179, code: 'if ( old_q->tail == port )' });
        c.if('otail == 1', (d) => d.store('q->tail', 0, { line: 180, code: 'old_q->tail = 0;' }));
        movedQueue(c, 183);
        linkToTail(c);
      },
    );
  });
}

function build(fixed: boolean) {
  const setPending = fixed ? setPendingFixed : setPendingPre;
  return model({
    name: fixed ? '000-evtchn-fifo-fixed' : '000-evtchn-fifo',
    description: 'evtchn_fifo_set_pending() for one port from evtchn_send (sender event_lock) and EVTCHNOP_unmask (receiver event_lock)',
    vars,
    locks: ['rd->event_lock', 'd->event_lock', 'q->lock'],
    threads: [
      [
        'evtchn_send',
        (t) => {
          t.lock('rd->event_lock', { file: EC, code: 'spin_lock(&rd->event_lock);' });
          setPending(t);
          t.unlock('rd->event_lock', { file: EC, code: 'spin_unlock(&rd->event_lock);' });
        },
      ],
      [
        'EVTCHNOP_unmask',
        (t) => {
          t.lock('d->event_lock', { file: EC, code: 'spin_lock(&d->event_lock);' });
          t.clearBit('word1.MASKED', 0, { file: F, code: 'clear_bit(EVTCHN_FIFO_MASKED, word);' });
          t.load('pending', 'word1.PENDING', { file: F, code: 'if ( test_bit(EVTCHN_FIFO_PENDING, word) )' });
          t.if('pending != 0', (b) => setPending(b));
          t.unlock('d->event_lock', { file: EC, code: 'spin_unlock(&d->event_lock);' });
        },
      ],
    ],
    invariant,
  });
}

export const evtchnFifo: SeedModel = {
  id: '000-evtchn-fifo',
  title: 'evtchn FIFO: old-tail relink races with itself and loses queued events',
  thread: '000_e71c44b17031a56d.txt',
  bug: build(false),
  fixed: build(true),
  outcome: 'LOST EVENT',
};
