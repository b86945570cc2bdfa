# pvisor: make | make run | make test | make bench | make bench-scale | make bench-smp | make debug | make clean
#
# Everything is built under build/. The hypervisor is linked twice: the
# second link adds the symbol table for stack traces (tools/gensyms).

# LOCKDEBUG=1: the lock-debugging build (core/spinlock.h: lock order,
# interrupt state, no lock held into a guest or a halt), in its own
# directory so that it never mixes with the normal build's objects.
ifeq ($(LOCKDEBUG),1)
BUILD   ?= build/lockdebug
endif
BUILD   ?= build
CC      ?= gcc
HOSTCC  ?= gcc

HV_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-fno-stack-protector -fno-pic -fno-pie -mcmodel=large -mno-red-zone \
	-mgeneral-regs-only -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-Ihv/include -Ihv -I.
ifeq ($(LOCKDEBUG),1)
HV_CFLAGS += -DLOCKDEBUG
endif
HV_ASFLAGS := -D__ASSEMBLER__ -Ihv/include -Ihv -I.
HV_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack \
	-Wl,--build-id=none -Wl,--no-warn-rwx-segments

# The hypervisor, one object per line (docs/style.md §8: explicit object lists).
HV_OBJS := \
	boot/head.o \
	boot/mb2.o \
	core/cmdline.o \
	core/console.o \
	core/continuation.o \
	core/domain.o \
	core/domain_build.o \
	core/devices.o \
	core/domcfg.o \
	core/elf.o \
	core/event_channel.o \
	core/evtchn.o \
	core/evtchn_2l.o \
	core/grant_table.o \
	core/grant_map.o \
	core/gnttab_pin.o \
	core/guest_access.o \
	core/hypercall.o \
	core/main.o \
	core/panic.o \
	core/pv_layout.o \
	core/sched.o \
	core/ratelimit.o \
	core/stime.o \
	core/stats.o \
	core/symbols.o \
	core/time.o \
	core/timer_heap.o \
	core/vcpu_op.o \
	core/hvlock.o \
	core/lockcheck.o \
	core/spinlock.o \
	core/version.o \
	core/xenstore.o \
	core/xenstore_ring.o \
	lib/copy.o \
	lib/parse.o \
	lib/printf.o \
	lib/string.o \
	mm/frame.o \
	mm/m2p.o \
	mm/memmap.o \
	mm/memory_op.o \
	mm/mm_hv.o \
	mm/paging.o \
	mm/pgtype.o \
	mm/ptwr.o \
	mm/ptwr_decode.o \
	mm/pv_mm.o \
	mm/segdesc.o \
	mm/setup.o \
	pv/bounce.o \
	pv/callbacks.o \
	pv/compat.o \
	pv/compat_entry.o \
	pv/compat_syscall.o \
	pv/fast.o \
	pv/fast_entry.o \
	pv/switcher.o \
	pv/switcher_entry.o \
	pv/debugreg.o \
	pv/descriptor_tables.o \
	pv/emulate.o \
	pv/exit.o \
	pv/insn.o \
	pv/iret.o \
	pv/mode.o \
	pv/traps.o \
	pv/vcpu_context.o \
	pv/umip.o \
	x86/apic.o \
	x86/cpu.o \
	x86/cpu_setup.o \
	x86/acpi.o \
	x86/desc.o \
	x86/entry.o \
	x86/fpu.o \
	x86/pic.o \
	x86/power.o \
	x86/segments.o \
	x86/smp.o \
	x86/trampoline.o \
	x86/traps.o \
	x86/uart.o

HV_OBJS := $(addprefix $(BUILD)/hv/,$(HV_OBJS))

.PHONY: all hv deps iso run debug test test-unit test-boot test-guests test-smp test-xtf check-abi clean
all: hv

include tests/guests/guests.mk

hv: $(BUILD)/hv.elf

$(BUILD)/hv/%.o: hv/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

# The source revision, for XENVER_changeset.
$(BUILD)/hv/core/version.o: HV_CFLAGS += -DPVISOR_CHANGESET='"$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)"'

$(BUILD)/hv/%.o: hv/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(HV_ASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hv/hv.lds: hv/hv.lds.S hv/include/layout.h pvabi/xen.h
	@mkdir -p $(dir $@)
	$(CC) -E -P -x c -D__ASSEMBLER__ -Ihv/include -I. $< -o $@

# Pass 1: empty symbol table. Pass 2: the real one, placed last, so no
# address in pass 2 differs from pass 1.
$(BUILD)/hv.elf: $(HV_OBJS) $(BUILD)/hv/hv.lds tools/gensyms
	@echo "  LD      $@"
	@tools/gensyms - $(BUILD)/hv/syms0.S
	@$(CC) $(HV_ASFLAGS) -c $(BUILD)/hv/syms0.S -o $(BUILD)/hv/syms0.o
	@$(CC) $(HV_LDFLAGS) -T $(BUILD)/hv/hv.lds -o $(BUILD)/hv.elf.0 $(HV_OBJS) $(BUILD)/hv/syms0.o
	@tools/gensyms $(BUILD)/hv.elf.0 $(BUILD)/hv/syms.S
	@$(CC) $(HV_ASFLAGS) -c $(BUILD)/hv/syms.S -o $(BUILD)/hv/syms.o
	@$(CC) $(HV_LDFLAGS) -T $(BUILD)/hv/hv.lds -o $@ $(HV_OBJS) $(BUILD)/hv/syms.o
	@nm -n $(BUILD)/hv.elf.0 | grep -v "symtab\|__image_end" > $(BUILD)/hv/nm0; \
	 nm -n $@ | grep -v "symtab\|__image_end" > $(BUILD)/hv/nm1; \
	 cmp -s $(BUILD)/hv/nm0 $(BUILD)/hv/nm1 || { echo "symbols moved between link passes"; exit 1; }

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- images and running ------------------------------------------------

deps:
	tools/deps core

ISO ?= $(BUILD)/pvisor.iso
$(BUILD)/pvisor.iso: $(BUILD)/hv.elf tools/mkiso
	tools/mkiso -o $@ $(BUILD)/hv.elf

iso: deps $(ISO)

# `make run`: pvisor with one Linux guest, its shell on this terminal
# (docs/linux-guest.md); RUN_DOMAINS=tests/linux/linux2.list boots two.
# The kernel is brought up to date first (build-linux's stamp decides),
# then the ISO, one per domain list. Files a list names other than the
# kernel and initramfs below are not tracked: touch the list.
# RUN_MODE=fast runs the list's domains in fast mode (the kernel in ring 1;
# a list's own '# mode:' lines still win), RUN_MODE=compat (the default) as
# Xen does. RUN_VCPUS=N gives every domain of the list N vCPUs (over the
# list's column, 1-8) and QEMU N CPUs (tools/run -p N does the same).
RUN_DOMAINS ?= tests/linux/linux.list
RUN_MODE ?= compat
RUN_VCPUS ?=
RUN_ISO := $(BUILD)/run-$(basename $(notdir $(RUN_DOMAINS)))-$(RUN_MODE)$(if $(RUN_VCPUS),-v$(RUN_VCPUS)).iso
# The initramfs images under build/linux/ the list names (make knows how
# to build initramfs.cpio.gz and io.cpio.gz).
RUN_RAMDISKS := $(filter $(BUILD)/linux/initramfs.cpio.gz $(BUILD)/linux/io.cpio.gz,$(shell cat $(RUN_DOMAINS) 2>/dev/null))
$(RUN_ISO): $(BUILD)/hv.elf tools/mkiso $(RUN_DOMAINS) $(BUILD)/linux/vmlinux $(BUILD)/linux/initramfs.cpio.gz $(RUN_RAMDISKS)
	tools/mkiso -o $@ -M $(RUN_MODE) $(if $(RUN_VCPUS),-V $(RUN_VCPUS)) -d $(RUN_DOMAINS) $(BUILD)/hv.elf

run: deps
	@$(MAKE) --no-print-directory linux
	@$(MAKE) --no-print-directory $(RUN_ISO)
	tools/run $(if $(RUN_VCPUS),-s $(RUN_VCPUS)) $(RUN_ISO)

debug: deps
	@$(MAKE) --no-print-directory linux
	@$(MAKE) --no-print-directory $(RUN_ISO)
	tools/run -g $(if $(RUN_VCPUS),-s $(RUN_VCPUS)) $(RUN_ISO)

# ---- the Linux guest ------------------------------------------------------

.PHONY: linux initramfs
# docs/linux-build.md. build-linux tracks its own inputs (a stamp), so always run it.
linux:
	tools/deps linux
	nice -n 10 tools/build-linux -o $(BUILD)/linux

# Only when it is missing; `make linux` brings it up to date.
$(BUILD)/linux/vmlinux:
	@$(MAKE) --no-print-directory linux

initramfs: $(BUILD)/linux/initramfs.cpio.gz
$(BUILD)/linux/initramfs.cpio.gz: tools/mkinitramfs
	tools/deps linux
	tools/mkinitramfs -o $@

# tests/linux/io.list's: tests/linux/io.sh sets each domain up (its role is
# on its command line), then a shell; with e2fsck for the disk.
$(BUILD)/linux/io.cpio.gz: tools/mkinitramfs tests/linux/io.sh
	tools/deps linux
	tools/mkinitramfs -o $@ -s tests/linux/io.sh -a /sbin/e2fsck.static:/sbin/e2fsck.static

# ---- the PV-vs-native benchmark (docs/benchmarks.md) ----------------------

# Three tables, each in rounds of its own (docs/benchmarks.md): the same
# kernel natively and on pvisor; then two CPUs (bench-smp alone); then
# network and disk between guests (bench-io alone). About half an hour with
# the default 2 rounds; BENCH_ARGS="--no-smp --no-io" gives the first only.
.PHONY: bench bench-scale bench-smp
bench: deps hv linux
	tools/deps bench
	tools/bench/bench.py $(BENCH_ARGS)

# The scale curve: N guests booting at once, one busy guest among N-1 idle
# (docs/benchmarks.md); not part of `make bench` (minutes per N).
SCALE_N ?= 1,4,16,64
bench-scale: deps hv linux
	tools/deps bench
	tools/bench/bench.py --scale-n $(SCALE_N) $(BENCH_ARGS)

# Network and disk between guests through a driver domain, beside loopback,
# tmpfs and a RAM disk (docs/benchmarks.md): `make bench`'s third table
# alone; about 5 minutes per round.
.PHONY: bench-io
bench-io: deps hv linux
	tools/deps bench
	tools/bench/bench.py --io $(BENCH_ARGS)

# The multiprocessor table: two QEMU CPUs, the guest with 2 vCPUs and 1,
# native SMP alongside (docs/benchmarks.md): `make bench`'s second table
# alone.
bench-smp: deps hv linux
	tools/deps bench
	tools/bench/bench.py --smp $(BENCH_ARGS)

# ---- tests --------------------------------------------------------------

UNIT_CFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -DHV_HOST_TEST \
	-Wall -Wextra -Werror -Ihv/include -Ihv -I. -Itests/unit
# Hypervisor files compiled unchanged into the host tests.
UNIT_HV_SRCS := \
	hv/boot/mb2.c \
	hv/core/cmdline.c \
	hv/core/continuation.c \
	hv/core/devices.c \
	hv/core/domcfg.c \
	hv/core/elf.c \
	hv/core/evtchn.c \
	hv/core/evtchn_2l.c \
	hv/core/gnttab_pin.c \
	hv/core/guest_access.c \
	hv/core/lockcheck.c \
	hv/core/pv_layout.c \
	hv/core/ratelimit.c \
	hv/core/stime.c \
	hv/core/timer_heap.c \
	hv/core/xenstore.c \
	hv/lib/parse.c \
	hv/lib/printf.c \
	hv/mm/frame.c \
	hv/mm/memmap.c \
	hv/mm/pgtype.c \
	hv/mm/ptwr_decode.c \
	hv/mm/segdesc.c \
	hv/pv/debugreg.c \
	hv/pv/insn.c \
	hv/pv/umip.c \
	hv/x86/acpi.c \
	hv/x86/cpu_setup.c
UNIT_SRCS := \
	tests/unit/harness.c \
	tests/unit/fake_mm.c \
	tests/unit/test_cmdline.c \
	tests/unit/test_acpi.c \
	tests/unit/test_continuation.c \
	tests/unit/test_cpu_setup.c \
	tests/unit/test_debugreg.c \
	tests/unit/test_domcfg.c \
	tests/unit/test_elf.c \
	tests/unit/test_evtchn.c \
	tests/unit/test_frame.c \
	tests/unit/test_gnttab_pin.c \
	tests/unit/test_guest_access.c \
	tests/unit/test_insn.c \
	tests/unit/test_lockcheck.c \
	tests/unit/test_mb2.c \
	tests/unit/test_memmap.c \
	tests/unit/test_pgtype.c \
	tests/unit/test_printf.c \
	tests/unit/test_ptwr.c \
	tests/unit/test_pv_layout.c \
	tests/unit/test_ratelimit.c \
	tests/unit/test_segdesc.c \
	tests/unit/test_stime.c \
	tests/unit/test_timer_heap.c \
	tests/unit/test_umip.c \
	tests/unit/test_xenstore.c

$(BUILD)/unit/run-unit: $(UNIT_SRCS) $(UNIT_HV_SRCS) $(wildcard tests/unit/*.h) $(wildcard hv/*/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_CFLAGS) -o $@ $(UNIT_SRCS) $(UNIT_HV_SRCS) $$(pkg-config --cflags --libs check)

test-unit: deps $(BUILD)/unit/run-unit
	$(BUILD)/unit/run-unit

test-boot: deps $(BUILD)/hv.elf
	tests/boot/run

# T_MODE=compat|fast|both: the PV mode of every test domain (default:
# tests/guests/run's DEFAULT_MODE). T_SMP=N or N,N...: QEMU's CPUs for
# every boot (default: 1, and a list's "# smp:" counts).
test-guests: deps $(BUILD)/hv.elf guests
	tests/guests/run $(if $(T_MODE),-m $(T_MODE)) $(if $(T_SMP),-p $(T_SMP))

# The lock-debugging build (make hv LOCKDEBUG=1) on the SMP guest tests,
# 2 CPUs: a lock-order or interrupt-state violation fails (docs/smp.md).
.PHONY: test-lockdebug
test-lockdebug: deps guests
	tests/lockdebug/run

# Xen's own test kernels (XTF, from $XTF_DIR or ../shared/xtf) against
# tests/xtf/expected (docs/xtf.md).
test-xtf: deps $(BUILD)/hv.elf
	tests/xtf/run

# Every guest boot and every XTF instance on a 2-CPU QEMU (-smp 2):
# issue 12's "every existing test passes with several CPUs". Not part of
# `make test`, which runs a hostile subset of it (tests/run-all);
# T_SMP=N for another count.
.PHONY: test-smp
test-smp: deps $(BUILD)/hv.elf guests
	tests/guests/run -p $(or $(T_SMP),2); rc=$$?; tests/xtf/run -p $(or $(T_SMP),2) && exit $$rc

# The Linux guest on pvisor (docs/linux-guest.md); runs `make linux` itself.
.PHONY: test-linux
test-linux: deps $(BUILD)/hv.elf
	tests/linux/run

check-abi:
	tools/check-abi
	tools/check-abi-table

# Mutation testing of the security checks (tests/mutate/README.md): not
# part of make test; a whole run takes tens of minutes.
.PHONY: mutate
mutate: deps
	tools/mutate $(MUTATE_ARGS)

# The numbered reading tour (/*H:NNN ...*/ comments in hv/, pvabi/ and the
# commit messages of guest-patches/) as one document.
.PHONY: tour
tour:
	tools/tour > docs/tour.md

test: deps
	tests/run-all

clean:
	rm -rf $(BUILD)
