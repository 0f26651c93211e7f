/*
 * lockcheck sample 001 -- seed thread 001_553bf4098d4b9a97.txt
 * (xen-devel, "[v3] xen/arm: fix rank/vgic lock inversion bug").
 *
 * Stands for xen/include/asm-arm/domain.h: the per-domain and per-vCPU
 * vGIC state (arch.vgic), including the per-vCPU vgic lock.
 */
#ifndef __ASM_DOMAIN_H__
#define __ASM_DOMAIN_H__

#include <asm/vgic.h>

struct arch_domain
{
    /* Virtual GIC state */
    struct {
        const struct vgic_ops *handler;
        /*
         * Covers access to other members of this struct _except_ for
         * shared_irqs where each member contains its own locking.
         *
         * If both class of lock is required then this lock must be
         * taken first. If multiple rank locks are required (including
         * the per-vcpu private_irqs rank) then they must be taken in
         * rank order.
         */
        spinlock_t lock;
        uint32_t ctlr;
        int nr_spis; /* Number of SPIs */
        unsigned long *allocated_irqs; /* bitmap of IRQs allocated */
        struct vgic_irq_rank *shared_irqs;
        /*
         * SPIs are domain global, SGIs and PPIs are per-VCPU and stored in
         * struct arch_vcpu.
         */
        struct pending_irq *pending_irqs;
        /* Base address for guest GIC */
        paddr_t dbase; /* Distributor base address */
        paddr_t cbase; /* CPU interface base address */
    } vgic;
};

struct arch_vcpu
{
    /* GIC LR state */
    uint64_t lr_mask;

    struct {
        /*
         * SGIs and PPIs are per-VCPU, SPIs are domain global and in
         * struct arch_domain.
         */
        struct pending_irq pending_irqs[32];
        struct vgic_irq_rank *private_irqs;

        /* This list is ordered by IRQ priority and it is used to keep
         * track of the IRQs that the VGIC knows about but that are still
         * waiting for the GIC to inject them to the guests */
        struct list_head inflight_irqs;
        /* lr_pending is used to queue IRQs (struct pending_irq) that the
         * vgic tried to inject in the guest (calling gic_set_guest_irq) but
         * no LRs were available at the time.
         * This list is ordered by IRQ priority and it is used by
         * gic_restore_pending_irqs to know which IRQs to inject
         * next. When an IRQ is taken out of lr_pending it is moved to
         * inflight_irqs. */
        struct list_head lr_pending;
        spinlock_t lock;
    } vgic;
};

#endif /* __ASM_DOMAIN_H__ */
