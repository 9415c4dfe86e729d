/*
 * libbpf prints through one process-wide callback. The runtime never prints:
 * we capture libbpf's warnings per thread while a runtime call runs, so that
 * errors can carry them (the verifier log travels this way).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CAPTURE_LIMIT (16u << 20)	/* verifier logs can be large; bound them */

struct capture {
	bool active;
	char *text;
	size_t len;
	size_t cap;
};

static __thread struct capture capture;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void append(const char *chunk, size_t n)
{
	size_t want = capture.len + n + 1;
	char *grown;

	if (want > CAPTURE_LIMIT)
		return;
	if (want > capture.cap) {
		size_t cap = capture.cap ? capture.cap : 4096;

		while (cap < want)
			cap *= 2;
		grown = realloc(capture.text, cap);
		if (!grown)
			return;
		capture.text = grown;
		capture.cap = cap;
	}
	memcpy(capture.text + capture.len, chunk, n);
	mark_kernel_filled(capture.text + capture.len, n);	/* verifier logs */
	capture.len += n;
	capture.text[capture.len] = '\0';
}

static int print_to_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char small[1024];
	va_list copy;
	int n;

	if (!capture.active || level == LIBBPF_DEBUG)
		return 0;
	va_copy(copy, ap);
	n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		return 0;
	if ((size_t)n < sizeof(small)) {
		append(small, n);
	} else {
		char *big = malloc((size_t)n + 1);

		if (!big)
			return 0;
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		append(big, n);
		free(big);
	}
	return n;
}

static void install(void)
{
	libbpf_set_print(print_to_capture);
}

void bpfy_libbpf_log__begin(void)
{
	pthread_once(&install_once, install);
	free(capture.text);
	memset(&capture, 0, sizeof(capture));
	capture.active = true;
}

char *bpfy_libbpf_log__end(void)
{
	char *text = capture.text;

	memset(&capture, 0, sizeof(capture));
	return text;
}
