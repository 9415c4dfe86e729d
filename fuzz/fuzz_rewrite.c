/*
 * libFuzzer target: the bcc dialect rewriter (tokenizer + source edits) on
 * arbitrary bytes. Every input must end in 0 or a COMPILE/USAGE error,
 * never a crash, a leak or undefined behaviour; on success the output must
 * be a NUL-terminated string of the stated length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile/rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpfy_rewrite_result out = { 0 };
	struct bpfy_error error = { 0 };
	struct bpfy_tok *toks = NULL;
	size_t count = 0, i;
	int err;

	err = bpfy_lex__tokenize((const char *)data, size, "<fuzz>", &toks, &count, &error);
	if (!err) {
		for (i = 0; i < count; i++)
			if ((size_t)toks[i].off + toks[i].len > size)
				abort();	/* a token outside the source */
	}
	free(toks);
	bpfy_error__clear(&error);

	err = bpfy_rewrite__run((const char *)data, size, "<fuzz>", &out, &error);
	if (!err) {
		if (!out.source || strlen(out.source) != out.source_len)
			abort();
		for (i = 0; i < out.map_count; i++)
			if (bpfy_rewrite_result__map(&out, out.maps[i].name) == NULL)
				abort();
	} else if (err > 0 || !error.message[0]) {
		abort();	/* errors are negative and explained */
	}
	bpfy_rewrite_result__release(&out);
	bpfy_error__clear(&error);
	return 0;
}
