/* BPF_ARRAY with leaf and size
 * mode: attach
 * check: b['a'][2].value == 5
 */
BPF_ARRAY(a, u32, 4);

RAW_TRACEPOINT_PROBE(sys_enter) {
    if ((bpf_get_current_pid_tgid() >> 32) != PID) return 0;
    int k = 2; u32 v = 5; a.update(&k, &v);
    return 0;
}
