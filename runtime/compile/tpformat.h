/*
 * Tracepoint argument structs from tracefs format files:
 * struct tracepoint__<category>__<event>, laid out at the kernel's offsets.
 */
#ifndef BPFY_COMPILE_TPFORMAT_H
#define BPFY_COMPILE_TPFORMAT_H

#include <stddef.h>

#include "bpfy.h"
#include "internal.h"

/*
 * Appends to out the C definition of struct tracepoint__<category>__<event>
 * parsed from the text of its format file, followed by one _Static_assert
 * per field checking its offset. Malformed text: BPFY_ERR_USAGE, -EINVAL.
 */
int bpfy_tpformat__parse(const char *text, size_t len, const char *category,
			 const char *event, struct bpfy_cbuf *out, struct bpfy_error *error);

/*
 * Reads <tracefs>/events/<category>/<event>/format and appends its struct.
 * A missing tracepoint is BPFY_ERR_USAGE, -ENOENT, naming category:event.
 */
int bpfy_tpformat__load(const char *tracefs, const char *category, const char *event,
			struct bpfy_cbuf *out, struct bpfy_error *error);

#endif /* BPFY_COMPILE_TPFORMAT_H */
