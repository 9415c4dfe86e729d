/* Parses tracefs format files into C structs with the kernel's exact layout. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpformat.h"

struct tp_field {
	char type[128];		/* declaration text before the name */
	char name[128];
	char count[32];		/* array length text, "" when not an array */
	bool is_array;
	bool data_loc;		/* __data_loc: 32-bit (length << 16 | offset) */
	bool rel_loc;
	unsigned long offset;
	unsigned long size;
	bool is_signed;
};

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

static bool is_ident(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

/* "key:123;" somewhere in line -> value. */
static bool get_number(const char *line, const char *key, unsigned long *value)
{
	const char *p = strstr(line, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	errno = 0;
	*value = strtoul(p, &end, 10);
	return end != p && errno == 0 && *end == ';';
}

/* Splits "const char * filename" / "char comm[16]" / "__data_loc char[] x". */
static bool parse_decl(char *decl, struct tp_field *f)
{
	char *p, *bracket, *name;

	trim(decl);
	if (!strncmp(decl, "__data_loc ", 11))
		f->data_loc = true;
	else if (!strncmp(decl, "__rel_loc ", 10))
		f->rel_loc = true;
	p = decl + strlen(decl);
	if (p > decl && p[-1] == ']') {
		bracket = strrchr(decl, '[');
		if (!bracket)
			return false;
		p[-1] = '\0';
		snprintf(f->count, sizeof(f->count), "%s", bracket + 1);
		trim(f->count);
		*bracket = '\0';
		f->is_array = true;
		trim(decl);
		p = decl + strlen(decl);
	}
	name = p;
	while (name > decl && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
		name--;
	if (name == decl || !is_ident(name) || strlen(name) >= sizeof(f->name))
		return false;
	snprintf(f->name, sizeof(f->name), "%s", name);
	*name = '\0';
	trim(decl);
	if (f->data_loc || f->rel_loc) {
		/* "__data_loc char[] name": the array part precedes the name */
		f->is_array = false;
		return true;
	}
	if (!*decl || strlen(decl) >= sizeof(f->type))
		return false;
	snprintf(f->type, sizeof(f->type), "%s", decl);
	return true;
}

static bool parse_field_line(const char *line, struct tp_field *f)
{
	const char *start = strstr(line, "field:"), *semi;
	char decl[256];
	unsigned long is_signed = 0;

	memset(f, 0, sizeof(*f));
	if (!start)
		return false;
	start += 6;
	semi = strchr(start, ';');
	if (!semi || (size_t)(semi - start) >= sizeof(decl))
		return false;
	snprintf(decl, sizeof(decl), "%.*s", (int)(semi - start), start);
	if (!get_number(semi, "offset:", &f->offset) || !get_number(semi, "size:", &f->size))
		return false;
	get_number(semi, "signed:", &is_signed);	/* old kernels lack it */
	f->is_signed = is_signed != 0;
	if (!parse_decl(decl, f))
		return false;
	return f->size > 0 || f->is_array;	/* only flexible arrays have size 0 */
}

static const char *int_type(unsigned long size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? "s8" : "u8";
	case 2: return is_signed ? "s16" : "u16";
	case 4: return is_signed ? "s32" : "u32";
	case 8: return is_signed ? "s64" : "u64";
	default: return NULL;
	}
}

static bool is_char_type(const char *type)
{
	return !strcmp(type, "char") || !strcmp(type, "signed char") ||
	       !strcmp(type, "unsigned char");
}

/* Kernel-only pointer annotations that mean nothing to a BPF program. */
static const char *const annotations[] = {
	"__user", "__percpu", "__rcu", "__iomem", "__seg_gs", "__seg_fs", "__force", "__kernel",
	"__bitwise", "__private", "__nocast", "__safe",
};

/* Removes annotation words from a pointer type, in place. */
static void strip_annotations(char *type)
{
	size_t k, n;
	char *p;

	for (k = 0; k < sizeof(annotations) / sizeof(annotations[0]); k++) {
		n = strlen(annotations[k]);
		while ((p = strstr(type, annotations[k])) &&
		       (p == type || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
		       !(isalnum((unsigned char)p[n]) || p[n] == '_'))
			memmove(p, p + n, strlen(p + n) + 1);
	}
}

/* Appends the member for f; *align gets its natural alignment. */
static void emit_member(struct bpfy_cbuf *out, const struct tp_field *f, unsigned long *align)
{
	const char *it;
	unsigned long n;
	char *end;

	if (f->data_loc || f->rel_loc) {
		bpfy_cbuf__printf(out, "\tint %s_%s", f->data_loc ? "data_loc" : "rel_loc",
				  f->name);
		*align = 4;
		return;
	}
	if (f->is_array && f->size == 0) {	/* flexible array member: keep its type */
		bpfy_cbuf__printf(out, "\t%s %s[0]", f->type, f->name);
		*align = 0;	/* unknown: always packed */
		return;
	}
	if (f->is_array) {
		n = strtoul(f->count, &end, 10);
		if (is_char_type(f->type)) {
			bpfy_cbuf__printf(out, "\t%s %s[%lu]", f->type, f->name, f->size);
			*align = 1;
			return;
		}
		it = (*end == '\0' && n > 0 && f->size % n == 0) ? int_type(f->size / n, f->is_signed) : NULL;
		if (it) {
			bpfy_cbuf__printf(out, "\t%s %s[%lu]", it, f->name, n);
			*align = f->size / n;
			return;
		}
		bpfy_cbuf__printf(out, "\tu8 %s[%lu]", f->name, f->size);
		*align = 1;
		return;
	}
	if (strchr(f->type, '*') && f->size == sizeof(void *)) {
		char type[sizeof(f->type)];

		snprintf(type, sizeof(type), "%s", f->type);
		strip_annotations(type);
		bpfy_cbuf__printf(out, "\t%s%s%s", type, type[strlen(type) - 1] == '*' ? "" : " ",
				  f->name);
		*align = 8;
		return;
	}
	it = int_type(f->size, f->is_signed);
	if (it) {
		bpfy_cbuf__printf(out, "\t%s %s", it, f->name);
		*align = f->size;
		return;
	}
	bpfy_cbuf__printf(out, "\tu8 %s[%lu]", f->name, f->size);
	*align = 1;
}

int bpfy_tpformat__parse(const char *text, size_t len, const char *category,
			 const char *event, struct bpfy_cbuf *out, struct bpfy_error *error)
{
	struct bpfy_cbuf asserts = { 0 };
	const char *line = text, *end = text + len, *nl;
	char buf[512];
	struct tp_field f;
	unsigned long pos = 0, align;
	unsigned int lineno = 0, npad = 0, nfield = 0;
	int err = 0;

	bpfy_cbuf__printf(out, "struct tracepoint__%s__%s {\n", category, event);
	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		lineno++;
		if ((size_t)(nl - line) >= sizeof(buf))
			continue;
		snprintf(buf, sizeof(buf), "%.*s", (int)(nl - line), line);
		trim(buf);
		if (strncmp(buf, "field:", 6) != 0)
			continue;
		if (!parse_field_line(buf, &f)) {
			err = bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
					      "malformed tracefs format of %s:%s, line %u: %s",
					      category, event, lineno, buf);
			goto err_out;
		}
		if (f.offset < pos) {
			err = bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
					      "malformed tracefs format of %s:%s, line %u: field %s "
					      "at offset %lu overlaps the previous one (ends at %lu)",
					      category, event, lineno, f.name, f.offset, pos);
			goto err_out;
		}
		if (f.offset > pos)
			bpfy_cbuf__printf(out, "\tchar __bpfy_pad%u[%lu];\n", npad++, f.offset - pos);
		emit_member(out, &f, &align);
		bpfy_cbuf__puts(out, !align || f.offset % align ? " __attribute__((packed));\n" : ";\n");
		bpfy_cbuf__printf(&asserts,
				  "_Static_assert(__builtin_offsetof(struct tracepoint__%s__%s, %s%s) "
				  "== %lu, \"tracepoint %s:%s: field %s\");\n",
				  category, event,
				  f.data_loc ? "data_loc_" : f.rel_loc ? "rel_loc_" : "", f.name,
				  f.offset, category, event, f.name);
		pos = f.offset + f.size;
		nfield++;
	}
	if (!nfield) {
		err = bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				      "malformed tracefs format of %s:%s: no fields", category, event);
		goto err_out;
	}
	bpfy_cbuf__puts(out, "};\n");
	if (asserts.data)
		bpfy_cbuf__puts(out, asserts.data);
	if (out->oom || asserts.oom)
		err = bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
err_out:
	bpfy_cbuf__release(&asserts);
	return err;
}

static bool is_safe_name(const char *s)
{
	return *s && strlen(s) < 128 && is_ident(s);
}

int bpfy_tpformat__load(const char *tracefs, const char *category, const char *event,
			struct bpfy_cbuf *out, struct bpfy_error *error)
{
	char path[512], *text = NULL;
	size_t len;
	int err;

	if (!is_safe_name(category) || !is_safe_name(event))
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				       "invalid tracepoint name %s:%s", category, event);
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs, category, event);
	err = bpfy_file__read(path, &text, &len);
	if (err == -ENOENT)
		return bpfy_error__set(error, BPFY_ERR_USAGE, ENOENT,
				       "tracepoint %s:%s does not exist (no %s)", category, event,
				       path);
	if (err)
		return bpfy_error__set(error, BPFY_ERR_OS, err, "cannot read %s: %s", path,
				       strerror(-err));
	err = bpfy_tpformat__parse(text, len, category, event, out, error);
	free(text);
	return err;
}
