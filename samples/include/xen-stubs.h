/*
 * lockcheck samples: minimal stand-ins for the Xen primitives the sample
 * files use (spinlocks, lists, bitops, barriers, atomics, cpumasks).
 *
 * Only used to syntax-check the samples with
 *   gcc -fsyntax-only -include samples/include/xen-stubs.h ...
 * (see samples/check.sh).  The analyzer never needs this file: the
 * structures that matter live in each sample's own headers.
 */
#ifndef __LOCKCHECK_XEN_STUBS_H__
#define __LOCKCHECK_XEN_STUBS_H__

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct vcpu;
struct domain;

typedef uint8_t  u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int bool_t;
typedef uint64_t paddr_t;
typedef uint64_t register_t;
typedef uint16_t domid_t;


#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ASSERT(p)   do { if ( 0 && (p) ) {} } while ( 0 )
#define BUG_ON(p)   do { if ( p ) __builtin_trap(); } while ( 0 )
#define BUILD_BUG_ON(c) ((void)sizeof(char[1 - 2 * !!(c)]))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#define ACCESS_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define read_atomic(p) (*(volatile __typeof__(*(p)) *)(p))
#define write_atomic(p, x) (*(volatile __typeof__(*(p)) *)(p) = (x))
#define cmpxchg(ptr, o, n) __sync_val_compare_and_swap(ptr, o, n)

/* spinlocks and rwlocks */
typedef struct { volatile int raw; } spinlock_t;
typedef struct { volatile int cnt; } rwlock_t;
#define DEFINE_SPINLOCK(l) spinlock_t l = { 0 }
void spin_lock_init(spinlock_t *l);
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
void spin_lock_irq(spinlock_t *l);
void spin_unlock_irq(spinlock_t *l);
unsigned long _spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);
#define spin_lock_irqsave(l, f) ((f) = _spin_lock_irqsave(l))
int spin_trylock(spinlock_t *l);
int spin_is_locked(spinlock_t *l);
void rwlock_init(rwlock_t *l);
void read_lock(rwlock_t *l);
void read_unlock(rwlock_t *l);
void write_lock(rwlock_t *l);
void write_unlock(rwlock_t *l);
int write_trylock(rwlock_t *l);
int rw_is_write_locked(rwlock_t *l);
void pcidevs_lock(void);
void pcidevs_unlock(void);
int local_irq_is_enabled(void);

/* barriers */
#define barrier() __asm__ __volatile__("" ::: "memory")
void smp_mb(void);
void smp_wmb(void);
void smp_rmb(void);

/* bitops */
void set_bit(int nr, volatile void *addr);
void clear_bit(int nr, volatile void *addr);
int test_bit(int nr, const volatile void *addr);
int test_and_set_bit(int nr, volatile void *addr);
int test_and_clear_bit(int nr, volatile void *addr);
unsigned int find_next_bit(const unsigned long *addr, unsigned int size,
                           unsigned int offset);
int ffs(int x);

/* lists */
struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD_INIT(n) { &(n), &(n) }
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline int list_empty(const struct list_head *h) { return h->next == h; }
void list_add(struct list_head *n, struct list_head *h);
void list_add_tail(struct list_head *n, struct list_head *h);
void list_del(struct list_head *e);
void list_del_init(struct list_head *e);
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_for_each_entry(pos, head, member)                              \
    for ( pos = list_entry((head)->next, __typeof__(*pos), member);         \
          &pos->member != (head);                                           \
          pos = list_entry(pos->member.next, __typeof__(*pos), member) )
#define list_for_each_entry_safe(pos, n, head, member)                      \
    for ( pos = list_entry((head)->next, __typeof__(*pos), member),         \
          n = list_entry(pos->member.next, __typeof__(*pos), member);       \
          &pos->member != (head);                                           \
          pos = n, n = list_entry(n->member.next, __typeof__(*n), member) )

/* cpumasks, irq descriptors, per-cpu */
typedef struct { unsigned long bits[4]; } cpumask_t;
const cpumask_t *cpumask_of(unsigned int cpu);
struct irq_desc { unsigned int irq; unsigned long status; spinlock_t lock; };
#define _IRQ_INPROGRESS 2
void irq_set_affinity(struct irq_desc *desc, const cpumask_t *mask);
#define DECLARE_PER_CPU(t, n) extern t per_cpu__##n
#define DEFINE_PER_CPU(t, n) t per_cpu__##n
#define this_cpu(n) (per_cpu__##n)

/* misc hypervisor services */
#define XENLOG_WARNING "<W>"
#define XENLOG_ERR     "<E>"
#define XENLOG_G_WARNING "<GW>"
int printk(const char *fmt, ...);
#define gdprintk(lvl, fmt, ...) printk(lvl fmt, ##__VA_ARGS__)
#define gprintk(lvl, fmt, ...)  printk(lvl fmt, ##__VA_ARGS__)
#define perfc_incr(x) do { } while ( 0 )
void *_xmalloc(size_t size);
void *_xzalloc(size_t size);
#define xmalloc(t)  ((t *)_xmalloc(sizeof(t)))
#define xzalloc(t)  ((t *)_xzalloc(sizeof(t)))
void xfree(void *p);
void raise_softirq(unsigned int nr);
#define SCHEDULE_SOFTIRQ 1
#define EINVAL 22
#define ENOMEM 12
#define ENODEV 19
#define EEXIST 17
#define ERESTART 85
#define EAGAIN 11
#define ENOSYS 38
#define EFAULT 14

/* rangesets, domains, PCI config space */
struct rangeset;
struct rangeset *rangeset_new(struct domain *d, char *name, unsigned int flags);
void rangeset_destroy(struct rangeset *r);
int rangeset_add_range(struct rangeset *r, unsigned long s, unsigned long e);
int rangeset_remove_range(struct rangeset *r, unsigned long s, unsigned long e);
int rangeset_consume_ranges(struct rangeset *r,
                            int (*cb)(unsigned long s, unsigned long e,
                                      void *ctxt, unsigned long *c),
                            void *ctxt);
void domain_crash(struct domain *d);
bool is_hardware_domain(const struct domain *d);
bool has_vpci(const struct domain *d);
void process_pending_softirqs(void);
bool general_preempt_check(void);
#define PFN_DOWN(x) ((x) >> 12)
#define PAGE_SHIFT 12
#define XENLOG_DEBUG "<D>"
#define ASSERT_UNREACHABLE() do { } while ( 0 )
#define __must_check __attribute__((warn_unused_result))
#define CONFIG_HAS_PCI 1

/* Arm trap / MMIO emulation */
struct hsr_dabt { unsigned int size:2; unsigned int write:1; };
#define DABT_BYTE 0
#define DABT_HALF_WORD 1
#define DABT_WORD 2
#define DABT_DOUBLE_WORD 3
typedef struct { paddr_t gpa; struct hsr_dabt dabt; } mmio_info_t;
#define PRIregister "lx"
#define XENLOG_G_ERR "<GE>"
typedef int (*mmio_read_t)(struct vcpu *v, mmio_info_t *info,
                           register_t *r, void *priv);
typedef int (*mmio_write_t)(struct vcpu *v, mmio_info_t *info,
                            register_t r, void *priv);
struct mmio_handler_ops { mmio_read_t read; mmio_write_t write; };

#endif /* __LOCKCHECK_XEN_STUBS_H__ */
