"""Which kernel features this kernel refuses, found by real attach attempts,
and require(): skip a test on a kernel that refuses the feature, but fail it
in the `make test-vm` guest (BPFY_VM_GUEST=1), where every feature must work."""
import functools
import os

import pytest

IN_GUEST = os.environ.get("BPFY_VM_GUEST") == "1"


@functools.lru_cache(maxsize=None)
def _kprobe_refusal():
    from bpfy import BPF, UnsupportedError
    src = "int kp(struct pt_regs *ctx) { return 0; }"
    with BPF(text=src) as b:
        event = b.get_syscall_fnname("getppid")
        try:
            b.attach_kprobe(event=event, fn_name="kp")
        except UnsupportedError as exc:
            return str(exc)
        b.detach_kprobe(event=event)
    return ""


@functools.lru_cache(maxsize=None)
def _trampoline_refusal(kind):
    from bpfy import BPF
    return BPF.trampoline_refusal(kind)


def refusal(feature):
    """Why this kernel refuses feature ("kprobe", "fentry", "fexit",
    "fmod_ret", "lsm"), or "" when a real attach worked."""
    if feature == "kprobe":
        return _kprobe_refusal()
    return _trampoline_refusal(feature)


def require(feature):
    """Skip (fail in the guest, where the feature must work) unless the
    kernel lets feature attach."""
    reason = refusal(feature)
    if not reason:
        return
    if IN_GUEST:
        pytest.fail(f"the guest kernel refuses {feature}: {reason}")
    pytest.skip(f"{feature} refused by this kernel: {reason}")
