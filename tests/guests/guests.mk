# tests/guests/guests.mk: build the test guests, build/guests/TEST/TEST.elf.
#
# Included by the top-level Makefile (`make guests`); also works alone:
#	make -f tests/guests/guests.mk guests
# Paths are relative to the repository root, where make runs.
#
# A test is a directory tests/guests/TEST/ with a main.c (see
# common/guest.h) and, when it needs one, a data-only test.mk:
#	OBJS := main.o regs.o	the test's own objects (default: main.o)
#	HYPERCALL_PAGE := 1	the image has the XEN_ELFNOTE_HYPERCALL_PAGE
#				note and hypercalls go through that page
#	TEST_CFLAGS := ...	more flags for the test's own objects (e.g.
#				-fpie -mcmodel=small for user code that fast
#				mode runs in the image's alias: common/memory.h)
#	# modes: MODE: REASON	(a comment, read by tests/guests/run) every
#				boot of the test is for MODE only
#
# Every image is linked from the test's objects, the framework in common/
# (compiled once per flavour: "syscall" or "hcpage"), and the hypervisor's
# own freestanding library (hv/lib) compiled for the guest. Each image is
# then checked by build/guests/elfcheck, which runs the builder's own ELF
# and layout code (hv/core/elf.c, pv_layout.c) on the host.

BUILD	?= build
CC	?= gcc
HOSTCC	?= gcc

GUEST_SRC := tests/guests
GUEST_OUT := $(BUILD)/guests
GUEST_TESTS := $(sort $(patsubst $(GUEST_SRC)/%/main.c,%,$(wildcard $(GUEST_SRC)/*/main.c)))

GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-I$(GUEST_SRC)/common -Ihv/include -I.
GUEST_ASFLAGS := -D__ASSEMBLER__ -I$(GUEST_SRC)/common -Ihv/include -I.
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 \
	-z noexecstack -Wl,--build-id=none

# The framework, one object per line.
GUEST_COMMON := \
	clock.o \
	cmdline.o \
	console.o \
	events.o \
	hcall_site.o \
	head.o \
	memory.o \
	probe.o \
	probe_call.o \
	smp.o \
	test.o \
	trap_entry.o \
	traps.o \
	xs_client.o

# The hypervisor's library, compiled for the guest: printf, string, parse.
GUEST_HVLIB := \
	lib/parse.o \
	lib/printf.o \
	lib/string.o

# The host tool and the hypervisor files it is made of.
ELFCHECK := $(GUEST_OUT)/elfcheck
ELFCHECK_SRCS := \
	$(GUEST_SRC)/elfcheck.c \
	hv/core/elf.c \
	hv/core/pv_layout.c \
	hv/lib/parse.c \
	hv/lib/printf.c

.PHONY: guests
guests: $(foreach t,$(GUEST_TESTS),$(GUEST_OUT)/$(t)/$(t).elf)

# ---- compiling ----------------------------------------------------------

guest_cc = @mkdir -p $(dir $@); echo "  CC      $@"; \
	$(CC) $(GUEST_CFLAGS) $(GUEST_FLAGS) -MMD -MP -c $< -o $@
guest_as = @mkdir -p $(dir $@); echo "  AS      $@"; \
	$(CC) $(GUEST_ASFLAGS) $(GUEST_FLAGS) -MMD -MP -c $< -o $@

# GUEST_FLAGS: per flavour here, per test in guest_test below.
$(GUEST_OUT)/common/hcpage/%.o: GUEST_FLAGS := -DHYPERCALL_PAGE

$(GUEST_OUT)/common/syscall/%.o: $(GUEST_SRC)/common/%.c
	$(guest_cc)
$(GUEST_OUT)/common/syscall/%.o: $(GUEST_SRC)/common/%.S
	$(guest_as)
$(GUEST_OUT)/common/hcpage/%.o: $(GUEST_SRC)/common/%.c
	$(guest_cc)
$(GUEST_OUT)/common/hcpage/%.o: $(GUEST_SRC)/common/%.S
	$(guest_as)

$(GUEST_OUT)/hvlib/%.o: hv/%.c
	$(guest_cc)

$(GUEST_OUT)/guest.lds: $(GUEST_SRC)/common/guest.lds.S $(GUEST_SRC)/common/image.h
	@mkdir -p $(dir $@)
	@$(CC) -E -P -x c -D__ASSEMBLER__ -I$(GUEST_SRC)/common $< -o $@

$(ELFCHECK): $(ELFCHECK_SRCS) $(wildcard hv/include/*.h hv/core/*.h pvabi/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -std=gnu11 -O1 -g -DHV_HOST_TEST -Wall -Wextra -Werror \
		-Ihv/include -Ihv -I. -o $@ $(ELFCHECK_SRCS)

# ---- one test -------------------------------------------------------------

# $(call guest_test,TEST): read TEST's test.mk, then its objects and image.
define guest_test
OBJS := main.o
HYPERCALL_PAGE :=
TEST_CFLAGS :=
-include $(GUEST_SRC)/$(1)/test.mk
$(1)_FLAVOUR := $$(if $$(HYPERCALL_PAGE),hcpage,syscall)
$(1)_OBJS := \
	$$(addprefix $(GUEST_OUT)/$(1)/,$$(OBJS) name.o) \
	$$(addprefix $(GUEST_OUT)/common/$$($(1)_FLAVOUR)/,$(GUEST_COMMON)) \
	$$(addprefix $(GUEST_OUT)/hvlib/,$(GUEST_HVLIB))

$(GUEST_OUT)/$(1)/%.o: GUEST_FLAGS := $$(if $$(HYPERCALL_PAGE),-DHYPERCALL_PAGE) -DTEST_NAME='"$(1)"' $$(TEST_CFLAGS)

$(GUEST_OUT)/$(1)/%.o: $(GUEST_SRC)/$(1)/%.c
	$$(guest_cc)
$(GUEST_OUT)/$(1)/%.o: $(GUEST_SRC)/$(1)/%.S
	$$(guest_as)
$(GUEST_OUT)/$(1)/name.o: $(GUEST_SRC)/common/name.c
	$$(guest_cc)

$(GUEST_OUT)/$(1)/$(1).elf: $$($(1)_OBJS) $(GUEST_OUT)/guest.lds $(ELFCHECK)
	@echo "  LD      $$@"
	@$$(CC) $$(GUEST_LDFLAGS) -T $(GUEST_OUT)/guest.lds -o $$@.tmp $$($(1)_OBJS)
	@$(ELFCHECK) -q -m 16M $$@.tmp || { rm -f $$@.tmp; exit 1; }
	@mv $$@.tmp $$@
endef

$(foreach t,$(GUEST_TESTS),$(eval $(call guest_test,$(t))))
undefine OBJS
undefine HYPERCALL_PAGE
undefine TEST_CFLAGS

-include $(shell find $(GUEST_OUT) -name '*.d' 2>/dev/null)
