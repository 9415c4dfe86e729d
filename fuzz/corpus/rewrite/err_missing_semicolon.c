/* a missing semicolon (clang)
 * mode: error:2:14
 */
int f(void *ctx) {
    int x = 1
    return x;
}
