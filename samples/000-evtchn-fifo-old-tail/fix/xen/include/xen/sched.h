/*
 * lockcheck sample 000 -- seed thread 000_e71c44b17031a56d.txt
 * (xen-devel, "Re: [PATCH 2/2] evtchn/fifo: don't corrupt queues if an
 * old tail is linked", David Vrabel, Nov 2013).
 *
 * Stands for xen/include/xen/sched.h (Xen 4.4 era): struct evtchn with
 * the FIFO fields (priority, last_priority, last_vcpu_id), struct vcpu
 * and struct domain reduced to what the event channel code touches.
 */
#ifndef __SCHED_H__
#define __SCHED_H__

#include <public/event_channel.h>

struct evtchn_port_ops;

struct evtchn
{
#define ECS_FREE         0 /* Channel is available for use.                  */
#define ECS_RESERVED     1 /* Channel is reserved.                           */
#define ECS_UNBOUND      2 /* Channel is waiting to bind to a remote domain. */
#define ECS_INTERDOMAIN  3 /* Channel is bound to another domain.            */
#define ECS_PIRQ         4 /* Channel is bound to a physical IRQ line.       */
#define ECS_VIRQ         5 /* Channel is bound to a virtual IRQ line.        */
#define ECS_IPI          6 /* Channel is bound to a virtual IPI line.        */
    u8  state;             /* ECS_* */
    u8  xen_consumer;      /* Consumer in Xen, if any? (0 = send to guest) */
    u8  pending:1;
    u16 notify_vcpu_id;    /* VCPU for local delivery notification */
    u32 port;
    union {
        struct {
            domid_t remote_domid;
        } unbound;     /* state == ECS_UNBOUND */
        struct {
            u16            remote_port;
            struct domain *remote_dom;
        } interdomain; /* state == ECS_INTERDOMAIN */
        u16 virq;      /* state == ECS_VIRQ */
    } u;
    u8 priority;
    u8 last_priority;
    u16 last_vcpu_id;
};

struct vcpu
{
    int              vcpu_id;

    int              processor;

    struct domain   *domain;

    struct evtchn_fifo_vcpu *evtchn_fifo;
};

#define EVTCHNS_PER_BUCKET 128

struct domain
{
    domid_t          domain_id;

    unsigned int     max_vcpus;
    struct vcpu    **vcpu;

    /* Event channel information. */
    struct evtchn  **evtchn;
    unsigned int     max_evtchns;
    spinlock_t       event_lock;
    const struct evtchn_port_ops *evtchn_port_ops;
    struct evtchn_fifo_domain *evtchn_fifo;
};

extern struct vcpu *current;

void vcpu_mark_events_pending(struct vcpu *v);

#endif /* __SCHED_H__ */
