/* assigning a struct to an int (clang)
 * mode: error:4:9
 */
struct my_s { int a; };
int f(void *ctx) {
    struct my_s v = {};
    int x = v;
    return x;
}
