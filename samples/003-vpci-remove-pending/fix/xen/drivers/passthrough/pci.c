/*
 * lockcheck sample 003 -- seed thread 003_2d0c5e31bf41472c.txt
 * (xen-devel, "Re: [PATCH v4 02/11] vpci: cancel pending map/unmap on vpci
 * removal", Oleksandr Andrushchenko / Jan Beulich / Roger Pau Monne,
 * Nov 2021).
 *
 * Stands for xen/drivers/passthrough/pci.c (Xen 4.16 era), reduced to the
 * two hardware-domain hypercalls that tear down a device's vPCI state:
 * PHYSDEVOP_pci_device_add (on IOMMU failure) and
 * PHYSDEVOP_pci_device_remove.  Both run under pcidevs_lock(); the
 * owner's vpci_rwlock is taken for writing to change its pdev_list.
 */
#include <xen/sched.h>
#include <xen/pci.h>
#include <xen/vpci.h>

extern struct pci_dev *alloc_pdev(struct pci_seg *pseg, uint8_t bus,
                                  uint8_t devfn);

int pci_add_device(uint16_t seg, uint8_t bus, uint8_t devfn)
{
    struct pci_seg *pseg;
    struct pci_dev *pdev;
    int ret = -ENOMEM;

    pcidevs_lock();
    pseg = get_pseg(seg);
    if ( !pseg )
        goto out;
    pdev = alloc_pdev(pseg, bus, devfn);
    if ( !pdev )
        goto out;

    ret = 0;
    if ( !pdev->domain )
    {
        pdev->domain = hardware_domain;
        write_lock(&hardware_domain->vpci_rwlock);
        list_add(&pdev->domain_list, &hardware_domain->pdev_list);
        write_unlock(&hardware_domain->vpci_rwlock);

        /*
         * For devices not discovered by Xen during boot, add vPCI handlers
         * when Dom0 first informs Xen about such devices.
         */
        ret = vpci_add_handlers(pdev);
        if ( ret )
        {
            printk(XENLOG_ERR "Setup of vPCI failed: %d\n", ret);
            write_lock(&hardware_domain->vpci_rwlock);
            list_del(&pdev->domain_list);
            write_unlock(&hardware_domain->vpci_rwlock);
            pdev->domain = NULL;
            goto out;
        }
        ret = iommu_add_device(pdev);
        if ( ret )
        {
            vpci_remove_device(pdev);
            write_lock(&hardware_domain->vpci_rwlock);
            list_del(&pdev->domain_list);
            write_unlock(&hardware_domain->vpci_rwlock);
            pdev->domain = NULL;
            goto out;
        }
    }

out:
    pcidevs_unlock();
    return ret;
}

int pci_remove_device(uint16_t seg, uint8_t bus, uint8_t devfn)
{
    struct pci_seg *pseg = get_pseg(seg);
    struct pci_dev *pdev;
    int ret = -ENODEV;

    if ( !pseg )
        return -ENODEV;

    pcidevs_lock();
    list_for_each_entry ( pdev, &pseg->alldevs_list, alldevs_list )
        if ( pdev->bus == bus && pdev->devfn == devfn )
        {
            vpci_remove_device(pdev);
            ret = iommu_remove_device(pdev);
            if ( pdev->domain )
            {
                struct domain *d = pdev->domain;

                write_lock(&d->vpci_rwlock);
                list_del(&pdev->domain_list);
                write_unlock(&d->vpci_rwlock);
            }
            printk(XENLOG_DEBUG "PCI remove device %pp\n", &pdev->sbdf);
            free_pdev(pseg, pdev);
            break;
        }

    pcidevs_unlock();
    return ret;
}
