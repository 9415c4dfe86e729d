/* unknown method on a map
 * mode: error:3:7
 */
BPF_HASH(h);
int f(void *ctx) {
    h.frobnicate(1);
    return 0;
}
