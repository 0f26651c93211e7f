/*
 * lockcheck sample 004 -- seed thread 004_8340931e664c4896.txt
 * (linux-kernel/kvm, "[KVM PATCH v9 3/5] KVM: Fix races in irqfd using new
 * eventfd_kref_get interface", Gregory Haskins, Jul 2009).
 *
 * Stands for virt/kvm/kvm_main.c (2.6.31 development), reduced to the VM
 * lifetime hooks that reach irqfd: creation, the KVM_IRQFD ioctl and the
 * teardown when the last reference to the VM goes away.
 */
#include <linux/kvm_host.h>

#define KVM_IRQFD 0x4020ae76

struct kvm_irqfd {
	u32 fd;
	u32 gsi;
	u32 flags;
	u8  pad[20];
};

extern struct kvm *kvm_arch_create_vm(void);
extern void kvm_arch_destroy_vm(struct kvm *kvm);
extern int copy_from_user(void *to, const void *from, unsigned long n);

static spinlock_t kvm_lock;
static struct list_head vm_list;

struct kvm *kvm_create_vm(void)
{
	struct kvm *kvm = kvm_arch_create_vm();

	if (IS_ERR(kvm))
		return kvm;

	mutex_init(&kvm->lock);
	mutex_init(&kvm->irq_lock);
	kvm_irqfd_init(kvm);
	atomic_set(&kvm->users_count, 1);
	spin_lock(&kvm_lock);
	list_add(&kvm->vm_list, &vm_list);
	spin_unlock(&kvm_lock);
	return kvm;
}

static void kvm_destroy_vm(struct kvm *kvm)
{
	spin_lock(&kvm_lock);
	list_del(&kvm->vm_list);
	spin_unlock(&kvm_lock);
	kvm_irqfd_release(kvm);
	kvm_arch_destroy_vm(kvm);
}

void kvm_put_kvm(struct kvm *kvm)
{
	if (atomic_dec_and_test(&kvm->users_count))
		kvm_destroy_vm(kvm);
}

long kvm_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct kvm *kvm = filp->private_data;
	void *argp = (void *)arg;
	int r;

	switch (ioctl) {
	case KVM_IRQFD: {
		struct kvm_irqfd data;

		r = -EBADF;
		if (copy_from_user(&data, argp, sizeof data))
			goto out;
		r = kvm_irqfd(kvm, data.fd, data.gsi, data.flags);
		break;
	}
	default:
		r = -ENOTTY;
	}
out:
	return r;
}
