# SPDX-License-Identifier: BSD-2-Clause
# mk/riscv64.mk: the riscv64 machine (QEMU virt). Included by the Makefile.
#
#   $(B)/riscv64/tether.elf        kernel + user/init + UPROGS   (make run, gdb)
#   $(B)/riscv64/tether-test.elf   kernel + user/tests + UPROGS, TEST_UPROGS
#                                  and malformed modules          (make test-qemu)
#   $(B)/riscv64/tether-bench.elf  kernel + the benchmark        (make bench-qemu)
#   $(B)/riscv64/tether-persist.elf, tether-idle.elf  kernel + user/ptest, user/idle
#                                  (make test-qemu: qemu-persist-test.sh, qemu-idle-test.sh)
#
# All share the kernel objects; only the embedded root task
# (kernel/arch/riscv64/images_*.S) and boot modules (modules_*.S, made here)
# differ.

# ---- programs -------------------------------------------------------------
# A program is a directory under user/ (its .c and .S files, linked with
# libtether) and one word here: every `make run` image embeds it as a boot
# module named after the directory's last component, linked at a base of its
# own (16 MiB apart, in list order) so gdb can hold every program's symbols.
#   make run PROG=hello    boot; user/init starts `hello` first, waits for it
#                          and powers off with its exit status
#   make gdb PROG=hello    the same under gdb, with hello's symbols loaded
UPROGS := hello examples/first
# Programs only the test image embeds (user/tests/t_module.c starts them).
TEST_UPROGS := tests/probe

RV_DIR    := kernel/arch/riscv64
# DEBUG=1: the kernel at -Og, so that gdb shows arguments and locals (not
# <optimized out>), built in a directory of its own: objects of the two
# kinds never mix, and switching back and forth rebuilds nothing needlessly.
ifeq ($(DEBUG),1)
RV_B      := $(B)/riscv64-debug
RV_KOPT   := -Og
else
RV_B      := $(B)/riscv64
RV_KOPT   := -O2
endif
# The kernel assumes the bit-manipulation extensions Zba/Zbb/Zbs (part of
# the RVA22 profile; QEMU's rv64 CPU has them): the scheduler's priority
# bitmap uses clz. User programs are plain rv64imac.
RV_ARCH   := --target=riscv64-unknown-elf -mabi=lp64 -mcmodel=medany -mno-relax
RV_KARCH  := $(RV_ARCH) -march=rv64imac_zba_zbb_zbs
RV_UARCH  := $(RV_ARCH) -march=rv64imac
RV_CFLAGS := $(CSTD) $(WARN) $(FREESTANDING) -fno-pic -g -MMD -MP
CKPT_MS ?= 0
RV_KCFLAGS := $(RV_CFLAGS) $(RV_KOPT) $(RV_KARCH) -DCKPT_TICKS=$(CKPT_MS)
RV_UCFLAGS := $(RV_CFLAGS) -O2 $(RV_UARCH)
RV_KINC   := -Iinclude -Ikernel/include -I$(RV_DIR)/include -I$(RV_DIR)/uapi
RV_UINC   := -Iinclude -Iuser/lib/include -I$(RV_DIR)/uapi
RV_LDFLAGS := -m elf64lriscv --no-relax -z max-page-size=4096
# QEMU's command line, the store included, is tools/qemu-run.sh. make run
# and make gdb use build/store.img (64 MiB, created empty on first use; make
# run-fresh empties it first); every test-qemu and bench-qemu run has a
# fresh image of its own.
STORE_IMG := $(B)/store.img

# ---- kernel -------------------------------------------------------------
RV_KOBJS := $(patsubst $(RV_DIR)/%.c,$(RV_B)/arch/%.o,$(wildcard $(RV_DIR)/*.c)) \
            $(RV_B)/arch/entry.o $(RV_B)/arch/trapvec.o \
            $(CORE_SRCS:kernel/core/%.c=$(RV_B)/core/%.o)

$(RV_B)/arch/%.o: $(RV_DIR)/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(RV_KCFLAGS) $(RV_KINC) -c $< -o $@
$(RV_B)/arch/%.o: $(RV_DIR)/%.S
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(RV_KARCH) -MMD -MP -I$(RV_DIR) -I$(RV_B)/user -c $< -o $@
$(RV_B)/core/%.o: kernel/core/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(RV_KCFLAGS) $(RV_KINC) -c $< -o $@

# Which root task each kernel image embeds.
$(RV_B)/arch/images_run.o:   $(RV_B)/user/init.elf
$(RV_B)/arch/images_test.o:  $(RV_B)/user/tests.elf
$(RV_B)/arch/images_bench.o: $(RV_B)/user/bench.elf
$(RV_B)/arch/images_persist.o: $(RV_B)/user/ptest.elf
$(RV_B)/arch/images_idle.o:  $(RV_B)/user/idle.elf

# Which boot modules: names, each `name` (file $(RV_B)/prog/name.mod) or
# `name:file` (another module's file under that name). The test image adds
# malformed ones (tools/mkbadelf.c) and two bad names, which the kernel
# must refuse (test module_malformed_ones_are_refused).
BAD_MODS := $(addprefix bad-,magic short machine phdrs filesz kernel overlap entry)
MODS_run     := $(notdir $(UPROGS))
MODS_test    := $(notdir $(UPROGS) $(TEST_UPROGS)) $(BAD_MODS) hello \
                a-name-longer-than-the-table-allows:hello
MODS_bench   :=
MODS_persist :=
mod_name = $(firstword $(subst :, ,$(1)))
mod_file = $(RV_B)/prog/$(lastword $(subst :, ,$(1))).mod

.PHONY: FORCE
define rv_kernel
# modules_$(2).S changes only when its list does.
$(RV_B)/gen/modules_$(2).S: FORCE
	@mkdir -p $$(@D)
	@{ echo '#include "images.inc"'; echo '    MODULES_BEGIN'; \
	  $$(foreach m,$$(MODS_$(2)),echo '    MODULE "$$(call mod_name,$$(m))", "$$(notdir $$(call mod_file,$$(m)))"';) \
	  echo '    MODULES_END'; } > $$@.tmp
	@cmp -s $$@.tmp $$@ || mv $$@.tmp $$@; rm -f $$@.tmp
$(RV_B)/arch/modules_$(2).o: $(RV_B)/gen/modules_$(2).S $(RV_DIR)/images.inc \
                            $$(foreach m,$$(MODS_$(2)),$$(call mod_file,$$(m)))
	@mkdir -p $$(@D)
	@echo "  AS      $$@ ($$(words $$(MODS_$(2))) modules)"
	@$(CC) $(RV_KARCH) -I$(RV_DIR) -I$(RV_B)/prog -c $$< -o $$@
$(RV_B)/$(1).elf: $(RV_KOBJS) $(RV_B)/arch/images_$(2).o $(RV_B)/arch/modules_$(2).o $(RV_DIR)/kernel.ld
	@echo "  LD      $$@"
	@ld.lld $(RV_LDFLAGS) -T $(RV_DIR)/kernel.ld $(RV_KOBJS) $(RV_B)/arch/images_$(2).o \
	  $(RV_B)/arch/modules_$(2).o -o $$@
endef
$(eval $(call rv_kernel,tether,run))
$(eval $(call rv_kernel,tether-test,test))
$(eval $(call rv_kernel,tether-bench,bench))
$(eval $(call rv_kernel,tether-persist,persist))
$(eval $(call rv_kernel,tether-idle,idle))

# ---- user programs ------------------------------------------------------
ULIB_OBJS := $(patsubst user/lib/%.c,$(RV_B)/user/lib/%.o,$(wildcard user/lib/*.c)) \
             $(RV_B)/user/lib/crt0.o $(RV_B)/user/lib/tjmp.o

$(RV_B)/user/%.o: user/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(RV_UCFLAGS) $(RV_UINC) -Iuser/tests -Iuser/demos -c $< -o $@
$(RV_B)/user/%.o: user/%.S
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(RV_UARCH) -c $< -o $@

# user/demos: run by both `make run` (user/init) and the test image.
demos_OBJS   := $(patsubst user/%.c,$(RV_B)/user/%.o,$(wildcard user/demos/*.c))
init_OBJS    := $(patsubst user/%.c,$(RV_B)/user/%.o,$(wildcard user/init/*.c)) $(demos_OBJS)
tests_OBJS   := $(RV_B)/user/tests/regs.o $(demos_OBJS) \
                $(patsubst user/%.c,$(RV_B)/user/%.o,$(wildcard user/tests/t_*.c) user/tests/harness.c)
bench_OBJS   := $(RV_B)/user/tests/bench.o
ptest_OBJS   := $(RV_B)/user/ptest/ptest.o
idle_OBJS    := $(RV_B)/user/idle/idle.o

define rv_user
$(RV_B)/user/$(1).elf: $$($(1)_OBJS) $(ULIB_OBJS) user/lib/user.ld
	@echo "  LD      $$@"
	@ld.lld $(RV_LDFLAGS) -T user/lib/user.ld $$($(1)_OBJS) $(ULIB_OBJS) -o $$@
endef
$(foreach p,init tests bench ptest idle,$(eval $(call rv_user,$(p))))

# Each program twice: $(RV_B)/prog/name.elf with symbols and debug
# information (for gdb), name.mod stripped (the boot module); the same
# layout, at base 0x1000000 * (its place in UPROGS TEST_UPROGS).
ALL_PROGS := $(UPROGS) $(TEST_UPROGS)
prog_objs = $(patsubst user/%,$(RV_B)/user/%.o,$(basename $(wildcard user/$(1)/*.c user/$(1)/*.S)))
define rv_prog
$(RV_B)/prog/$(notdir $(1)).elf: $(call prog_objs,$(1)) $(ULIB_OBJS) user/lib/user.ld
	@mkdir -p $$(@D)
	@echo "  LD      $$@ (at $(2))"
	@ld.lld $(RV_LDFLAGS) --defsym=TETHER_IMAGE_BASE=$(2) -T user/lib/user.ld \
	  $(call prog_objs,$(1)) $(ULIB_OBJS) -o $$@
$(RV_B)/prog/$(notdir $(1)).mod: $(RV_B)/prog/$(notdir $(1)).elf
	@ld.lld $(RV_LDFLAGS) --strip-all --defsym=TETHER_IMAGE_BASE=$(2) -T user/lib/user.ld \
	  $(call prog_objs,$(1)) $(ULIB_OBJS) -o $$@
endef
$(foreach i,$(shell seq $(words $(ALL_PROGS))),$(eval $(call rv_prog,$(word $(i),$(ALL_PROGS)),$(shell printf 0x%x $$(($(i) * 0x1000000))))))

# Malformed boot modules for the test image, made from a good one.
$(B)/host/mkbadelf: tools/mkbadelf.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CSTD) $(WARN) -O1 $< -o $@
$(foreach b,$(BAD_MODS),$(RV_B)/prog/$(b).mod): $(RV_B)/prog/hello.mod $(B)/host/mkbadelf
	@$(B)/host/mkbadelf $< $(RV_B)/prog

-include $(shell find $(RV_B) -name '*.d' 2>/dev/null)

# ---- targets ------------------------------------------------------------
RV_IMAGES := $(RV_B)/tether.elf $(RV_B)/tether-test.elf $(RV_B)/tether-bench.elf $(RV_B)/tether-persist.elf \
             $(RV_B)/tether-idle.elf
all: $(RV_IMAGES)

.PHONY: run run-fresh test-qemu gdb bench-qemu pictures
# With PROG=name: init starts that program (QEMU -append prog=name, the
# boot information's cmdline). Such a boot is always fresh, on a store of
# its own (a checkpoint on build/store.img would be resumed instead).
ifneq ($(PROG),)
ifeq ($(filter $(PROG),$(notdir $(UPROGS))),)
$(error PROG=$(PROG) is not a program: UPROGS (mk/riscv64.mk) has $(notdir $(UPROGS)))
endif
PROG_STORE := $(B)/store-prog.img
PROG_QEMU  := -append prog=$(PROG)
endif
# make run ends when the root task powers off, or after RUN_TIMEOUT seconds
# with a message (the kernel has said why, e.g. "no runnable thread").
RUN_TIMEOUT ?= 120
run: $(RV_B)/tether.elf
	tools/qemu-run.sh --timeout $(RUN_TIMEOUT) $(if $(PROG),--fresh $(PROG_STORE),$(STORE_IMG)) $< $(PROG_QEMU)

run-fresh: $(RV_B)/tether.elf
	tools/qemu-run.sh --fresh --timeout $(RUN_TIMEOUT) $(if $(PROG),$(PROG_STORE),$(STORE_IMG)) $< $(PROG_QEMU)

# The system tests, the example program as `make run PROG=first` runs it,
# the power cuts of ptest and of demo 6, the idle report, the pictures.
test-qemu: $(RV_B)/tether-test.elf $(RV_B)/tether-persist.elf $(RV_B)/tether-idle.elf $(RV_B)/tether.elf \
           $(B)/host/storeinfo
	tools/qemu-test.sh $<
	tools/qemu-prog-test.sh $(RV_B)/tether.elf first "first: done"
	tools/qemu-persist-test.sh $(RV_B)/tether-persist.elf $(B)/persist
	tools/qemu-idle-test.sh $(RV_B)/tether-idle.elf
	tools/qemu-debate-test.sh $(RV_B)/tether.elf $(B)/debate

# The report's pictures (docs/img/, docs/copy-vs-map.md) from a `make run`
# system: DEBUG_TREE dumps drawn by tools/capgraph; make test-qemu checks
# that they are current (tools/qemu-debate-test.sh).
pictures: $(RV_B)/tether.elf
	tools/qemu-debate-test.sh --update $< $(B)/debate

# GDB_ARGS: more arguments for gdb, e.g. GDB_ARGS="-ex 'break kernel_idle' -ex c".
gdb: $(RV_B)/tether.elf $(if $(PROG),$(RV_B)/prog/$(PROG).elf)
	TETHER_STORE=$(if $(PROG),$(PROG_STORE),$(STORE_IMG)) $(if $(PROG),TETHER_FRESH=1) \
	  TETHER_QEMU_ARGS="$(PROG_QEMU)" tools/qemu-gdb.sh $< $(RV_B)/user/init.elf \
	  $(if $(PROG),$(RV_B)/prog/$(PROG).elf) $(GDB_ARGS)

bench-qemu: $(RV_B)/tether-bench.elf
	@mkdir -p $(B)/bench
	tools/qemu-bench.sh $< $(B)/bench/qemu.txt

