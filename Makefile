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

demo: build
	$(PYTHON) examples/syscount.py -d 3

bench: build
	$(PYTHON) bench/startup.py
	$(PYTHON) bench/events.py

clean:
	rm -rf $(BUILD_DIR) pybind/bpfy/_bpfy*.so
