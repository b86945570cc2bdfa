/*
 * debugreg.h - a vCPU's virtual debug registers (hv/pv/debugreg.c).
 */
#ifndef HV_PV_DEBUGREG_H
#define HV_PV_DEBUGREG_H

#include "hv.h"

#define DR6_DEFAULT		0xffff0ff0ULL	/* reset value; reserved bits as read */
#define DR7_DEFAULT		0x00000400ULL
#define DR7_ACTIVE_MASK		0xffULL		/* L0-3 and G0-3 */
#define DR7_GD			(1ULL << 13)	/* general detect: never for a guest */
#define DR6_BD			(1ULL << 13)
#define DR6_BS			(1ULL << 14)
#define DR6_BT			(1ULL << 15)

/* What the guest set, as Xen keeps it (arch.dr[], dr6, dr7, pv.dr7_emul). */
struct debugregs {
	u64 dr[4];		/* breakpoint addresses, checked: guest addresses only */
	u64 dr6;		/* the status the guest reads */
	u64 dr7;		/* the control loaded into the CPU (no I/O enables) */
	u32 dr7_emul;		/* enables of I/O breakpoints, emulated (CR4.DE) */
};

void dbg_init(struct debugregs *d);
bool dbg_addr_ok(u64 addr);
int dbg_set(struct debugregs *d, u64 reg, u64 value, bool cr4_de);
int dbg_get(const struct debugregs *d, u64 reg, bool cr4_de, u64 *value);
bool dbg_active(const struct debugregs *d);
u64 dbg_merge_dr6(u64 vdr6, u64 hw_dr6);
u32 dbg_io_match(const struct debugregs *d, bool cr4_de, u32 port, u32 len);

#endif /* HV_PV_DEBUGREG_H */
