/* a kernel header bpfy does not provide
 * mode: error:1:10
 */
#include <linux/no_such_header.h>
int f(void *ctx) { return 0; }
