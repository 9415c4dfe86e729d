"""pip install --no-build-isolation .   (offline, with Debian's setuptools)

Builds the _bpfy extension from runtime/ and pybind/src/ and installs the
bpfy package with its BPF-side headers (programs/include) as package data.
"""
import glob
import os
import shutil

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def libclang_include():
    """clang-c/Index.h (Debian: libclang-NN-dev): the dialect's AST pass uses
    libclang's C API; the library itself is dlopen()ed at run time."""
    for candidate in sorted(glob.glob("/usr/lib/llvm-*/include"), reverse=True):
        if os.path.exists(os.path.join(candidate, "clang-c", "Index.h")):
            return [candidate]
    if os.path.exists("/usr/include/clang-c/Index.h"):
        return []
    raise SystemExit("bpfy: clang-c/Index.h not found (Debian: apt-get install libclang-14-dev)")


def sources():
    runtime = glob.glob(os.path.join("runtime", "**", "*.c"), recursive=True)
    pybind = glob.glob(os.path.join("pybind", "src", "*.c"))
    return sorted(runtime) + sorted(pybind)


class ParallelBuildExt(build_ext):
    """Compiles the extension's ~80 C files on every CPU."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1


class BuildWithHeaders(build_py):
    """Copies programs/include into the package as bpfy/include."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "bpfy", "include")
        if os.path.isdir(target):
            shutil.rmtree(target)
        shutil.copytree(os.path.join(HERE, "programs", "include"), target)


setup(
    name="bpfy",
    version="0.1.0",
    description="A bcc-style eBPF runtime for Python with a C core",
    package_dir={"": "pybind"},
    packages=["bpfy", "bpfy.compat"],
    ext_modules=[
        Extension(
            "bpfy._bpfy",
            sources=sources(),
            include_dirs=["runtime/include", "runtime"] + libclang_include(),
            define_macros=[("_GNU_SOURCE", None)],
            libraries=["bpf", "elf", "z", "crypto", "dl"],
            extra_compile_args=["-std=gnu11", "-Wno-unused-parameter"],
        )
    ],
    cmdclass={"build_py": BuildWithHeaders, "build_ext": ParallelBuildExt},
    python_requires=">=3.11",
)
