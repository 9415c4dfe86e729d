/* an undeclared identifier (clang)
 * mode: error:2:12
 */
int f(void *ctx) {
    return nosuch;
}
