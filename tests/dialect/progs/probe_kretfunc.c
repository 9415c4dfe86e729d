/* KRETFUNC_PROBE (fexit) with the return value
 * mode: trampoline:kretfunc__vmlinux__do_unlinkat
 */
KRETFUNC_PROBE(do_unlinkat, int dfd, struct filename *name, int ret) {
    return 0;
}
