/*
 * debugreg.c - the rules of a PV guest's debug registers, as Xen's.
 *
 * Runs in: hypervisor (set_debugreg, mov to/from %drN, #DB, emulated port
 * I/O) and host unit tests: pure logic, no hardware access. Loading the
 * CPU's registers is pv/callbacks.c's and core/sched.c's job.
 * Trusts: nothing in the values; every one is checked before it is stored,
 * because what is stored here is loaded into the CPU while the guest runs
 * and while the hypervisor runs on its behalf.
 *
 * A guest may arm the four hardware breakpoints, but only on its own
 * addresses: a breakpoint on a hypervisor address would fire inside the
 * hypervisor (an instruction breakpoint there is a fault that would repeat
 * forever; a data breakpoint reveals what the hypervisor touches). So
 * DR0-3 accept only addresses below 2^47 or from the end of the
 * hypervisor's range up (Xen's __addr_ok: the non-canonical hole and
 * 0xffff800000000000-0xffff87ffffffffff are refused, -EPERM); breakpoints
 * cover at most 8 naturally aligned bytes, and both boundaries are far
 * more aligned, so no breakpoint can reach across one. DR7.GD (general
 * detect) would make the guest's own debug-register accesses fault in the
 * hypervisor: -EPERM. I/O breakpoints (R/W = 10) exist only with CR4.DE:
 * without it they are -EPERM; with it they are never given to the CPU but
 * kept aside (dr7_emul) and matched by the port I/O emulation. Reserved
 * bits are forced to their fixed values, the upper halves of DR6/DR7 must
 * be 0 (-EINVAL). DR4/DR5 are DR6/DR7 when CR4.DE is clear and do not
 * exist (-ENODEV, #UD) when it is set; so do DR8 and up.
 */
#include "pv/debugreg.h"
#include "vaddr.h"
#include "pvabi/errno.h"

#define DR6_RESERVED_ZERO	(~0xffffefffULL)	/* bit 12, bits 32-63 */
#define DR7_RESERVED_ZERO	(~0xffff27ffULL)	/* bits 11, 12, 14, 15, 32-63 */
#define DR7_RW_IO		2ULL

void dbg_init(struct debugregs *d)
{
	for (int i = 0; i < 4; i++)
		d->dr[i] = 0;
	d->dr6 = DR6_DEFAULT;
	d->dr7 = DR7_DEFAULT;
	d->dr7_emul = 0;
}

/* A breakpoint address the guest may use: never a hypervisor address. */
bool dbg_addr_ok(u64 addr)
{
	return guest_va_ok(addr);
}

bool dbg_active(const struct debugregs *d)
{
	return d->dr7 & DR7_ACTIVE_MASK;
}

/* DR7: the I/O breakpoints' enables go aside; -EPERM without CR4.DE. */
static int set_dr7(struct debugregs *d, u64 value, bool cr4_de)
{
	u32 io_enable = 0;

	if (value >> 32)
		return -XEN_EINVAL;
	value = (value & ~DR7_RESERVED_ZERO) | DR7_DEFAULT;
	if (value & DR7_GD)
		return -XEN_EPERM;
	if (value & DR7_ACTIVE_MASK) {
		for (int i = 0; i < 4; i++) {
			if (((value >> (16 + 4 * i)) & 3) != DR7_RW_IO)
				continue;
			if (!cr4_de)
				return -XEN_EPERM;
			io_enable |= (u32)(value & (3ULL << (2 * i)));
		}
		value &= ~(u64)io_enable;
	}
	d->dr7_emul = io_enable;	/* 0 when DR7 is not active, as Xen */
	d->dr7 = value;
	return 0;
}

/*
 * Store value in debug register reg, as Xen's set_debugreg(). Returns 0,
 * -EPERM (a hypervisor address, GD, an I/O breakpoint without CR4.DE),
 * -EINVAL (upper half of DR6/DR7 not 0), -ENODEV (no such register: the
 * emulated mov raises #UD for it, everything else #GP). On an error
 * nothing changes.
 */
int dbg_set(struct debugregs *d, u64 reg, u64 value, bool cr4_de)
{
	switch (reg) {
	case 0: case 1: case 2: case 3:
		if (!dbg_addr_ok(value))
			return -XEN_EPERM;
		d->dr[reg] = value;
		return 0;
	case 4:
	case 6:
		if (reg == 4 && cr4_de)
			return -XEN_ENODEV;
		if (value >> 32)
			return -XEN_EINVAL;
		d->dr6 = (value & ~DR6_RESERVED_ZERO) | DR6_DEFAULT;
		return 0;
	case 5:
	case 7:
		if (reg == 5 && cr4_de)
			return -XEN_ENODEV;
		return set_dr7(d, value, cr4_de);
	default:
		return -XEN_ENODEV;
	}
}

/* What the guest reads in reg (DR7 with its I/O enables); 0 or -ENODEV. */
int dbg_get(const struct debugregs *d, u64 reg, bool cr4_de, u64 *value)
{
	switch (reg) {
	case 0: case 1: case 2: case 3:
		*value = d->dr[reg];
		return 0;
	case 4:
	case 6:
		if (reg == 4 && cr4_de)
			return -XEN_ENODEV;
		*value = d->dr6;
		return 0;
	case 5:
	case 7:
		if (reg == 5 && cr4_de)
			return -XEN_ENODEV;
		*value = d->dr7 | d->dr7_emul;
		return 0;
	default:
		return -XEN_ENODEV;
	}
}

/*
 * The guest's DR6 after a #DB whose DR6 the CPU reported as hw_dr6 (Xen
 * 4.17's do_debug): each bit the CPU moved off its reset value is moved
 * the same way in the guest's copy, whatever the guest left there; the
 * others stay as the guest set them. So B0-B3, BD, BS and BT accumulate
 * until the guest clears them, as on bare metal.
 */
u64 dbg_merge_dr6(u64 vdr6, u64 hw_dr6)
{
	vdr6 |= hw_dr6 & ~DR6_DEFAULT;
	vdr6 &= hw_dr6 | ~DR6_DEFAULT;
	return vdr6;
}

/*
 * The I/O breakpoints an emulated access to ports [port, port + len)
 * hits: B0-B3 bits for DR6, 0 for none (Xen's check_guest_io_breakpoint).
 * Only with CR4.DE; the breakpoint's length field gives its width.
 */
u32 dbg_io_match(const struct debugregs *d, bool cr4_de, u32 port, u32 len)
{
	static const u32 width[4] = { 1, 2, 8, 4 };	/* LEN 00, 01, 10, 11 */
	u32 match = 0;

	if (!d->dr7_emul || !cr4_de)
		return 0;
	for (int i = 0; i < 4; i++) {
		u64 start = d->dr[i];
		u32 w = width[(d->dr7 >> (18 + 4 * i)) & 3];

		if (!(d->dr7_emul & (3U << (2 * i))))
			continue;
		if (start < (u64)port + len && start + w > port)
			match |= 1U << i;
	}
	return match;
}
