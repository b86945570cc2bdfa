OBJS := main.o low.o
# modes: compat: not ported to fast mode: its user programs run from the kernel image through a user L4 (MMUEXT_NEW_USER_BASEPTR), and fast mode has neither a user L4 nor ring-3 access to the upper half; ring1 checks the privileged instructions from ring 1
