/* bcc's usual kernel includes resolve without kernel headers
 * mode: attach
 * check: out[0] == 16
 */
#include <uapi/linux/ptrace.h>
#include <linux/sched.h>
#include <linux/fs.h>
#include <net/sock.h>
#include <bcc/proto.h>
BPF_ARRAY(out, u64, 16);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    { int k = 0; u64 v = TASK_COMM_LEN; out.update(&k, &v); }
    return 0;
}
