/*
 * lockcheck sample 001 -- seed thread 001_553bf4098d4b9a97.txt
 * (xen-devel, "[v3] xen/arm: fix rank/vgic lock inversion bug").
 *
 * Stands for xen/include/asm-arm/gic.h: the list-register (LR) view and
 * the hardware ops table used by gic.c.
 */
#ifndef __ASM_ARM_GIC_H__
#define __ASM_ARM_GIC_H__

#define GICH_LR_PENDING    1
#define GICH_LR_ACTIVE     2

/* Internal representation of an LR, independent of the GIC version */
struct gic_lr {
   /* Physical IRQ */
   uint32_t pirq;
   /* Virtual IRQ */
   uint32_t virq;
   uint8_t priority;
   uint8_t state;
   uint8_t hw_status;
   uint8_t grp;
};

struct gic_info {
    /* Number of LRs registers */
    uint8_t nr_lrs;
};

struct gic_hw_operations {
    /* Hold GIC HW information */
    const struct gic_info *info;
    /* Clear LR register */
    void (*clear_lr)(int lr);
    /* Read LR register and populate gic_lr structure */
    void (*read_lr)(int lr, struct gic_lr *);
    /* Write LR register from gic_lr structure */
    void (*write_lr)(int lr, const struct gic_lr *);
    /* Update HCR status register */
    void (*update_hcr_status)(uint32_t flag, bool_t set);
};

#define GICH_HCR_UIE       (1 << 1)

extern const struct gic_hw_operations *gic_hw_ops;

extern void gic_raise_guest_irq(struct vcpu *v, unsigned int irq,
                                unsigned int priority);
extern void gic_raise_inflight_irq(struct vcpu *v, unsigned int virtual_irq);
extern void gic_clear_lrs(struct vcpu *v);

#endif /* __ASM_ARM_GIC_H__ */
