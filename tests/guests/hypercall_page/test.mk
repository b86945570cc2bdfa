# The image names a hypercall page (XEN_ELFNOTE_HYPERCALL_PAGE) and every
# HYPERVISOR_* wrapper, the framework's included, calls through it.
HYPERCALL_PAGE := 1
