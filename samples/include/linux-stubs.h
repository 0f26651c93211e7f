/*
 * lockcheck samples: minimal stand-ins for the Linux primitives the sample
 * files use (spinlocks, mutexes, lists, wait queues, poll tables, work
 * items, eventfd, slab).
 *
 * Only used to syntax-check the samples with
 *   gcc -fsyntax-only -include samples/include/linux-stubs.h ...
 * (see samples/check.sh).  The analyzer never needs this file.
 */
#ifndef _LOCKCHECK_LINUX_STUBS_H
#define _LOCKCHECK_LINUX_STUBS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef uint8_t  u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int gfp_t;

#define __init
#define __exit
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define BUG_ON(c) do { if (c) __builtin_trap(); } while (0)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define module_init(fn) int init_module(void) __attribute__((alias(#fn)))
#define module_exit(fn) void cleanup_module(void) __attribute__((alias(#fn)))

#define ENOMEM 12
#define EBADF 9
#define EINVAL 22
#define ENOTTY 25
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline long IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }

typedef struct { int counter; } atomic_t;
void atomic_set(atomic_t *v, int i);
int atomic_dec_and_test(atomic_t *v);

#define GFP_KERNEL 0xd0u
void *kzalloc(size_t size, gfp_t flags);
void kfree(const void *p);

/* locks */
typedef struct { volatile int raw; } spinlock_t;
struct mutex { int count; };
void spin_lock_init(spinlock_t *l);
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
void spin_lock_irq(spinlock_t *l);
void spin_unlock_irq(spinlock_t *l);
unsigned long _spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);
#define spin_lock_irqsave(l, f) ((f) = _spin_lock_irqsave(l))
void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

/* lists */
struct list_head { struct list_head *next, *prev; };
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline int list_empty(const struct list_head *h) { return h->next == h; }
void list_add(struct list_head *n, struct list_head *h);
void list_add_tail(struct list_head *n, struct list_head *h);
void list_del(struct list_head *e);
void list_del_init(struct list_head *e);
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each_entry_safe(pos, n, head, member)                  \
	for (pos = list_entry((head)->next, __typeof__(*pos), member),  \
	     n = list_entry(pos->member.next, __typeof__(*pos), member);\
	     &pos->member != (head);                                    \
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

/* wait queues and poll (2.6.30 names) */
typedef struct __wait_queue wait_queue_t;
typedef int (*wait_queue_func_t)(wait_queue_t *wait, unsigned mode, int sync, void *key);
struct __wait_queue {
	unsigned int flags;
	void *private;
	wait_queue_func_t func;
	struct list_head task_list;
};
struct __wait_queue_head {
	spinlock_t lock;
	struct list_head task_list;
};
typedef struct __wait_queue_head wait_queue_head_t;
void init_waitqueue_func_entry(wait_queue_t *q, wait_queue_func_t func);
void add_wait_queue(wait_queue_head_t *q, wait_queue_t *wait);
void remove_wait_queue(wait_queue_head_t *q, wait_queue_t *wait);
void __remove_wait_queue(wait_queue_head_t *head, wait_queue_t *old);

struct file;
struct poll_table_struct;
typedef void (*poll_queue_proc)(struct file *, wait_queue_head_t *, struct poll_table_struct *);
typedef struct poll_table_struct { poll_queue_proc qproc; } poll_table;
void init_poll_funcptr(poll_table *pt, poll_queue_proc qproc);
#define POLLIN  0x0001
#define POLLHUP 0x0010

struct file_operations {
	unsigned int (*poll)(struct file *, struct poll_table_struct *);
};
struct file { const struct file_operations *f_op; void *private_data; };
void fput(struct file *file);

/* eventfd */
struct eventfd_ctx;
struct file *eventfd_fget(int fd);
struct eventfd_ctx *eventfd_ctx_fileget(struct file *file);
void eventfd_ctx_put(struct eventfd_ctx *ctx);

/* work queues */
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);
struct work_struct { unsigned long data; struct list_head entry; work_func_t func; };
struct workqueue_struct;
void INIT_WORK(struct work_struct *work, work_func_t func);
int schedule_work(struct work_struct *work);
int queue_work(struct workqueue_struct *wq, struct work_struct *work);
int flush_work(struct work_struct *work);
int cancel_work_sync(struct work_struct *work);
void flush_workqueue(struct workqueue_struct *wq);
void destroy_workqueue(struct workqueue_struct *wq);
struct workqueue_struct *create_singlethread_workqueue(const char *name);

#endif /* _LOCKCHECK_LINUX_STUBS_H */
