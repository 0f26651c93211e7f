/*
 * lockcheck sample 001 -- seed thread 001_553bf4098d4b9a97.txt
 * (xen-devel, "[v3] xen/arm: fix rank/vgic lock inversion bug").
 *
 * Stands for xen/arch/arm/irq.c (Xen 4.8 era), reduced to do_IRQ(): a
 * physical SPI routed to a guest arrives on whichever pCPU its affinity
 * names and is injected into the target vCPU from there.
 */
#include <xen/sched.h>
#include <asm/gic.h>
#include <asm/vgic.h>

#define _IRQ_GUEST 4

struct cpu_user_regs;

struct irq_guest
{
    struct domain *d;
    unsigned int virq;
};

extern struct irq_desc *irq_to_desc(unsigned int irq);
extern struct irq_guest *irq_get_guest_info(struct irq_desc *desc);
extern void irq_enter(void);
extern void irq_exit(void);
extern void gic_irq_ack(struct irq_desc *desc);
extern void gic_irq_end(struct irq_desc *desc);
extern void handle_host_irq(struct irq_desc *desc,
                            struct cpu_user_regs *regs);

void do_IRQ(struct cpu_user_regs *regs, unsigned int irq, int is_fiq)
{
    struct irq_desc *desc = irq_to_desc(irq);

    ASSERT(irq >= 16); /* SGIs do not come down this path */

    irq_enter();

    spin_lock(&desc->lock);
    gic_irq_ack(desc);

    if ( test_bit(_IRQ_GUEST, &desc->status) )
    {
        struct irq_guest *info = irq_get_guest_info(desc);

        gic_irq_end(desc);

        set_bit(_IRQ_INPROGRESS, &desc->status);

        /*
         * The irq cannot be a PPI, we only support delivery of SPIs to
         * guests.
         */
        vgic_vcpu_inject_spi(info->d, info->virq);
        goto out_no_end;
    }

    handle_host_irq(desc, regs);

    gic_irq_end(desc);
out_no_end:
    spin_unlock(&desc->lock);
    irq_exit();
}
