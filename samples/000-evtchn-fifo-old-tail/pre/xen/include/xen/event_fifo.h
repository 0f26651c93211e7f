/*
 * lockcheck sample 000 -- seed thread 000_e71c44b17031a56d.txt
 * (xen-devel, "Re: [PATCH 2/2] evtchn/fifo: don't corrupt queues if an
 * old tail is linked", David Vrabel, Nov 2013).
 *
 * Stands for xen/include/xen/event_fifo.h: the hypervisor-side FIFO
 * queues (one per vCPU and priority, each with its own lock) and the
 * per-domain event array.
 */
#ifndef __XEN_EVENT_FIFO_H__
#define __XEN_EVENT_FIFO_H__

#include <public/event_channel.h>

#define PAGE_SIZE 4096

struct evtchn_fifo_queue {
    uint32_t *head; /* points into control block */
    uint32_t tail;
    uint8_t priority;
    spinlock_t lock;
};

struct evtchn_fifo_vcpu {
    struct evtchn_fifo_control_block *control_block;
    struct evtchn_fifo_queue queue[EVTCHN_FIFO_MAX_QUEUES];
};

#define EVTCHN_FIFO_EVENT_WORDS_PER_PAGE (PAGE_SIZE / sizeof(event_word_t))
#define EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES \
    (EVTCHN_FIFO_NR_CHANNELS / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE)

struct evtchn_fifo_domain {
    event_word_t *event_array[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
    unsigned int num_evtchns;
};

void evtchn_fifo_init(struct domain *d);

#endif /* __XEN_EVENT_FIFO_H__ */
