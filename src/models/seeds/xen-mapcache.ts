// Seed 002: QEMU xen-mapcache, "Re: [PATCH] xen-mapcache: Fix the bug when overlapping
// emulated DMA operations may cause inconsistency in guest memory mappings" (Alexey
// Gerasimenko, Stefano Stabellini, xen-devel, Jul 2017).
//
// A lock=0 mapping is used after mapcache_unlock():
//     ptr = qemu_map_ram_ptr(mr->ram_block, addr1);   // xen_map_cache(addr, 0, lock=0)
//     memcpy(buf, ptr, len);
// rcu_read_lock() protects QEMU structures only; a concurrent request for the same
// address_index (a lock=1 DMA mapping, or a lock=0 read of another size) sees an unlocked
// entry and remaps it (xen_remap_bucket: munmap the old vaddr_base, mmap a new one) while
// the first user is still copying from the old ptr.
//
// The thread does not settle a fix; the fixed variant is the discipline it points at: hold a
// locked (lock=1) mapping for the duration of the access and drop it with
// xen_invalidate_map_cache_entry(); the remapper only reuses entries with entry->lock == 0
// and otherwise chains a new entry.
// Mappings are objects `mapping[0]` (current) and `mapping[1]` (what a remap creates).

import { model, type ThreadBuilder } from '../explorer/model.js';
import type { SeedModel } from './seed.js';

const EXEC = 'exec.c';
const MC = 'hw/i386/xen/xen-mapcache.c';

function remapper(t: ThreadBuilder, fixed: boolean): void {
  t.file(MC);
  t.lock('mapcache->lock', { code: 'mapcache_lock();  /* xen_map_cache(addr, size2, lock=1) */' });
  t.load('elock', 'entry->lock', { code: 'if (entry->lock == 0 && entry->size != cache_size)' });
  const remap = (b: ThreadBuilder): void => {
    b.load('old', 'entry->vaddr_base', { code: 'xen_remap_bucket(entry, ...): old = entry->vaddr_base;' });
    b.free('mapping', { index: 'old', code: 'munmap(entry->vaddr_base, entry->size);' });
    b.alloc('mapping', { index: 1, code: 'vaddr_base = xenforeignmemory_map(...);' });
    b.store('entry->vaddr_base', 1, { code: 'entry->vaddr_base = vaddr_base;' });
  };
  if (fixed)
    t.if('elock == 0', remap, (b) =>
      b.alloc('mapping', { index: 1, code: 'entry->next = g_malloc0(sizeof (MapCacheEntry)); xen_remap_bucket(entry->next, ...);' }),
    );
  else remap(t);
  t.unlock('mapcache->lock', { code: 'mapcache_unlock();' });
}

function build(fixed: boolean) {
  return model({
    name: fixed ? '002-xen-mapcache-fixed' : '002-xen-mapcache',
    description: 'lock=0 user of qemu_map_ram_ptr() against a concurrent remap of the same bucket',
    vars: { 'entry->vaddr_base': 0, 'entry->lock': 0 },
    locks: ['rcu', 'mapcache->lock'],
    objects: { mapping: 2 },
    threads: [
      [
        'address_space_read (lock=0 user)',
        (t) => {
          t.file(EXEC);
          t.lock('rcu', { mode: 'shared', code: 'rcu_read_lock();' });
          t.lock('mapcache->lock', { file: MC, code: 'mapcache_lock();  /* xen_map_cache(addr, 0, lock) */' });
          if (fixed) t.atomicAdd('entry->lock', 1, { file: MC, code: 'entry->lock++;  /* lock=1 */' });
          t.load('ptr', 'entry->vaddr_base', { file: MC, code: 'ptr = entry->vaddr_base + address_offset;' });
          t.unlock('mapcache->lock', { file: MC, code: 'mapcache_unlock();' });
          t.use('mapping', { index: 'ptr', code: 'memcpy(buf, ptr, len);' });
          if (fixed) {
            t.lock('mapcache->lock', { file: MC, code: 'mapcache_lock();  /* xen_invalidate_map_cache_entry(ptr) */' });
            t.atomicAdd('entry->lock', -1, { file: MC, code: 'entry->lock--;' });
            t.unlock('mapcache->lock', { file: MC, code: 'mapcache_unlock();' });
          }
          t.unlock('rcu', { mode: 'shared', code: 'rcu_read_unlock();' });
        },
      ],
      ['DMA map of the same bucket (lock=1, other size)', (t) => remapper(t, fixed)],
    ],
  });
}

export const xenMapcache: SeedModel = {
  id: '002-xen-mapcache',
  title: 'xen-mapcache: lock=0 pointer remapped under its user',
  thread: '002_2235a4443b4d1f4e.txt',
  bug: build(false),
  fixed: build(true),
  outcome: 'USE AFTER FREE',
};
