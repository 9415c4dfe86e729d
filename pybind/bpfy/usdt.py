"""USDT probes (bcc's USDT class) on libbpf's USDT support.

    u = USDT(path="/usr/bin/myapp")          # or USDT(pid=1234)
    u.enable_probe(probe="tick", fn_name="on_tick")
    b = BPF(text=src, usdt_contexts=[u])

In the BPF source, bcc's bpf_usdt_readarg(n, ctx, &v) (n counts from 1)
reads probe arguments; libbpf's bpf_usdt_arg(ctx, n - 1, &v) works too.
The probes are attached through perf_event uprobes with a BPF cookie per
site, so nothing is registered in tracefs.
"""
import os
import re
import struct

from . import _bpfy, syms

# What a program attached to USDT probes needs before its first line.
PRELUDE = r'''
#include <bpf/usdt.bpf.h>
#define bpf_usdt_readarg(n, ctx, addr) ({                                   \
        long __bpfy_usdt_v = 0;                                             \
        int __bpfy_usdt_r = bpf_usdt_arg((void *)(ctx), (n) - 1, &__bpfy_usdt_v); \
        *(addr) = (__typeof__(*(addr)))__bpfy_usdt_v;                       \
        __bpfy_usdt_r; })
#define bpf_usdt_readarg_p(n, ctx, buf, len) ({                             \
        long __bpfy_usdt_p = 0;                                             \
        int __bpfy_usdt_r = bpf_usdt_arg((void *)(ctx), (n) - 1, &__bpfy_usdt_p); \
        if (!__bpfy_usdt_r)                                                 \
            __bpfy_usdt_r = bpf_probe_read_user(buf, len, (void *)__bpfy_usdt_p); \
        __bpfy_usdt_r; })
'''

_NOTE_TYPE_STAPSDT = 3


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def list_probes(path):
    """[(provider, name)] of the USDT probes in ELF file path (its
    .note.stapsdt notes)."""
    found = []
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise _bpfy.BPFError(8, f"'{path}' is not a 64-bit ELF file")
    endian = "<" if data[5] == 1 else ">"
    shoff, = struct.unpack_from(endian + "Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(endian + "HHH", data, 0x3A)
    sections = [struct.unpack_from(endian + "IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    names_off = sections[shstrndx][4]

    def name_of(sec):
        start = names_off + sec[0]
        return data[start:data.index(b"\0", start)].decode()

    for sec in sections:
        if name_of(sec) != ".note.stapsdt":
            continue
        pos, end = sec[4], sec[4] + sec[5]
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from(endian + "III", data, pos)
            desc = pos + 12 + ((namesz + 3) & ~3)
            if ntype == _NOTE_TYPE_STAPSDT:
                strings = data[desc + 24:desc + descsz].split(b"\0")
                found.append((strings[0].decode(), strings[1].decode()))
            pos = desc + ((descsz + 3) & ~3)
    return found


class USDT:
    """The USDT probes of one process (pid=) or binary (path=) to enable."""

    def __init__(self, pid=None, path=None):
        if pid is None and not path:
            raise ValueError("USDT needs pid= or path=")
        self.pid = pid if pid is not None else -1
        if path:
            self.path = syms.resolve_binary(path, pid)
        else:
            self.path = os.readlink(f"/proc/{pid}/exe")
        self._probes = []  # (provider, name, fn_name)

    def _find(self, probe):
        probe = _text(probe)
        provider, _, name = probe.rpartition(":")
        matches = [(p, n) for p, n in list_probes(self.path)
                   if n == name and (not provider or p == provider)]
        if not matches:
            raise _bpfy.BPFError(2, f"no USDT probe '{probe}' in '{self.path}'")
        return matches[0]

    def enable_probe(self, probe, fn_name):
        """Attach fn_name to probe ("name" or "provider:name") once the BPF
        object is built with usdt_contexts=[this]."""
        provider, name = self._find(probe)
        self._probes.append((provider, name, _text(fn_name)))

    def enable_probe_or_bail(self, probe, fn_name):
        """enable_probe, exiting the program with a message on failure (bcc)."""
        try:
            self.enable_probe(probe, fn_name)
        except _bpfy.BPFError as exc:
            raise SystemExit(f"Error attaching USDT probes: {exc}") from exc

    def enumerate_probes(self):
        """[(provider, name)] of the binary's probes."""
        return list_probes(self.path)

    def attach(self, bpf):
        """Attach every enabled probe's function of bpf (BPF does this for
        usdt_contexts)."""
        for provider, name, fn_name in self._probes:
            bpf.attach_usdt(self.path, provider, name, fn_name, self.pid)

    def get_text(self):
        """bcc generated argument readers here; bpfy needs only PRELUDE."""
        return PRELUDE
