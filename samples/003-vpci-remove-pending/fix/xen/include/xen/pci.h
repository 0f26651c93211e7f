/*
 * lockcheck sample 003 -- seed thread 003_2d0c5e31bf41472c.txt
 * (xen-devel, "Re: [PATCH v4 02/11] vpci: cancel pending map/unmap on vpci
 * removal", Oleksandr Andrushchenko / Jan Beulich / Roger Pau Monne,
 * Nov 2021).
 *
 * Stands for xen/include/xen/pci.h: struct pci_dev, which owns the vPCI
 * state (pdev->vpci), and the PCI device list API.
 */
#ifndef __XEN_PCI_H__
#define __XEN_PCI_H__

#define PCI_COMMAND             0x04    /* 16 bits */
#define  PCI_COMMAND_MEMORY     0x2     /* Enable response in Memory space */

typedef union {
    uint32_t sbdf;
    struct {
        union {
            uint16_t bdf;
            struct {
                uint8_t devfn;
                uint8_t bus;
            };
        };
        uint16_t seg;
    };
} pci_sbdf_t;

struct pci_seg {
    struct list_head alldevs_list;
    uint16_t nr;
};

struct pci_dev {
    struct list_head alldevs_list;
    struct list_head domain_list;

    struct domain *domain;

    const union {
        struct {
            uint8_t devfn;
            uint8_t bus;
            uint16_t seg;
        };
        pci_sbdf_t sbdf;
    };

    /* Data for vPCI. */
    struct vpci *vpci;
};

struct pci_seg *get_pseg(uint16_t seg);
struct pci_dev *pci_get_pdev_by_domain(const struct domain *d, int seg,
                                       int bus, int devfn);
void free_pdev(struct pci_seg *pseg, struct pci_dev *pdev);

uint16_t pci_conf_read16(pci_sbdf_t sbdf, unsigned int reg);
void pci_conf_write16(pci_sbdf_t sbdf, unsigned int reg, uint16_t data);
uint32_t pci_conf_read32(pci_sbdf_t sbdf, unsigned int reg);

int pci_add_device(uint16_t seg, uint8_t bus, uint8_t devfn);
int pci_remove_device(uint16_t seg, uint8_t bus, uint8_t devfn);

int iommu_add_device(struct pci_dev *pdev);
int iommu_remove_device(struct pci_dev *pdev);

#endif /* __XEN_PCI_H__ */
