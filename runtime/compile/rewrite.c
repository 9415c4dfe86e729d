/*
 * The bcc dialect rewriter's driver: tokenize, scan declarations, rewrite
 * map method calls, then apply the edits without adding or removing lines.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rewrite_internal.h"

/* Methods callable on a map: name.method(...) -> BPFY_MAP_<METHOD>(name, ...). */
static const char *const map_methods[] = {
	"lookup", "lookup_or_init", "lookup_or_try_init", "update", "insert", "delete",
	"increment", "atomic_increment", "perf_submit", "perf_submit_skb", "ringbuf_output",
	"ringbuf_reserve", "ringbuf_submit", "ringbuf_discard", "ringbuf_query", "push", "pop",
	"peek", "get_stackid", "call", "redirect_map", "check_current_task",
	"sk_storage_get", "sk_storage_delete", "inode_storage_get", "inode_storage_delete",
	"task_storage_get", "task_storage_delete", "cgrp_storage_get", "cgrp_storage_delete",
	"sock_map_update", "sock_hash_update", "msg_redirect_map", "msg_redirect_hash",
	"sk_redirect_map", "sk_redirect_hash", "perf_read", "perf_counter_value",
	"get_local_storage",
};

bool rw_tok_is(const struct rewriter *rw, size_t i, const char *text)
{
	size_t n = strlen(text);

	return i < rw->ntok && rw->toks[i].len == n && memcmp(rw->src + rw->toks[i].off, text, n) == 0;
}

bool rw_tok_kind(const struct rewriter *rw, size_t i, enum bpfy_tok_kind kind)
{
	return i < rw->ntok && rw->toks[i].kind == kind;
}

void rw_tok_text(const struct rewriter *rw, size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)rw->toks[i].len, rw->src + rw->toks[i].off);
}

size_t rw_match_paren(const struct rewriter *rw, size_t i)
{
	int depth = 0;

	for (; i < rw->ntok; i++) {
		if (rw_tok_is(rw, i, "("))
			depth++;
		else if (rw_tok_is(rw, i, ")") && --depth == 0)
			return i;
	}
	return rw->ntok;
}

int rw_edit(struct rewriter *rw, uint32_t off, uint32_t del, const char *text)
{
	struct rewrite_edit *e;

	if (rw->nedit == rw->edit_cap) {
		size_t cap = rw->edit_cap ? rw->edit_cap * 2 : 32;

		e = realloc(rw->edits, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		rw->edits = e;
		rw->edit_cap = cap;
	}
	e = &rw->edits[rw->nedit];
	e->text = strdup(text);
	if (!e->text)
		return -ENOMEM;
	e->off = off;
	e->del = del;
	rw->nedit++;
	return 0;
}

int rw_error_at(struct rewriter *rw, size_t tok, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (tok >= rw->ntok)
		return bpfy_error__set(rw->error, BPFY_ERR_COMPILE, EINVAL, "%s: error: %s",
				       rw->name, msg);
	return bpfy_error__set(rw->error, BPFY_ERR_COMPILE, EINVAL, "%s:%u:%u: error: %s",
			       rw->name, rw->toks[tok].line, rw->toks[tok].col, msg);
}

int rw_add_map(struct rewriter *rw, size_t name_tok, const char *kind)
{
	struct bpfy_rewrite_result *out = rw->out;
	struct bpfy_rewrite_map *maps, *m;
	char name[sizeof(m->name)];

	rw_tok_text(rw, name_tok, name, sizeof(name));
	if (bpfy_rewrite_result__map(out, name))
		return 0;	/* e.g. one per #if branch: clang judges real duplicates */
	maps = realloc(out->maps, (out->map_count + 1) * sizeof(*maps));
	if (!maps)
		return -ENOMEM;
	out->maps = maps;
	m = &maps[out->map_count++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->kind, sizeof(m->kind), "%s", kind);
	m->line = rw->toks[name_tok].line;
	return 0;
}

int rw_add_tp(struct rewriter *rw, const char *category, size_t cat_len, const char *event,
	      size_t event_len)
{
	struct bpfy_rewrite_result *out = rw->out;
	struct bpfy_rewrite_tp *tps, *tp;
	size_t i;

	if (cat_len >= sizeof(tp->category) || event_len >= sizeof(tp->event))
		return bpfy_error__set(rw->error, BPFY_ERR_USAGE, ENAMETOOLONG,
				       "%s: tracepoint name too long: %.*s:%.*s", rw->name,
				       (int)cat_len, category, (int)event_len, event);
	for (i = 0; i < out->tp_count; i++)
		if (strlen(out->tps[i].category) == cat_len && strlen(out->tps[i].event) == event_len &&
		    !memcmp(out->tps[i].category, category, cat_len) &&
		    !memcmp(out->tps[i].event, event, event_len))
			return 0;
	tps = realloc(out->tps, (out->tp_count + 1) * sizeof(*tps));
	if (!tps)
		return -ENOMEM;
	out->tps = tps;
	tp = &tps[out->tp_count++];
	snprintf(tp->category, sizeof(tp->category), "%.*s", (int)cat_len, category);
	snprintf(tp->event, sizeof(tp->event), "%.*s", (int)event_len, event);
	return 0;
}

const struct bpfy_rewrite_map *bpfy_rewrite_result__map(const struct bpfy_rewrite_result *result,
							 const char *name)
{
	size_t i;

	for (i = 0; i < result->map_count; i++)
		if (strcmp(result->maps[i].name, name) == 0)
			return &result->maps[i];
	return NULL;
}

static bool is_map_name(const struct rewriter *rw, size_t i)
{
	char name[128];

	if (!rw_tok_kind(rw, i, BPFY_TOK_IDENT) || rw->toks[i].len >= sizeof(name))
		return false;
	rw_tok_text(rw, i, name, sizeof(name));
	return bpfy_rewrite_result__map(rw->out, name) != NULL;
}

static bool is_known_method(const struct rewriter *rw, size_t i)
{
	size_t k;

	for (k = 0; k < sizeof(map_methods) / sizeof(map_methods[0]); k++)
		if (rw_tok_is(rw, i, map_methods[k]))
			return true;
	return false;
}

/* The call's only argument is `sizeof(X)` (tokens [j, ...)): X's tokens [*start, *end). */
static bool sizeof_arg(const struct rewriter *rw, size_t j, size_t *start, size_t *end)
{
	size_t close;

	if (!rw_tok_is(rw, j, "sizeof") || !rw_tok_is(rw, j + 1, "("))
		return false;
	close = rw_match_paren(rw, j + 1);
	if (close >= rw->ntok || close == j + 2 || !rw_tok_is(rw, close + 1, ")"))
		return false;
	*start = j + 2;
	*end = close;
	return true;
}

/*
 * Ring buffers declared by the dialect (BPF_RINGBUF_OUTPUT, BPF_TABLE
 * "ringbuf") come with a per-CPU `<name>__lost` counter: their output and
 * reserve calls count failures there, so Python can report losses (a ring
 * buffer has no kernel-side loss counter). libbpf-style ones have none.
 */
static bool counts_losses(const struct rewriter *rw, size_t i)
{
	const struct bpfy_rewrite_map *map;
	char name[128];

	if (!rw_tok_is(rw, i + 2, "ringbuf_output") && !rw_tok_is(rw, i + 2, "ringbuf_reserve"))
		return false;
	rw_tok_text(rw, i, name, sizeof(name));
	map = bpfy_rewrite_result__map(rw->out, name);
	return map && !strcmp(map->kind, "ringbuf");
}

/* name . method ( [args] ) -> BPFY_MAP_<METHOD>(name[, args]) keeping newlines. */
static int rewrite_call(struct rewriter *rw, size_t i)
{
	const struct bpfy_tok *name = &rw->toks[i], *method = &rw->toks[i + 2];
	const struct bpfy_tok *lparen = &rw->toks[i + 3];
	bool no_args = rw_tok_is(rw, i + 4, ")");
	struct bpfy_cbuf text = { 0 };
	uint32_t k, end = lparen->off + 1;
	size_t tstart = 0, tend = 0;
	bool typed = rw_tok_is(rw, i + 2, "ringbuf_reserve") && sizeof_arg(rw, i + 4, &tstart, &tend);
	int err;

	bpfy_cbuf__puts(&text, "BPFY_MAP_");
	for (k = 0; k < method->len; k++) {
		char c = (char)toupper((unsigned char)rw->src[method->off + k]);

		bpfy_cbuf__append(&text, &c, 1);
	}
	if (typed)
		bpfy_cbuf__puts(&text, "_T");
	if (counts_losses(rw, i))
		bpfy_cbuf__puts(&text, "_COUNTED");
	bpfy_cbuf__printf(&text, "(%.*s%s", (int)name->len, rw->src + name->off,
			  no_args ? "" : ", ");
	if (typed) {	/* ringbuf_reserve(sizeof(T)): T, once more, on the same line */
		for (k = rw->toks[tstart].off; k < rw->toks[tend].off; k++)
			bpfy_cbuf__append(&text, rw->src[k] == '\n' ? " " : &rw->src[k], 1);
		bpfy_cbuf__puts(&text, ", ");
	}
	for (k = name->off; k < end; k++)
		if (rw->src[k] == '\n')
			bpfy_cbuf__append(&text, "\n", 1);
	err = text.oom ? -ENOMEM : rw_edit(rw, name->off, end - name->off, text.data);
	bpfy_cbuf__release(&text);
	return err;
}

static int rewrite_method_calls(struct rewriter *rw)
{
	size_t i;
	int err;

	for (i = 0; i + 3 < rw->ntok; i++) {
		if (!is_map_name(rw, i) && rw_tok_kind(rw, i, BPFY_TOK_IDENT) &&
		    rw_tok_is(rw, i + 1, ".") && is_known_method(rw, i + 2) &&
		    rw_tok_is(rw, i + 3, "(") && !rw->toks[i].pp &&
		    !(i > 0 && (rw_tok_is(rw, i - 1, ".") || rw_tok_is(rw, i - 1, "->"))))
			return rw_error_at(rw, i, "'%.*s' is not a map: '%.*s' is a map method "
					   "(declare '%.*s' with BPF_HASH, BPF_ARRAY, ... first)",
					   (int)rw->toks[i].len, rw->src + rw->toks[i].off,
					   (int)rw->toks[i + 2].len, rw->src + rw->toks[i + 2].off,
					   (int)rw->toks[i].len, rw->src + rw->toks[i].off);
		if (!is_map_name(rw, i) || !rw_tok_is(rw, i + 1, ".") ||
		    !rw_tok_kind(rw, i + 2, BPFY_TOK_IDENT) || !rw_tok_is(rw, i + 3, "("))
			continue;
		if (i > 0 && (rw_tok_is(rw, i - 1, ".") || rw_tok_is(rw, i - 1, "->")))
			continue;	/* a struct member that shares the map's name */
		if (!is_known_method(rw, i + 2))
			return rw_error_at(rw, i + 2, "unknown method '%.*s' on map '%.*s'",
					   (int)rw->toks[i + 2].len, rw->src + rw->toks[i + 2].off,
					   (int)rw->toks[i].len, rw->src + rw->toks[i].off);
		err = rewrite_call(rw, i);
		if (err)
			return err;
		i += 3;
	}
	return 0;
}

static int cmp_edit(const void *a, const void *b)
{
	const struct rewrite_edit *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static void put_line_directive(struct bpfy_cbuf *buf, const char *name)
{
	const char *p;

	bpfy_cbuf__puts(buf, "#line 1 \"");
	for (p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			bpfy_cbuf__append(buf, "\\", 1);
		bpfy_cbuf__append(buf, *p == '\n' ? "?" : p, 1);
	}
	bpfy_cbuf__puts(buf, "\"\n");
}

static int build_output(struct rewriter *rw)
{
	struct bpfy_cbuf buf = { 0 };
	uint32_t pos = 0;
	size_t k;

	if (rw->nedit)	/* qsort(NULL, 0, ...) is undefined */
		qsort(rw->edits, rw->nedit, sizeof(*rw->edits), cmp_edit);
	put_line_directive(&buf, rw->name);
	for (k = 0; k < rw->nedit; k++) {
		const struct rewrite_edit *e = &rw->edits[k];

		if (e->off < pos)	/* overlapping edits: cannot happen, keep the first */
			continue;
		bpfy_cbuf__append(&buf, rw->src + pos, e->off - pos);
		bpfy_cbuf__puts(&buf, e->text);
		pos = e->off + e->del;
	}
	bpfy_cbuf__append(&buf, rw->src + pos, rw->len - pos);
	rw->out->had_license = rw->has_license;
	if (!rw->has_license) {
		if (rw->len && rw->src[rw->len - 1] != '\n')
			bpfy_cbuf__puts(&buf, "\n");
		bpfy_cbuf__printf(&buf, "char _license[] __attribute__((section(\"license\"), used)) = %s;\n",
				  rw->license_macro ? "BPFY__STR(BPF_LICENSE)" : "\"GPL\"");
	}
	rw->out->source_len = buf.len;
	rw->out->source = bpfy_cbuf__steal(&buf);
	return rw->out->source ? 0 : -ENOMEM;
}

int bpfy_rewrite__run(const char *src, size_t len, const char *source_name,
		      struct bpfy_rewrite_result *out, struct bpfy_error *error)
{
	struct rewriter rw = {
		.src = src, .len = len, .name = source_name ? source_name : "<text>",
		.out = out, .error = error,
	};
	size_t k;
	int err;

	memset(out, 0, sizeof(*out));
	if (len > UINT32_MAX / 2) {
		err = bpfy_error__set(error, BPFY_ERR_USAGE, EFBIG, "%s: source too large", rw.name);
		goto err_out;
	}
	if (memchr(src, '\0', len)) {
		err = bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL, "%s: source contains a NUL byte",
				      rw.name);
		goto err_out;
	}
	err = bpfy_lex__tokenize(src, len, rw.name, &rw.toks, &rw.ntok, error);
	if (err)
		goto err_out;
	err = rw_scan_top_level(&rw);
	if (!err)
		err = rw_scan_builtins(&rw);
	if (!err)
		err = rewrite_method_calls(&rw);
	if (!err)
		err = build_output(&rw);
	if (err == -ENOMEM)
		bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory rewriting %s", rw.name);
err_out:
	for (k = 0; k < rw.nedit; k++)
		free(rw.edits[k].text);
	free(rw.edits);
	free(rw.toks);
	if (err)
		bpfy_rewrite_result__release(out);
	return err;
}

void bpfy_rewrite_result__release(struct bpfy_rewrite_result *result)
{
	if (!result)
		return;
	free(result->source);
	free(result->maps);
	free(result->tps);
	memset(result, 0, sizeof(*result));
}
