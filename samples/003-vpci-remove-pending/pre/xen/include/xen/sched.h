/*
 * lockcheck sample 003 -- seed thread 003_2d0c5e31bf41472c.txt
 * (xen-devel, "Re: [PATCH v4 02/11] vpci: cancel pending map/unmap on vpci
 * removal", Oleksandr Andrushchenko / Jan Beulich / Roger Pau Monne,
 * Nov 2021).
 *
 * Stands for xen/include/xen/sched.h (Xen 4.16 era): struct vcpu with its
 * per-vCPU deferred BAR {un}map state (vcpu->vpci), struct domain with the
 * list of its PCI devices.
 */
#ifndef __SCHED_H__
#define __SCHED_H__

#include <xen/vpci.h>

struct vcpu
{
    int              vcpu_id;

    int              processor;

    struct vcpu     *next_in_list;

    struct domain   *domain;

    struct vpci_vcpu vpci;
};

struct domain
{
    domid_t          domain_id;

    unsigned int     max_vcpus;
    struct vcpu    **vcpu;

    spinlock_t       domain_lock;

    struct list_head pdev_list;
};

#define for_each_vcpu(_d,_v)                    \
 for ( (_v) = (_d)->vcpu ? (_d)->vcpu[0] : NULL; \
       (_v) != NULL;                            \
       (_v) = (_v)->next_in_list )

extern struct vcpu *current;
extern struct domain *hardware_domain;

#endif /* __SCHED_H__ */
