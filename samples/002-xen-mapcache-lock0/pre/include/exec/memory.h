/*
 * lockcheck sample 002 -- seed thread 002_2235a4443b4d1f4e.txt
 * (xen-devel/qemu-devel, "Re: [PATCH] xen-mapcache: Fix the bug when
 * overlapping emulated DMA operations may cause inconsistency in guest
 * memory mappings", Alexey Gerasimenko / Stefano Stabellini, Jul 2017).
 *
 * Stands for include/exec/memory.h: MemoryRegion / AddressSpace, reduced
 * to the fields the RAM access paths in exec.c look at.
 */
#ifndef MEMORY_H
#define MEMORY_H

#include "exec/ram_addr.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;

typedef uint32_t MemTxResult;
#define MEMTX_OK      0
#define MEMTX_ERROR   (1U << 0)

typedef struct MemTxAttrs {
    unsigned int unspecified:1;
    unsigned int secure:1;
} MemTxAttrs;

struct MemoryRegion {
    bool ram;
    bool readonly; /* For RAM regions */
    bool ram_device;
    RAMBlock *ram_block;
    hwaddr addr;
    uint64_t size;
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
};

MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr,
                                      hwaddr *xlat, hwaddr *len,
                                      bool is_write);
MemoryRegion *memory_region_from_host(void *ptr, ram_addr_t *offset);
bool memory_access_is_direct(MemoryRegion *mr, bool is_write);
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *pval, unsigned size,
                                        MemTxAttrs attrs);
void memory_region_ref(MemoryRegion *mr);
void memory_region_unref(MemoryRegion *mr);
void invalidate_and_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr length);

void *qemu_map_ram_ptr(RAMBlock *ram_block, ram_addr_t addr);

#endif /* MEMORY_H */
