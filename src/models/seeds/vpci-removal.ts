// Seed 003: Xen vPCI, "Re: [PATCH v4 02/11] vpci: cancel pending map/unmap on vpci removal"
// (Oleksandr Andrushchenko, Jan Beulich, Roger Pau Monné, xen-devel, Nov 2021).
//
// A PCI_COMMAND write deferred a BAR map (defer_map: curr->vpci.pdev = pdev; curr->vpci.mem
// = mem); vCPU0 will run vpci_process_pending() from hvm_do_resume. Meanwhile vCPU1's
// PHYSDEVOP_pci_device_remove (pcidevs_lock held) runs vpci_remove_device(): xfree(pdev->vpci);
// pdev->vpci = NULL. vpci_process_pending() then does
// spin_lock(&v->vpci.pdev->vpci->lock): the vpci state is gone ("this will crash
// vpci_process_pending if it was scheduled and yet to run").
//
// The fix proposed in the thread: a per-domain rwlock; vpci_process_pending and the MMIO
// handlers are readers, vpci_remove_device the writer, and readers re-check pdev->vpci under
// the lock (what Xen eventually merged as d->pci_lock). Modelled with a blocking write_lock
// where the thread sketches write_trylock + hypercall continuation.
// The thread gives call chains, not line numbers: ops carry file and code only.

import { model } from '../explorer/model.js';
import type { SeedModel } from './seed.js';

const HDR = 'xen/drivers/vpci/header.c';
const VPCI = 'xen/drivers/vpci/vpci.c';
const PCI = 'xen/drivers/passthrough/pci.c';

function build(fixed: boolean) {
  return model({
    name: fixed ? '003-vpci-removal-fixed' : '003-vpci-removal',
    description: 'vpci_process_pending (vCPU0, deferred BAR map) against PHYSDEVOP_pci_device_remove (vCPU1)',
    vars: { 'v->vpci.mem': 1, 'pdev->vpci': 1 },
    locks: ['d->vpci_rwlock', 'pdev->vpci->lock', 'pcidevs_lock'],
    objects: ['pdev->vpci'],
    threads: [
      [
        'hvm_do_resume -> vpci_process_pending(v)',
        (t) => {
          t.file(HDR);
          if (fixed) t.lock('d->vpci_rwlock', { mode: 'shared', code: 'read_lock(&v->domain->vpci_rwlock);' });
          t.load('mem', 'v->vpci.mem', { code: 'if ( v->vpci.mem )' });
          t.if('mem != 0', (b) => {
            b.local('rc', 0, { code: 'rc = rangeset_consume_ranges(v->vpci.mem, map_range, &data);' });
            b.load('vpci', 'pdev->vpci', { code: 'v->vpci.pdev->vpci' });
            const body = (c: typeof b): void => {
              c.use('pdev->vpci', { code: 'spin_lock(&v->vpci.pdev->vpci->lock);' });
              c.lock('pdev->vpci->lock', { code: 'spin_lock(&v->vpci.pdev->vpci->lock);' });
              c.use('pdev->vpci', { code: 'modify_decoding(v->vpci.pdev, ...);' });
              c.unlock('pdev->vpci->lock', { code: 'spin_unlock(&v->vpci.pdev->vpci->lock);' });
            };
            if (fixed) b.if('vpci != 0', body);
            else body(b);
            b.store('v->vpci.mem', 0, { code: 'v->vpci.mem = NULL;' });
          });
          if (fixed) t.unlock('d->vpci_rwlock', { mode: 'shared', code: 'read_unlock(&v->domain->vpci_rwlock);' });
        },
      ],
      [
        'PHYSDEVOP_pci_device_remove -> vpci_remove_device(pdev)',
        (t) => {
          t.lock('pcidevs_lock', { file: PCI, code: 'pcidevs_lock();  /* pci_remove_device */' });
          t.file(VPCI);
          if (fixed) t.lock('d->vpci_rwlock', { code: 'write_lock(&d->vpci_rwlock);' });
          t.free('pdev->vpci', { code: 'xfree(pdev->vpci);' });
          t.store('pdev->vpci', 0, { code: 'pdev->vpci = NULL;' });
          if (fixed) t.unlock('d->vpci_rwlock', { code: 'write_unlock(&d->vpci_rwlock);' });
          t.unlock('pcidevs_lock', { file: PCI, code: 'pcidevs_unlock();' });
        },
      ],
    ],
  });
}

export const vpciRemoval: SeedModel = {
  id: '003-vpci-removal',
  title: 'vPCI: vpci_remove_device frees pdev->vpci under pending vpci_process_pending work',
  thread: '003_2d0c5e31bf41472c.txt',
  bug: build(false),
  fixed: build(true),
  outcome: 'USE AFTER FREE',
};
