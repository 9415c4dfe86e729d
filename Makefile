# bpfy front door. Every target works on a fresh Debian 12 machine as root.
#   make demo    deps + build + a short tracing session
#   make test    deps + build + C tests (ctest) + Python tests (pytest)
#   make bench   deps + build + benchmarks against libbpf C references
#   make test-vm build + the kprobe/trampoline/LSM tests in a Debian 6.1 guest (qemu)

PYTHON    ?= /usr/bin/python3
BUILD_DIR ?= build
JOBS      ?= $(shell nproc)

# Debian packages needed to build, test and run bpfy.
DEB_PACKAGES := clang llvm libclang-14-dev libbpf-dev libelf-dev zlib1g-dev libssl-dev pkg-config cmake make gcc \
	g++ python3 python3-dev python3-pytest python3-setuptools python3-numpy python3-pandas \
	iproute2 bpftool linux-libc-dev \
	systemtap-sdt-dev \
	python3-matplotlib jupyter-nbconvert python3-ipykernel python3-venv python3-pip python3-wheel

export PYTHONPATH := $(CURDIR)/pybind

.PHONY: all deps build test test-c test-python test-vm demo bench clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD_DIR) -DPython3_EXECUTABLE=$(PYTHON) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build test-c test-python

test-c:
	cd $(BUILD_DIR) && ctest --output-on-failure

test-python:
	$(PYTHON) -m pytest -q tests/python tests/bad_input

# The tests marked @pytest.mark.vm (kprobes, fentry/fexit, BPF LSM, struct_ops)
# in a guest on Debian's linux-image-amd64 under qemu: docs/second-kernel.md.
test-vm: build
	BUILD_DIR=$(BUILD_DIR) PYTHON=$(PYTHON) vm/test-vm.sh $(VM_PYTEST_ARGS)

# ------------------------------------------------------------ reliability
# docs/reliability.md. Fuzzing: libFuzzer targets in fuzz/ built with clang
# against the runtime's sources (ASan + UBSan), each run FUZZ_SECONDS from its
# seed corpus fuzz/corpus/<target> (new inputs go to build-fuzz/corpus/).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_DIR     ?= build-fuzz
FUZZ_TARGETS := rewrite tpformat codec syms
FUZZ_LIBCLANG_INC := $(patsubst %/clang-c/Index.h,-I%,$(firstword $(wildcard /usr/lib/llvm-*/include/clang-c/Index.h)))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fsanitize-recover=nonnull-attribute
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -MMD -MP \
	-Iruntime/include -Iruntime $(FUZZ_LIBCLANG_INC) $(FUZZ_SAN)
FUZZ_LIBS    := $(shell pkg-config --libs libbpf libelf 2>/dev/null) -lcrypto -lz -ldl
FUZZ_RUNTIME := $(patsubst %.c,$(FUZZ_DIR)/%.o,$(wildcard runtime/*.c runtime/compile/*.c))

$(FUZZ_DIR)/runtime/%.o: runtime/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_RUNTIME)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@ $(FUZZ_LIBS)

-include $(FUZZ_RUNTIME:.o=.d)

.PHONY: fuzz fuzz-build sanitize valgrind
fuzz-build: $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))

fuzz: SHELL := /bin/bash
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		case $$t in syms) len=65536;; codec) len=16384;; *) len=8192;; esac; \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crashes; \
		echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
		UBSAN_OPTIONS=suppressions=fuzz/ubsan.supp:print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		$(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-max_len=$$len -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/crashes/$$t- \
			$(FUZZ_DIR)/corpus/$$t fuzz/corpus/$$t fuzz/regress/$$t > $(FUZZ_DIR)/fuzz_$$t.log 2>&1 \
			|| { tail -n 40 $(FUZZ_DIR)/fuzz_$$t.log; \
			     echo "fuzz_$$t failed: the input is in $(FUZZ_DIR)/crashes/"; exit 1; }; \
		grep -E "^stat::(number_of_executed_units|peak_rss)|^Done" $(FUZZ_DIR)/fuzz_$$t.log || true; \
	done

# Sanitizers: runtime, extension and C tests built with ASan+UBSan (clang) in
# build-sanitize/; the C tests run as they are, the Python suites with the
# ASan runtime preloaded into the (uninstrumented) interpreter. Any report in
# the interpreter or a child it runs (logged to build-sanitize/asan.<pid>)
# fails the target, even when no test failed.
SANITIZE_DIR ?= build-sanitize
SANITIZE_CC  ?= clang
ASAN_RT      := $(shell $(SANITIZE_CC) -print-file-name=libclang_rt.asan-x86_64.so 2>/dev/null)
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/fuzz/ubsan.supp
SANITIZE_PYTEST ?= tests/python tests/bad_input
SANITIZE_PY_ASAN := detect_leaks=0:abort_on_error=1:strict_string_checks=1:log_path=$(CURDIR)/$(SANITIZE_DIR)/asan
# Tests that cannot hold under the preloaded runtime (docs/reliability.md,
# "Sanitizer runs"). RSS: ASan's quarantine (freed memory held back, up to
# 256 MiB) and stack depot (a stack per new allocating call path, never freed)
# grow RSS without a leak; these run in a second pass with both off, bounds
# checks still on. printf: a child inherits LD_PRELOAD, and ASan's printf
# interceptor formats through vprintf, so a uprobe on libc's printf never fires.
SANITIZE_RSS_TESTS := tests/python/test_resources.py::test_thousand_cycles_keep_fds_kernel_and_memory_flat \
	tests/python/test_resources_gc.py::test_thousand_dropped_objects_keep_fds_kernel_and_memory_flat \
	tests/python/test_attach_net.py::test_attach_detach_loop_keeps_fds_and_memory_flat
SANITIZE_SKIP := tests/python/test_attach_uprobe.py::test_uprobe_on_a_library_found_by_name
# the RSS tests inside the suites SANITIZE_PYTEST picked
SANITIZE_RSS_RUN = $(strip $(foreach t,$(SANITIZE_RSS_TESTS),$(if $(filter tests/python tests/python/ \
	$(firstword $(subst ::, ,$(t))),$(SANITIZE_PYTEST)),$(t))))
sanitize_pytest = $(SANITIZE_ENV) ASAN_OPTIONS=$(1) LD_PRELOAD=$(ASAN_RT) \
	BPFY_EXT_DIR=$(CURDIR)/$(SANITIZE_DIR)/ext $(PYTHON) -m pytest -q -p no:cacheprovider $(2) \
	|| { cat $(SANITIZE_DIR)/asan.* 2>/dev/null; exit 1; }

sanitize: deps
	CC=$(SANITIZE_CC) cmake -S . -B $(SANITIZE_DIR) -DPython3_EXECUTABLE=$(PYTHON) \
		-DBPFY_SANITIZE=ON -DBPFY_EXT_OUTPUT_DIR=$(CURDIR)/$(SANITIZE_DIR)/ext >/dev/null
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	cd $(SANITIZE_DIR) && $(SANITIZE_ENV) ctest --output-on-failure
	rm -f $(SANITIZE_DIR)/asan.*
	$(call sanitize_pytest,$(SANITIZE_PY_ASAN),\
		$(addprefix --deselect ,$(SANITIZE_RSS_TESTS) $(SANITIZE_SKIP)) $(SANITIZE_PYTEST))
	$(if $(SANITIZE_RSS_RUN),$(call sanitize_pytest,$(SANITIZE_PY_ASAN):quarantine_size_mb=0:malloc_context_size=0,\
		$(SANITIZE_RSS_RUN)))
	@if ls $(SANITIZE_DIR)/asan.* >/dev/null 2>&1; then cat $(SANITIZE_DIR)/asan.*; \
		echo "sanitizer reports above ($(SANITIZE_DIR)/asan.*)"; exit 1; fi

# Valgrind: the Python suites under memcheck with the side build's extension;
# CPython's own reports are suppressed (tests/valgrind.supp), bpfy's fail the run.
VALGRIND_PYTEST ?= tests/python/test_foundation.py tests/python/test_tables.py \
	tests/python/test_records.py tests/python/test_events.py tests/python/test_maps_batch.py \
	tests/bad_input
valgrind: build
	PYTHONMALLOC=malloc valgrind --tool=memcheck --error-exitcode=99 --trace-children=no \
		--suppressions=tests/valgrind.supp --errors-for-leak-kinds=definite \
		--leak-check=no --num-callers=30 \
		$(PYTHON) -m pytest -q -p no:cacheprovider $(VALGRIND_PYTEST)

demo: build
	$(PYTHON) examples/syscount.py -d 3

bench: build
	$(PYTHON) bench/startup.py
	$(PYTHON) bench/events.py
	$(PYTHON) bench/maps.py

clean:
	rm -rf $(BUILD_DIR) pybind/bpfy/_bpfy*.so
