/*
 * lockcheck sample 000 -- seed thread 000_e71c44b17031a56d.txt
 * (xen-devel, "Re: [PATCH 2/2] evtchn/fifo: don't corrupt queues if an
 * old tail is linked", David Vrabel, Nov 2013).
 *
 * Stands for xen/include/xen/event.h: the port-ops indirection through
 * which the generic event channel code reaches the FIFO ABI.
 */
#ifndef __XEN_EVENT_H__
#define __XEN_EVENT_H__

#include <xen/sched.h>

#define bucket_from_port(d, p) \
    ((d)->evtchn[(p) / EVTCHNS_PER_BUCKET])
#define port_is_valid(d, p)    \
    (((p) >= 0) && ((p) < (d)->max_evtchns) && \
     (bucket_from_port(d, p) != NULL))
#define evtchn_from_port(d, p) \
    (&(bucket_from_port(d, p))[(p) & (EVTCHNS_PER_BUCKET-1)])

struct evtchn_port_ops {
    void (*init)(struct domain *d, struct evtchn *evtchn);
    void (*set_pending)(struct vcpu *v, struct evtchn *evtchn);
    void (*clear_pending)(struct domain *d, struct evtchn *evtchn);
    void (*unmask)(struct domain *d, struct evtchn *evtchn);
    bool_t (*is_pending)(struct domain *d, const struct evtchn *evtchn);
    bool_t (*is_masked)(struct domain *d, const struct evtchn *evtchn);
    int (*set_priority)(struct domain *d, struct evtchn *evtchn,
                        unsigned int priority);
};

static inline void evtchn_port_set_pending(struct vcpu *v,
                                           struct evtchn *evtchn)
{
    v->domain->evtchn_port_ops->set_pending(v, evtchn);
}

static inline void evtchn_port_unmask(struct domain *d,
                                      struct evtchn *evtchn)
{
    d->evtchn_port_ops->unmask(d, evtchn);
}

void evtchn_set_pending(struct vcpu *v, int port);
void evtchn_check_pollers(struct domain *d, unsigned int port);
int evtchn_unmask(unsigned int port);

#endif /* __XEN_EVENT_H__ */
