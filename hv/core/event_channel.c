/*
 * event_channel.c - HYPERVISOR_event_channel_op: the hypercall around the
 * event-channel mechanism of core/evtchn.c.
 *
 * Runs in: hypervisor, on the calling vCPU, interrupts off.
 * Trusts: nothing: the argument is copied in once, into a buffer the size
 * the operation's structure has, and evtchn.c checks every port and
 * domain id in it; the result is copied out only on success.
 *
 * The split keeps evtchn.c free of guest memory, so the very same file
 * runs in the host unit tests (tests/unit/test_evtchn.c).
 */
#include "hv.h"
#include "core/domain.h"
#include "core/evtchn.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "pvabi/errno.h"

/*
 * do_event_channel_op - copy the argument in, run the operation
 * (core/evtchn.c), copy the result out. -ENOSYS for unknown commands and
 * for the FIFO ABI (init_control), so guests use the 2-level ABI.
 */
long do_event_channel_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5)
{
	u8 buf[32];
	size_t size = evtchn_op_size(cmd);
	long rc;

	(void)a3, (void)a4, (void)a5;
	if (size == 0)
		return -XEN_ENOSYS;
	if (copy_from_guest(buf, arg, size))
		return -XEN_EFAULT;
	rc = evtchn_op(current->domain, cmd, buf);
	if (rc == 0 && copy_to_guest(arg, buf, size))
		return -XEN_EFAULT;
	return rc;
}
