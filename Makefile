# Tether build. GNU make only.
#   make            build everything (host tests, benchmarks, riscv64 images)
#   make test       run every test suite (host plain + ASan/UBSan, QEMU)
#   make test-host  host suites only      make test-qemu  QEMU system tests only
#   make run        boot Tether in QEMU    make gdb        debug it
#   make bench      run benchmarks and regenerate docs/benchmarks.md
#   make soak       long randomized model test (10M steps)

CC      := clang
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wundef
CSTD    := -std=c11
B       := build
.DEFAULT_GOAL := all

# ---------------------------------------------------------------- host -----
# The portable core, compiled for the hosted machine. Core files may include
# only kernel/include and include/ (no libc): -ffreestanding enforces it.
CORE_SRCS := $(wildcard kernel/core/*.c)
HOST_SRCS := $(wildcard kernel/host/*.c)
CORE_CFLAGS := $(CSTD) $(WARN) -ffreestanding -fno-builtin -Iinclude -Ikernel/include -Ikernel/host/include
TEST_CFLAGS := $(CSTD) $(WARN) -D_GNU_SOURCE -Iinclude -Ikernel/include -Ikernel/host/include -Itests

# Two variants: plain (-O2, also used for benchmarks) and sanitized.
VARIANTS := host asan
host_OPT := -O2 -gdwarf-4
asan_OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

TEST_PROGS := unit model
unit_SRCS  := $(wildcard tests/t_*.c) tests/unit_main.c tests/harness.c tests/tk.c
model_SRCS := tests/model.c tests/model_ipc.c tests/ipc_ref.c tests/harness.c tests/tk.c

define variant
$(B)/$(1)/core/%.o: kernel/core/%.c $$(wildcard kernel/include/*.h include/tether/*)
	@mkdir -p $$(@D)
	@echo "  CC      $$<"; $$(CC) $$(CORE_CFLAGS) $$($(1)_OPT) -c $$< -o $$@
$(B)/$(1)/hostm/%.o: kernel/host/%.c $$(wildcard kernel/include/*.h include/tether/*)
	@mkdir -p $$(@D)
	@echo "  CC      $$<"; $$(CC) $$(TEST_CFLAGS) $$($(1)_OPT) -c $$< -o $$@
$(B)/$(1)/tests/%.o: tests/%.c $$(wildcard tests/*.h kernel/include/*.h include/tether/*)
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

.PHONY: all test test-host test-fuzz test-docs docs soak bench bench-host run run-host gdb clean fuzz
all: $(HOST_BINS) $(BENCH_BINS)

MODEL_STEPS ?= 200000
test-host: $(HOST_BINS)
	@set -e; for v in $(VARIANTS); do \
	  echo "== $$v: unit"; $(B)/$$v/unit; \
	  echo "== $$v: model"; TETHER_STEPS=$(MODEL_STEPS) $(B)/$$v/model; \
	done
	@$(MAKE) --no-print-directory test-fuzz test-docs

# docs/abi.md is generated from include/tether/*.def: it must be current.
docs:
	tools/abidoc.sh > docs/abi.md
test-docs:
	@echo "== docs: docs/abi.md matches include/tether"
	@if tools/abidoc.sh | diff -u docs/abi.md - > $(B)/abidoc.diff; then echo "1 passed, 0 failed"; \
	else cat $(B)/abidoc.diff; echo "docs/abi.md is stale: run make docs"; echo "0 passed, 1 failed"; exit 1; fi

soak: $(B)/host/model
	TETHER_STEPS=10000000 $(B)/host/model

bench-host: $(B)/host/bench_core
	@mkdir -p $(B)/bench
	bench/run_host.sh $(B)/host/bench_core | tee $(B)/bench/host.txt

# libFuzzer over the invocation interface (clang -fsanitize=fuzzer).
FUZZ_BIN := $(B)/fuzz/fuzz_invoke
FUZZ_SRCS := tests/fuzz_invoke.c tests/tk.c $(CORE_SRCS) $(HOST_SRCS)
$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard kernel/include/*.h include/tether/* tests/*.h)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	@$(CC) $(TEST_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(FUZZ_SRCS) -o $@
FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BIN)
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=512
# A short, deterministic run that is part of `make test`.
test-fuzz: $(FUZZ_BIN)
	@echo "== fuzz: 20000 inputs (seed 1)"
	@if $(FUZZ_BIN) -runs=20000 -seed=1 -max_len=512 > $(B)/fuzz/log 2>&1; then \
	  tail -1 $(B)/fuzz/log; echo "1 passed, 0 failed"; \
	else tail -30 $(B)/fuzz/log; echo "0 passed, 1 failed"; exit 1; fi

run-host: $(B)/host/demo
	$(B)/host/demo

# ------------------------------------------------------------- riscv64 -----
# Defines test-qemu, run, gdb, bench-qemu and adds images to `all`.
-include mk/riscv64.mk

test: test-host $(if $(RISCV_READY),test-qemu)
	@echo "make test: all suites passed"

bench: bench-host $(if $(RISCV_READY),bench-qemu)
	bench/mktable.sh $(B)/bench/*.txt > docs/benchmarks.md
	@echo "wrote docs/benchmarks.md"

ifndef RISCV_READY
run: run-host
endif

clean:
	rm -rf $(B)
