/*
 * lockcheck sample 003 -- seed thread 003_2d0c5e31bf41472c.txt
 * (xen-devel, "Re: [PATCH v4 02/11] vpci: cancel pending map/unmap on vpci
 * removal", Oleksandr Andrushchenko / Jan Beulich / Roger Pau Monne,
 * Nov 2021).
 *
 * Stands for xen/drivers/vpci/vpci.c (Xen 4.16 era): creation and removal
 * of a device's vPCI state and the config space read/write dispatchers
 * reached from the guest's MMIO/port I/O traps.
 */
#include <xen/sched.h>
#include <xen/vpci.h>

/* Internal struct to store the emulated PCI registers. */
struct vpci_register {
    vpci_read_t *read;
    vpci_write_t *write;
    unsigned int size;
    unsigned int offset;
    void *private;
    struct list_head node;
};

extern vpci_register_init_t *const __start_vpci_array[];
extern vpci_register_init_t *const __end_vpci_array[];
#define NUM_VPCI_INIT (__end_vpci_array - __start_vpci_array)

/* Drop {un}map operations deferred by vCPUs of the owner on this device. */
static void vpci_cancel_pending(const struct pci_dev *pdev)
{
    struct domain *d = pdev->domain;
    struct vcpu *v;

    ASSERT(rw_is_write_locked(&d->vpci_rwlock));

    for_each_vcpu ( d, v )
    {
        if ( v->vpci.mem && v->vpci.pdev == pdev )
        {
            rangeset_destroy(v->vpci.mem);
            v->vpci.mem = NULL;
            v->vpci.pdev = NULL;
        }
    }
}

void vpci_remove_device(struct pci_dev *pdev)
{
    struct domain *d = pdev->domain;
    struct vpci *vpci;

    if ( !has_vpci(d) )
        return;

    /*
     * Holding the lock for writing waits for every vpci_read(),
     * vpci_write() and vpci_process_pending() that may still be using
     * pdev->vpci, and keeps new ones out until the pointer is cleared.
     */
    write_lock(&d->vpci_rwlock);
    vpci = pdev->vpci;
    if ( !vpci )
    {
        write_unlock(&d->vpci_rwlock);
        return;
    }

    vpci_cancel_pending(pdev);
    pdev->vpci = NULL;

    while ( !list_empty(&vpci->handlers) )
    {
        struct vpci_register *r = list_first_entry(&vpci->handlers,
                                                   struct vpci_register,
                                                   node);

        list_del(&r->node);
        xfree(r);
    }
    xfree(vpci->msix);
    xfree(vpci->msi);
    xfree(vpci);
    write_unlock(&d->vpci_rwlock);
}

int vpci_add_handlers(struct pci_dev *pdev)
{
    struct vpci *vpci;
    unsigned int i;
    int rc = 0;

    if ( !has_vpci(pdev->domain) )
        return 0;

    /* We should not get here twice for the same device. */
    ASSERT(!pdev->vpci);

    vpci = xzalloc(struct vpci);
    if ( !vpci )
        return -ENOMEM;

    INIT_LIST_HEAD(&vpci->handlers);
    spin_lock_init(&vpci->lock);

    write_lock(&pdev->domain->vpci_rwlock);
    pdev->vpci = vpci;
    write_unlock(&pdev->domain->vpci_rwlock);

    for ( i = 0; i < NUM_VPCI_INIT; i++ )
    {
        rc = __start_vpci_array[i](pdev);
        if ( rc )
            break;
    }

    if ( rc )
        vpci_remove_device(pdev);

    return rc;
}

int vpci_add_register(struct vpci *vpci, vpci_read_t *read_handler,
                      vpci_write_t *write_handler, unsigned int offset,
                      unsigned int size, void *data)
{
    struct list_head *prev;
    struct vpci_register *r;

    /* Some sanity checks. */
    if ( (size != 1 && size != 2 && size != 4) ||
         offset >= 0x1000 || (offset & (size - 1)) ||
         (!read_handler && !write_handler) )
        return -EINVAL;

    r = xmalloc(struct vpci_register);
    if ( !r )
        return -ENOMEM;

    r->read = read_handler;
    r->write = write_handler;
    r->size = size;
    r->offset = offset;
    r->private = data;

    spin_lock(&vpci->lock);

    /* The list of handlers must be kept sorted at all times. */
    prev = &vpci->handlers;
    while ( prev->next != &vpci->handlers )
    {
        const struct vpci_register *this =
            list_entry(prev->next, struct vpci_register, node);

        if ( this->offset >= offset + size )
            break;
        if ( offset >= this->offset + this->size )
        {
            prev = prev->next;
            continue;
        }
        spin_unlock(&vpci->lock);
        xfree(r);
        return -EEXIST;
    }
    list_add(&r->node, prev);
    spin_unlock(&vpci->lock);

    return 0;
}

static uint32_t vpci_read_hw(pci_sbdf_t sbdf, unsigned int reg,
                             unsigned int size)
{
    return pci_conf_read32(sbdf, reg & ~3) >> ((reg & 3) * 8);
}

uint32_t vpci_read(pci_sbdf_t sbdf, unsigned int reg, unsigned int size)
{
    struct domain *d = current->domain;
    const struct pci_dev *pdev;
    const struct vpci_register *r;
    uint32_t data = ~(uint32_t)0;

    if ( !size )
    {
        ASSERT_UNREACHABLE();
        return data;
    }

    read_lock(&d->vpci_rwlock);

    /* Find the PCI dev matching the address. */
    pdev = pci_get_pdev_by_domain(d, sbdf.seg, sbdf.bus, sbdf.devfn);
    if ( !pdev || !pdev->vpci )
    {
        read_unlock(&d->vpci_rwlock);
        return vpci_read_hw(sbdf, reg, size);
    }

    spin_lock(&pdev->vpci->lock);

    /* Read from the hardware or the emulated register handlers. */
    data = vpci_read_hw(sbdf, reg, size);
    list_for_each_entry ( r, &pdev->vpci->handlers, node )
    {
        if ( r->offset == reg && r->size == size && r->read )
        {
            data = r->read(pdev, reg, r->private);
            break;
        }
    }
    spin_unlock(&pdev->vpci->lock);
    read_unlock(&d->vpci_rwlock);

    return data;
}

void vpci_write(pci_sbdf_t sbdf, unsigned int reg, unsigned int size,
                uint32_t data)
{
    struct domain *d = current->domain;
    const struct pci_dev *pdev;
    const struct vpci_register *r;

    if ( !size )
    {
        ASSERT_UNREACHABLE();
        return;
    }

    read_lock(&d->vpci_rwlock);

    /* Find the PCI dev matching the address. */
    pdev = pci_get_pdev_by_domain(d, sbdf.seg, sbdf.bus, sbdf.devfn);
    if ( !pdev || !pdev->vpci )
    {
        read_unlock(&d->vpci_rwlock);
        return;
    }

    spin_lock(&pdev->vpci->lock);

    /* Write the value to the emulated register handlers. */
    list_for_each_entry ( r, &pdev->vpci->handlers, node )
    {
        if ( r->offset == reg && r->size == size && r->write )
        {
            r->write(pdev, reg, data, r->private);
            break;
        }
    }
    spin_unlock(&pdev->vpci->lock);
    read_unlock(&d->vpci_rwlock);
}
