/* LINUX_VERSION_CODE of the running kernel (from uname), KERNEL_VERSION() compares
 * mode: attach
 * check: out[0] == KVER
 * check: out[1] == 1
 */
#include <linux/version.h>
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = LINUX_VERSION_CODE; out.update(&k, &v); }
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 18, 0)
    { int k = 1; u64 v = 1; out.update(&k, &v); }
#endif
    return 0;
}
