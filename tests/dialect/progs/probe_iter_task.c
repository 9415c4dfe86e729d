/* BPF_ITER(task): a task iterator printing tgid, pid and comm, read from Python
 * mode: iter:bpf_iter__task
 * check: f"{PID} {PID} {COMM}" in ITER.splitlines()
 * check: len(ITER.splitlines()) > 3
 */
BPF_ITER(task) {
    struct seq_file *seq = ctx->meta->seq;
    struct task_struct *task = ctx->task;
    if (!task)
        return 0;
    BPF_SEQ_PRINTF(seq, "%d %d %s\n", task->tgid, task->pid, task->comm);
    return 0;
}
