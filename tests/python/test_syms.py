

def test_sym_of_an_exited_process_is_unknown():
    """bcc answers [unknown] for a process that is gone, rather than raising."""
    import subprocess
    child = subprocess.Popen(["/bin/true"])
    child.wait()
    from bpfy import BPF
    assert BPF.sym(0x401000, child.pid) == b"[unknown]"
    assert b"[unknown]" in BPF.sym(0x401000, child.pid, show_module=True)
