"""bcc-compatible attach methods beyond tracepoints (mixed into BPF).

The C type does the work through underscored primitives (_attach_uprobe,
_attach_perf_event, ...); this layer keeps bcc's names, keyword arguments and
return values, resolves names (symbols, libraries, interfaces) and adds what
bcc lacks (attach_tc, attach_cgroup, attach_iter).
"""
import errno
import functools
import os
import re
import socket
import weakref

from . import _bpfy, syms, tracefs

# perf event types and software configs (linux/perf_event.h)
PERF_TYPE_HARDWARE = 0
PERF_TYPE_SOFTWARE = 1
PERF_COUNT_SW_CPU_CLOCK = 0

# XDP flags (linux/if_link.h)
XDP_FLAGS_UPDATE_IF_NOEXIST = 1 << 0
XDP_FLAGS_SKB_MODE = 1 << 1
XDP_FLAGS_DRV_MODE = 1 << 2
XDP_FLAGS_HW_MODE = 1 << 3

_TRAMPOLINES = {"fentry": 0, "fexit": 1, "fmod_ret": 2, "lsm": 3}
_TC_MODES = {"auto": 0, "tcx": 1, "clsact": 2}

# netfilter (linux/netfilter.h)
NFPROTO_IPV4 = 2
NFPROTO_IPV6 = 10
NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT, \
    NF_INET_POST_ROUTING = range(5)
BPF_F_NETFILTER_IP_DEFRAG = 1

# kernel functions bcc never offers as kprobe targets (its exact list: the
# NOKPROBE_SYMBOL markers, perf functions, gcc's .cold parts); the kernel's
# own blacklist and __init/__irqentry text are excluded as well
_KPROBE_EXCLUDED = re.compile(r"^(_kbl_addr_|__perf|perf_)|\.cold(\.\d+)?$")
_KPROBE_EXCLUDED_RANGES = (("_sinittext", "_einittext"), ("__init_begin", "__init_end"),
                           ("__irqentry_text_start", "__irqentry_text_end"))

# BPF objects owning an XDP link per interface, so that the static
# remove_xdp(dev) finds the link to destroy
_xdp_owners = {}


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


class _hybridmethod:
    """bcc declares some attach methods static (they take a Function); ours
    also work on an instance with a function name."""

    def __init__(self, func):
        self.func = func
        functools.update_wrapper(self, func)

    def __get__(self, obj, cls):
        return functools.partial(self.func, obj)


def _function(bpf, fn):
    """(owning BPF object, function name) for a Function or a name."""
    if hasattr(fn, "bpf") and hasattr(fn, "name"):
        return fn.bpf, _text(fn.name)
    if isinstance(fn, (str, bytes)):
        if bpf is None:
            raise TypeError("pass the Function returned by load_func (or call this on "
                            "the BPF object)")
        return bpf, _text(fn)
    raise TypeError(f"fn must be a Function or a name, not {type(fn).__name__}")


def _ifindex(dev):
    dev = _text(dev)
    try:
        return socket.if_nametoindex(dev)
    except OSError:
        raise _bpfy.BPFError(errno.ENODEV, f"no network interface '{dev}'") from None


def _in_netns(netns, call, *args):
    """call(*args) on a thread that has entered network namespace netns (a
    name under /var/run/netns or a path): setns() changes only the calling
    thread, and this one ends right after."""
    import ctypes
    import threading

    path = netns if "/" in netns else os.path.join("/var/run/netns", netns)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    outcome = {}

    def run():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
            err = ctypes.get_errno()
            outcome["error"] = _bpfy.BPFError(err, f"setns to network namespace '{netns}': "
                                                   f"{os.strerror(err)}")
            return
        try:
            outcome["value"] = call(*args)
        except BaseException as exc:  # re-raised on the caller's thread
            outcome["error"] = exc

    try:
        thread = threading.Thread(target=run, name="bpfy-netns")
        thread.start()
        thread.join()
    finally:
        os.close(fd)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _count_links(bpf, kinds, sections=None):
    """Attachments of the given kinds: explicit ones, and auto-attached ones
    whose section starts with one of `sections` (default: the kinds, as
    kprobe/, kretprobe/, ...)."""
    prefixes = tuple(sections) if sections else tuple(kind + "/" for kind in kinds)
    return sum(1 for kind, target, _ in bpf._links()
               if kind in kinds or (kind == "auto" and target.startswith(prefixes)))


class AttachMixin:
    """attach_*/detach_* for kprobes, uprobes, perf events, XDP, tc, sockets, cgroups, ..."""

    # -- symbols (bcc has them on BPF) ----------------------------------------

    ksym = staticmethod(syms.ksym)
    ksymname = staticmethod(syms.ksymname)
    sym = staticmethod(syms.sym)

    # -- kprobes -------------------------------------------------------------

    @staticmethod
    def get_kprobe_functions(event_re):
        """Kernel functions (a set of bytes) whose names match event_re (a
        regular expression as str, bytes or compiled, applied with re.match:
        anchored at the start only, as bcc) and that kprobes may attach to:
        text symbols of kallsyms (t, T, w, W), minus the kernel's kprobe
        blacklist, __init and __irqentry text, _kbl_addr_*, __perf*/perf_*
        and .cold parts (bcc's rules), and only those in
        available_filter_functions when the kernel shows that file."""
        if isinstance(event_re, re.Pattern):
            event_re = event_re.pattern
        if isinstance(event_re, bytes):
            event_re = event_re.decode("latin-1")
        pattern = re.compile(event_re)
        ranges = []
        for begin, end in _KPROBE_EXCLUDED_RANGES:
            low, high = syms.ksymname(begin), syms.ksymname(end)
            if low != -1 and high != -1:
                ranges.append((low, high))
        blacklist = set()
        try:
            with open("/sys/kernel/debug/kprobes/blacklist") as f:
                blacklist = {line.split()[1] for line in f if len(line.split()) > 1}
        except OSError:
            pass
        allowed = None
        try:
            with open(os.path.join(tracefs.ensure_mounted(), "available_filter_functions")) as f:
                allowed = {line.split()[0] for line in f if line.strip()}
        except OSError:
            pass
        found = set()
        for name, addr in _bpfy.BPF._ksym_names("tTwW", True):
            if not pattern.match(name) or _KPROBE_EXCLUDED.search(name) or name in blacklist:
                continue
            if any(low <= addr < high for low, high in ranges):
                continue
            if allowed is not None and name not in allowed:
                continue
            found.add(name.encode())
        return found

    def get_syscall_prefix(self):
        """The prefix of syscall entry functions on this kernel (b"__x64_sys_")."""
        for prefix in ("__x64_sys_", "__arm64_sys_", "__s390x_sys_", "__riscv_sys_", "sys_"):
            if syms.ksymname(prefix + "bpf") != -1:
                return prefix.encode()
        return b"sys_"

    def get_syscall_fnname(self, name):
        """The kernel function of syscall name (b"__x64_sys_clone" for "clone")."""
        name = name if isinstance(name, bytes) else name.encode()
        return self.get_syscall_prefix() + name

    def _kprobe_targets(self, event, event_re):
        if event_re:
            targets = sorted(self.get_kprobe_functions(event_re))
            if not targets:
                raise _bpfy.BPFError(errno.ENOENT, f"no kernel function matches {_text(event_re)!r}")
            return [_text(t) for t in targets]
        if not event:
            raise ValueError("event (a kernel function) or event_re is required")
        return [_text(event)]

    def attach_kprobe(self, event=b"", event_off=0, fn_name=b"", event_re=b""):
        """Attach fn_name at kernel function event (+event_off), or at every
        function matching event_re. Kernels without kprobes raise
        UnsupportedError saying so."""
        for target in self._kprobe_targets(event, event_re):
            self._attach_kprobe(_text(fn_name), target, False, target, event_off, 0)
        return self

    def attach_kretprobe(self, event=b"", fn_name=b"", event_re=b"", maxactive=0):
        """Attach fn_name at the return of kernel function event (or every
        function matching event_re)."""
        for target in self._kprobe_targets(event, event_re):
            self._attach_kprobe(_text(fn_name), target, True, target, 0, maxactive)
        return self

    def detach_kprobe(self, event, fn_name=None):
        """Detach what attach_kprobe attached at event."""
        self._detach("kprobe", _text(event), _text(fn_name) if fn_name else None)

    def detach_kretprobe(self, event, fn_name=None):
        """Detach what attach_kretprobe attached at event."""
        self._detach("kretprobe", _text(event), _text(fn_name) if fn_name else None)

    def num_open_kprobes(self):
        """How many kprobe and kretprobe attachments are alive, auto-attached
        ones (kprobe__fn, SEC("kprobe/fn")) included, as bcc counts them."""
        return _count_links(self, ("kprobe", "kretprobe"))

    # -- trampolines: fentry/fexit/fmod_ret/LSM --------------------------------

    @staticmethod
    def support_kfunc():
        """True when the kernel lets a fentry program attach (a real probe:
        a tiny program is loaded and attached)."""
        return _bpfy.BPF._probe_trampoline(_TRAMPOLINES["fentry"])[0]

    @staticmethod
    def support_lsm():
        """True when the kernel lets a BPF LSM program attach (real probe)."""
        return _bpfy.BPF._probe_trampoline(_TRAMPOLINES["lsm"])[0]

    @staticmethod
    def trampoline_refusal(kind="fentry"):
        """Why the kernel refuses trampolines of kind, or "" when it allows them."""
        ok, reason = _bpfy.BPF._probe_trampoline(_TRAMPOLINES[kind])
        return "" if ok else reason

    def attach_kfunc(self, fn_name=b""):
        """Attach a SEC("fentry/<function>") program."""
        self._attach_trampoline(_text(fn_name), _TRAMPOLINES["fentry"])
        return self

    def attach_kretfunc(self, fn_name=b""):
        """Attach a SEC("fexit/<function>") program."""
        self._attach_trampoline(_text(fn_name), _TRAMPOLINES["fexit"])
        return self

    def attach_fmod_ret(self, fn_name=b""):
        """Attach a SEC("fmod_ret/<function>") program."""
        self._attach_trampoline(_text(fn_name), _TRAMPOLINES["fmod_ret"])
        return self

    def attach_lsm(self, fn_name=b""):
        """Attach a SEC("lsm/<hook>") program."""
        self._attach_trampoline(_text(fn_name), _TRAMPOLINES["lsm"])
        return self

    def detach_kfunc(self, fn_name=b""):
        """Detach what attach_kfunc attached (BPFError ENOENT when nothing is)."""
        self._detach("fentry", _text(fn_name))

    def detach_kretfunc(self, fn_name=b""):
        """Detach what attach_kretfunc attached (BPFError ENOENT when nothing is)."""
        self._detach("fexit", _text(fn_name))

    def detach_fmod_ret(self, fn_name=b""):
        """Detach what attach_fmod_ret attached (BPFError ENOENT when nothing is)."""
        self._detach("fmod_ret", _text(fn_name))

    def detach_lsm(self, fn_name=b""):
        """Detach what attach_lsm attached (BPFError ENOENT when nothing is)."""
        self._detach("lsm", _text(fn_name))

    # -- uprobes -------------------------------------------------------------

    find_library = staticmethod(syms.find_library)
    find_exe = staticmethod(syms.find_exe)

    @staticmethod
    def _uprobe_key(path, offset, pid):
        return f"{path}:0x{offset:x}:{pid}"

    def _uprobe_targets(self, name, sym, sym_re, addr, pid, sym_off):
        """[(path, file offset, label)] for one uprobe request."""
        path = syms.resolve_binary(name, pid if pid is not None and pid >= 0 else None)
        if sym_re:
            pattern = re.compile(_text(sym_re))
            found = [(path, off, n) for n, _, off in _bpfy.BPF._elf_symbols(path)
                     if pattern.match(n)]
            if not found:
                raise _bpfy.BPFError(errno.ENOENT, f"no function in '{path}' matches "
                                                   f"{_text(sym_re)!r}")
            return found
        if addr is not None:
            return [(path, int(addr) + sym_off, f"0x{int(addr):x}")]
        if not sym:
            raise ValueError("one of sym, sym_re or addr is required")
        _, _, offset = _bpfy.BPF._elf_symbol(path, _text(sym))
        return [(path, offset + sym_off, _text(sym))]

    def attach_uprobe(self, name=b"", sym=b"", sym_re=b"", addr=None, fn_name=b"", pid=-1,
                      sym_off=0):
        """Attach fn_name at symbol sym (+sym_off), or addr (a file offset in
        the ELF, as bcc), or every function matching sym_re, of name (an
        executable, a library such as "c", or a path); only in process pid
        when pid >= 0."""
        pid = -1 if pid is None else pid
        for path, offset, _ in self._uprobe_targets(name, sym, sym_re, addr, pid, sym_off):
            self._attach_uprobe(_text(fn_name), self._uprobe_key(path, offset, pid), False, pid,
                                path, offset)
        return self

    def attach_uretprobe(self, name=b"", sym=b"", sym_re=b"", addr=None, fn_name=b"", pid=-1):
        """Attach fn_name at the return of sym (or addr, or every sym_re match)."""
        pid = -1 if pid is None else pid
        for path, offset, _ in self._uprobe_targets(name, sym, sym_re, addr, pid, 0):
            self._attach_uprobe(_text(fn_name), self._uprobe_key(path, offset, pid), True, pid,
                                path, offset)
        return self

    def detach_uprobe(self, name=b"", sym=b"", addr=None, pid=-1, sym_off=0):
        """Detach what attach_uprobe attached with the same arguments."""
        pid = -1 if pid is None else pid
        for path, offset, _ in self._uprobe_targets(name, sym, b"", addr, pid, sym_off):
            self._detach("uprobe", self._uprobe_key(path, offset, pid))

    def detach_uretprobe(self, name=b"", sym=b"", addr=None, pid=-1):
        """Detach what attach_uretprobe attached with the same arguments."""
        pid = -1 if pid is None else pid
        for path, offset, _ in self._uprobe_targets(name, sym, b"", addr, pid, 0):
            self._detach("uretprobe", self._uprobe_key(path, offset, pid))

    def num_open_uprobes(self):
        """How many uprobe and uretprobe attachments are alive (auto-attached
        SEC("uprobe/...") ones included)."""
        return _count_links(self, ("uprobe", "uretprobe"))

    # -- USDT ----------------------------------------------------------------

    def attach_usdt(self, path, provider, name, fn_name, pid=-1):
        """Attach fn_name to USDT probe provider:name of binary path (libbpf's
        USDT support: the source needs bpfy.usdt.PRELUDE or
        <bpf/usdt.bpf.h>); only in process pid when pid >= 0."""
        path = syms.resolve_binary(path, pid if pid >= 0 else None)
        key = f"{path}:{_text(provider)}:{_text(name)}:{pid}"
        self._attach_usdt(_text(fn_name), key, pid, path, _text(provider), _text(name))
        return self

    def detach_usdt(self, path, provider, name, pid=-1):
        """Detach what attach_usdt attached with the same arguments."""
        path = syms.resolve_binary(path, pid if pid >= 0 else None)
        self._detach("usdt", f"{path}:{_text(provider)}:{_text(name)}:{pid}")

    # -- perf events ---------------------------------------------------------

    def attach_perf_event(self, ev_type=-1, ev_config=-1, fn_name=b"", sample_period=0,
                          sample_freq=0, pid=-1, cpu=-1, group_fd=-1):
        """Attach fn_name to perf event (ev_type, ev_config) sampled every
        sample_period events or sample_freq times a second, on every online
        CPU when cpu < 0 (one event per CPU, all owned by this object)."""
        if ev_type < 0 or ev_config < 0:
            raise ValueError("ev_type and ev_config are required")
        if bool(sample_period) == bool(sample_freq):
            raise ValueError("give exactly one of sample_period and sample_freq")
        key = f"{ev_type}:{ev_config}"
        self._attach_perf_event(_text(fn_name), key, ev_type, ev_config, sample_period,
                                sample_freq, pid, cpu, group_fd, None)
        return self

    def attach_perf_event_raw(self, attr=-1, fn_name=b"", pid=-1, cpu=-1, group_fd=-1):
        """Attach fn_name to a perf event described by attr, a struct
        perf_event_attr as bytes or a ctypes structure."""
        raw = bytes(attr)
        ev_type = int.from_bytes(raw[0:4], "little")
        ev_config = int.from_bytes(raw[8:16], "little")
        key = f"{ev_type}:{ev_config}"
        self._attach_perf_event(_text(fn_name), key, ev_type, ev_config, 0, 0, pid, cpu,
                                group_fd, raw)
        return self

    def detach_perf_event(self, ev_type=-1, ev_config=-1):
        """Detach every program attached to perf event (ev_type, ev_config)."""
        self._detach("perf_event", f"{ev_type}:{ev_config}")

    # -- networking ----------------------------------------------------------

    @_hybridmethod
    def attach_xdp(self, dev, fn, flags=0):
        """Attach fn (a Function from load_func(..., BPF.XDP), or a name when
        called on the object) to interface dev through an XDP link."""
        bpf, name = _function(self, fn)
        bpf.load_func(name, bpf.XDP)
        dev = _text(dev)
        bpf._attach_xdp(name, dev, _ifindex(dev), flags)
        _xdp_owners[dev] = weakref.ref(bpf)

    @_hybridmethod
    def remove_xdp(self, dev, flags=0):
        """Remove the XDP program from dev: the link of the object that
        attached it, or (attached by someone else) whatever is there."""
        dev = _text(dev)
        owner = _xdp_owners.pop(dev, None)
        owner = owner() if owner else None
        if owner is not None and not owner.closed:
            try:
                owner._detach("xdp", dev)
                return
            except _bpfy.BPFError as exc:
                if exc.errno != errno.ENOENT:
                    raise
        _bpfy.BPF._remove_xdp(_ifindex(dev), flags)

    @_hybridmethod
    def attach_raw_socket(self, fn, dev):
        """Open a raw packet socket on dev ("" for every interface) with fn as
        its filter. The socket fd (owned by the BPF object; closed by
        close()) is returned and set as fn.sock, as bcc does."""
        bpf, name = _function(self, fn)
        bpf.load_func(name, bpf.SOCKET_FILTER)
        sock = bpf._attach_raw_socket(name, _text(dev))
        try:
            fn.sock = sock
        except AttributeError:
            pass
        return sock

    def detach_raw_socket(self, fn, dev):
        """Close the socket attach_raw_socket(fn, dev) opened (bcc has no
        such method: there the socket lives as long as the program)."""
        bpf, name = _function(self, fn)
        bpf._detach("raw_socket", _text(dev), name)

    def attach_tc(self, dev, fn, direction="ingress", mode=None):
        """Attach fn (a name or Function) as a tc classifier on dev at
        direction "ingress" or "egress". mode "auto" (the default, or the
        environment's BPFY_TC_MODE) uses a tcx link and falls back to a
        clsact filter on kernels without tcx; "tcx" or "clsact" force one.
        A clsact filter is removed by detach_tc()/close() but, unlike a tcx
        link, survives a crash; the clsact qdisc is left in place."""
        bpf, name = _function(self, fn)
        direction = _text(direction)
        if direction not in ("ingress", "egress"):
            raise ValueError(f"direction must be 'ingress' or 'egress', not {direction!r}")
        mode = _text(mode) if mode is not None else os.environ.get("BPFY_TC_MODE") or "auto"
        if mode not in _TC_MODES:
            raise ValueError(f"mode must be one of {', '.join(_TC_MODES)}, not {mode!r}")
        dev = _text(dev)
        bpf._attach_tc(name, f"{dev}:{direction}", _ifindex(dev), direction == "egress",
                       _TC_MODES[mode])
        return bpf

    def detach_tc(self, dev, direction="ingress", fn=None):
        """Detach what attach_tc attached on dev at direction."""
        name = _function(self, fn)[1] if fn is not None else None
        self._detach("tc", f"{_text(dev)}:{_text(direction)}", name)

    # -- cgroups and BPF_PROG_ATTACH -------------------------------------------

    def attach_cgroup(self, path, fn, attach_type):
        """Link fn (a name or Function) to the cgroup v2 directory path at
        attach_type (a BPF attach type number, e.g. 0 = BPF_CGROUP_INET_INGRESS);
        the program type follows from attach_type."""
        bpf, name = _function(self, fn)
        bpf._attach_cgroup(name, _text(path), int(attach_type))
        return bpf

    def detach_cgroup(self, path, fn=None, attach_type=0):
        """Detach what attach_cgroup attached at (path, attach_type)."""
        name = _function(self, fn)[1] if fn is not None else None
        self._detach("cgroup", f"{_text(path)}:{int(attach_type)}", name)

    @_hybridmethod
    def attach_func(self, fn, attachable_fd, attach_type, flags=0):
        """BPF_PROG_ATTACH of fn (a loaded Function) to attachable_fd (a
        cgroup, sockmap, ... fd) at attach_type. Unlike links, this survives
        a crash of the process; close() of the object detaches it."""
        bpf, name = _function(self, fn)
        key = f"{os.fstat(attachable_fd).st_ino}:{int(attach_type)}"
        bpf._attach_func(name, key, attachable_fd, int(attach_type), flags)

    @_hybridmethod
    def detach_func(self, fn, attachable_fd, attach_type):
        """Undo attach_func(fn, attachable_fd, attach_type)."""
        bpf, name = _function(self, fn)
        key = f"{os.fstat(attachable_fd).st_ino}:{int(attach_type)}"
        bpf._detach("func", key, name)

    # -- sk_reuseport ---------------------------------------------------------

    @staticmethod
    def _socket_key(sock):
        fd = sock if isinstance(sock, int) else sock.fileno()
        return fd, f"socket:{os.fstat(fd).st_ino}"

    def attach_sk_reuseport(self, sock, fn):
        """Attach fn (SK_REUSEPORT, a name or Function) to the reuseport
        group of sock (a socket or fd bound with SO_REUSEPORT): fn picks the
        group's socket for each new connection, e.g. with
        bpf_sk_select_reuseport() over a REUSEPORT_SOCKARRAY. The attachment
        holds a duplicate of sock until detach_sk_reuseport() or close()."""
        bpf, name = _function(self, fn)
        fd, key = self._socket_key(sock)
        bpf._attach_reuseport(name, key, fd)
        return bpf

    def detach_sk_reuseport(self, sock, fn=None):
        """Detach what attach_sk_reuseport attached to sock's group."""
        name = _function(self, fn)[1] if fn is not None else None
        self._detach("sk_reuseport", self._socket_key(sock)[1], name)

    # -- netfilter -------------------------------------------------------------

    @staticmethod
    def support_netfilter():
        """True when the kernel has netfilter BPF links (a real probe: a tiny
        program is loaded and a link is requested; no hook is registered)."""
        return _bpfy.BPF._probe_netfilter()[0]

    @staticmethod
    def netfilter_refusal():
        """Why the kernel refuses netfilter links, or "" when it has them."""
        ok, reason = _bpfy.BPF._probe_netfilter()
        return "" if ok else reason

    @staticmethod
    def _netfilter_key(pf, hooknum, priority, netns):
        return f"{netns or '-'}:{pf}:{hooknum}:{priority}"

    def attach_netfilter(self, fn, hooknum=NF_INET_LOCAL_IN, pf=NFPROTO_IPV4, priority=-128,
                         flags=0, netns=None):
        """Link fn (a netfilter program: int fn(struct bpf_nf_ctx *ctx)
        returning NF_DROP 0 or NF_ACCEPT 1) to netfilter hook hooknum
        (NF_INET_*) of family pf at priority. The hook lives in this
        process's network namespace, or in netns (a name from `ip netns`, or
        a path such as /proc/PID/ns/net) when given."""
        bpf, name = _function(self, fn)
        key = self._netfilter_key(pf, hooknum, priority, netns)
        args = (name, key, int(pf), int(hooknum), int(priority), int(flags))
        if netns is None:
            bpf._attach_netfilter(*args)
        else:
            _in_netns(netns, bpf._attach_netfilter, *args)
        return bpf

    def detach_netfilter(self, fn=None, hooknum=NF_INET_LOCAL_IN, pf=NFPROTO_IPV4,
                         priority=-128, netns=None):
        """Detach what attach_netfilter attached with the same arguments."""
        name = _function(self, fn)[1] if fn is not None else None
        self._detach("netfilter", self._netfilter_key(pf, hooknum, priority, netns), name)

    # -- struct_ops ------------------------------------------------------------

    def attach_struct_ops(self, map_name):
        """Register the struct_ops map map_name (a SEC(".struct_ops") variable,
        e.g. a struct tcp_congestion_ops) with the kernel; detach_struct_ops()
        or close() unregisters it. A kernel that refuses BPF trampolines
        raises UnsupportedError naming the refusal."""
        self._attach_struct_ops(_text(map_name))
        return self

    def detach_struct_ops(self, map_name):
        """Unregister what attach_struct_ops registered."""
        name = _text(map_name)
        self._detach("struct_ops", name, name)

    # -- iterators -----------------------------------------------------------

    def attach_iter(self, fn):
        """Link iterator program fn (SEC("iter/<target>")) and return a
        readable binary file of one pass of its output; call again for
        another pass. The link lives until detach_iter() or close()."""
        _, name = _function(self, fn)
        return os.fdopen(self._attach_iter(name), "rb")

    def detach_iter(self, fn):
        """Destroy the link attach_iter made."""
        _, name = _function(self, fn)
        self._detach("iter", name, name)
