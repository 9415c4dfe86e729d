/* A growable text buffer for building sources, headers and argv strings. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int cbuf_reserve(struct bpfy_cbuf *buf, size_t extra)
{
	size_t need = buf->len + extra + 1;
	size_t cap;
	char *data;

	if (buf->oom)
		return -ENOMEM;
	if (need <= buf->cap)
		return 0;
	cap = buf->cap ? buf->cap : 256;
	while (cap < need)
		cap *= 2;
	data = realloc(buf->data, cap);
	if (!data) {
		buf->oom = true;
		return -ENOMEM;
	}
	buf->data = data;
	buf->cap = cap;
	return 0;
}

int bpfy_cbuf__append(struct bpfy_cbuf *buf, const char *data, size_t len)
{
	int err = cbuf_reserve(buf, len);

	if (err)
		return err;
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

int bpfy_cbuf__puts(struct bpfy_cbuf *buf, const char *str)
{
	return bpfy_cbuf__append(buf, str, strlen(str));
}

int bpfy_cbuf__printf(struct bpfy_cbuf *buf, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	err = cbuf_reserve(buf, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
	return 0;
}

char *bpfy_cbuf__steal(struct bpfy_cbuf *buf)
{
	char *data;

	if (buf->oom || cbuf_reserve(buf, 0)) {
		bpfy_cbuf__release(buf);
		errno = ENOMEM;
		return NULL;
	}
	data = buf->data;
	memset(buf, 0, sizeof(*buf));
	return data;
}

void bpfy_cbuf__release(struct bpfy_cbuf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	memset(buf, 0, sizeof(*buf));
}
