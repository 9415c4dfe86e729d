/* bpfy compat <linux/errno.h>: types come from vmlinux.h, #define constants from
 * bpfy/kernel_defs.h (both already included through the prelude). */
#include <bpfy/kernel_defs.h>
