/*
 * The rewriter's pass over bcc builtins that need more than a macro:
 * bpf_trace_printk/bpf_printk format checking (the kernel's own grammar, so a
 * bad format is a compile error at the user's line:col instead of a silent
 * -EINVAL at run time), bpf_num_cpus() (bcc: the number of online CPUs at
 * compile time) and bpf_usdt_readarg* / libbpf's bpf_usdt_arg* and BPF_USDT
 * (which pull in <bpfy/usdt.h>).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "rewrite_internal.h"

/* bpf_trace_printk: the kernel helper takes 3 arguments after the format (bcc's
 * limit too); bpf_printk goes through bpf_trace_vprintk past 3, up to 12
 * (MAX_BPRINTF_VARARGS). */
#define PRINTK_MAX_ARGS 3
#define VPRINTK_MAX_ARGS 12

/* The format, decoded, with each byte's place in the source. */
struct fmt_text {
	char *bytes;
	uint32_t *line;
	uint32_t *col;
	size_t len;
};

static void fmt_release(struct fmt_text *f)
{
	free(f->bytes);
	free(f->line);
	free(f->col);
	memset(f, 0, sizeof(*f));
}

static int fmt_push(struct fmt_text *f, char c, uint32_t line, uint32_t col, size_t cap)
{
	if (f->len + 1 >= cap)
		return -E2BIG;
	f->bytes[f->len] = c;
	f->line[f->len] = line;
	f->col[f->len] = col;
	f->len++;
	f->bytes[f->len] = '\0';
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the string tokens [first, last] (adjacent literals concatenate). */
static int decode_literals(const struct rewriter *rw, size_t first, size_t last,
			   struct fmt_text *f)
{
	size_t cap = 1, t;
	int err = 0;

	for (t = first; t <= last; t++)
		cap += rw->toks[t].len;
	f->bytes = malloc(cap);
	f->line = calloc(cap, sizeof(*f->line));
	f->col = calloc(cap, sizeof(*f->col));
	if (!f->bytes || !f->line || !f->col)
		return -ENOMEM;
	f->bytes[0] = '\0';
	for (t = first; t <= last && !err; t++) {
		const struct bpfy_tok *tok = &rw->toks[t];
		const char *s = rw->src + tok->off;
		size_t i = 1, end = tok->len - 1;	/* inside the quotes */

		while (i < end && !err) {
			uint32_t col = tok->col + (uint32_t)i;
			int v = (unsigned char)s[i], d;

			if (s[i] != '\\' || i + 1 >= end) {
				i++;
			} else if (s[i + 1] == 'x') {
				i += 2;
				v = 0;
				while (i < end && (d = hexval(s[i])) >= 0) {
					v = (v << 4) | d;
					i++;
				}
			} else if (s[i + 1] >= '0' && s[i + 1] <= '7') {
				size_t n = 0;

				i++;
				v = 0;
				while (i < end && n < 3 && s[i] >= '0' && s[i] <= '7') {
					v = (v << 3) | (s[i] - '0');
					i++;
					n++;
				}
			} else {
				static const char from[] = "ntrabfv", to[] = "\n\t\r\a\b\f\v";
				const char *p = strchr(from, s[i + 1]);

				v = p ? to[p - from] : s[i + 1];	/* \\ \" \' \? */
				i += 2;
			}
			err = fmt_push(f, (char)v, tok->line, col, cap);
		}
	}
	return err;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_punct(char c)
{
	return c > ' ' && c < 127 && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
	       !(c >= 'A' && c <= 'Z');
}

static bool ends_word(char c)
{
	return c == '\0' || is_space(c) || is_punct(c);
}

/*
 * The kernel's bpf_bprintf_prepare() grammar: after '%', flags "0+- ",
 * a width, then one of: d i u x X with an optional l or ll; c; s; p, pK,
 * px, ps, pS (not followed by a letter), pks, pus, pi4, pI4, pi6, pI6; or %%.
 * Returns the number of conversions, or -1 with *bad = index and *why set.
 */
static int count_conversions(const struct fmt_text *f, size_t *bad, const char **why)
{
	const char *s = f->bytes;
	size_t i, start;
	int n = 0;

	for (i = 0; i < f->len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 128 || (c < 32 && !is_space((char)c)) || c == 127) {
			*bad = i;
			*why = "the kernel's printk formats take printable ASCII and whitespace only";
			return -1;
		}
		if (s[i] != '%')
			continue;
		start = i;
		if (s[i + 1] == '%') {
			i++;
			continue;
		}
		i++;
		while (s[i] == '0' || s[i] == '+' || s[i] == '-' || s[i] == ' ')
			i++;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		n++;
		if (s[i] == 'p') {
			if ((s[i + 1] == 'k' || s[i + 1] == 'u') && s[i + 2] == 's' &&
			    ends_word(s[i + 3])) {
				i += 2;
				continue;
			}
			if (ends_word(s[i + 1]) || s[i + 1] == 'K' || s[i + 1] == 'x' ||
			    s[i + 1] == 's' || s[i + 1] == 'S') {
				i += ends_word(s[i + 1]) ? 0 : 1;
				continue;
			}
			if ((s[i + 1] == 'i' || s[i + 1] == 'I') && (s[i + 2] == '4' || s[i + 2] == '6')) {
				i += 2;
				continue;
			}
			*bad = start;
			*why = "unsupported %p extension (the kernel takes %p, %pK, %px, %ps, %pS, "
			       "%pks, %pus, %pi4, %pI4, %pi6, %pI6)";
			return -1;
		}
		if (s[i] == 's') {
			if (!ends_word(s[i + 1])) {
				*bad = start;
				*why = "%s must be followed by a space, punctuation or the end of the "
				       "format (kernel rule)";
				return -1;
			}
			continue;
		}
		if (s[i] == 'c')
			continue;
		if (s[i] == 'l')
			i++;
		if (s[i] == 'l')
			i++;
		if (s[i] == 'd' || s[i] == 'i' || s[i] == 'u' || s[i] == 'x' || s[i] == 'X')
			continue;
		*bad = start;
		*why = "unsupported conversion: bpf_trace_printk takes %d %i %u %x %X (with l or ll), "
		       "%c, %s, %p and %% (no precision, no h, no floating point)";
		return -1;
	}
	return n;
}

/* Checks one call: name at i, '(' at i + 1. */
static int check_printk(struct rewriter *rw, size_t i)
{
	bool vprintk = rw_tok_is(rw, i, "bpf_printk");
	size_t rparen = rw_match_paren(rw, i + 1), j, last, nargs = 0, bad = 0;
	struct fmt_text f = { 0 };
	const char *why = NULL;
	int depth = 0, n, err;
	char name[32];

	if (rparen >= rw->ntok)
		return 0;	/* clang reports the unbalanced call */
	rw_tok_text(rw, i, name, sizeof(name));
	for (j = i + 2; j < rparen; j++) {
		if (rw_tok_is(rw, j, "(") || rw_tok_is(rw, j, "[") || rw_tok_is(rw, j, "{"))
			depth++;
		else if (rw_tok_is(rw, j, ")") || rw_tok_is(rw, j, "]") || rw_tok_is(rw, j, "}"))
			depth--;
		else if (depth == 0 && rw_tok_is(rw, j, ","))
			nargs++;
	}
	if (rparen == i + 2)
		return rw_error_at(rw, i, "%s needs a format string", name);
	if (!vprintk && nargs > PRINTK_MAX_ARGS)
		return rw_error_at(rw, i, "bpf_trace_printk takes at most %d arguments after the "
				   "format, not %zu (the kernel helper's limit; bpf_printk takes up "
				   "to %d)", PRINTK_MAX_ARGS, nargs, VPRINTK_MAX_ARGS);
	if (nargs > VPRINTK_MAX_ARGS)
		return rw_error_at(rw, i, "bpf_printk takes at most %d arguments after the format, "
				   "not %zu", VPRINTK_MAX_ARGS, nargs);
	for (last = i + 2; rw_tok_kind(rw, last, BPFY_TOK_STRING); last++)
		;
	if (last == i + 2 || (!rw_tok_is(rw, last, ",") && last != rparen))
		return 0;	/* not a plain literal: the macro's static array rejects it */
	err = decode_literals(rw, i + 2, last - 1, &f);
	if (err) {
		fmt_release(&f);
		return err == -E2BIG ? 0 : err;
	}
	n = count_conversions(&f, &bad, &why);
	if (n < 0) {
		err = bpfy_error__set(rw->error, BPFY_ERR_COMPILE, EINVAL,
				      "%s:%u:%u: error: %s: %s", rw->name, f.line[bad], f.col[bad],
				      name, why);
	} else if ((size_t)n > nargs) {
		err = rw_error_at(rw, i, "%s: the format has %d conversions but %zu argument%s",
				  name, n, nargs, nargs == 1 ? "" : "s");
	}
	fmt_release(&f);
	return err;
}

/* bpf_num_cpus() -> the number of online CPUs now, as bcc does. */
static int replace_num_cpus(struct rewriter *rw, size_t i)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char text[64];
	size_t k = 0;

	if (cpus <= 0)
		cpus = 1;
	k = (size_t)snprintf(text, sizeof(text), "%ld", cpus);
	for (uint32_t off = rw->toks[i].off; off < rw->toks[i + 2].off && k + 1 < sizeof(text); off++)
		if (rw->src[off] == '\n')
			text[k++] = '\n';
	text[k] = '\0';
	return rw_edit(rw, rw->toks[i].off, rw->toks[i + 2].off + 1 - rw->toks[i].off, text);
}

int rw_scan_builtins(struct rewriter *rw)
{
	size_t i;
	int err;

	for (i = 0; i < rw->ntok; i++) {
		const struct bpfy_tok *t = &rw->toks[i];

		if (t->kind != BPFY_TOK_IDENT)
			continue;
		if (rw_tok_is(rw, i, "bpf_usdt_readarg") || rw_tok_is(rw, i, "bpf_usdt_readarg_p") ||
		    rw_tok_is(rw, i, "bpf_usdt_arg") || rw_tok_is(rw, i, "bpf_usdt_arg_cnt") ||
		    rw_tok_is(rw, i, "bpf_usdt_cookie") || rw_tok_is(rw, i, "BPF_USDT")) {
			rw->out->uses_usdt = true;
			continue;
		}
		if (t->pp || !rw_tok_is(rw, i + 1, "(") ||
		    (i > 0 && (rw_tok_is(rw, i - 1, ".") || rw_tok_is(rw, i - 1, "->"))))
			continue;
		if (rw_tok_is(rw, i, "bpf_trace_printk") || rw_tok_is(rw, i, "bpf_printk")) {
			err = check_printk(rw, i);
		} else if (rw_tok_is(rw, i, "bpf_num_cpus") && rw_tok_is(rw, i + 2, ")")) {
			err = replace_num_cpus(rw, i);
		} else {
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}
