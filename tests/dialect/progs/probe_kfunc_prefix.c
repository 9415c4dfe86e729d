/* kfunc__<fn> auto-attach name: section fentry/<fn>
 * mode: trampoline:kfunc__do_unlinkat
 */
int kfunc__do_unlinkat(u64 *ctx) {
    return 0;
}
