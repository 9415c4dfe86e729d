/* an unterminated comment
 * mode: error:2:1
 */
int f(void *ctx) { return 0; }
/* never closed
