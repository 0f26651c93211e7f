/*
 * lockcheck sample 004 -- seed thread 004_8340931e664c4896.txt
 * (linux-kernel/kvm, "[KVM PATCH v9 3/5] KVM: Fix races in irqfd using new
 * eventfd_kref_get interface", Gregory Haskins, Jul 2009).
 *
 * Stands for include/linux/kvm_host.h (2.6.31 development), reduced to
 * struct kvm and the irqfd entry points.
 */
#ifndef __KVM_HOST_H
#define __KVM_HOST_H

#define KVM_USERSPACE_IRQ_SOURCE_ID	0

struct kvm_vcpu;

struct kvm {
	struct mutex lock; /* protects the vcpus array and APIC accesses */
	struct mm_struct *mm; /* userspace tied to this vm */
	int nmemslots;
	struct kvm_vcpu *vcpus[16];
	struct list_head vm_list;
	struct {
		spinlock_t        lock;
		struct list_head  items;
	} irqfds;
	atomic_t users_count;
	struct mutex irq_lock;
};

int kvm_set_irq(struct kvm *kvm, int irq_source_id, int irq, int level);

void kvm_irqfd_init(struct kvm *kvm);
int kvm_irqfd(struct kvm *kvm, int fd, int gsi, int flags);
void kvm_irqfd_release(struct kvm *kvm);

#endif
