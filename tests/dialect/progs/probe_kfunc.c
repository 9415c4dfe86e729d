/* KFUNC_PROBE (fentry)
 * mode: trampoline:kfunc__vmlinux__do_unlinkat
 */
KFUNC_PROBE(do_unlinkat, int dfd, struct filename *name) {
    return 0;
}
