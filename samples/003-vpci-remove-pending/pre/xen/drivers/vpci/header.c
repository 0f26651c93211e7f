/*
 * lockcheck sample 003 -- seed thread 003_2d0c5e31bf41472c.txt
 * (xen-devel, "Re: [PATCH v4 02/11] vpci: cancel pending map/unmap on vpci
 * removal", Oleksandr Andrushchenko / Jan Beulich / Roger Pau Monne,
 * Nov 2021).
 *
 * Stands for xen/drivers/vpci/header.c (Xen 4.16 era): a guest write to
 * PCI_COMMAND that toggles memory decoding defers the BAR {un}map to the
 * vCPU (defer_map), which finishes it in vpci_process_pending() before it
 * resumes the guest.
 */
#include <xen/sched.h>
#include <xen/vpci.h>

struct map_data {
    struct domain *d;
    bool map;
};

extern int map_mmio_regions(struct domain *d, unsigned long gfn,
                            unsigned long nr, unsigned long mfn);
extern int unmap_mmio_regions(struct domain *d, unsigned long gfn,
                              unsigned long nr, unsigned long mfn);

static int map_range(unsigned long s, unsigned long e, void *data,
                     unsigned long *c)
{
    const struct map_data *map = data;
    int rc;

    for ( ; ; )
    {
        unsigned long size = e - s + 1;

        rc = map->map ? map_mmio_regions(map->d, s, size, s)
                      : unmap_mmio_regions(map->d, s, size, s);
        if ( rc == 0 )
        {
            *c += size;
            break;
        }
        if ( rc < 0 )
            break;
        *c += rc;
        s += rc;
        if ( general_preempt_check() )
                return -ERESTART;
    }

    return rc;
}

/*
 * The rom_only parameter is used to signal the map/unmap helpers that the ROM
 * BAR's enable bit has changed with the memory decoding bit already enabled.
 * If rom_only is not set then it's the memory decoding bit that changed.
 */
static void modify_decoding(const struct pci_dev *pdev, uint16_t cmd,
                            bool rom_only)
{
    struct vpci_header *header = &pdev->vpci->header;
    bool map = cmd & PCI_COMMAND_MEMORY;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(header->bars); i++ )
    {
        if ( header->bars[i].type < VPCI_BAR_MEM32 )
            continue;

        if ( rom_only && header->bars[i].type == VPCI_BAR_ROM )
        {
            header->rom_enabled = map;
            header->bars[i].enabled = map;
            return;
        }

        if ( !rom_only && (header->bars[i].type != VPCI_BAR_ROM ||
                           header->rom_enabled) )
            header->bars[i].enabled = map;
    }

    if ( !rom_only )
        pci_conf_write16(pdev->sbdf, PCI_COMMAND, cmd);
}

bool vpci_process_pending(struct vcpu *v)
{
    if ( v->vpci.mem )
    {
        struct map_data data = {
            .d = v->domain,
            .map = v->vpci.cmd & PCI_COMMAND_MEMORY,
        };
        int rc = rangeset_consume_ranges(v->vpci.mem, map_range, &data);

        if ( rc == -ERESTART )
            return true;

        spin_lock(&v->vpci.pdev->vpci->lock);
        /* Disable memory decoding unconditionally on failure. */
        modify_decoding(v->vpci.pdev,
                        rc ? v->vpci.cmd & ~PCI_COMMAND_MEMORY : v->vpci.cmd,
                        !rc && v->vpci.rom_only);
        spin_unlock(&v->vpci.pdev->vpci->lock);

        rangeset_destroy(v->vpci.mem);
        v->vpci.mem = NULL;
        if ( rc )
            /*
             * FIXME: in case of failure remove the device from the domain.
             * Note that there might still be leftover mappings. While this is
             * safe for Dom0, for DomUs the domain will likely need to be
             * killed in order to avoid leaking stale p2m mappings on
             * failure.
             */
            vpci_remove_device(v->vpci.pdev);
    }

    return false;
}

static void defer_map(struct domain *d, struct pci_dev *pdev,
                      struct rangeset *mem, uint16_t cmd, bool rom_only)
{
    struct vcpu *curr = current;

    /*
     * FIXME: when deferring the {un}map the state of the device should not
     * be trusted. For example the enable bit is toggled after the device
     * is mapped. This can lead to parallel mapping operations being
     * started for the same device if the domain is not well-behaved.
     */
    curr->vpci.pdev = pdev;
    curr->vpci.mem = mem;
    curr->vpci.cmd = cmd;
    curr->vpci.rom_only = rom_only;
    /*
     * Raise a scheduler softirq in order to prevent the guest from resuming
     * execution with pending mapping operations, to trigger the invocation
     * of vpci_process_pending.
     */
    raise_softirq(SCHEDULE_SOFTIRQ);
}

static int modify_bars(const struct pci_dev *pdev, uint16_t cmd, bool rom_only)
{
    struct vpci_header *header = &pdev->vpci->header;
    struct rangeset *mem = rangeset_new(NULL, NULL, 0);
    unsigned int i;
    int rc;

    if ( !mem )
        return -ENOMEM;

    /*
     * Create a rangeset that represents the current device BARs memory region
     * and compare it against all the currently active BAR memory regions. If
     * an overlap is found, subtract it from the region to be mapped/unmapped.
     */
    for ( i = 0; i < ARRAY_SIZE(header->bars); i++ )
    {
        const struct vpci_bar *bar = &header->bars[i];
        unsigned long start = PFN_DOWN(bar->addr);
        unsigned long end = PFN_DOWN(bar->addr + bar->size - 1);

        if ( !bar->enabled == !(cmd & PCI_COMMAND_MEMORY) ||
             bar->type < VPCI_BAR_MEM32 || !bar->size )
            continue;

        rc = rangeset_add_range(mem, start, end);
        if ( rc )
        {
            printk(XENLOG_G_WARNING "Failed to add [%lx, %lx]: %d\n",
                   start, end, rc);
            rangeset_destroy(mem);
            return rc;
        }
    }

    defer_map(pdev->domain, (struct pci_dev *)pdev, mem, cmd, rom_only);

    return 0;
}

static void cmd_write(const struct pci_dev *pdev, unsigned int reg,
                      uint32_t cmd, void *data)
{
    uint16_t current_cmd = pci_conf_read16(pdev->sbdf, reg);

    /*
     * Let Dom0 play with all the bits directly except for the memory
     * decoding one.
     */
    if ( (cmd ^ current_cmd) & PCI_COMMAND_MEMORY )
        /*
         * Ignore the error. No memory has been added or removed from the p2m
         * (because the actual p2m changes are deferred in defer_map) and the
         * memory decoding bit has not been changed, so leave everything as-is,
         * hoping the guest will realize and try again.
         */
        modify_bars(pdev, cmd, false);
    else
        pci_conf_write16(pdev->sbdf, reg, cmd);
}

static int init_bars(struct pci_dev *pdev)
{
    return vpci_add_register(pdev->vpci, vpci_hw_read16, cmd_write,
                             PCI_COMMAND, 2, NULL);
}
