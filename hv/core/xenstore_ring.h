/*
 * xenstore_ring.h - a domain's store page and port (core/xenstore_ring.c).
 */
#ifndef HV_CORE_XENSTORE_RING_H
#define HV_CORE_XENSTORE_RING_H

struct domain;

int xenstore_domain_init(struct domain *d, void *ring);
void xenstore_port_sent(struct domain *d);
void xenstore_domain_destroy(struct domain *d);
int xenstore_devices_write(struct domain *d);

#endif
