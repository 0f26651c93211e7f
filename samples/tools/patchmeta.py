"""Patch metadata for samples/tools/mkpatch.py: one entry per sample, with
the fix patch (pre/ -> fix/) and the bug patch (fix/ -> pre/)."""

META = {}

META['001-vgic-rank-inversion'] = {
    'fix': {
        'name': 'Stefano Stabellini', 'email': 'sstabellini@kernel.org',
        'date': 'Sat, 11 Feb 2017 01:37:00 +0000',
        'message_id': '1486777020-20170211-lockcheck-001-fix@kernel.org',
        'subject': 'xen/arm: fix rank/vgic lock inversion bug',
        'body': '''
gic_update_one_lr is called with the vgic lock of the current vcpu held
(by gic_clear_lrs or vgic_vcpu_inject_irq) and, for an irq that is being
migrated, calls vgic_get_target_vcpu, which takes the rank lock.  The
GICD_ITARGETSR write emulation takes the rank lock first and then calls
vgic_migrate_irq, which takes the vgic lock of the old vcpu.  The two
orders form a rank/vgic lock inversion: two pcpus can deadlock.

The rank lock is only taken in vgic_get_target_vcpu to read the target
vcpu of the irq, so read it atomically instead, and write rank->vcpu
atomically in vgic_store_itargetsr.  vgic_get_target_vcpu no longer takes
any lock, which removes the vgic -> rank edge.

Also add a write barrier between list_del_init(&p->inflight) and
irq_set_affinity, in gic_update_one_lr and in vgic_migrate_irq: once the
physical affinity changes the next interrupt can be received on the new
pcpu, where vgic_vcpu_inject_irq looks at p->inflight under a different
vgic lock.  The removal from inflight must be visible before that.
In gic_update_one_lr, only test GIC_IRQ_GUEST_MIGRATING before the
affinity change and clear it afterwards, still under the vgic lock.

Coverity-ID: 1381855
Coverity-ID: 1381853

Suggested-by: Julien Grall <julien.grall@arm.com>
Signed-off-by: Stefano Stabellini <sstabellini@kernel.org>
''',
    },
    'bug': {
        'name': 'Stefano Stabellini', 'email': 'sstabellini@kernel.org',
        'date': 'Tue, 20 Dec 2016 22:42:00 +0000',
        'message_id': '1482273720-20161220-lockcheck-001-bug@kernel.org',
        'subject': 'xen/arm: take the rank lock to read the target vcpu',
        'body': '''
rank->vcpu[] is written by the GICD_ITARGETSR emulation with the rank
lock held.  Take the rank lock in vgic_get_target_vcpu as well, so that
the target vcpu is always read consistently, and use plain accesses to
rank->vcpu[] now that every access is covered by the rank lock.

Drop the write barriers before irq_set_affinity in gic_update_one_lr and
vgic_migrate_irq: irq_set_affinity takes the irq descriptor lock anyway.

Signed-off-by: Stefano Stabellini <sstabellini@kernel.org>
''',
    },
}

META['000-evtchn-fifo-old-tail'] = {
    'fix': {
        'name': 'David Vrabel', 'email': 'david.vrabel@citrix.com',
        'date': 'Wed, 20 Nov 2013 16:41:32 +0000',
        'message_id': '1384965692-20131120-lockcheck-000-fix@citrix.com',
        'subject': "evtchn/fifo: don't corrupt queues if an old tail moves queues",
        'body': '''
evtchn_fifo_set_pending() relies on being serialized for each event
channel, to protect evtchn->last_* and the split test_bit(LINKED) and
set_bit(LINKED).  Interdomain events are serialized by the sender's
event lock, but evtchn_fifo_unmask() holds only the local domain's event
lock, so two CPUs may link the same event concurrently:

  CPU A                           CPU B

     evtchn_fifo_set_pending()    clear_bit(MASKED)
       set_bit(PENDING)           test_bit(PENDING)
       test_bit(LINKED)           EVTCHNOP_unmask()
       link to q->tail
       q->tail = port
                                    q->tail = 0 because q->tail == port
                                    q->head = port

The double link of the event loses any other event preceding it in the
queue.  Similarly, last_vcpu_id and last_priority are read before the old
queue's lock is taken and may have changed by the time it is held, so the
wrong queue is locked and its tail is not invalidated.

Check for the old queue changing after locking old_q->lock (retrying if
it did), and use test_and_set_bit(LINKED) under the lock to bail early if
another CPU linked the event.

Signed-off-by: David Vrabel <david.vrabel@citrix.com>
''',
    },
    'bug': {
        'name': 'David Vrabel', 'email': 'david.vrabel@citrix.com',
        'date': 'Tue, 19 Nov 2013 18:17:00 +0000',
        'message_id': '1384885020-20131119-lockcheck-000-bug@citrix.com',
        'subject': "evtchn/fifo: don't corrupt queues if an old tail is linked",
        'body': '''
An event may still be the tail of a queue even if the queue is now
empty (an 'old tail' event).  When an event is linked, save the vcpu id
and priority of the queue it is being linked onto and use them, when it
is linked again, to find and lock the old queue and invalidate its tail.

The lookup of the old queue no longer needs a retry loop: take the old
queue's lock directly, and set LINKED with set_bit() once the old tail
has been invalidated.

Signed-off-by: David Vrabel <david.vrabel@citrix.com>
''',
    },
}

META['002-xen-mapcache-lock0'] = {
    'fix': {
        'name': 'Alexey Gerasimenko', 'email': 'x1917x@gmail.com',
        'date': 'Thu, 20 Jul 2017 02:10:00 +0300',
        'message_id': '20170720021000.lockcheck-002-fix@gmail.com',
        'subject': 'xen-mapcache: lock every mapping handed out to callers',
        'body': '''
xen_map_cache(addr, 0, lock=0) returns a pointer into a mapcache entry
without pinning it: the caller uses it after mapcache_unlock(), e.g.

    ptr = qemu_map_ram_ptr(mr->ram_block, addr1);
    memcpy(buf, ptr, len);

rcu_read_lock() in the callers protects QEMU's own structures only, not
the mapcache.  A concurrent xen_map_cache() for the same bucket (a DMA
mapping with lock=1 or another lock=0 request of a different size) sees
an unlocked entry and remaps it with xen_remap_bucket(), breaking the
mapping that is still being used.

Get rid of the lock0/lock1 request separation: every mapping returned by
xen_map_cache() is locked (entry->lock++ and a MapCacheRev on
locked_entries) and must be released with
xen_invalidate_map_cache_entry().  Release it in the RAM read path
through a new qemu_unmap_ram_ptr(), as address_space_unmap() already
does for DMA mappings.

Signed-off-by: Alexey Gerasimenko <x1917x@gmail.com>
''',
    },
    'bug': {
        'name': 'Alexey Gerasimenko', 'email': 'x1917x@gmail.com',
        'date': 'Wed, 19 Jul 2017 11:00:00 +0300',
        'message_id': '20170719110000.lockcheck-002-bug@gmail.com',
        'subject': 'xen-mapcache: add unlocked (lock=0) mappings for short reads',
        'body': '''
Short reads of guest RAM (qemu_map_ram_ptr) do not need to keep their
mapping: add a lock argument to xen_map_cache() and let lock=0 requests
skip the MapCacheRev bookkeeping, reusing the last entry when possible.
The caller can then drop qemu_unmap_ram_ptr() after the copy.

Signed-off-by: Alexey Gerasimenko <x1917x@gmail.com>
''',
    },
}

META['003-vpci-remove-pending'] = {
    'fix': {
        'name': 'Oleksandr Andrushchenko', 'email': 'oleksandr_andrushchenko@epam.com',
        'date': 'Fri, 19 Nov 2021 13:34:00 +0200',
        'message_id': '20211119113400.lockcheck-003-fix@epam.com',
        'subject': 'vpci: protect pdev->vpci with a per-domain rwlock on removal',
        'body': '''
vpci_remove_device() frees pdev->vpci, including the lock inside it,
right after releasing that lock, while other CPUs may be about to take
it:

 - vpci_process_pending() on a vCPU that deferred a BAR {un}map with
   defer_map() locks v->vpci.pdev->vpci->lock after the mapping is done;
 - vpci_read()/vpci_write() lock pdev->vpci->lock from the MMIO and port
   I/O traps;
 - vpci_process_pending() itself calls vpci_remove_device() on failure.

pdev->vpci->lock cannot protect the removal because it is freed with it,
and pcidevs_lock() is too heavy for the hot paths.  Add a per-domain
rwlock: vpci_read(), vpci_write() and vpci_process_pending() are readers
and re-check pdev->vpci (or the pending work) under it,
vpci_remove_device() is the writer.  Under the write lock, cancel the
{un}map work other vCPUs deferred on the device, clear pdev->vpci and
free the vPCI state.  Changes to the domain's pdev_list are done under
the write lock too.

Do not remove the device from vpci_process_pending() on failure: crash
the domain if it is not the hardware domain.

Signed-off-by: Oleksandr Andrushchenko <oleksandr_andrushchenko@epam.com>
''',
    },
    'bug': {
        'name': 'Oleksandr Andrushchenko', 'email': 'oleksandr_andrushchenko@epam.com',
        'date': 'Thu, 18 Nov 2021 15:21:00 +0200',
        'message_id': '20211118132100.lockcheck-003-bug@epam.com',
        'subject': 'vpci: drop the per-domain vPCI lock',
        'body': '''
The per-domain rwlock taken around every vPCI config space access is
contended for no good reason: every device already has its own
pdev->vpci->lock.  Use it for the removal as well, and remove the device
from vpci_process_pending() when the deferred mapping fails instead of
crashing the domain.

Signed-off-by: Oleksandr Andrushchenko <oleksandr_andrushchenko@epam.com>
''',
    },
}

META['004-kvm-irqfd-shutdown'] = {
    'fix': {
        'name': 'Gregory Haskins', 'email': 'ghaskins@novell.com',
        'date': 'Thu, 02 Jul 2009 11:39:09 -0400',
        'message_id': '20090702153909.lockcheck-004-fix@dev.haskins.net',
        'subject': 'KVM: Fix races in irqfd using new eventfd_kref_get interface',
        'body': '''
eventfd currently emits a POLLHUP wakeup on f_ops->release() to generate a
"release" callback.  This lets eventfd clients know if the eventfd is about
to go away and is very useful particularly for in-kernel clients.  However,
until recently it is not possible to use this feature of eventfd in a
race-free way.

This patch utilizes a new eventfd interface to rectify the problem.  It
also carefully coordinates the shutdown path using a deferred work-item
so that we may support a full mutual-disassociate protocol between KVM and
eventfd.

Signed-off-by: Gregory Haskins <ghaskins@novell.com>
''',
    },
    'bug': {
        'name': 'Gregory Haskins', 'email': 'ghaskins@novell.com',
        'date': 'Mon, 29 Jun 2009 16:52:00 -0400',
        'message_id': '20090629205200.lockcheck-004-bug@dev.haskins.net',
        'subject': 'KVM: irqfd: tear down irqfds directly in kvm_irqfd_release',
        'body': '''
The deferred shutdown work item, the dedicated cleanup workqueue and the
eventfd context reference are more machinery than irqfd needs: unhook the
wait-queue entry on POLLHUP from the wakeup itself, and let
kvm_irqfd_release() unhook, flush and free every remaining irqfd
directly, under kvm->lock.

Signed-off-by: Gregory Haskins <ghaskins@novell.com>
''',
    },
}
