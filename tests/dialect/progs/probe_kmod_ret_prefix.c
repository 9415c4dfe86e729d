/* kmod_ret__<fn> auto-attach name: section fmod_ret/<fn>
 * mode: trampoline:kmod_ret__do_unlinkat
 */
int kmod_ret__do_unlinkat(u64 *ctx) {
    return 0;
}
