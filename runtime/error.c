/* Error reporting: one struct carries a user-facing message and a log. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfy.h"

void bpfy_error__clear(struct bpfy_error *error)
{
	if (!error)
		return;
	free(error->log);
	memset(error, 0, sizeof(*error));
}

int bpfy_error__set(struct bpfy_error *error, enum bpfy_error_kind kind, int code,
		    const char *fmt, ...)
{
	va_list ap;

	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	if (error) {
		error->kind = kind;
		error->code = code;
		va_start(ap, fmt);
		vsnprintf(error->message, sizeof(error->message), fmt, ap);
		va_end(ap);
	}
	errno = code;
	return -code;
}

void bpfy_error__set_log(struct bpfy_error *error, const char *log, size_t len)
{
	char *copy;

	if (!error)
		return;
	copy = malloc(len + 1);
	if (!copy)
		return;
	memcpy(copy, log, len);
	copy[len] = '\0';
	free(error->log);
	error->log = copy;
}
