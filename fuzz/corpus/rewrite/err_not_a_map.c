/* a map method on a name that is not a map
 * mode: error:3:5
 */
int f(void *ctx) {
    u64 x = 0;
    counts.increment(x);
    return 0;
}
