/*
 * lockcheck samples: minimal stand-ins for the QEMU/glib primitives the
 * sample files use (QemuMutex, QTAILQ, g_malloc0/g_free, bitmaps, Xen
 * foreign mapping).
 *
 * Only used to syntax-check the samples with
 *   gcc -fsyntax-only -include samples/include/qemu-stubs.h ...
 * (see samples/check.sh).  The analyzer never needs this file.
 */
#ifndef LOCKCHECK_QEMU_STUBS_H
#define LOCKCHECK_QEMU_STUBS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

typedef uint64_t hwaddr;
typedef uint64_t ram_addr_t;
typedef unsigned long xen_pfn_t;
#define TARGET_FMT_plx "%016" "llx"

#define MIN(a, b) (((a) < (b)) ? (a) : (b))
#define MAX(a, b) (((a) > (b)) ? (a) : (b))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define BITS_PER_LONG (sizeof(unsigned long) * 8)
#define BITS_TO_LONGS(nr) (((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)

void *g_malloc(size_t n);
void *g_malloc0(size_t n);
void g_free(void *p);
#define g_new0(t, n) ((t *)g_malloc0(sizeof(t) * (n)))

void abort(void);
void exit(int status);
void perror(const char *s);
int munmap(void *addr, size_t len);
#define PROT_READ  1
#define PROT_WRITE 2
#define DPRINTF(fmt, ...) do { } while (0)

typedef struct QemuMutex { int opaque; } QemuMutex;
void qemu_mutex_init(QemuMutex *m);
void qemu_mutex_lock(QemuMutex *m);
void qemu_mutex_unlock(QemuMutex *m);
void qemu_mutex_lock_iothread(void);
void qemu_mutex_unlock_iothread(void);
void rcu_read_lock(void);
void rcu_read_unlock(void);

/* queue.h */
#define QTAILQ_HEAD(name, type)                                         \
struct name {                                                           \
        struct type *tqh_first;                                         \
        struct type **tqh_last;                                         \
}
#define QTAILQ_ENTRY(type)                                              \
struct {                                                                \
        struct type *tqe_next;                                          \
        struct type **tqe_prev;                                         \
}
#define QTAILQ_INIT(head) do {                                          \
        (head)->tqh_first = NULL;                                       \
        (head)->tqh_last = &(head)->tqh_first;                          \
} while (0)
#define QTAILQ_INSERT_HEAD(head, elm, field) do {                       \
        if (((elm)->field.tqe_next = (head)->tqh_first) != NULL)        \
            (head)->tqh_first->field.tqe_prev = &(elm)->field.tqe_next; \
        else                                                            \
            (head)->tqh_last = &(elm)->field.tqe_next;                  \
        (head)->tqh_first = (elm);                                      \
        (elm)->field.tqe_prev = &(head)->tqh_first;                     \
} while (0)
#define QTAILQ_REMOVE(head, elm, field) do {                            \
        if (((elm)->field.tqe_next) != NULL)                            \
            (elm)->field.tqe_next->field.tqe_prev =                     \
                (elm)->field.tqe_prev;                                  \
        else                                                            \
            (head)->tqh_last = (elm)->field.tqe_prev;                   \
        *(elm)->field.tqe_prev = (elm)->field.tqe_next;                 \
} while (0)
#define QTAILQ_FOREACH(var, head, field)                                \
        for ((var) = ((head)->tqh_first);                               \
                (var);                                                  \
                (var) = ((var)->field.tqe_next))

/* bitmap.h */
void bitmap_zero(unsigned long *dst, long nbits);
void bitmap_set(unsigned long *map, long i, long len);
int test_bit(long nr, const unsigned long *addr);

/* Xen */
#define XC_PAGE_SHIFT 12
#define XC_PAGE_SIZE (1UL << XC_PAGE_SHIFT)
typedef struct xenforeignmemory_handle xenforeignmemory_handle;
extern xenforeignmemory_handle *xen_fmem;
extern uint32_t xen_domid;
void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom,
                           int prot, size_t pages, const xen_pfn_t arr[],
                           int err[]);
bool xen_enabled(void);

void trace_xen_map_cache(hwaddr phys_addr);
void trace_xen_map_cache_return(void *ptr);
void trace_xen_remap_bucket(hwaddr index);

#endif /* LOCKCHECK_QEMU_STUBS_H */
