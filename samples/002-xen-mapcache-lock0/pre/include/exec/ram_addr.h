/*
 * lockcheck sample 002 -- seed thread 002_2235a4443b4d1f4e.txt
 * (xen-devel/qemu-devel, "Re: [PATCH] xen-mapcache: Fix the bug when
 * overlapping emulated DMA operations may cause inconsistency in guest
 * memory mappings", Alexey Gerasimenko / Stefano Stabellini, Jul 2017).
 *
 * Stands for include/exec/ram_addr.h: struct RAMBlock and ramblock_ptr().
 */
#ifndef QEMU_EXEC_RAM_ADDR_H
#define QEMU_EXEC_RAM_ADDR_H

typedef struct RAMBlock RAMBlock;

struct RAMBlock {
    struct MemoryRegion *mr;
    uint8_t *host;
    ram_addr_t offset;
    ram_addr_t used_length;
    ram_addr_t max_length;
    uint32_t flags;
    /* RCU-enabled, writes protected by the ramlist lock */
    QTAILQ_ENTRY(RAMBlock) next;
};

static inline bool offset_in_ramblock(RAMBlock *b, ram_addr_t offset)
{
    return (b && b->host && offset < b->used_length) ? true : false;
}

static inline void *ramblock_ptr(RAMBlock *block, ram_addr_t offset)
{
    return (char *)block->host + offset;
}

RAMBlock *qemu_get_ram_block(ram_addr_t addr);

#endif /* QEMU_EXEC_RAM_ADDR_H */
