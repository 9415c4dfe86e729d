/* KMOD_RET (fmod_ret) returning 0 leaves the function's result alone
 * mode: trampoline:kmod_ret__do_unlinkat
 */
KMOD_RET(do_unlinkat, int dfd, struct filename *name) {
    return 0;
}
