# SPDX-License-Identifier: BSD-2-Clause
# Tether build. GNU make only.
#   make            build everything (host tests, benchmarks, riscv64 images)
#   make test       run every test suite (host plain + ASan/UBSan, QEMU)
#   make test-host  host suites only      make test-qemu  QEMU system tests only
#   make run        boot Tether in QEMU on build/store.img (make run-fresh: empty it first;
#                   make run PROG=name: init starts program name, mk/riscv64.mk UPROGS)
#   make gdb        debug it
#   make bench      run benchmarks and regenerate docs/benchmarks.md
#   make bench-table  rebuild docs/benchmarks.md from its rows (notes, targets)
#   make docs       regenerate docs/abi.md and docs/manual.md
#   make pictures   redraw docs/img/ (docs/copy-vs-map.md) from a QEMU run of the demos
#   make soak       long randomized model test (10M steps; checkpoints, restarts and
#                   power cuts grow with it: model_random_ops alone makes some 25000
#                   checkpoints and 17000 restarts), 20,000 + 3,000 host power cuts

CC      := clang
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wundef
CSTD    := -std=c11
B       := build
.DEFAULT_GOAL := all

# ---------------------------------------------------------------- host -----
# The portable core, compiled for the hosted machine. Core files may include
# only kernel/include and include/ (no libc): -nostdinc enforces it (only the
# compiler's own freestanding headers, stdint.h, stddef.h, stdbool.h, remain).
CORE_SRCS := $(wildcard kernel/core/*.c)
HOST_SRCS := $(wildcard kernel/host/*.c)
FREESTANDING := -ffreestanding -fno-builtin -nostdinc -isystem $(shell $(CC) -print-resource-dir)/include
CORE_CFLAGS := $(CSTD) $(WARN) $(FREESTANDING) -Iinclude -Ikernel/include -Ikernel/host/include
TEST_CFLAGS := $(CSTD) $(WARN) -D_GNU_SOURCE -Iinclude -Ikernel/include -Ikernel/host/include -Itests

# Two variants: plain (-O2, also used for benchmarks) and sanitized.
VARIANTS := host asan
host_OPT := -O2 -gdwarf-4
asan_OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

TEST_PROGS := unit model
unit_SRCS  := $(wildcard tests/t_*.c) tests/unit_main.c tests/harness.c tests/tk.c tests/fixture.c tests/persist_ref.c
model_SRCS := $(wildcard tests/model/*.c) tests/model_ipc.c tests/ipc_ref.c tests/harness.c tests/tk.c

define variant
$(B)/$(1)/core/%.o: kernel/core/%.c $$(wildcard kernel/include/*.h include/tether/*)
	@mkdir -p $$(@D)
	@echo "  CC      $$<"; $$(CC) $$(CORE_CFLAGS) $$($(1)_OPT) -c $$< -o $$@
$(B)/$(1)/hostm/%.o: kernel/host/%.c $$(wildcard kernel/include/*.h include/tether/*)
	@mkdir -p $$(@D)
	@echo "  CC      $$<"; $$(CC) $$(TEST_CFLAGS) $$($(1)_OPT) -c $$< -o $$@
$(B)/$(1)/tests/%.o: tests/%.c $$(wildcard tests/*.h tests/model/*.h kernel/include/*.h include/tether/*)
	@mkdir -p $$(@D)
	@echo "  CC      $$<"; $$(CC) $$(TEST_CFLAGS) $$($(1)_OPT) -c $$< -o $$@
$(B)/$(1)/tools/%.o: tools/%.c $$(wildcard kernel/include/*.h include/tether/*)
	@mkdir -p $$(@D)
	@echo "  CC      $$<"; $$(CC) $$(TEST_CFLAGS) $$($(1)_OPT) -c $$< -o $$@
$(B)/$(1)/bench/%.o: bench/%.c $$(wildcard bench/*.h kernel/include/*.h include/tether/*)
	@mkdir -p $$(@D)
	@echo "  CC      $$<"; $$(CC) $$(TEST_CFLAGS) $$($(1)_OPT) -c $$< -o $$@
$(1)_KOBJS := $$(CORE_SRCS:kernel/core/%.c=$(B)/$(1)/core/%.o) $$(HOST_SRCS:kernel/host/%.c=$(B)/$(1)/hostm/%.o)
$(foreach p,$(TEST_PROGS),
$(B)/$(1)/$(p): $$($(p)_SRCS:tests/%.c=$(B)/$(1)/tests/%.o) $$($(1)_KOBJS)
	$$(CC) $$($(1)_OPT) $$^ -o $$@
)
endef
$(foreach v,$(VARIANTS),$(eval $(call variant,$(v))))

HOST_BINS := $(foreach v,$(VARIANTS),$(foreach p,$(TEST_PROGS),$(B)/$(v)/$(p)))
BENCH_BINS := $(B)/host/bench_core $(B)/host/demo

$(B)/host/bench_core: $(B)/host/bench/bench_core.o $(B)/host/tests/tk.o $(host_KOBJS)
	$(CC) $^ -o $@
$(B)/host/demo: $(B)/host/tools/hostdemo.o $(B)/host/tests/tk.o $(host_KOBJS)
	$(CC) $^ -o $@
# Host tools: storeinfo reads a store image (docs/store.md).
TOOL_BINS := $(B)/host/storeinfo
$(B)/host/storeinfo: $(B)/host/tools/storeinfo.o $(B)/host/tools/storeinfo_rv64.o $(host_KOBJS)
	$(CC) $^ -o $@
$(B)/host/tools/storeinfo.o: tools/storeinfo.h
# (the riscv64 kernel's structures, as the host compiler lays them out: LP64 both)
$(B)/host/tools/storeinfo_rv64.o: tools/storeinfo_rv64.c tools/storeinfo.h $(wildcard kernel/include/*.h include/tether/*)
	@mkdir -p $(@D)
	@echo "  CC      $<"; $(CC) $(CSTD) $(WARN) -Iinclude -Ikernel/include -Ikernel/arch/riscv64/include -Itools $(host_OPT) -c $< -o $@
$(B)/host/storeinfo_test: $(B)/host/tests/storeinfo_test.o $(B)/host/tests/harness.o $(B)/host/tests/tk.o \
                         $(B)/host/tests/fixture.o $(host_KOBJS)
	$(CC) $^ -o $@

.PHONY: all test test-host test-storeinfo test-capgraph capgraph test-fuzz test-docs test-prose test-spdx test-readme bench-table docs soak bench bench-host run run-fresh run-host gdb clean fuzz mutants check-layers
all: $(HOST_BINS) $(BENCH_BINS) $(TOOL_BINS)

MODEL_STEPS ?= 200000
test-host: $(HOST_BINS)
	@set -e; for v in $(VARIANTS); do \
	  echo "== $$v: unit"; $(B)/$$v/unit; \
	  echo "== $$v: model"; TETHER_STEPS=$(MODEL_STEPS) $(B)/$$v/model; \
	done
	@$(MAKE) --no-print-directory test-storeinfo test-capgraph test-fuzz test-docs test-prose test-spdx test-readme check-layers

# tools/storeinfo on images the core writes (tests/storeinfo_test.c).
test-storeinfo: $(B)/host/storeinfo $(B)/host/storeinfo_test
	@echo "== storeinfo: store images checked, damaged blocks named"
	@STOREINFO=$(B)/host/storeinfo $(B)/host/storeinfo_test

# tools/capgraph on what test-storeinfo wrote: the store image and the Debug
# object's dumps of the same system (tools/capgraph-test.sh).
test-capgraph: test-storeinfo
	@echo "== capgraph: the derivation tree of a host-written store and of DEBUG_TREE dumps as Graphviz"
	@tools/capgraph-test.sh $(B)/host/storeinfo $(B)/storeinfo

# The `make run` system's derivation tree, rendered (Graphviz dot).
capgraph: $(B)/host/storeinfo
	tools/capgraph --storeinfo $(B)/host/storeinfo $(B)/store.img > $(B)/capgraph.dot
	dot -Tsvg $(B)/capgraph.dot -o $(B)/capgraph.svg
	@echo "wrote $(B)/capgraph.svg"

# docs/abi.md (the tables) and docs/manual.md (the manual: docs/manual.in.md,
# the reference of every method from labels.def, the constants of abi.h, the
# examples of user/tests/t_manual.c) are generated: they must be current.
GEN_DOCS := abi manual
docs:
	@for d in $(GEN_DOCS); do tools/abidoc.sh $$d > docs/$$d.md && echo "wrote docs/$$d.md"; done
test-docs:
	@mkdir -p $(B)
	@echo "== docs: $(GEN_DOCS:%=docs/%.md) match include/tether, docs/manual.in.md, user/tests/t_manual.c"
	@p=0; f=0; for d in $(GEN_DOCS); do \
	  if tools/abidoc.sh $$d | diff -u docs/$$d.md - > $(B)/abidoc-$$d.diff; then echo "ok   docs/$$d.md"; p=$$((p+1)); \
	  else cat $(B)/abidoc-$$d.diff; echo "FAIL docs/$$d.md is stale: run make docs"; f=$$((f+1)); fi; done; \
	echo "$$p passed, $$f failed"; test $$f = 0

# Prose quotes benchmark rows by name, numbers only as the table has them;
# README's install line is .ci/run's (tools/check-prose.sh).
test-prose:
	@echo "== prose: benchmark figures quoted in docs, README's install line"
	@tools/check-prose.sh

# Every source file names its licence (LICENSE: BSD 2-Clause).
test-spdx:
	@echo "== licence: SPDX-License-Identifier in every source file"
	@tools/check-spdx.sh

# README's "Your first program" shows user/examples/first/first.c: it must be the file.
test-readme:
	@echo "== readme: README's example is user/examples/first/first.c"
	@mkdir -p $(B)
	@if sed -n '/^<!-- user\/examples\/first\/first.c -->$$/,/^```$$/p' README.md | sed '1,2d;$$d' | \
	    diff -u - user/examples/first/first.c > $(B)/readme.diff; then echo "ok   readme_first_c"; echo "1 passed, 0 failed"; \
	else cat $(B)/readme.diff; echo "FAIL readme_first_c: README.md's copy of first.c is stale"; echo "0 passed, 1 failed"; exit 1; fi

soak: $(B)/host/model $(B)/host/unit
	TETHER_STEPS=10000000 $(B)/host/model
	TETHER_CUTS=20000 $(B)/host/unit p1_power_cut
	TETHER_CUTS=3000 $(B)/host/unit p2_changes_after

bench-host: $(B)/host/bench_core
	@mkdir -p $(B)/bench
	bench/run_host.sh $(B)/host/bench_core | tee $(B)/bench/host.txt

# libFuzzer: fuzz_invoke over the invocation interface, fuzz_kernel over
# every kernel entry (threads making system calls, faults, timer ticks, the
# root destroying objects under them), fuzz_store over the restore path
# (damaged and re-checksummed store images). All clang -fsanitize=fuzzer;
# the console (stdout: the Debug object's dumps, fault lines) is closed.
FUZZ_BIN := $(B)/fuzz/fuzz_invoke
FUZZ_KERNEL_BIN := $(B)/fuzz/fuzz_kernel
FUZZ_STORE_BIN := $(B)/fuzz/fuzz_store
FUZZ_FLAGS := $(TEST_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_DEPS := $(CORE_SRCS) $(HOST_SRCS) tests/tk.c $(wildcard kernel/include/*.h include/tether/* tests/*.h)
$(B)/fuzz/%: tests/%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	@$(CC) $(FUZZ_FLAGS) $< tests/tk.c $(CORE_SRCS) $(HOST_SRCS) -o $@
FUZZ_SECONDS ?= 60
# Saved inputs, one directory per target (tests/corpus/<target>/): seeds and
# every crash found, replayed by test-fuzz. New inputs go to build/fuzz/.
FUZZ_KERNEL_CORPUS := tests/corpus/fuzz_kernel
FUZZ_INVOKE_CORPUS := tests/corpus/fuzz_invoke
FUZZ_STORE_CORPUS := tests/corpus/fuzz_store
fuzz: $(FUZZ_BIN) $(FUZZ_KERNEL_BIN) $(FUZZ_STORE_BIN)
	@mkdir -p $(B)/fuzz/invoke-corpus $(B)/fuzz/kernel-corpus $(B)/fuzz/store-corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=512 -close_fd_mask=1 -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/invoke-corpus $(FUZZ_INVOKE_CORPUS)
	$(FUZZ_KERNEL_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=1024 -close_fd_mask=1 \
	  -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/kernel-corpus $(FUZZ_KERNEL_CORPUS)
	$(FUZZ_STORE_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=512 -close_fd_mask=1 \
	  -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/store-corpus $(FUZZ_STORE_CORPUS)
# A short, deterministic run of each that is part of `make test` (the seed
# corpora of fuzz_kernel and fuzz_store are replayed first: every saved
# crash must stay fixed; fuzz_invoke's seeds reach the bad-argument cases of
# SchedContexts and notifications).
test-fuzz: $(FUZZ_BIN) $(FUZZ_KERNEL_BIN) $(FUZZ_STORE_BIN)
	@echo "== fuzz: fuzz_invoke seeds + 20000 inputs (seed 1), fuzz_kernel corpus + 6000 inputs (seed 1), fuzz_store corpus + 1500 inputs (seed 1)"
	@p=0; f=0; \
	if $(FUZZ_BIN) -close_fd_mask=1 -artifact_prefix=$(B)/fuzz/ $(FUZZ_INVOKE_CORPUS)/* > $(B)/fuzz/log 2>&1 && \
	   $(FUZZ_BIN) -runs=20000 -seed=1 -max_len=512 -close_fd_mask=1 -artifact_prefix=$(B)/fuzz/ >> $(B)/fuzz/log 2>&1; then \
	  tail -1 $(B)/fuzz/log; p=$$((p+1)); else tail -30 $(B)/fuzz/log; echo "FAIL fuzz_invoke"; f=$$((f+1)); fi; \
	rm -rf $(B)/fuzz/ktest; mkdir -p $(B)/fuzz/ktest; \
	if $(FUZZ_KERNEL_BIN) -runs=6000 -seed=1 -max_len=1024 -close_fd_mask=1 \
	     -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/ktest $(FUZZ_KERNEL_CORPUS) > $(B)/fuzz/klog 2>&1; then \
	  tail -1 $(B)/fuzz/klog; p=$$((p+1)); else tail -30 $(B)/fuzz/klog; echo "FAIL fuzz_kernel"; f=$$((f+1)); fi; \
	rm -rf $(B)/fuzz/stest; mkdir -p $(B)/fuzz/stest; \
	if $(FUZZ_STORE_BIN) -runs=1500 -seed=1 -max_len=512 -close_fd_mask=1 \
	     -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/stest $(FUZZ_STORE_CORPUS) > $(B)/fuzz/slog 2>&1; then \
	  tail -1 $(B)/fuzz/slog; p=$$((p+1)); else tail -30 $(B)/fuzz/slog; echo "FAIL fuzz_store"; f=$$((f+1)); fi; \
	echo "$$p passed, $$f failed"; test $$f = 0

# Mutation checks: each mutant of the core must fail some host suite
# (tools/mutants.sh; slow, not part of `make test`).
mutants:
	tools/mutants.sh

run-host: $(B)/host/demo
	$(B)/host/demo

# ------------------------------------------------------------- riscv64 -----
# Defines test-qemu, run, gdb, bench-qemu and adds images to `all`. It needs
# ld.lld and qemu-system-riscv64 (and clang's riscv64 target); without them
# those targets stop with the Debian packages to install.
RISCV_MISSING := $(strip $(if $(shell command -v ld.lld),,lld) \
                         $(if $(shell command -v qemu-system-riscv64),,qemu-system-misc))
ifeq ($(RISCV_MISSING),)
RISCV_READY := 1
include mk/riscv64.mk
else
.PHONY: test-qemu run run-fresh gdb bench-qemu pictures
test-qemu run run-fresh gdb bench-qemu pictures:
	@echo "make $@: the riscv64 machine needs packages that are missing: sudo apt-get install $(RISCV_MISSING)"
	@exit 1
endif

# The core's call edges point one way (tools/check-layers.sh); the machine
# calls the core only through kernel.h.
check-layers: $(host_KOBJS) $(if $(RISCV_READY),$(RV_KOBJS))
	@echo "== layers: core call edges (nm)"
	@tools/check-layers.sh $(B)/host/core $(if $(RISCV_READY),$(RV_B)/arch)


test: test-host test-qemu
	@echo "make test: all suites passed"

bench: bench-host bench-qemu
	bench/mktable.sh $(B)/bench/*.txt > docs/benchmarks.md
	@echo "wrote docs/benchmarks.md"
# After editing only bench/notes.md or bench/targets.txt: the same table
# rebuilt from its own rows (bench/rows.sh), every figure unchanged.
bench-table:
	@mkdir -p $(B)/bench
	bench/rows.sh docs/benchmarks.md > $(B)/bench/rows.txt
	bench/mktable.sh $(B)/bench/rows.txt > $(B)/bench/table.md
	mv $(B)/bench/table.md docs/benchmarks.md

clean:
	rm -rf $(B)
