/* kretfunc__vmlinux__<fn> auto-attach name (bcc's KRETFUNC_PROBE spelling): section fexit/<fn>
 * mode: trampoline:kretfunc__vmlinux__do_unlinkat
 */
int kretfunc__vmlinux__do_unlinkat(u64 *ctx) {
    return 0;
}
