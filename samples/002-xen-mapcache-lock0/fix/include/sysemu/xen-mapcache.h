/*
 * lockcheck sample 002 -- seed thread 002_2235a4443b4d1f4e.txt
 * (xen-devel/qemu-devel, "Re: [PATCH] xen-mapcache: Fix the bug when
 * overlapping emulated DMA operations may cause inconsistency in guest
 * memory mappings", Alexey Gerasimenko / Stefano Stabellini, Jul 2017).
 *
 * Stands for include/sysemu/xen-mapcache.h: the mapcache API used by
 * exec.c to reach guest RAM when QEMU runs as a Xen device model.
 */
#ifndef XEN_MAPCACHE_H
#define XEN_MAPCACHE_H

typedef hwaddr (*phys_offset_to_gaddr_t)(hwaddr start_addr,
                                         ram_addr_t size,
                                         void *opaque);

void xen_map_cache_init(phys_offset_to_gaddr_t f,
                        void *opaque);
/*
 * Every mapping returned by xen_map_cache() is locked: its entry cannot be
 * remapped until the caller releases it with
 * xen_invalidate_map_cache_entry().
 */
uint8_t *xen_map_cache(hwaddr phys_addr, hwaddr size);
ram_addr_t xen_ram_addr_from_mapcache(void *ptr);
void xen_invalidate_map_cache_entry(uint8_t *buffer);
void xen_invalidate_map_cache(void);

#endif /* XEN_MAPCACHE_H */
