/*
 * domain_build.h - building PV domains from boot modules.
 */
#ifndef HV_CORE_DOMAIN_BUILD_H
#define HV_CORE_DOMAIN_BUILD_H

#include "hv.h"

struct boot_info;

int domains_create(const struct boot_info *bi, bool dryrun);

#endif
