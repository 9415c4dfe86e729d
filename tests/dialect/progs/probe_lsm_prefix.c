/* lsm__<hook> auto-attach name: section lsm/<hook>
 * mode: trampoline:lsm__file_open
 */
int lsm__file_open(u64 *ctx) {
    return 0;
}
