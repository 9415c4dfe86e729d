/*
 * libFuzzer target: the tracefs format-file parser that generates
 * struct tracepoint__<category>__<event>. Arbitrary text must give 0 (and a
 * NUL-terminated struct definition) or -EINVAL/-E2BIG with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile/tpformat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpfy_cbuf out = { 0 };
	struct bpfy_error error = { 0 };
	char *text;
	int err;

	/* format files are text read whole: the parser gets a NUL-terminated copy */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err = bpfy_tpformat__parse(text, size, "fuzz", "event", &out, &error);
	if (!err) {
		if (out.oom || (out.len && strlen(out.data) != out.len))
			abort();
	} else if (err > 0 || !error.message[0]) {
		abort();
	}
	bpfy_cbuf__release(&out);
	bpfy_error__clear(&error);
	free(text);
	return 0;
}
