/*
 * lockcheck sample 000 -- seed thread 000_e71c44b17031a56d.txt
 * (xen-devel, "Re: [PATCH 2/2] evtchn/fifo: don't corrupt queues if an
 * old tail is linked", David Vrabel, Nov 2013).
 *
 * Stands for xen/common/event_channel.c (Xen 4.4 development), reduced to
 * the two callers of the port set_pending op that matter here: an
 * interdomain EVTCHNOP_send (serialized by the sender's event lock) and
 * EVTCHNOP_unmask (serialized by the unmasking domain's own event lock).
 */
#include <xen/sched.h>
#include <xen/event.h>
#include <xen/event_fifo.h>

void evtchn_set_pending(struct vcpu *v, int port)
{
    evtchn_port_set_pending(v, evtchn_from_port(v->domain, port));
}

static long evtchn_send(struct domain *ld, unsigned int lport)
{
    struct evtchn *lchn, *rchn;
    struct domain *rd;
    struct vcpu   *rvcpu;
    int            rport, ret = 0;

    spin_lock(&ld->event_lock);

    if ( unlikely(!port_is_valid(ld, lport)) )
    {
        spin_unlock(&ld->event_lock);
        return -EINVAL;
    }

    lchn = evtchn_from_port(ld, lport);

    switch ( lchn->state )
    {
    case ECS_INTERDOMAIN:
        rd    = lchn->u.interdomain.remote_dom;
        rport = lchn->u.interdomain.remote_port;
        rchn  = evtchn_from_port(rd, rport);
        rvcpu = rd->vcpu[rchn->notify_vcpu_id];
        evtchn_port_set_pending(rvcpu, rchn);
        break;
    case ECS_IPI:
        evtchn_set_pending(ld->vcpu[lchn->notify_vcpu_id], lport);
        break;
    case ECS_UNBOUND:
        /* silently drop the notification */
        break;
    default:
        ret = -EINVAL;
    }

    spin_unlock(&ld->event_lock);

    return ret;
}

int evtchn_unmask(unsigned int port)
{
    struct domain *d = current->domain;
    struct evtchn *evtchn;

    ASSERT(spin_is_locked(&d->event_lock));

    if ( unlikely(!port_is_valid(d, port)) )
        return -EINVAL;

    evtchn = evtchn_from_port(d, port);
    evtchn_port_unmask(d, evtchn);

    return 0;
}

long do_event_channel_op(int cmd, void *arg)
{
    long rc;

    switch ( cmd )
    {
    case EVTCHNOP_send: {
        struct evtchn_send *send = arg;

        rc = evtchn_send(current->domain, send->port);
        break;
    }

    case EVTCHNOP_unmask: {
        struct evtchn_unmask *unmask = arg;

        spin_lock(&current->domain->event_lock);
        rc = evtchn_unmask(unmask->port);
        spin_unlock(&current->domain->event_lock);
        break;
    }

    default:
        rc = -ENOSYS;
        break;
    }

    return rc;
}
