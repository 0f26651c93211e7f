/*
 * lockcheck sample 001 -- seed thread 001_553bf4098d4b9a97.txt
 * (xen-devel, "[v3] xen/arm: fix rank/vgic lock inversion bug", Jan-Feb 2017).
 *
 * Stands for xen/include/xen/sched.h, reduced to the parts of struct vcpu
 * and struct domain that the Arm vGIC code in this sample touches.
 */
#ifndef __SCHED_H__
#define __SCHED_H__

#include <asm/domain.h>

struct vcpu
{
    int              vcpu_id;

    int              processor;

    struct domain   *domain;

    struct vcpu     *next_in_list;

    /* Currently running on a CPU? */
    bool_t           is_running;

    unsigned long    pause_flags;

    struct arch_vcpu arch;
};

/* VCPU is offline. */
#define _VPF_down            1
#define VPF_down             (1UL<<_VPF_down)

struct domain
{
    domid_t          domain_id;

    unsigned int     max_vcpus;
    struct vcpu    **vcpu;

    spinlock_t       domain_lock;

    struct arch_domain arch;
};

extern struct vcpu *current;

void vcpu_unblock(struct vcpu *v);
void smp_send_event_check_mask(const cpumask_t *mask);

#endif /* __SCHED_H__ */
