/*
 * lockcheck sample 002 -- seed thread 002_2235a4443b4d1f4e.txt
 * (xen-devel/qemu-devel, "Re: [PATCH] xen-mapcache: Fix the bug when
 * overlapping emulated DMA operations may cause inconsistency in guest
 * memory mappings", Alexey Gerasimenko / Stefano Stabellini, Jul 2017).
 *
 * Stands for exec.c (QEMU 2.10 development), reduced to the guest RAM
 * accessors that go through the Xen mapcache: the emulated read path
 * (address_space_read_continue -> qemu_map_ram_ptr) and the DMA map/unmap
 * path (address_space_map -> qemu_ram_ptr_length, address_space_unmap).
 */
#include "exec/memory.h"
#include "exec/ram_addr.h"
#include "sysemu/xen-mapcache.h"

/* Return a host pointer to ram allocated with qemu_ram_alloc.
 * This should not be used for general purpose DMA.  Use address_space_map
 * or address_space_rw instead. For local memory (e.g. video ram) that the
 * device owns, use memory_region_get_ram_ptr.
 *
 * Called within RCU critical section.
 */
void *qemu_map_ram_ptr(RAMBlock *ram_block, ram_addr_t addr)
{
    RAMBlock *block = ram_block;

    if (block == NULL) {
        block = qemu_get_ram_block(addr);
        addr -= block->offset;
    }

    if (xen_enabled() && block->host == NULL) {
        /* We need to check if the requested address is in the RAM
         * because we don't want to map the entire memory in QEMU.
         * In that case just map until the end of the page.
         */
        if (block->offset == 0) {
            return xen_map_cache(addr, 0, 0);
        }

        block->host = xen_map_cache(block->offset, block->max_length, 1);
    }
    return ramblock_ptr(block, addr);
}

/* Return a host pointer to guest's ram. Similar to qemu_map_ram_ptr
 * but takes a size argument.
 *
 * Called within RCU critical section.
 */
static void *qemu_ram_ptr_length(RAMBlock *ram_block, ram_addr_t addr,
                                 hwaddr *size)
{
    RAMBlock *block = ram_block;
    if (*size == 0) {
        return NULL;
    }

    if (block == NULL) {
        block = qemu_get_ram_block(addr);
        addr -= block->offset;
    }
    *size = MIN(*size, block->max_length - addr);

    if (xen_enabled() && block->host == NULL) {
        /* We need to check if the requested address is in the RAM
         * because we don't want to map the entire memory in QEMU.
         * In that case just map the requested area.
         */
        if (block->offset == 0) {
            return xen_map_cache(addr, *size, 1);
        }

        block->host = xen_map_cache(block->offset, block->max_length, 1);
    }

    return ramblock_ptr(block, addr);
}

/* Called within RCU critical section.  */
MemTxResult address_space_read_continue(AddressSpace *as, hwaddr addr,
                                        MemTxAttrs attrs, uint8_t *buf,
                                        int len, hwaddr addr1, hwaddr l,
                                        MemoryRegion *mr)
{
    uint8_t *ptr;
    uint64_t val;
    MemTxResult result = MEMTX_OK;

    for (;;) {
        if (!memory_access_is_direct(mr, false)) {
            /* I/O case */
            l = MIN(l, 8);
            result |= memory_region_dispatch_read(mr, addr1, &val, l, attrs);
            memcpy(buf, &val, l);
        } else {
            /* RAM case */
            ptr = qemu_map_ram_ptr(mr->ram_block, addr1);
            memcpy(buf, ptr, l);
        }

        len -= l;
        buf += l;
        addr += l;

        if (!len) {
            break;
        }

        l = len;
        mr = address_space_translate(as, addr, &addr1, &l, false);
    }

    return result;
}

/* Map a physical memory region into a host virtual address.
 * May map a subset of the requested range, given by and returned in *plen.
 * Use address_space_unmap() to release the mapping.
 */
void *address_space_map(AddressSpace *as,
                        hwaddr addr,
                        hwaddr *plen,
                        bool is_write)
{
    hwaddr len = *plen;
    hwaddr xlat;
    MemoryRegion *mr;
    void *ptr;

    if (len == 0) {
        return NULL;
    }

    rcu_read_lock();
    mr = address_space_translate(as, addr, &xlat, &len, is_write);
    if (!memory_access_is_direct(mr, is_write)) {
        rcu_read_unlock();
        *plen = 0;
        return NULL;
    }

    memory_region_ref(mr);
    *plen = len;
    ptr = qemu_ram_ptr_length(mr->ram_block, xlat, plen);
    rcu_read_unlock();

    return ptr;
}

/* Unmaps a memory region previously mapped by address_space_map().
 * Will also mark the memory as dirty if is_write == 1.  access_len gives
 * the amount of memory that was actually read or written by the caller.
 */
void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len,
                         int is_write, hwaddr access_len)
{
    MemoryRegion *mr;
    ram_addr_t addr1;

    mr = memory_region_from_host(buffer, &addr1);
    if (is_write) {
        invalidate_and_set_dirty(mr, addr1, access_len);
    }
    if (xen_enabled()) {
        xen_invalidate_map_cache_entry(buffer);
    }
    memory_region_unref(mr);
}
