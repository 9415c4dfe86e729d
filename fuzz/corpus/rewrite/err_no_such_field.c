/* a field task_struct does not have (clang, through vmlinux.h)
 * mode: error:3:15
 */
int f(void *ctx) {
    struct task_struct *t = (void *)bpf_get_current_task();
    return t->no_such_field;
}
